package restapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/consumer"
	"github.com/krest-dev/krest/internal/kafka"
)

// fuzzEnv is one REST server with consumers on a kfake broker, started once
// per fuzz target (each fuzz worker process runs the target's setup once).
type fuzzEnv struct {
	url string
	hc  *http.Client
}

// fuzzRequestBound bounds every fuzzed request: an answer later than this
// is a hang. Records requests pass timeout=200, so nothing legitimately
// takes longer than a Kafka round trip or two.
const fuzzRequestBound = 10 * time.Second

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(2),
		kfake.GroupMinSessionTimeout(100*time.Millisecond), kfake.SeedTopics(2, "t", "u"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(c.Close)
	addrs := c.ListenAddrs()
	pr, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.DisableClientMetrics(), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		f.Fatal(err)
	}
	var recs []*kgo.Record
	for p := range int32(2) {
		for i := range 5 {
			recs = append(recs, &kgo.Record{Topic: "t", Partition: p, Key: []byte("k"), Value: []byte(`{"i":` + string(rune('0'+i)) + `}`)})
		}
	}
	if err := pr.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		f.Fatal(err)
	}
	pr.Close()

	ko := kafka.Options{Brokers: addrs, Acks: -1, RequestTimeout: 3 * time.Second}
	k, err := kafka.New(ko)
	if err != nil {
		f.Fatal(err)
	}
	reg, err := consumer.New(consumer.Options{
		Kafka:             ko,
		Admin:             k.Admin(),
		RequestTimeout:    200 * time.Millisecond,
		InstanceTimeout:   time.Minute,
		SessionTimeout:    time.Second,
		HeartbeatInterval: 100 * time.Millisecond,
		MaxInstances:      200,
	})
	if err != nil {
		f.Fatal(err)
	}
	srv := New(Deps{Kafka: k, Consumers: reg, Logger: slog.New(slog.DiscardHandler)}, Options{MaxBodyBytes: 1 << 16, Version: "fuzz"})
	hs := httptest.NewServer(srv.Handler())
	f.Cleanup(func() {
		hs.Close()
		reg.Close(context.Background())
		k.Close(context.Background())
	})
	return &fuzzEnv{url: hs.URL, hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}}
}

// fuzzReply is one answer to a fuzzed request.
type fuzzReply struct {
	status int
	body   []byte
}

// do sends one request and applies the invariant: the status is 2xx, or a
// 4xx whose body is a JSON error with an error_code matching the status;
// never a 5xx, never a hang (an answer within fuzzRequestBound), never a
// broken connection (what a handler panic looks like to the client).
func (e *fuzzEnv) do(t testing.TB, method, path string, hdr map[string]string, body []byte) fuzzReply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), fuzzRequestBound)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.url+path, rd)
	if err != nil {
		return fuzzReply{} // not a request net/http can send: nothing to test
	}
	for k, v := range hdr {
		req.Header[k] = []string{v}
	}
	start := time.Now()
	resp, err := e.hc.Do(req)
	if err != nil {
		if strings.Contains(err.Error(), "invalid header") || strings.Contains(err.Error(), "invalid method") {
			return fuzzReply{}
		}
		t.Fatalf("%s %s (%q): no answer after %v: %v", method, path, body, time.Since(start), err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s (%q): body: %v", method, path, body, err)
	}
	r := fuzzReply{status: resp.StatusCode, body: b}
	switch {
	case r.status >= 200 && r.status < 300:
	case r.status >= 400 && r.status < 500:
		var eb struct {
			Code    *int    `json:"error_code"`
			Message *string `json:"message"`
		}
		if err := json.Unmarshal(b, &eb); err != nil || eb.Code == nil || eb.Message == nil {
			t.Fatalf("%s %s (%q %v): %d with a body that is not a JSON error: %q", method, path, body, hdr, r.status, b)
		}
		if c := *eb.Code; c != r.status && c/100 != r.status {
			t.Fatalf("%s %s (%q %v): status %d but error_code %d", method, path, body, hdr, r.status, c)
		}
	default:
		t.Fatalf("%s %s (%q %v): %d %s; want 2xx or a JSON 4xx", method, path, body, hdr, r.status, b)
	}
	return r
}

// consumerOps are the consumer endpoints that take a body; the fuzzer picks
// one by index.
var consumerOps = []struct{ method, suffix string }{
	{"POST", ""}, // create: POST /consumers/{group}
	{"POST", "/subscription"},
	{"POST", "/assignments"},
	{"POST", "/positions"},
	{"POST", "/positions/beginning"},
	{"POST", "/positions/end"},
	{"POST", "/offsets"},
	{"GET", "/offsets"},
}

