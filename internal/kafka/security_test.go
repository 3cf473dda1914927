package kafka

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"

	"github.com/krest-dev/krest/internal/devbroker"
	"github.com/krest-dev/krest/internal/testutil"
)

// failFast bounds how long a misconfigured connection (wrong CA, wrong
// password) may take to fail: far below the 10 s request timeout the tests
// give the client, so a retry loop that hides the cause counts as a hang.
const failFast = 5 * time.Second

// tlsCluster starts a kfake broker on 127.0.0.1 serving TLS with srv.
func tlsCluster(t *testing.T, srv tls.Certificate, opts ...kfake.Opt) []string {
	t.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{srv}, MinVersion: tls.VersionTLS12}
	c := testutil.NewCluster(t, append([]kfake.Opt{kfake.TLS(cfg)}, opts...)...)
	return c.ListenAddrs()
}

// secureClient builds krest's shared client on addrs with the given TLS
// files (nil: plaintext) and SASL mechanism (nil: none), as app does.
func secureClient(t *testing.T, addrs []string, files *TLSFiles, mech sasl.Mechanism) *Client {
	return secureClientTimeout(t, addrs, files, mech, 10*time.Second)
}

func secureClientTimeout(t *testing.T, addrs []string, files *TLSFiles, mech sasl.Mechanism, timeout time.Duration) *Client {
	t.Helper()
	var tlsCfg *tls.Config
	if files != nil {
		var err error
		if tlsCfg, err = LoadTLS(*files); err != nil {
			t.Fatalf("LoadTLS: %v", err)
		}
	}
	k, err := New(Options{Brokers: addrs, Acks: -1, RequestTimeout: timeout, Extra: SecurityOpts(tlsCfg, mech)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close(context.Background()) })
	return k
}

// produceOne writes one record to topic through krest's client and returns
// its error.
func produceOne(ctx context.Context, k *Client, topic, value string) error {
	recs := []Record{{Value: []byte(value), Partition: -1}}
	k.Produce(ctx, topic, 0, recs)
	return recs[0].Err
}

// readBack reads topic's records with an independent client using opts
// (its own TLS/SASL set-up, not krest's).
func readBack(t *testing.T, addrs []string, topic string, want int, opts ...kgo.Opt) []string {
	t.Helper()
	cl := testutil.NewClient(t, addrs, append(opts, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))...)
	ctx := testCtx(t)
	var out []string
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: got %v, want %d records", topic, out, want)
		}
		for _, e := range fs.Errors() {
			t.Fatalf("read %s: %v", topic, e.Err)
		}
		for _, r := range fs.Records() {
			out = append(out, string(r.Value))
		}
	}
	return out
}

