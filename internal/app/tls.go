package app

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/krest-dev/krest/internal/config"
)

// HTTPS for the REST API and the embedded registry (server_tls_*). The
// metrics listener (metrics_port) stays plain HTTP on purpose: it exists to
// be scraped from the operations network by Prometheus, which would
// otherwise need the API's certificates and client certificates; an
// operator who does not want it reachable leaves metrics_port unset (then
// /metrics is served on the HTTPS REST listener) or binds it to a private
// address.

// certCheckInterval is how often a handshake may look at the certificate
// files for a rotation (cert-manager, ACME clients): at most one stat of
// each file per interval, whatever the handshake rate.
const certCheckInterval = time.Second

// serverTLS returns the tls.Config of the HTTPS listeners, or nil when
// HTTPS is off. The certificate and key are read now (an unreadable or
// mismatched pair is an error naming the keys) and again whenever their
// files change; the client CAs (server_tls_cafile) are read once.
func serverTLS(cfg config.Config, log *slog.Logger) (*tls.Config, *certFiles, error) {
	if !cfg.ServesTLS() {
		return nil, nil, nil
	}
	cf := &certFiles{certFile: cfg.ServerTLSCertfile, keyFile: cfg.ServerTLSKeyfile, log: log}
	if err := cf.load(); err != nil {
		return nil, nil, err
	}
	tc := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: cf.get,
	}
	switch cfg.ClientAuth() {
	case "request":
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	case "require":
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	default:
		tc.ClientAuth = tls.NoClientCert
	}
	if cfg.ServerTLSCAfile != "" {
		pool, err := readCAs(cfg.ServerTLSCAfile)
		if err != nil {
			return nil, nil, fmt.Errorf("server_tls_cafile: %w", err)
		}
		tc.ClientCAs = pool
	}
	return tc, cf, nil
}

func readCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no PEM certificate in " + path)
	}
	return pool, nil
}

// certFiles serves the certificate of a certificate and key file pair and
// reloads it when either file changes. A pair that fails to load (a
// rotation caught between writing the two files) is reported once and the
// previous certificate stays in use until the files make a good pair.
type certFiles struct {
	certFile, keyFile string
	log               *slog.Logger
	cur               atomic.Pointer[tls.Certificate]
	next              atomic.Int64 // unix nanoseconds of the next file check

	mu                  sync.Mutex // serialises checks; guards the stamps
	certStamp, keyStamp fileStamp  // of the pair in cur
	badCert, badKey     fileStamp  // of the last pair that failed to load
}

// fileStamp identifies a version of a file; Kubernetes swaps a secret's
// files through a symlink, which os.Stat follows to the new version.
type fileStamp struct {
	mod  time.Time
	size int64
}

func stamp(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{fi.ModTime(), fi.Size()}, nil
}

// load reads the pair for the first time; errors name the config keys.
func (c *certFiles) load() error {
	cs, err := stamp(c.certFile)
	if err != nil {
		return fmt.Errorf("server_tls_certfile: %w", err)
	}
	ks, err := stamp(c.keyFile)
	if err != nil {
		return fmt.Errorf("server_tls_keyfile: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("server_tls_certfile %s and server_tls_keyfile %s: %w", c.certFile, c.keyFile, err)
	}
	c.cur.Store(&cert)
	c.certStamp, c.keyStamp = cs, ks
	c.next.Store(time.Now().Add(certCheckInterval).UnixNano())
	return nil
}

// get is tls.Config.GetCertificate. The handshake that finds a check due
// (and wins the CompareAndSwap) looks at the files; all others, and that one
// too when nothing changed, return the current certificate without a lock.
func (c *certFiles) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	now := time.Now().UnixNano()
	if next := c.next.Load(); now >= next && c.next.CompareAndSwap(next, now+int64(certCheckInterval)) {
		c.reload()
	}
	return c.cur.Load(), nil
}

