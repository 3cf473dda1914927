package app

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr/srfake"
	"go.uber.org/goleak"

	"github.com/krest-dev/krest/internal/config"
	"github.com/krest-dev/krest/internal/testutil"
)

// testConfig is the default configuration on free ports and a temp data dir.
func testConfig(t *testing.T) config.Config {
	cfg := config.Default()
	cfg.Port = 0
	cfg.EmbeddedBrokerPort = 0
	cfg.RegistryPort = 0
	cfg.DataDir = t.TempDir()
	return cfg
}

func startApp(t *testing.T, cfg config.Config) *App {
	t.Helper()
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.Start()
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	return a
}

func post(t *testing.T, url, ctype, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(url, ctype, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestEmbeddedBrokerKeepsRecordsAcrossRestart is the out-of-the-box path:
// krest with no bootstrap_uri, records produced over HTTP, read back by an
// independent Kafka client, and still there after krest restarts.
func TestEmbeddedBrokerKeepsRecordsAcrossRestart(t *testing.T) {
	cfg := testConfig(t)
	cfg.EmbeddedTopics = []string{"demo:3"}

	a := startApp(t, cfg)
	status, body := post(t, a.URL()+"/topics/demo", "application/vnd.kafka.json.v2+json",
		`{"records":[{"key":"k1","value":{"n":1}},{"key":"k2","value":[1,2]},{"value":null}]}`)
	if status != 200 {
		t.Fatalf("produce: %d %s", status, body)
	}
	recs := testutil.ReadAll(t, []string{a.BrokerAddr()}, "demo", 3)
	got := map[string]string{}
	for _, r := range recs {
		got[string(r.Key)] = string(r.Value)
	}
	if got[`"k1"`] != `{"n":1}` || got[`"k2"`] != `[1,2]` { // json keys are JSON too
		t.Fatalf("records in Kafka: %v", got)
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}

	b := startApp(t, cfg) // same data dir
	recs = testutil.ReadAll(t, []string{b.BrokerAddr()}, "demo", 3)
	if len(recs) != 3 {
		t.Fatalf("after restart: %d records, want 3", len(recs))
	}
	status, body = get(t, b.URL()+"/topics/demo/partitions")
	if status != 200 || strings.Count(body, `"partition":`) != 3 {
		t.Fatalf("partitions after restart: %d %s", status, body)
	}
}

// TestBootstrapURIUsesTheGivenCluster: with bootstrap_uri no embedded broker
// starts and krest talks to the given cluster.
func TestBootstrapURIUsesTheGivenCluster(t *testing.T) {
	c := testutil.NewCluster(t)
	addrs := c.ListenAddrs()
	testutil.CreateTopic(t, addrs, "ext", 1)
	cfg := testConfig(t)
	cfg.BootstrapURI = addrs
	a := startApp(t, cfg)
	if a.BrokerAddr() != "" {
		t.Fatal("an embedded broker started although bootstrap_uri is set")
	}
	status, body := post(t, a.URL()+"/topics/ext", "application/vnd.kafka.binary.v2+json", `{"records":[{"value":"aGk="}]}`)
	if status != 200 {
		t.Fatalf("produce: %d %s", status, body)
	}
	if recs := testutil.ReadAll(t, addrs, "ext", 1); string(recs[0].Value) != "hi" {
		t.Fatalf("value in Kafka = %q", recs[0].Value)
	}
}

// TestUnreachableClusterAnswersQuickly: krest starts without Kafka and
// answers data requests with a JSON 5xx within the request timeout.
func TestUnreachableClusterAnswersQuickly(t *testing.T) {
	cfg := testConfig(t)
	cfg.BootstrapURI = []string{"127.0.0.1:1"}
	cfg.KafkaRequestTimeoutMS = 1000
	a := startApp(t, cfg)
	start := time.Now()
	status, body := get(t, a.URL()+"/topics")
	if status < 500 || !strings.Contains(body, `"error_code"`) {
		t.Fatalf("GET /topics with Kafka down: %d %s", status, body)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("took %v", d)
	}
	if status, _ := get(t, a.URL()+"/_health"); status != 200 {
		t.Fatalf("/_health = %d with Kafka down", status)
	}
	// Readiness asks Kafka (a metadata request for no topic) and says no.
	if status, body := get(t, a.URL()+"/_ready"); status != 503 || !strings.Contains(body, `"kafka":{"status":"failed"`) {
		t.Fatalf("/_ready = %d %s with Kafka down", status, body)
	}
}

// TestCloseIsIdempotentAndLeavesNoGoroutines checks the shutdown order runs
// once and every goroutine krest started is gone afterwards.
func TestCloseIsIdempotentAndLeavesNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := testConfig(t)
	cfg.EmbeddedTopics = []string{"x"}
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	if status, body := post(t, a.URL()+"/topics/x", "", `{"records":[{"value":"eA=="}]}`); status != 200 {
		t.Fatalf("produce: %d %s", status, body)
	}
	http.DefaultClient.CloseIdleConnections()
	done := make(chan error, 2)
	for range 2 {
		go func() { done <- a.Close(context.Background()) }()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatalf("third Close: %v", err)
	}
}

// TestRunStopsWhenContextEnds: Run drains and returns nil on cancellation.
func TestRunStopsWhenContextEnds(t *testing.T) {
	a, err := New(testConfig(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(a.URL() + "/_health")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("never served")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
}

// TestAvroProduceThroughAnExternalRegistry: with registry_url set, avro
// produce registers the schema there and writes Confluent-framed records.
func TestAvroProduceThroughAnExternalRegistry(t *testing.T) {
	reg := srfake.New()
	t.Cleanup(reg.Close)
	cfg := testConfig(t)
	cfg.EmbeddedTopics = []string{"users"}
	cfg.RegistryURL = reg.URL()
	a := startApp(t, cfg)
	status, body := post(t, a.URL()+"/topics/users", "application/vnd.kafka.avro.v2+json",
		`{"value_schema":"{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"n\",\"type\":\"string\"}]}","records":[{"value":{"n":"Ada"}}]}`)
	if status != 200 || !strings.Contains(body, `"value_schema_id":1`) {
		t.Fatalf("avro produce: %d %s", status, body)
	}
	rec := testutil.ReadAll(t, []string{a.BrokerAddr()}, "users", 1)[0]
	if len(rec.Value) < 5 || rec.Value[0] != 0 || rec.Value[4] != 1 {
		t.Fatalf("stored value %x is not framed with schema id 1", rec.Value)
	}
}

// TestEmbeddedRegistryServesTheProxy is the no-configuration path of the
// schema formats: krest serves its own registry, a schema registered there
// with curl-like HTTP is used by id on produce, and both survive a restart.
func TestEmbeddedRegistryServesTheProxy(t *testing.T) {
	cfg := testConfig(t)
	cfg.EmbeddedTopics = []string{"users"}
	a := startApp(t, cfg)
	if a.RegistryURL() == "" {
		t.Fatal("no embedded registry although registry_url is empty")
	}
	schema := `{"schema":"{\"type\":\"record\",\"name\":\"U\",\"fields\":[{\"name\":\"n\",\"type\":\"string\"}]}"}`
	var status int
	var body string
	deadline := time.Now().Add(15 * time.Second)
	for { // the registry answers once it has loaded _schemas
		status, body = post(t, a.RegistryURL()+"/subjects/users-value/versions", "application/vnd.schemaregistry.v1+json", schema)
		if status == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status != 200 || body != `{"id":1}` {
		t.Fatalf("register: %d %s", status, body)
	}
	status, body = post(t, a.URL()+"/topics/users", "application/vnd.kafka.avro.v2+json",
		`{"value_schema_id":1,"records":[{"value":{"n":"Ada"}}]}`)
	if status != 200 || !strings.Contains(body, `"value_schema_id":1`) {
		t.Fatalf("avro produce by id: %d %s", status, body)
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	b := startApp(t, cfg)
	deadline = time.Now().Add(15 * time.Second)
	for {
		status, body = get(t, b.RegistryURL()+"/schemas/ids/1")
		if status == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status != 200 || !strings.Contains(body, `\"name\":\"U\"`) {
		t.Fatalf("schema 1 after restart: %d %s", status, body)
	}
}