// pingFails asserts that a Ping fails within failFast with an error whose
// text contains each of want.
func pingFails(t *testing.T, k *Client, want ...string) error {
	t.Helper()
	start := time.Now()
	err := k.Ping(testCtx(t))
	took := time.Since(start)
	if err == nil {
		t.Fatal("Ping succeeded, want an error")
	}
	if took > failFast {
		t.Errorf("Ping failed after %v, want < %v: %v", took, failFast, err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	return err
}

func TestTLSProducesAndAnIndependentClientReadsBack(t *testing.T) {
	ca := testutil.NewCA(t)
	addrs := tlsCluster(t, ca.Server(t, "broker", "127.0.0.1").TLS)
	k := secureClient(t, addrs, &TLSFiles{CAFile: ca.CAFile}, nil)
	ctx := testCtx(t)
	if _, err := k.Admin().CreateTopic(ctx, 1, 1, nil, "tls"); err != nil {
		t.Fatal(err)
	}
	if err := produceOne(ctx, k, "tls", "over tls"); err != nil {
		t.Fatalf("produce: %v", err)
	}
	got := readBack(t, addrs, "tls", 1, kgo.DialTLSConfig(&tls.Config{RootCAs: ca.Pool}))
	if got[0] != "over tls" {
		t.Fatalf("read back %q", got)
	}
}

func TestTLSWithAnUntrustedCAFailsFast(t *testing.T) {
	addrs := tlsCluster(t, testutil.NewCA(t).Server(t, "broker", "127.0.0.1").TLS)
	other := testutil.NewCA(t)
	k := secureClient(t, addrs, &TLSFiles{CAFile: other.CAFile}, nil)
	err := pingFails(t, k, "TLS handshake with 127.0.0.1:", "x509", "unknown authority")
	var te *TLSError
	var ne net.Error
	if !errors.As(err, &te) || !errors.As(err, &ne) || ne.Timeout() {
		t.Errorf("error %v (%T) is not a *TLSError, a net.Error that is no timeout", err, err)
	}
}

// TestTLSHostnameCheck: the broker's certificate names kafka.example, not
// the 127.0.0.1 krest dials. ssl_check_hostname true refuses it, false
// accepts it — but only while the chain is still verified.
func TestTLSHostnameCheck(t *testing.T) {
	ca := testutil.NewCA(t)
	addrs := tlsCluster(t, ca.Server(t, "broker", "kafka.example").TLS)

	t.Run("checked", func(t *testing.T) {
		k := secureClient(t, addrs, &TLSFiles{CAFile: ca.CAFile}, nil)
		pingFails(t, k, "x509", "127.0.0.1")
	})
	t.Run("unchecked", func(t *testing.T) {
		k := secureClient(t, addrs, &TLSFiles{CAFile: ca.CAFile, SkipHostnameCheck: true}, nil)
		if err := k.Ping(testCtx(t)); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
	t.Run("unchecked-other-CA", func(t *testing.T) {
		other := testutil.NewCA(t)
		k := secureClient(t, addrs, &TLSFiles{CAFile: other.CAFile, SkipHostnameCheck: true}, nil)
		pingFails(t, k, "x509", "unknown authority")
	})
	t.Run("unchecked-client-certificate-is-not-a-server", func(t *testing.T) {
		// A certificate issued for client auth must not pass as a
		// broker's even without the hostname check.
		addrs := tlsCluster(t, ca.Client(t, "not-a-broker").TLS)
		k := secureClient(t, addrs, &TLSFiles{CAFile: ca.CAFile, SkipHostnameCheck: true}, nil)
		pingFails(t, k, "x509")
	})
}

func TestTLSClientCertificate(t *testing.T) {
	ca := testutil.NewCA(t)
	srv := &tls.Config{
		Certificates: []tls.Certificate{ca.Server(t, "broker", "127.0.0.1").TLS},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool,
		MinVersion:   tls.VersionTLS12,
	}
	addrs := testutil.NewCluster(t, kfake.TLS(srv)).ListenAddrs()

	t.Run("without", func(t *testing.T) {
		k := secureClient(t, addrs, &TLSFiles{CAFile: ca.CAFile}, nil)
		pingFails(t, k, "certificate required")
	})
	t.Run("from-another-CA", func(t *testing.T) {
		cl := testutil.NewCA(t).Client(t, "krest")
		k := secureClient(t, addrs, &TLSFiles{CAFile: ca.CAFile, CertFile: cl.CertFile, KeyFile: cl.KeyFile}, nil)
		pingFails(t, k)
	})
	t.Run("with", func(t *testing.T) {
		cl := ca.Client(t, "krest")
		k := secureClient(t, addrs, &TLSFiles{CAFile: ca.CAFile, CertFile: cl.CertFile, KeyFile: cl.KeyFile}, nil)
		ctx := testCtx(t)
		if _, err := k.Admin().CreateTopic(ctx, 1, 1, nil, "mtls"); err != nil {
			t.Fatal(err)
		}
		if err := produceOne(ctx, k, "mtls", "with a client certificate"); err != nil {
			t.Fatalf("produce: %v", err)
		}
		reader := ca.Client(t, "reader")
		got := readBack(t, addrs, "mtls", 1, kgo.DialTLSConfig(&tls.Config{RootCAs: ca.Pool, Certificates: []tls.Certificate{reader.TLS}}))
		if got[0] != "with a client certificate" {
			t.Fatalf("read back %q", got)
		}
	})
}

// kfakeMech is kfake's (Kafka's) spelling of a mechanism.
func kfakeMech(m string) string { return strings.ToUpper(m) }

func TestSASLMechanisms(t *testing.T) {
	for _, mech := range []string{MechPlain, MechScramSHA256, MechScramSHA512} {
		t.Run(mech, func(t *testing.T) {
			addrs := testutil.NewCluster(t, kfake.EnableSASL(), kfake.Superuser(kfakeMech(mech), "krest", "s3cret")).ListenAddrs()
			m, err := NewSASL(mech, "krest", "s3cret")
			if err != nil {
				t.Fatal(err)
			}
			k := secureClient(t, addrs, nil, m)
			ctx := testCtx(t)
			if _, err := k.Admin().CreateTopic(ctx, 1, 1, nil, "sasl"); err != nil {
				t.Fatal(err)
			}
			if err := produceOne(ctx, k, "sasl", mech); err != nil {
				t.Fatalf("produce: %v", err)
			}
			other, _ := NewSASL(mech, "krest", "s3cret")
			if got := readBack(t, addrs, "sasl", 1, kgo.SASL(other)); got[0] != mech {
				t.Fatalf("read back %q", got)
			}

			t.Run("wrong-password", func(t *testing.T) {
				// kfake hangs up instead of answering (see
				// TestSASLWrongPasswordIsAnAuthenticationError), so
				// franz-go retries: the request timeout must still
				// bound the failure.
				m, _ := NewSASL(mech, "krest", "wrong")
				pingFails(t, secureClientTimeout(t, addrs, nil, m, 2*time.Second))
			})
			t.Run("no-SASL", func(t *testing.T) {
				pingFails(t, secureClient(t, addrs, nil, nil))
			})
		})
	}
}

func TestSASLOverTLS(t *testing.T) {
	ca := testutil.NewCA(t)
	addrs := tlsCluster(t, ca.Server(t, "broker", "127.0.0.1").TLS,
		kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "krest", "s3cret"))
	m, _ := NewSASL(MechScramSHA512, "krest", "s3cret")
	k := secureClient(t, addrs, &TLSFiles{CAFile: ca.CAFile}, m)
	ctx := testCtx(t)
	if _, err := k.Admin().CreateTopic(ctx, 1, 1, nil, "sasl-ssl"); err != nil {
		t.Fatal(err)
	}
	if err := produceOne(ctx, k, "sasl-ssl", "both"); err != nil {
		t.Fatalf("produce: %v", err)
	}
	reader, _ := NewSASL(MechScramSHA512, "krest", "s3cret")
	if got := readBack(t, addrs, "sasl-ssl", 1, kgo.SASL(reader), kgo.DialTLSConfig(&tls.Config{RootCAs: ca.Pool})); got[0] != "both" {
		t.Fatalf("read back %q", got)
	}
	t.Run("wrong-password", func(t *testing.T) {
		m, _ := NewSASL(MechScramSHA512, "krest", "wrong")
		pingFails(t, secureClientTimeout(t, addrs, &TLSFiles{CAFile: ca.CAFile}, m, 2*time.Second))
	})
}

// TestLoadTLSErrorsNameTheKey: a file that cannot be used is an error that
// names the config key, so an operator knows what to fix.
func TestLoadTLSErrorsNameTheKey(t *testing.T) {
	ca := testutil.NewCA(t)
	cl := ca.Client(t, "krest")
	other := ca.Client(t, "other")
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")
	for name, tc := range map[string]struct {
		files TLSFiles
		want  []string
	}{
		"missing-ca":        {TLSFiles{CAFile: missing}, []string{"ssl_cafile", "missing.pem", "no such file"}},
		"ca-without-pem":    {TLSFiles{CAFile: garbage}, []string{"ssl_cafile", "garbage.pem", "no PEM certificate"}},
		"missing-cert":      {TLSFiles{CertFile: missing, KeyFile: cl.KeyFile}, []string{"ssl_certfile", "missing.pem"}},
		"missing-key":       {TLSFiles{CertFile: cl.CertFile, KeyFile: missing}, []string{"ssl_keyfile", "missing.pem"}},
		"cert-without-pem":  {TLSFiles{CertFile: garbage, KeyFile: cl.KeyFile}, []string{"ssl_certfile", "garbage.pem"}},
		"key-of-other-cert": {TLSFiles{CertFile: cl.CertFile, KeyFile: other.KeyFile}, []string{"ssl_keyfile", "does not match"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := LoadTLS(tc.files)
			if err == nil {
				t.Fatal("LoadTLS succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := LoadTLS(TLSFiles{CAFile: ca.CAFile, CertFile: cl.CertFile, KeyFile: cl.KeyFile}); err != nil {
		t.Fatalf("valid files: %v", err)
	}
}

func TestNewSASL(t *testing.T) {
	for in, want := range map[string]string{
		"plain": "PLAIN", "PLAIN": "PLAIN", "": "PLAIN",
		"scram-sha-256": "SCRAM-SHA-256", "SCRAM-SHA-512": "SCRAM-SHA-512",
	} {
		m, err := NewSASL(in, "u", "p")
		if err != nil || m.Name() != want {
			t.Errorf("NewSASL(%q) = %v, %v; want %s", in, m, err, want)
		}
	}
	if _, err := NewSASL("gssapi", "u", "p"); err == nil || !strings.Contains(err.Error(), "gssapi") {
		t.Errorf("NewSASL(gssapi) error = %v", err)
	}
}

// TestSASLWrongPasswordIsAnAuthenticationError: against a broker that
// answers a failed login as Kafka does (SASL_AUTHENTICATION_FAILED; krest's
// embedded broker), every mechanism fails with that error, which the REST
// layer maps to 40101: metadata at once — REST requests look topics up
// before producing — while a bare produce fails within the request timeout
// (franz-go keeps retrying a new topic's metadata until then).
func TestSASLWrongPasswordIsAnAuthenticationError(t *testing.T) {
	b, err := devbroker.Start(devbroker.Options{Topics: []devbroker.TopicSpec{{Name: "t"}}, Auth: &devbroker.Auth{
		Users: []devbroker.User{{Name: "alice", Password: "right"}},
		ACLs:  []devbroker.ACL{{User: "alice", Resource: kmsg.ACLResourceTypeTopic, Name: "t", Operation: kmsg.ACLOperationAll}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	addrs := []string{b.Addr()}
	const timeout = 2 * time.Second
	for _, mech := range []string{MechPlain, MechScramSHA256, MechScramSHA512} {
		t.Run(mech, func(t *testing.T) {
			right, _ := NewSASL(mech, "alice", "right")
			if err := produceOne(testCtx(t), secureClient(t, addrs, nil, right), "t", "ok"); err != nil {
				t.Fatalf("produce with the right password: %v", err)
			}
			for _, who := range [][2]string{{"alice", "wrong"}, {"mallory", "right"}} {
				m, _ := NewSASL(mech, who[0], who[1])
				k := secureClientTimeout(t, addrs, nil, m, timeout)
				start := time.Now()
				_, err := k.Topic(testCtx(t), "t")
				if !errors.Is(err, kerr.SaslAuthenticationFailed) || time.Since(start) > time.Second {
					t.Errorf("%s: topic lookup error %v after %v, want SASL_AUTHENTICATION_FAILED at once", who[0], err, time.Since(start))
				}
				if who[0] != "alice" {
					continue // one slow produce per mechanism is enough
				}
				recs := []Record{{Value: []byte("x"), Partition: -1}}
				start = time.Now()
				k.Produce(testCtx(t), "t", 0, recs)
				// Either kgo's record timeout ("last err:
				// SASL_AUTHENTICATION_FAILED") or the request's
				// context fires first; both are bounded.
				if recs[0].Err == nil || time.Since(start) > timeout+time.Second {
					t.Errorf("%s: produce error %v after %v, want a failure within %v", who[0], recs[0].Err, time.Since(start), timeout)
				}
			}
		})
	}
}
