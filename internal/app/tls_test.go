package app

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/krest-dev/krest/internal/config"
	"github.com/krest-dev/krest/internal/testutil"
)

// tlsConfig is testConfig with HTTPS on, a certificate for 127.0.0.1 from
// a CA the test made.
func tlsConfig(t *testing.T) (config.Config, *testutil.CA) {
	ca := testutil.NewCA(t)
	srv := ca.Server(t, "krest", "127.0.0.1", "localhost")
	cfg := testConfig(t)
	cfg.ServerTLSCertfile, cfg.ServerTLSKeyfile = srv.CertFile, srv.KeyFile
	return cfg, ca
}

// httpsClient trusts roots and presents certs; it opens a new connection
// for every request, so each one is a new handshake.
func httpsClient(t *testing.T, roots *x509.CertPool, certs ...tls.Certificate) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: roots, Certificates: certs},
		DisableKeepAlives: true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func tcall(t *testing.T, c *http.Client, method, url, ctype, body string) (int, string, error) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// TestHTTPSServesTheRESTAPIAndTheRegistry: with server_tls_certfile both
// listeners speak HTTPS (TLS 1.2 or later) and nothing else, the URLs say
// https, consumer base_uri says https, and the metrics listener stays
// plain HTTP.
func TestHTTPSServesTheRESTAPIAndTheRegistry(t *testing.T) {
	cfg, ca := tlsConfig(t)
	cfg.EmbeddedTopics = []string{"t"}
	cfg.MetricsEnabled = true
	cfg.MetricsPort = freePort(t)
	a := startApp(t, cfg)
	if !strings.HasPrefix(a.URL(), "https://") || !strings.HasPrefix(a.RegistryURL(), "https://") {
		t.Fatalf("URL %s, RegistryURL %s", a.URL(), a.RegistryURL())
	}
	c := httpsClient(t, ca.Pool)

	if st, body, err := tcall(t, c, "GET", a.URL()+"/topics", "", ""); err != nil || st != 200 || !strings.Contains(body, `"t"`) {
		t.Fatalf("GET /topics over https: %d %s %v", st, body, err)
	}
	st, body, err := tcall(t, c, "POST", a.URL()+"/consumers/g", "application/vnd.kafka.v2+json", `{"format":"binary"}`)
	if err != nil || st != 200 {
		t.Fatalf("create consumer: %d %s %v", st, body, err)
	}
	var created struct {
		BaseURI string `json:"base_uri"`
	}
	if err := json.Unmarshal([]byte(body), &created); err != nil || !strings.HasPrefix(created.BaseURI, a.URL()+"/consumers/g/instances/") {
		t.Fatalf("base_uri %q (%v), want it under %s", created.BaseURI, err, a.URL())
	}
	if st, body, err := tcall(t, c, "GET", a.RegistryURL()+"/subjects", "", ""); err != nil || st != 200 {
		t.Fatalf("registry over https: %d %s %v", st, body, err)
	}
	// HTTP/2 is offered too, and the body limit holds there.
	h2 := httpsClient(t, ca.Pool)
	h2.Transport.(*http.Transport).ForceAttemptHTTP2 = true
	req, _ := http.NewRequest("POST", a.URL()+"/topics/t", strings.NewReader(`{"records":[{"value":"aGk="}]}`))
	req.Header.Set("Content-Type", "application/vnd.kafka.binary.v2+json")
	resp, err := h2.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 {
		t.Fatalf("produce over HTTP/%d: %d %s", resp.ProtoMajor, resp.StatusCode, b)
	}
	if st, body, err := tcall(t, h2, "POST", a.URL()+"/topics/t", "application/vnd.kafka.binary.v2+json",
		`{"records":[{"value":"`+strings.Repeat("A", 2<<20)+`"}]}`); err != nil || st != 413 {
		t.Fatalf("2 MiB over HTTP/2: %d %.200s %v", st, body, err)
	}

	// Plain HTTP on the HTTPS port gets no API answer.
	plain := "http://" + strings.TrimPrefix(a.URL(), "https://")
	if st, body, err := tcall(t, http.DefaultClient, "GET", plain+"/topics", "", ""); err == nil && st == 200 {
		t.Fatalf("plain http to the https port: %d %s", st, body)
	}
	// A client that does not trust the CA refuses the server.
	if _, _, err := tcall(t, httpsClient(t, x509.NewCertPool()), "GET", a.URL()+"/topics", "", ""); err == nil {
		t.Fatal("a client without the CA accepted the certificate")
	}
	// TLS 1.1 is refused.
	old := httpsClient(t, ca.Pool)
	old.Transport.(*http.Transport).TLSClientConfig.MaxVersion = tls.VersionTLS11
	if _, _, err := tcall(t, old, "GET", a.URL()+"/topics", "", ""); err == nil {
		t.Fatal("a TLS 1.1 handshake succeeded")
	}
	// The metrics listener is plain HTTP.
	if !strings.HasPrefix(a.MetricsURL(), "http://") {
		t.Fatalf("MetricsURL %s", a.MetricsURL())
	}
	if st, _, err := tcall(t, http.DefaultClient, "GET", a.MetricsURL()+"/metrics", "", ""); err != nil || st != 200 {
		t.Fatalf("plain /metrics: %d %v", st, err)
	}
}

