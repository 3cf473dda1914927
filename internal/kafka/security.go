package kafka

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// TLSFiles names the PEM files of a TLS connection to Kafka.
type TLSFiles struct {
	// CAFile lists the trusted CAs; "" trusts the system roots.
	CAFile string
	// CertFile and KeyFile are the client certificate and key; both ""
	// means no client certificate.
	CertFile, KeyFile string
	// SkipHostnameCheck accepts a broker certificate that chains to a
	// trusted CA but does not name the broker's host (ssl_check_hostname:
	// false). The chain is still verified.
	SkipHostnameCheck bool
}

// LoadTLS reads the files into a client tls.Config (TLS 1.2 or newer). An
// unreadable or invalid file is an error naming its config key and path,
// e.g. "ssl_cafile: open /etc/ca.pem: no such file or directory" or
// "ssl_cafile: /etc/ca.pem holds no PEM certificate".
func LoadTLS(f TLSFiles) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ssl_cafile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ssl_cafile: %s holds no PEM certificate", f.CAFile)
		}
		cfg.RootCAs = pool
	}
	if f.CertFile != "" || f.KeyFile != "" {
		certPEM, err := os.ReadFile(f.CertFile)
		if err != nil {
			return nil, fmt.Errorf("ssl_certfile: %w", err)
		}
		keyPEM, err := os.ReadFile(f.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("ssl_keyfile: %w", err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			// "no PEM data in certificate input", "... key input" or
			// "private key does not match public key": name both.
			return nil, fmt.Errorf("ssl_certfile %s, ssl_keyfile %s: %w", f.CertFile, f.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if f.SkipHostnameCheck {
		// Go has no "verify the chain but not the name" switch: turn the
		// built-in verification off and verify the chain ourselves.
		roots := cfg.RootCAs
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("kafka: broker sent no certificate")
			}
			opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		}
	}
	return cfg, nil
}

// SASL mechanism names, as config spells them (lower-case).
const (
	MechPlain       = "plain"
	MechScramSHA256 = "scram-sha-256"
	MechScramSHA512 = "scram-sha-512"
)

// NewSASL returns the franz-go mechanism for name (case-insensitive) with
// fixed credentials.
func NewSASL(name, user, pass string) (sasl.Mechanism, error) {
	switch strings.ToLower(name) {
	case MechPlain, "":
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case MechScramSHA256:
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	case MechScramSHA512:
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	}
	return nil, fmt.Errorf("kafka: unknown SASL mechanism %q", name)
}

// SecurityOpts returns the client options for TLS (nil: plaintext) and
// SASL (nil: none). TLS dials through a dialer with the same timeout
// franz-go uses for plaintext (it bounds the handshake too); a handshake
// that fails is a *TLSError.
func SecurityOpts(tlsCfg *tls.Config, mech sasl.Mechanism) []kgo.Opt {
	var opts []kgo.Opt
	if tlsCfg != nil {
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: tlsCfg}
		opts = append(opts, kgo.Dialer(func(ctx context.Context, network, host string) (net.Conn, error) {
			c, err := d.DialContext(ctx, network, host)
			var ne net.Error
			if err != nil && !errors.As(err, &ne) && ctx.Err() == nil {
				// A certificate that does not verify is not a
				// net.Error; make it one, so it reads as "Kafka
				// cannot be reached" (503) rather than a krest bug.
				err = &TLSError{Addr: host, Err: err}
			}
			return c, err
		}))
	}
	if mech != nil {
		opts = append(opts, kgo.SASL(mech))
	}
	return opts
}

// TLSError is a TLS handshake with a broker that failed for a reason other
// than the network, typically a certificate that does not verify
// (ssl_cafile, ssl_check_hostname). It is a net.Error that is neither a
// timeout nor temporary, so franz-go does not retry it.
type TLSError struct {
	Addr string // the broker, host:port
	Err  error  // e.g. *tls.CertificateVerificationError
}

func (e *TLSError) Error() string   { return "TLS handshake with " + e.Addr + ": " + e.Err.Error() }
func (e *TLSError) Unwrap() error   { return e.Err }
func (e *TLSError) Timeout() bool   { return false }
func (e *TLSError) Temporary() bool { return false }