// reload loads the pair again when a file changed since it was loaded.
func (c *certFiles) reload() {
	c.mu.Lock()
	defer c.mu.Unlock()
	cs, err1 := stamp(c.certFile)
	ks, err2 := stamp(c.keyFile)
	if err := errors.Join(err1, err2); err != nil {
		if cs != c.badCert || ks != c.badKey {
			c.badCert, c.badKey = cs, ks
			c.log.Warn("cannot read the HTTPS certificate files; still serving the previous certificate", "err", err)
		}
		return
	}
	if (cs == c.certStamp && ks == c.keyStamp) || (cs == c.badCert && ks == c.badKey) {
		return
	}
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		c.badCert, c.badKey = cs, ks
		c.log.Warn("the HTTPS certificate files changed but do not load; still serving the previous certificate",
			"certfile", c.certFile, "keyfile", c.keyFile, "err", err)
		return
	}
	c.cur.Store(&cert)
	c.certStamp, c.keyStamp = cs, ks
	attrs := []any{"certfile", c.certFile}
	if cert.Leaf != nil {
		attrs = append(attrs, "subject", cert.Leaf.Subject.String(), "not_after", cert.Leaf.NotAfter)
	}
	c.log.Info("reloaded the HTTPS certificate", attrs...)
}

// registryForwardClient is forwardClient with HTTPS on, else nil (the
// registry's plain default).
func (a *App) registryForwardClient() *http.Client {
	if a.tls == nil {
		return nil
	}
	return forwardClient(a.cfg, a.tls, a.certs)
}

// forwardClient is the embedded registry's client for forwarding writes to
// the primary over HTTPS: it trusts the system roots plus server_tls_cafile
// and registry_ca (the instances' own CA, in the usual deployment) and presents this
// instance's certificate when client certificates are in use, so that an
// instance that requires them accepts its peers. It needs the certificate
// to allow client authentication (extended key usage clientAuth) then.
func forwardClient(cfg config.Config, tc *tls.Config, cf *certFiles) *http.Client {
	roots, err := x509.SystemCertPool()
	if err != nil {
		roots = x509.NewCertPool()
	}
	// registry_ca names the CAs of https registries, which the peers are.
	for _, f := range []string{cfg.ServerTLSCAfile, cfg.RegistryCA} {
		if f == "" {
			continue
		}
		if pem, err := os.ReadFile(f); err == nil {
			roots.AppendCertsFromPEM(pem)
		}
	}
	ctc := &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	if tc.ClientAuth != tls.NoClientCert {
		ctc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			return cf.get(nil)
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = ctc
	return &http.Client{Transport: tr, Timeout: time.Duration(cfg.KafkaRequestTimeoutMS) * time.Millisecond}
}

// serveHTTP runs s on ln until Shutdown: HTTPS when s has a TLS config (HTTP/2
// is offered through ALPN), plain HTTP otherwise. (Serve may set a
// TLSConfig of its own, so only this check, before serving, may use it.)
func serveHTTP(s *http.Server, ln net.Listener) error {
	if s.TLSConfig != nil {
		return s.ServeTLS(ln, "", "") // the certificate comes from GetCertificate
	}
	return s.Serve(ln)
}

// scheme is the URL scheme of the REST and registry listeners.
func (a *App) scheme() string {
	if a.tls != nil {
		return "https"
	}
	return "http"
}

// restBaseURI is the advertised base URI of consumer instances: with HTTPS
// on, one built from advertised_hostname says https whatever
// advertised_protocol (default http) says, since the listener speaks
// nothing else. advertised_uri is taken as written.
func restBaseURI(cfg config.Config) string {
	base := cfg.BaseURI()
	if cfg.ServesTLS() && cfg.AdvertisedURI == "" {
		if rest, ok := strings.CutPrefix(base, "http://"); ok {
			base = "https://" + rest
		}
	}
	return base
}