// TestHTTPSClientCertificates: require refuses a handshake without a
// certificate from server_tls_cafile's CAs; request lets clients without
// one in but still refuses a bad one; none (no CA) asks for nothing.
func TestHTTPSClientCertificates(t *testing.T) {
	other := testutil.NewCA(t).Client(t, "stranger")
	for _, tc := range []struct {
		mode                     string
		without, valid, stranger bool // does the request succeed?
	}{
		{"auto", false, true, false}, // with a CA: require
		{"require", false, true, false},
		{"request", true, true, false},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			cfg, ca := tlsConfig(t)
			cfg.ServerTLSCAfile = ca.CAFile
			cfg.ServerTLSClientAuth = tc.mode
			a := startApp(t, cfg)
			for _, c := range []struct {
				name  string
				certs []tls.Certificate
				ok    bool
			}{
				{"no certificate", nil, tc.without},
				{"certificate from the CA", []tls.Certificate{ca.Client(t, "app").TLS}, tc.valid},
				{"certificate from another CA", []tls.Certificate{other.TLS}, tc.stranger},
			} {
				for _, url := range []string{a.URL() + "/topics", a.RegistryURL() + "/subjects"} {
					st, body, err := tcall(t, httpsClient(t, ca.Pool, c.certs...), "GET", url, "", "")
					if got := err == nil && st == 200; got != c.ok {
						t.Errorf("%s, %s: status %d %s, err %v; want success %v", url, c.name, st, body, err, c.ok)
					}
				}
			}
		})
	}
}

// TestHTTPSCertificateRotation: a new certificate written over the files
// is served to new connections within a few seconds, and a half-written
// rotation keeps the previous certificate in service.
func TestHTTPSCertificateRotation(t *testing.T) {
	cfg, ca := tlsConfig(t)
	a := startApp(t, cfg)
	servedCN := func() string {
		conn, err := tls.Dial("tcp", a.Addr(), &tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].Subject.CommonName
	}
	if cn := servedCN(); cn != "krest" {
		t.Fatalf("served %q", cn)
	}
	replace := func(dst, src string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		// Write and rename, as cert-manager and ACME clients do.
		if err := os.WriteFile(dst+".new", b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(dst+".new", dst); err != nil {
			t.Fatal(err)
		}
	}

	// Half a rotation: a new certificate with the old key does not load.
	next := ca.Server(t, "krest-rotated", "127.0.0.1")
	replace(cfg.ServerTLSCertfile, next.CertFile)
	time.Sleep(2 * certCheckInterval)
	if cn := servedCN(); cn != "krest" {
		t.Fatalf("after half a rotation: served %q, want the previous certificate", cn)
	}
	replace(cfg.ServerTLSKeyfile, next.KeyFile)
	deadline := time.Now().Add(10 * time.Second)
	for servedCN() != "krest-rotated" {
		if time.Now().After(deadline) {
			t.Fatal("the rotated certificate is not served after 10 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st, _, err := tcall(t, httpsClient(t, ca.Pool), "GET", a.URL()+"/_health", "", ""); err != nil || st != 200 {
		t.Fatalf("after rotation: %d %v", st, err)
	}
}

// TestHTTPSBadFilesFailNew: unusable TLS files stop New with an error
// naming the key.
func TestHTTPSBadFilesFailNew(t *testing.T) {
	garbage := t.TempDir() + "/garbage.pem"
	if err := os.WriteFile(garbage, []byte("not a PEM file"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*config.Config)
		want string
	}{
		{"missing certificate", func(c *config.Config) { c.ServerTLSCertfile = "/nonexistent/cert.pem" }, "server_tls_certfile"},
		{"missing key", func(c *config.Config) { c.ServerTLSKeyfile = "/nonexistent/key.pem" }, "server_tls_keyfile"},
		{"garbage key", func(c *config.Config) { c.ServerTLSKeyfile = garbage }, "server_tls_keyfile"},
		{"garbage CA", func(c *config.Config) { c.ServerTLSCAfile = garbage }, "server_tls_cafile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _ := tlsConfig(t)
			tc.edit(&cfg)
			a, err := New(cfg, nil)
			if err == nil {
				_ = a.Close(t.Context())
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not name %s", err, tc.want)
			}
		})
	}
}

// TestLimitsAndCORSFromConfig: the limit and CORS keys reach both
// listeners: http_max_concurrent_requests (429 with the slots held by
// slow bodies), http_request_max_header_size (JSON 431 on the REST API and
// the registry) and access_control_allow_origins (preflights on both).
func TestLimitsAndCORSFromConfig(t *testing.T) {
	cfg := testConfig(t)
	cfg.EmbeddedTopics = []string{"t"}
	cfg.HTTPMaxConcurrentRequests = 1
	cfg.HTTPMaxHeaderBytes = 4096
	cfg.AccessControlAllowOrigins = []string{"https://app.example.com"}
	a := startApp(t, cfg)

	for _, url := range []string{a.URL() + "/topics/t", a.RegistryURL() + "/subjects"} {
		req, _ := http.NewRequest("OPTIONS", url, nil)
		req.Header.Set("Origin", "https://app.example.com")
		req.Header.Set("Access-Control-Request-Method", "GET")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
			t.Errorf("preflight %s: %d %v", url, resp.StatusCode, resp.Header)
		}

		req, _ = http.NewRequest("GET", url, nil)
		req.Header.Set("X-Big", strings.Repeat("a", 5000))
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 431 || !strings.Contains(string(b), `"error_code":431`) {
			t.Errorf("big headers %s: %d %s", url, resp.StatusCode, b)
		}
	}

	// One slow body holds the only slot. The GETs below race the POST for
	// it: a GET the server reads first takes the slot, and the POST gets
	// the 429 instead; then a new POST tries again.
	hold := func() net.Conn {
		conn, err := net.Dial("tcp", a.Addr())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		_, _ = io.WriteString(conn, "POST /topics/t HTTP/1.1\r\nHost: krest\r\nContent-Type: application/vnd.kafka.binary.v2+json\r\nContent-Length: 100\r\n\r\n{")
		return conn
	}
	conn := hold()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, body := get(t, a.URL()+"/topics")
		if st == 429 && strings.Contains(body, `"error_code":42902`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 429 with the only slot held: %d %s", st, body)
		}
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
		if n, _ := conn.Read(make([]byte, 512)); n > 0 { // the POST was answered: it lost the race
			conn.Close()
			conn = hold()
		}
	}
	if st, _ := get(t, a.URL()+"/_health"); st != 200 {
		t.Fatalf("/_health while saturated: %d", st)
	}
}

