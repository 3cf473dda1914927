package app

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/krest-dev/krest/internal/config"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/testutil"
)

// Passwords distinctive enough to grep logs and metrics for.
const (
	krestPW = "krest-Pw-7f3a9c"
	alicePW = "alice-Pw-Q8zr1v"
	bobPW   = "bob-Pw-K2mx6w"
	carolPW = "carol-Pw-J5ht3n"
	wrongPW = "wrong-Pw-X9vb4e"
)

// authCluster is a kfake cluster with SASL (SCRAM-SHA-512) and ACLs:
//   - krest: superuser, krest's own clients;
//   - alice: may write topic x and describe (not read) topic y;
//   - bob: may read topics x and y (not write anything);
//   - carol: no ACL at all;
//   - alice and bob may use consumer groups starting with "g-".
func authCluster(t *testing.T) []string {
	t.Helper()
	const scram = "SCRAM-SHA-512"
	allow := func(rt kmsg.ACLResourceType, name string, op kmsg.ACLOperation) kfake.ACL {
		pattern := kmsg.ACLResourcePatternTypeLiteral
		if strings.HasSuffix(name, "*") && name != "*" {
			pattern, name = kmsg.ACLResourcePatternTypePrefixed, strings.TrimSuffix(name, "*")
		}
		return kfake.ACL{Resource: rt, Name: name, Pattern: pattern, Operation: op, Allow: true}
	}
	topic, group := kmsg.ACLResourceTypeTopic, kmsg.ACLResourceTypeGroup
	c := testutil.NewCluster(t, kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser(scram, "krest", krestPW),
		kfake.User(scram, "alice", alicePW,
			allow(topic, "x", kmsg.ACLOperationWrite),
			allow(topic, "y", kmsg.ACLOperationDescribe),
			allow(group, "g-*", kmsg.ACLOperationRead)),
		kfake.User(scram, "bob", bobPW,
			allow(topic, "x", kmsg.ACLOperationRead),
			allow(topic, "y", kmsg.ACLOperationRead),
			allow(group, "g-*", kmsg.ACLOperationRead)),
		kfake.User(scram, "carol", carolPW),
		kfake.SeedTopics(1, "x", "y"))
	return c.ListenAddrs()
}

// superClient is an independent client acting as the superuser, to check
// what krest wrote and to write what users read.
func superClient(t *testing.T, addrs []string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	m, err := kafka.NewSASL(kafka.MechScramSHA512, "krest", krestPW)
	if err != nil {
		t.Fatal(err)
	}
	return testutil.NewClient(t, addrs, append(kafka.SecurityOpts(nil, m), opts...)...)
}

type authApp struct {
	*App
	url  string
	logs *syncBuffer
}

