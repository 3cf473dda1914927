package restapi

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/consumer"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/testutil"
)

// cenv is the restapi test env with a consumer registry, a producer that
// writes to explicit partitions and an HTTP client without keep-alives (so
// goroutine-leak checks see no idle connections).
type cenv struct {
	*env
	t   *testing.T
	reg *consumer.Registry
	hc  *http.Client
	pr  *kgo.Client
}

// consumerTestOptions are fast defaults for tests: a short heartbeat so
// rebalances are noticed quickly, and a long instance timeout so nothing
// expires unless a test asks for it. kfake's minimum session timeout is 6 s.
func consumerTestOptions(ko kafka.Options) consumer.Options {
	return consumer.Options{
		Kafka:             ko,
		RequestTimeout:    time.Second,
		InstanceTimeout:   time.Minute,
		SessionTimeout:    6 * time.Second,
		HeartbeatInterval: 100 * time.Millisecond,
	}
}

// newConsumerEnv starts the env with a registry built from
// consumerTestOptions, adjusted by adjust. The registry is closed when the
// test ends, after the HTTP server (the order app uses).
func newConsumerEnv(t *testing.T, adjust func(*consumer.Options), opts ...envOpt) *cenv {
	t.Helper()
	c := &cenv{t: t}
	withRegistry := func(ko *kafka.Options, _ *Options, d *Deps) {
		if d == nil {
			return
		}
		o := consumerTestOptions(*ko)
		if adjust != nil {
			adjust(&o)
		}
		reg, err := consumer.New(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { reg.Close(context.Background()) })
		d.Consumers = reg
		c.reg = reg
	}
	c.env = newEnv(t, append(opts, withRegistry)...)
	c.hc = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	c.pr = testutil.NewClient(t, c.addrs, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.DisableClientMetrics())
	return c
}

// call sends a request with the env's client; headers are "Name: value".
// A POST without a Content-Type header gets the v2 one.
func (c *cenv) call(method, path, body string, headers ...string) reply {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = c.url + path
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if method == "POST" {
		req.Header.Set("Content-Type", "application/vnd.kafka.v2+json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// expectStatus fails the test unless the reply has status.
func (r reply) expectStatus(t *testing.T, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// createConsumer creates an instance in group and returns its path
// (/consumers/<group>/instances/<id>).
func (c *cenv) createConsumer(group, body string) string {
	c.t.Helper()
	var resp struct {
		InstanceID string `json:"instance_id"`
		BaseURI    string `json:"base_uri"`
	}
	r := c.call("POST", "/consumers/"+group, body).expectStatus(c.t, 200)
	if err := json.Unmarshal(r.body, &resp); err != nil {
		c.t.Fatal(err)
	}
	return strings.TrimPrefix(resp.BaseURI, c.url)
}

// subscribe subscribes an instance to topics.
func (c *cenv) subscribe(inst string, topics ...string) {
	c.t.Helper()
	b, _ := json.Marshal(map[string]any{"topics": topics})
	c.call("POST", inst+"/subscription", string(b)).expectStatus(c.t, 204)
}

// assign assigns partitions of topic to an instance.
func (c *cenv) assign(inst, topic string, partitions ...int32) {
	c.t.Helper()
	var ps []map[string]any
	for _, p := range partitions {
		ps = append(ps, map[string]any{"topic": topic, "partition": p})
	}
	b, _ := json.Marshal(map[string]any{"partitions": ps})
	c.call("POST", inst+"/assignments", string(b)).expectStatus(c.t, 204)
}

// produceTo writes values to one partition and waits for them.
func (c *cenv) produceTo(topic string, partition int32, values ...string) {
	c.t.Helper()
	recs := make([]*kgo.Record, len(values))
	for k, v := range values {
		recs[k] = &kgo.Record{Topic: topic, Partition: partition, Value: []byte(v)}
	}
	c.produceRecords(recs...)
}

func (c *cenv) produceRecords(recs ...*kgo.Record) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.pr.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		c.t.Fatal(err)
	}
}

// gotRecord is one record of a records response.
type gotRecord struct {
	Topic     string         `json:"topic"`
	Key       jsontext.Value `json:"key"`
	Value     jsontext.Value `json:"value"`
	Partition int32          `json:"partition"`
	Offset    int64          `json:"offset"`
	Timestamp int64          `json:"timestamp"`
	Headers   []gotHeader    `json:"headers"`
	// Extra collects members a record should not have.
	Extra jsontext.Value `json:",unknown"`
}

type gotHeader struct {
	Key   string  `json:"key"`
	Value *string `json:"value"`
}

// binaryValue decodes a binary consumer's base64 value ("null" → nil).
func (g gotRecord) binaryValue(t *testing.T) []byte {
	t.Helper()
	return decodeB64Member(t, g.Value)
}

func decodeB64Member(t *testing.T, v jsontext.Value) []byte {
	t.Helper()
	if v.Kind() == 'n' || len(v) == 0 {
		return nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		t.Fatalf("%s is not a JSON string", v)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("%q is not base64", s)
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// fetch GETs records (query like "timeout=100&max_bytes=10"), expecting 200.
func (c *cenv) fetch(inst, query string, headers ...string) []gotRecord {
	c.t.Helper()
	path := inst + "/records"
	if query != "" {
		path += "?" + query
	}
	r := c.call("GET", path, "", headers...).expectStatus(c.t, 200)
	var recs []gotRecord
	if err := json.Unmarshal(r.body, &recs); err != nil {
		c.t.Fatalf("records body %s: %v", r.body, err)
	}
	return recs
}

// fetchUntil fetches until pred says stop or 20 s pass, returning every
// record received.
func (c *cenv) fetchUntil(inst, query string, stop func(all []gotRecord) bool) []gotRecord {
	c.t.Helper()
	var all []gotRecord
	deadline := time.Now().Add(20 * time.Second)
	for !stop(all) {
		if time.Now().After(deadline) {
			c.t.Fatalf("gave up fetching from %s after %d records", inst, len(all))
		}
		all = append(all, c.fetch(inst, query)...)
	}
	return all
}

// committed returns the group's committed offsets as an independent client
// sees them.
func (c *cenv) committed(group string) kadm.OffsetResponses {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	os, err := c.adm.FetchOffsets(ctx, group)
	if err != nil {
		c.t.Fatal(err)
	}
	return os
}

// committedAt returns one committed offset, -1 when there is none.
func (c *cenv) committedAt(group, topic string, partition int32) int64 {
	c.t.Helper()
	if o, ok := c.committed(group).Lookup(topic, partition); ok && o.Err == nil {
		return o.At
	}
	return -1
}

// eventually retries cond every 20 ms for up to 20 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func testContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}