// TestHTTPSAdvertisedURLsSayHTTPS: URLs built from advertised_hostname say
// https with HTTPS on, whatever advertised_protocol (default http) says;
// advertised_uri is taken as written.
func TestHTTPSAdvertisedURLsSayHTTPS(t *testing.T) {
	cfg := config.Default()
	cfg.AdvertisedHostname = "krest.example.com"
	if got := restBaseURI(cfg); got != "http://krest.example.com:8082" {
		t.Errorf("without TLS: base URI %s", got)
	}
	cfg.ServerTLSCertfile, cfg.ServerTLSKeyfile = "c.pem", "k.pem"
	if got := restBaseURI(cfg); got != "https://krest.example.com:8082" {
		t.Errorf("with TLS: base URI %s", got)
	}
	if got := registryAdvertisedURL(cfg, 8081); got != "https://krest.example.com:8081" {
		t.Errorf("with TLS: registry URL %s", got)
	}
	cfg.AdvertisedURI = "http://proxy.example.com/krest"
	if got := restBaseURI(cfg); got != "http://proxy.example.com/krest" {
		t.Errorf("advertised_uri: base URI %s", got)
	}
}

// TestHTTPSRegistryForwardsWritesToThePrimary: two krest instances on one
// cluster, both serving HTTPS with certificates of a private CA named by
// registry_ca; a schema registered through the instance that may not be
// primary is forwarded over HTTPS to the one that is, and both serve it.
func TestHTTPSRegistryForwardsWritesToThePrimary(t *testing.T) {
	addrs := startKfake(t).ListenAddrs()
	cfgA, ca := tlsConfig(t)
	cfgA.BootstrapURI, cfgA.RegistryEnabled, cfgA.RegistryCA = addrs, "true", ca.CAFile
	cfgA.KafkaRequestTimeoutMS = 5000
	cfgB := cfgA
	cfgB.DataDir = t.TempDir()
	cfgB.MasterEligibility = false // writes through B must be forwarded to A
	a := startApp(t, cfgA)
	b := startApp(t, cfgB)
	c := httpsClient(t, ca.Pool)
	for _, app := range []*App{a, b} {
		deadline := time.Now().Add(20 * time.Second)
		for {
			st, body, err := tcall(t, c, "GET", app.URL()+"/_ready", "", "")
			if err == nil && st == 200 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never ready: %d %s %v", app.URL(), st, body, err)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	schema := `{"schema":"{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"f\",\"type\":\"string\"}]}"}`
	st, body, err := tcall(t, c, "POST", b.RegistryURL()+"/subjects/s-value/versions", "application/vnd.schemaregistry.v1+json", schema)
	if err != nil || st != 200 || !strings.Contains(body, `"id":`) {
		t.Fatalf("register through the non-primary: %d %s %v", st, body, err)
	}
	for _, app := range []*App{a, b} {
		deadline := time.Now().Add(10 * time.Second)
		for {
			st, body, err := tcall(t, c, "GET", app.RegistryURL()+"/subjects/s-value/versions", "", "")
			if err == nil && st == 200 && body == "[1]" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: versions %d %s %v", app.RegistryURL(), st, body, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}