func startAuthApp(t *testing.T, addrs []string, edit func(*config.Config)) *authApp {
	t.Helper()
	cfg := testConfig(t)
	cfg.BootstrapURI = addrs
	cfg.SecurityProtocol = "sasl_plaintext"
	cfg.SASLMechanism = kafka.MechScramSHA512
	cfg.SASLPlainUsername, cfg.SASLPlainPassword = "krest", krestPW
	cfg.RestAuthorization = true
	cfg.RegistryEnabled = "false"
	cfg.AccessLog = true
	cfg.MetricsEnabled = true
	cfg.KafkaRequestTimeoutMS = 5000
	cfg.ConsumerRequestTimeoutMS = 200
	if edit != nil {
		edit(&cfg)
	}
	logs := &syncBuffer{}
	// Debug: every line krest and franz-go may write is checked for
	// passwords.
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := New(cfg, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	url := a.URL() // before Start: Serve configures the server it reads
	a.Start()
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	return &authApp{App: a, url: url, logs: logs}
}

// answer is one HTTP response.
type answer struct {
	status int
	header http.Header
	body   string
}

func (a answer) code() int {
	var e struct {
		Code int `json:"error_code"`
	}
	_ = json.Unmarshal([]byte(a.body), &e)
	return e.Code
}

// authCall sends a request with Basic credentials user:pass ("" user: none).
func authCall(t *testing.T, method, url, user, pass, ctype, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

const (
	binaryV2 = "application/vnd.kafka.binary.v2+json"
	jsonV2   = "application/vnd.kafka.v2+json"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestRestAuthorizationCredentials(t *testing.T) {
	addrs := authCluster(t)
	a := startAuthApp(t, addrs, nil)
	u := a.url

	t.Run("no-credentials-is-401-with-a-challenge", func(t *testing.T) {
		for _, rq := range []struct{ method, path, body string }{
			{"GET", "/topics", ""}, {"GET", "/brokers", ""}, {"GET", "/topics/x", ""},
			{"POST", "/topics/x", `{"records":[{"value":"` + b64("v") + `"}]}`},
			{"POST", "/consumers/g-a", `{}`}, {"GET", "/consumers/g-a/instances/c/records", ""},
			{"GET", "/metrics", ""},
		} {
			got := authCall(t, rq.method, u+rq.path, "", "", binaryV2, rq.body)
			if got.status != 401 || got.code() != 401 || !strings.HasPrefix(got.header.Get("WWW-Authenticate"), `Basic realm="krest"`) ||
				got.header.Get("Content-Type") != jsonV2 {
				t.Errorf("%s %s: %d %v %s", rq.method, rq.path, got.status, got.header, got.body)
			}
		}
	})
	t.Run("bearer-and-malformed-credentials-are-401", func(t *testing.T) {
		for _, h := range []string{"Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "Basic !!!", "Basic " + b64("no-colon"), "Digest x"} {
			req, _ := http.NewRequest("GET", u+"/topics", nil)
			req.Header.Set("Authorization", h)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") == "" || !strings.Contains(string(b), `"error_code":401`) {
				t.Errorf("%q: %d %s", h, resp.StatusCode, b)
			}
		}
	})
	t.Run("wrong-password-is-40101", func(t *testing.T) {
		// alice's right password first: its cached client must not serve
		// a request with another password.
		if got := authCall(t, "GET", u+"/topics", "alice", alicePW, "", ""); got.status != 200 {
			t.Fatalf("alice: %d %s", got.status, got.body)
		}
		for _, who := range [][2]string{{"alice", wrongPW}, {"nobody", wrongPW}, {"alice", ""}} {
			got := authCall(t, "GET", u+"/topics", who[0], who[1], "", "")
			if got.status != 401 || got.code() != 40101 || got.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: %d %v %s", who[0], got.status, got.header, got.body)
			}
		}
		if s := a.users.Stats(); s.Open != 1 {
			t.Errorf("failed logins were cached: %+v", s)
		}
	})
	t.Run("probes-and-api-description-need-no-credentials", func(t *testing.T) {
		for _, path := range []string{"/", "/_health", "/_ready", "/openapi.json", "/openapi.yaml"} {
			if got := authCall(t, "GET", u+path, "", "", "", ""); got.status == 401 {
				t.Errorf("%s: %d %s", path, got.status, got.body)
			}
		}
	})
	t.Run("concurrent-first-requests-log-in-once", func(t *testing.T) {
		before := a.users.Stats()
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if got := authCall(t, "GET", u+"/brokers", "bob", bobPW, "", ""); got.status != 200 {
					t.Errorf("bob: %d %s", got.status, got.body)
				}
			}()
		}
		wg.Wait()
		if s := a.users.Stats(); s.Created != before.Created+1 {
			t.Errorf("20 concurrent first requests made %d clients", s.Created-before.Created)
		}
	})
}

