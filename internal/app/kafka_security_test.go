package app

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/krest-dev/krest/internal/devbroker"
	"github.com/krest-dev/krest/internal/testutil"
)

// TestKafkaTLSFileErrorsFailNew: a TLS file krest cannot use stops New with
// an error naming the config key, before anything is served.
func TestKafkaTLSFileErrorsFailNew(t *testing.T) {
	ca := testutil.NewCA(t)
	cl := ca.Client(t, "krest")
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		ca, cert, key string
		want          string
	}{
		"missing-ca":  {ca: filepath.Join(t.TempDir(), "ca.pem"), want: "ssl_cafile: open "},
		"garbage-ca":  {ca: garbage, want: "ssl_cafile: " + garbage + " holds no PEM certificate"},
		"garbage-key": {ca: ca.CAFile, cert: cl.CertFile, key: garbage, want: "ssl_keyfile " + garbage},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := externalConfig(t, []string{"127.0.0.1:1"})
			cfg.SecurityProtocol = "ssl"
			cfg.SSLCAfile, cfg.SSLCertfile, cfg.SSLKeyfile = tc.ca, tc.cert, tc.key
			a, err := New(cfg, nil)
			if err == nil {
				_ = a.Close(context.Background())
				t.Fatal("New succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New: %v, want it to say %q", err, tc.want)
			}
		})
	}
}