// FuzzConsumerRequests sends arbitrary bodies with arbitrary Content-Types
// to the consumer endpoints that take a body, through the real handler and
// consumer registry on a kfake broker. Each input creates an instance (with
// the fuzzed body when op is 0), optionally subscribes or assigns it
// (state), sends the fuzzed request, fetches records once and deletes the
// instance.
//
// Invariant: every answer is 2xx or a 4xx with a JSON error body whose
// error_code matches the status; never a 5xx, a panic (a broken
// connection) or a hang (no answer within 10 s).
func FuzzConsumerRequests(f *testing.F) {
	e := newFuzzEnv(f)
	ct := "application/vnd.kafka.v2+json"
	seeds := []struct {
		op, state uint8
		ctype     string
		body      string
	}{
		{0, 0, ct, `{"name":"a","format":"binary","auto.offset.reset":"earliest","auto.commit.enable":"false"}`},
		{0, 0, ct, `{"name":null,"format":"json","consumer.request.timeout.ms":-1,"fetch.min.bytes":"x"}`},
		{0, 0, "application/json", `{"format":"avro"}`},
		{0, 0, "text/plain", `{}`},
		{0, 0, ct, `{"name":"../x","format":"binary","auto.offset.reset":"none"}`},
		{0, 0, ct, `{"name":"` + strings.Repeat("n", 300) + `"}`},
		{1, 0, ct, `{"topics":["t"]}`},
		{1, 0, ct, `{"topic_pattern":"("}`},
		{1, 0, ct, `{"topic_pattern":"t.*"}`},
		{1, 0, ct, `{"topics":["t"],"topic_pattern":"t"}`},
		{1, 0, ct, `{"topics":[]}`},
		{1, 0, ct, `{"topics":["no-such-topic","__consumer_offsets"]}`},
		{1, 0, ct, `{"topics":[""]}`},
		{1, 2, ct, `{"topics":["t"]}`},
		{2, 0, ct, `{"partitions":[{"topic":"t","partition":0},{"topic":"t","partition":1}]}`},
		{2, 0, ct, `{"partitions":[{"topic":"t","partition":-1}]}`},
		{2, 0, ct, `{"partitions":[{"topic":"t","partition":2147483647}]}`},
		{2, 0, ct, `{"partitions":[{"topic":"nope","partition":0}]}`},
		{2, 0, ct, `{"partitions":[{"topic":"t","partition":0},{"topic":"t","partition":0}]}`},
		{2, 1, ct, `{"partitions":[{"topic":"t","partition":0}]}`},
		{3, 2, ct, `{"offsets":[{"topic":"t","partition":0,"offset":3}]}`},
		{3, 2, ct, `{"offsets":[{"topic":"t","partition":0,"offset":-5}]}`},
		{3, 2, ct, `{"offsets":[{"topic":"t","partition":0,"offset":9223372036854775807}]}`},
		{3, 1, ct, `{"offsets":[{"topic":"t","partition":1,"offset":1}]}`},
		{3, 0, ct, `{"offsets":[{"topic":"t","partition":0,"offset":0}]}`},
		{4, 2, ct, `{"partitions":[{"topic":"t","partition":0}]}`},
		{4, 1, ct, `{"partitions":[]}`},
		{5, 2, ct, `{"partitions":[{"topic":"t","partition":1}]}`},
		{5, 0, ct, `{"partitions":[{"topic":"u","partition":1}]}`},
		{6, 2, ct, ``},
		{6, 2, ct, `{}`},
		{6, 2, ct, `{"offsets":[{"topic":"t","partition":0,"offset":4}]}`},
		{6, 1, ct, `{"offsets":[{"topic":"t","partition":0,"offset":-2}]}`},
		{6, 0, ct, `{"offsets":[{"topic":"nope","partition":7,"offset":1}]}`},
		{6, 2, ct, `{"offsets":[{"topic":"t","partition":0,"offset":9223372036854775807}]}`},
		{7, 2, ct, `{"partitions":[{"topic":"t","partition":0}]}`},
		{7, 0, ct, `{"partitions":[{"topic":"nope","partition":-1}]}`},
		{7, 0, ct, ``},
		{7, 0, "", `{"partitions":null}`},
		{1, 0, ct, `{"topics":["t"]`},
		{2, 0, ct, `[]`},
		{3, 2, ct, `{"offsets":[{"topic":"t","partition":0,"offset":1.5}]}`},
		{6, 2, ct, "\x00\xff"},
	}
	for _, s := range seeds {
		f.Add(s.op, s.state, s.ctype, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, op, state uint8, ctype string, body []byte) {
		o := consumerOps[int(op)%len(consumerOps)]
		hdr := map[string]string{"Content-Type": ctype}
		v2 := map[string]string{"Content-Type": ct}
		createBody := []byte(`{"name":"i","format":"binary","auto.offset.reset":"earliest"}`)
		if o.suffix == "" {
			createBody = body
		}
		r := e.do(t, "POST", "/consumers/fg", hdr, createBody)
		if r.status != 200 {
			return
		}
		var created struct {
			ID  string `json:"instance_id"`
			URI string `json:"base_uri"`
		}
		if err := json.Unmarshal(r.body, &created); err != nil || created.ID == "" {
			t.Fatalf("create answered 200 with %q", r.body)
		}
		inst := "/consumers/fg/instances/" + url.PathEscape(created.ID)
		if !strings.HasSuffix(created.URI, inst) {
			t.Fatalf("base_uri %q does not end with %q", created.URI, inst)
		}
		defer e.do(t, "DELETE", inst, nil, nil)
		switch state % 3 {
		case 1:
			e.do(t, "POST", inst+"/subscription", v2, []byte(`{"topics":["t"]}`))
		case 2:
			e.do(t, "POST", inst+"/assignments", v2, []byte(`{"partitions":[{"topic":"t","partition":0},{"topic":"t","partition":1}]}`))
		}
		if o.suffix != "" {
			e.do(t, o.method, inst+o.suffix, hdr, body)
		}
		e.do(t, "GET", inst+"/records?timeout=200", map[string]string{"Accept": "application/vnd.kafka.binary.v2+json"}, nil)
	})
}