// TestRestAuthorizationKafkaACLsDecide: each user can do exactly what its
// ACLs allow, and what krest wrote is checked with an independent client.
func TestRestAuthorizationKafkaACLsDecide(t *testing.T) {
	addrs := authCluster(t)
	a := startAuthApp(t, addrs, func(c *config.Config) { c.ConsumerMaxInstancesPerPrincipal = 3 })
	u := a.url
	super := superClient(t, addrs)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := super.ProduceSync(ctx, &kgo.Record{Topic: "y", Value: []byte("y0")}, &kgo.Record{Topic: "y", Value: []byte("y1")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	produce := `{"records":[{"value":"` + b64("from-alice-1") + `"},{"value":"` + b64("from-alice-2") + `"}]}`

	t.Run("alice-writes-x", func(t *testing.T) {
		got := authCall(t, "POST", u+"/topics/x", "alice", alicePW, binaryV2, produce)
		if got.status != 200 || strings.Contains(got.body, `"error_code":4`) || strings.Contains(got.body, `"error_code":5`) {
			t.Fatalf("%d %s", got.status, got.body)
		}
	})
	t.Run("bob-may-not-write-x-per-record-40301", func(t *testing.T) {
		// bob may describe x (read implies describe): the request is valid
		// and each record fails on Kafka's refusal, as any per-record error.
		got := authCall(t, "POST", u+"/topics/x", "bob", bobPW, binaryV2, `{"records":[{"value":"`+b64("from-bob")+`"}]}`)
		if got.status != 200 || !strings.Contains(got.body, `"offset":null,"error_code":40301`) {
			t.Fatalf("%d %s", got.status, got.body)
		}
	})
	t.Run("carol-cannot-see-x-404", func(t *testing.T) {
		for _, rq := range [][2]string{{"POST", "/topics/x"}, {"GET", "/topics/x"}, {"GET", "/topics/x/partitions"}, {"GET", "/topics/x/partitions/0/offsets"}} {
			got := authCall(t, rq[0], u+rq[1], "carol", carolPW, binaryV2, produce)
			if got.status != 404 || got.code() != 40401 {
				t.Errorf("%s %s: %d %s", rq[0], rq[1], got.status, got.body)
			}
		}
	})
	t.Run("only-alices-records-are-in-x", func(t *testing.T) {
		cl := superClient(t, addrs, kgo.ConsumeTopics("x"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		var got []string
		for len(got) < 2 && ctx.Err() == nil {
			cl.PollFetches(ctx).EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
		}
		ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, "x")
		if err != nil {
			t.Fatal(err)
		}
		if end, _ := ends.Lookup("x", 0); !slices.Equal(got, []string{"from-alice-1", "from-alice-2"}) || end.Offset != 2 {
			t.Fatalf("x holds %q, end offset %d", got, end.Offset)
		}
	})
	t.Run("topic-lists-show-what-each-user-may-see", func(t *testing.T) {
		for user, want := range map[string]string{"alice": `["x","y"]`, "bob": `["x","y"]`, "carol": `[]`} {
			if got := authCall(t, "GET", u+"/topics", user, map[string]string{"alice": alicePW, "bob": bobPW, "carol": carolPW}[user], "", ""); got.status != 200 || got.body != want {
				t.Errorf("%s: %d %s, want %s", user, got.status, got.body, want)
			}
		}
	})
	t.Run("alice-may-not-read-y-403", func(t *testing.T) {
		got := authCall(t, "POST", u+"/consumers/g-a", "alice", alicePW, jsonV2, `{"name":"c","format":"binary"}`)
		if got.status != 200 {
			t.Fatalf("create: %d %s", got.status, got.body)
		}
		if got := authCall(t, "POST", u+"/consumers/g-a/instances/c/subscription", "alice", alicePW, jsonV2, `{"topics":["y"]}`); got.status != 204 {
			t.Fatalf("subscribe: %d %s", got.status, got.body)
		}
		records := u + "/consumers/g-a/instances/c/records?timeout=500"
		var last answer
		for range 20 { // the group join takes a moment; then Kafka refuses
			if last = authCall(t, "GET", records, "alice", alicePW, "", ""); last.status != 200 || last.body != "[]" {
				break
			}
		}
		if last.status != 403 || last.code() != 40301 {
			t.Fatalf("fetch y: %d %s", last.status, last.body)
		}
		// The same with a manual assignment (no group membership).
		authCall(t, "POST", u+"/consumers/g-a", "alice", alicePW, jsonV2, `{"name":"assigned","format":"binary"}`)
		if got := authCall(t, "POST", u+"/consumers/g-a/instances/assigned/assignments", "alice", alicePW, jsonV2, `{"partitions":[{"topic":"y","partition":0}]}`); got.status != 204 {
			t.Fatalf("assign: %d %s", got.status, got.body)
		}
		if got := authCall(t, "GET", u+"/consumers/g-a/instances/assigned/records?timeout=500", "alice", alicePW, "", ""); got.status != 403 || got.code() != 40301 {
			t.Fatalf("fetch assigned y: %d %s", got.status, got.body)
		}
	})
	t.Run("bob-reads-y-and-commits-as-bob", func(t *testing.T) {
		if got := authCall(t, "POST", u+"/consumers/g-b", "bob", bobPW, jsonV2, `{"name":"c","format":"binary","auto.commit.enable":"false"}`); got.status != 200 {
			t.Fatalf("create: %d %s", got.status, got.body)
		}
		if got := authCall(t, "POST", u+"/consumers/g-b/instances/c/subscription", "bob", bobPW, jsonV2, `{"topics":["y"]}`); got.status != 204 {
			t.Fatalf("subscribe: %d %s", got.status, got.body)
		}
		var values []string
		for i := 0; i < 40 && len(values) < 2; i++ {
			got := authCall(t, "GET", u+"/consumers/g-b/instances/c/records?timeout=500", "bob", bobPW, "", "")
			if got.status != 200 {
				t.Fatalf("fetch: %d %s", got.status, got.body)
			}
			var recs []struct{ Value string }
			_ = json.Unmarshal([]byte(got.body), &recs)
			for _, r := range recs {
				v, _ := base64.StdEncoding.DecodeString(r.Value)
				values = append(values, string(v))
			}
		}
		if !slices.Equal(values, []string{"y0", "y1"}) {
			t.Fatalf("bob read %q", values)
		}
		if got := authCall(t, "POST", u+"/consumers/g-b/instances/c/offsets", "bob", bobPW, jsonV2, ``); got.status != 204 && got.status != 200 {
			t.Fatalf("commit: %d %s", got.status, got.body)
		}
		got := authCall(t, "GET", u+"/consumers/g-b/instances/c/offsets", "bob", bobPW, jsonV2, `{"partitions":[{"topic":"y","partition":0}]}`)
		if got.status != 200 || !strings.Contains(got.body, `"offset":2`) {
			t.Fatalf("committed: %d %s", got.status, got.body)
		}
	})
	t.Run("a-group-bob-may-not-use-403", func(t *testing.T) {
		if got := authCall(t, "POST", u+"/consumers/h-b", "bob", bobPW, jsonV2, `{"name":"c","format":"binary"}`); got.status != 200 {
			t.Fatalf("create: %d %s", got.status, got.body)
		}
		if got := authCall(t, "POST", u+"/consumers/h-b/instances/c/subscription", "bob", bobPW, jsonV2, `{"topics":["y"]}`); got.status != 204 {
			t.Fatalf("subscribe: %d %s", got.status, got.body)
		}
		var last answer
		for range 20 {
			if last = authCall(t, "GET", u+"/consumers/h-b/instances/c/records?timeout=500", "bob", bobPW, "", ""); last.status != 200 || last.body != "[]" {
				break
			}
		}
		if last.status != 403 || last.code() != 40301 {
			t.Fatalf("fetch in a forbidden group: %d %s", last.status, last.body)
		}
		if got := authCall(t, "GET", u+"/consumers/h-b/instances/c/offsets", "bob", bobPW, jsonV2, `{"partitions":[{"topic":"y","partition":0}]}`); got.status != 403 || got.code() != 40301 {
			t.Fatalf("committed offsets in a forbidden group: %d %s", got.status, got.body)
		}
		authCall(t, "DELETE", u+"/consumers/h-b/instances/c", "bob", bobPW, "", "")
	})
	t.Run("instances-belong-to-their-creator", func(t *testing.T) {
		// alice's instance g-a/c does not exist for bob: 404/40403 on every
		// use, exactly as for a name nobody has.
		base := u + "/consumers/g-a/instances/c"
		for _, rq := range [][3]string{
			{"GET", "/subscription", ""}, {"GET", "/records", ""}, {"GET", "/assignments", ""},
			{"POST", "/subscription", `{"topics":["y"]}`}, {"POST", "/positions/beginning", `{"partitions":[{"topic":"y","partition":0}]}`},
			{"POST", "/offsets", ``}, {"DELETE", "", ""},
		} {
			got := authCall(t, rq[0], base+rq[1], "bob", bobPW, jsonV2, rq[2])
			if got.status != 404 || got.code() != 40403 {
				t.Errorf("bob %s %s: %d %s", rq[0], rq[1], got.status, got.body)
			}
		}
		// bob may create the same name in the same group: no 409.
		if got := authCall(t, "POST", u+"/consumers/g-a", "bob", bobPW, jsonV2, `{"name":"c","format":"binary"}`); got.status != 200 {
			t.Fatalf("bob's g-a/c: %d %s", got.status, got.body)
		}
		// Both exist side by side: alice's still answers alice.
		if got := authCall(t, "GET", base+"/subscription", "alice", alicePW, "", ""); got.status != 200 || !strings.Contains(got.body, `"y"`) {
			t.Fatalf("alice's g-a/c after bob's: %d %s", got.status, got.body)
		}
		if got := authCall(t, "GET", base+"/subscription", "bob", bobPW, "", ""); got.status != 200 || strings.Contains(got.body, `"y"`) {
			t.Fatalf("bob's g-a/c: %d %s", got.status, got.body)
		}
		if got := authCall(t, "DELETE", base, "bob", bobPW, "", ""); got.status != 204 {
			t.Fatalf("bob deletes his: %d %s", got.status, got.body)
		}
		if got := authCall(t, "GET", base+"/subscription", "alice", alicePW, "", ""); got.status != 200 {
			t.Fatalf("bob's delete removed alice's: %d %s", got.status, got.body)
		}
	})
	t.Run("instances-per-principal-are-capped-429", func(t *testing.T) {
		// alice has two (c, assigned); the cap is 3.
		if got := authCall(t, "POST", u+"/consumers/g-a", "alice", alicePW, jsonV2, `{}`); got.status != 200 {
			t.Fatalf("third: %d %s", got.status, got.body)
		}
		got := authCall(t, "POST", u+"/consumers/g-a", "alice", alicePW, jsonV2, `{}`)
		if got.status != 429 || got.code() != 429 || !strings.Contains(got.body, "consumer_max_instances_per_principal") {
			t.Fatalf("fourth: %d %s", got.status, got.body)
		}
		if got := authCall(t, "POST", u+"/consumers/g-b", "bob", bobPW, jsonV2, `{}`); got.status != 200 {
			t.Fatalf("bob is not capped by alice: %d %s", got.status, got.body)
		}
	})
	t.Run("credentials-never-reach-logs-or-metrics", func(t *testing.T) {
		got := authCall(t, "GET", u+"/metrics", "alice", alicePW, "", "")
		if got.status != 200 {
			t.Fatalf("metrics: %d", got.status)
		}
		logs := a.logs.String()
		if !strings.Contains(logs, `"route":"/topics/{topic}"`) {
			t.Fatalf("the access log was not captured:\n%.2000s", logs)
		}
		// The access log says who: the user name, never the password.
		if !strings.Contains(logs, `"route":"/topics/{topic}","path":"/topics/x","status":200`) || !strings.Contains(logs, `"user":"alice"`) {
			t.Errorf("the access log does not name the user:\n%.3000s", logs)
		}
		for _, pw := range []string{krestPW, alicePW, bobPW, carolPW, wrongPW, b64("alice:" + alicePW)} {
			if strings.Contains(logs, pw) {
				t.Errorf("a password is in the logs: %s", pw)
			}
			if strings.Contains(got.body, pw) {
				t.Errorf("a password is in the metrics: %s", pw)
			}
		}
	})
}

// TestRestAuthorizationKafkaUnreachable: credentials that cannot be
// checked give a 5xx JSON error within kafka_request_timeout_ms, never a
// 401 and never a hang.
func TestRestAuthorizationKafkaUnreachable(t *testing.T) {
	addrs := authCluster(t)
	a := startAuthApp(t, addrs, func(c *config.Config) {
		c.SASLBootstrapURI = []string{"127.0.0.1:1"} // nothing listens there
		c.KafkaRequestTimeoutMS = 1000
	})
	start := time.Now()
	got := authCall(t, "GET", a.url+"/topics", "alice", alicePW, "", "")
	if got.status < 500 || got.code() < 500 || time.Since(start) > 10*time.Second {
		t.Fatalf("%d %s after %v", got.status, got.body, time.Since(start))
	}
	if s := a.users.Stats(); s.Open != 0 {
		t.Fatalf("a failed login was cached: %+v", s)
	}
}

// TestRestAuthorizationPoolBoundUnderLoad: with room for one client, two
// users alternate concurrently; every request succeeds although each
// login evicts the other user's client, often while it is in use.
func TestRestAuthorizationPoolBoundUnderLoad(t *testing.T) {
	addrs := authCluster(t)
	a := startAuthApp(t, addrs, func(c *config.Config) { c.AuthMaxClients = 1 })
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user, pw := "alice", alicePW
			if i%2 == 1 {
				user, pw = "bob", bobPW
			}
			if got := authCall(t, "GET", a.url+"/topics/y/partitions", user, pw, "", ""); got.status != 200 {
				t.Errorf("%s: %d %s", user, got.status, got.body)
			}
		}()
	}
	wg.Wait()
	s := a.users.Stats()
	if s.Evicted == 0 || s.Open > 1 || s.Failed != 0 {
		t.Fatalf("stats %+v", s)
	}
}