// saslSSLCluster is a kfake broker serving TLS (a certificate for
// 127.0.0.1 from ca) with SCRAM-SHA-512 user krest / s3cret.
func saslSSLCluster(t *testing.T, ca *testutil.CA) []string {
	t.Helper()
	srv := &tls.Config{Certificates: []tls.Certificate{ca.Server(t, "broker", "127.0.0.1").TLS}, MinVersion: tls.VersionTLS12}
	c := startKfake(t, kfake.NumBrokers(1), kfake.TLS(srv), kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", "krest", "s3cret"))
	return c.ListenAddrs()
}

// saslSSLClient is an independent client of saslSSLCluster with its own TLS
// and SASL set-up.
func saslSSLClient(t *testing.T, addrs []string, ca *testutil.CA, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	return testutil.NewClient(t, addrs, append([]kgo.Opt{
		kgo.DialTLSConfig(&tls.Config{RootCAs: ca.Pool}),
		kgo.SASL(scram.Auth{User: "krest", Pass: "s3cret"}.AsSha512Mechanism()),
	}, opts...)...)
}

// TestSASLSSLEndToEnd: krest against a SASL_SSL cluster. Records produced
// over HTTP are read back by an independent client, a consumer instance
// reads records an independent client wrote, and the embedded registry
// stores a schema in _schemas: all of krest's own clients log in.
func TestSASLSSLEndToEnd(t *testing.T) {
	ca := testutil.NewCA(t)
	addrs := saslSSLCluster(t, ca)
	admin := saslSSLClient(t, addrs, ca)
	req := kmsg.NewPtrCreateTopicsRequest()
	for _, name := range []string{"in", "out"} {
		rt := kmsg.NewCreateTopicsRequestTopic()
		rt.Topic, rt.NumPartitions, rt.ReplicationFactor = name, 1, 1
		req.Topics = append(req.Topics, rt)
	}
	if _, err := req.RequestWith(secCtx(t), admin); err != nil {
		t.Fatal(err)
	}

	cfg := externalConfig(t, addrs)
	cfg.SecurityProtocol = "sasl_ssl"
	cfg.SSLCAfile = ca.CAFile
	cfg.SASLMechanism = "scram-sha-512"
	cfg.SASLPlainUsername, cfg.SASLPlainPassword = "krest", "s3cret"
	cfg.RegistryEnabled = "true"
	a := runApp(t, cfg)

	if r := call("POST", secURL(a)+"/topics/in", ctBinary, `{"records":[{"value":"aGk="}]}`); r.status != 200 {
		t.Fatalf("produce: %v", r)
	}
	if recs := secRead(t, saslSSLClient(t, addrs, ca, kgo.ConsumeTopics("in"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())), 1); string(recs[0].Value) != "hi" {
		t.Fatalf("value in Kafka = %q", recs[0].Value)
	}
	if r := call("GET", secURL(a)+"/topics", "", ""); r.status != 200 || !strings.Contains(string(r.body), `"in"`) {
		t.Fatalf("topics: %v", r)
	}

	if err := admin.ProduceSync(secCtx(t), &kgo.Record{Topic: "out", Value: []byte("from kafka")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	base := secURL(a) + "/consumers/g/instances/i"
	if r := call("POST", secURL(a)+"/consumers/g", ctV2, `{"name":"i","format":"binary","auto.offset.reset":"earliest"}`); r.status != 200 {
		t.Fatalf("create consumer: %v", r)
	}
	if r := call("POST", base+"/subscription", ctV2, `{"topics":["out"]}`); r.status != 204 {
		t.Fatalf("subscribe: %v", r)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		recs, r := fetchRecords(t, base, 1<<20)
		if len(recs) > 0 {
			if string(recs[0].Value) != "from kafka" {
				t.Fatalf("consumed %q", recs[0].Value)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the consumer instance read nothing: %v", r)
		}
	}

	schema := `{"schema":"{\"type\":\"string\"}"}`
	deadline = time.Now().Add(15 * time.Second)
	for {
		r := call("POST", "http://"+a.regLn.Addr().String()+"/subjects/s/versions", "application/vnd.schemaregistry.v1+json", schema)
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the embedded registry never stored a schema: %v", r)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func secRead(t *testing.T, cl *kgo.Client, want int) []*kgo.Record {
	t.Helper()
	ctx := secCtx(t)
	var out []*kgo.Record
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records", len(out), want)
		}
		for _, e := range fs.Errors() {
			t.Fatalf("read: %v", e.Err)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

// secURL is the REST API's plain-HTTP base URL (these tests never turn
// HTTPS on).
func secURL(a *App) string { return "http://" + a.Addr() }

func secCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// errorCode is the error_code of a JSON error body, or 0.
func secErrorCode(r reply) int {
	var e struct {
		Code int `json:"error_code"`
	}
	_ = json.Unmarshal(r.body, &e)
	return e.Code
}

// TestKafkaAuthenticationFailureAnswers: krest's own credentials are
// wrong. A broker that answers the failed login as Kafka does (the
// embedded broker) gets 401/40101 at once on every data request; kfake,
// which just hangs up, a JSON 5xx bounded by kafka_request_timeout_ms.
func TestKafkaAuthenticationFailureAnswers(t *testing.T) {
	b, err := devbroker.Start(devbroker.Options{Topics: []devbroker.TopicSpec{{Name: "t"}}, Auth: &devbroker.Auth{
		Users: []devbroker.User{{Name: "krest", Password: "right"}},
		ACLs:  []devbroker.ACL{{User: "krest", Resource: kmsg.ACLResourceTypeTopic, Name: "*", Operation: kmsg.ACLOperationAll}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	for _, mech := range []string{"plain", "scram-sha-256", "scram-sha-512"} {
		t.Run(mech, func(t *testing.T) {
			cfg := externalConfig(t, []string{b.Addr()})
			cfg.SecurityProtocol = "sasl_plaintext"
			cfg.SASLMechanism = mech
			cfg.SASLPlainUsername, cfg.SASLPlainPassword = "krest", "right"
			a := runApp(t, cfg)
			if r := call("POST", secURL(a)+"/topics/t", ctBinary, `{"records":[{"value":"aGk="}]}`); r.status != 200 {
				t.Fatalf("produce with the right password: %v", r)
			}

			cfg.SASLPlainPassword = "wrong"
			a = runApp(t, cfg)
			for _, r := range []reply{
				call("GET", secURL(a)+"/topics", "", ""),
				call("GET", secURL(a)+"/topics/t", "", ""),
				call("POST", secURL(a)+"/topics/t", ctBinary, `{"records":[{"value":"aGk="}]}`),
			} {
				if r.status != 401 || secErrorCode(r) != 40101 || !r.jsonError() || r.took > time.Second {
					t.Errorf("with a wrong password: %v; want 401 with error_code 40101 at once", r)
				}
				if strings.Contains(string(r.body), "wrong") {
					t.Errorf("the answer echoes the password: %s", r.body)
				}
			}
		})
	}

	t.Run("broker-hangs-up", func(t *testing.T) {
		c := startKfake(t, kfake.NumBrokers(1), kfake.EnableSASL(), kfake.Superuser("PLAIN", "krest", "right"))
		cfg := externalConfig(t, c.ListenAddrs())
		cfg.SecurityProtocol = "sasl_plaintext"
		cfg.SASLPlainUsername, cfg.SASLPlainPassword = "krest", "wrong"
		cfg.KafkaRequestTimeoutMS = 1000
		a := runApp(t, cfg)
		r := call("GET", secURL(a)+"/topics", "", "")
		if r.status < 500 || !r.jsonError() || r.took > 5*time.Second {
			t.Errorf("GET /topics: %v; want a JSON 5xx within the request timeout", r)
		}
	})
}

// TestKafkaTLSFailureAnswers: a broker certificate krest does not trust
// gives 503/50302 at once (the cause, the x509 error, is logged), not a
// hang or a 500.
func TestKafkaTLSFailureAnswers(t *testing.T) {
	addrs := saslSSLCluster(t, testutil.NewCA(t))
	cfg := externalConfig(t, addrs)
	cfg.SecurityProtocol = "sasl_ssl"
	cfg.SSLCAfile = testutil.NewCA(t).CAFile // another CA
	cfg.SASLMechanism = "scram-sha-512"
	cfg.SASLPlainUsername, cfg.SASLPlainPassword = "krest", "s3cret"
	a := runApp(t, cfg)
	r := call("GET", secURL(a)+"/topics", "", "")
	if r.status != 503 || secErrorCode(r) != 50302 || !r.jsonError() || r.took > 2*time.Second {
		t.Errorf("GET /topics: %v; want 503 with error_code 50302 at once", r)
	}
}
