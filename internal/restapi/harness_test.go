package restapi

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/testutil"
)

// env is one krest REST server on a fresh kfake broker, both over TCP on
// loopback, torn down when the test ends.
type env struct {
	t       *testing.T
	cluster *kfake.Cluster
	addrs   []string
	url     string
	kafka   *kafka.Client
	// adm is an independent admin client (not krest's) for setting up
	// topics and checking what krest wrote.
	adm *kadm.Client
}

// envOpt adjusts the Kafka client options, the server options or the deps
// (after Kafka is set) before the server starts.
type envOpt func(*kafka.Options, *Options, *Deps)

func newEnv(t *testing.T, opts ...envOpt) *env {
	t.Helper()
	c := testutil.NewCluster(t)
	e := &env{t: t, cluster: c, addrs: c.ListenAddrs()}
	ko := kafka.Options{Brokers: e.addrs, Acks: -1, RequestTimeout: 10 * time.Second}
	so := Options{MaxBodyBytes: 1 << 20, Version: "test"}
	for _, o := range opts {
		o(&ko, &so, nil)
	}
	k, err := kafka.New(ko)
	if err != nil {
		t.Fatal(err)
	}
	e.kafka = k
	deps := Deps{Kafka: k, Logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&ko, &so, &deps)
	}
	srv := New(deps, so)
	hs := httptest.NewServer(srv.Handler())
	e.url = hs.URL
	e.adm = kadm.NewClient(testutil.NewClient(t, e.addrs))
	t.Cleanup(func() {
		hs.Close()
		k.Close(context.Background())
	})
	return e
}

// withKafka is an envOpt that edits the Kafka client options.
func withKafka(f func(*kafka.Options)) envOpt {
	return func(ko *kafka.Options, _ *Options, d *Deps) {
		if d == nil {
			f(ko)
		}
	}
}

// withServer is an envOpt that edits the server options.
func withServer(f func(*Options)) envOpt {
	return func(_ *kafka.Options, so *Options, d *Deps) {
		if d == nil {
			f(so)
		}
	}
}

// sub returns a view of e that reports to t, so subtests (parallel ones
// included) can share one server and broker.
func (e *env) sub(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// topic creates a topic with the given partition count with the
// independent admin client.
func (e *env) topic(name string, partitions int32) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := e.adm.CreateTopic(ctx, partitions, 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		e.t.Fatalf("create topic %s: %v", name, err)
	}
}

// endOffsets returns the end offset of every partition of topic, read by
// the independent client.
func (e *env) endOffsets(topic string) map[int32]int64 {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	los, err := e.adm.ListEndOffsets(ctx, topic)
	if err != nil {
		e.t.Fatalf("end offsets of %s: %v", topic, err)
	}
	out := map[int32]int64{}
	los.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			e.t.Fatalf("end offset of %s/%d: %v", topic, o.Partition, o.Err)
		}
		out[o.Partition] = o.Offset
	})
	return out
}

// records counts the records in topic from its end offsets (nothing is
// deleted in these tests, so every log starts at 0).
func (e *env) records(topic string) int64 {
	e.t.Helper()
	var n int64
	for _, o := range e.endOffsets(topic) {
		n += o
	}
	return n
}

// expectRecords fails unless topic holds exactly n records.
func (e *env) expectRecords(topic string, n int64) {
	e.t.Helper()
	if got := e.records(topic); got != n {
		e.t.Fatalf("topic %s holds %d records, want %d (end offsets %v)", topic, got, n, e.endOffsets(topic))
	}
}

// read returns exactly the n records of topic, read with an independent
// franz-go client and sorted by partition and offset.
func (e *env) read(topic string, n int) []*kgo.Record {
	e.t.Helper()
	e.expectRecords(topic, int64(n))
	if n == 0 {
		return nil
	}
	recs := testutil.ReadAll(e.t, e.addrs, topic, n)
	if len(recs) != n {
		e.t.Fatalf("read %d records from %s, want %d", len(recs), topic, n)
	}
	sort.Slice(recs, func(i, j int) bool {
		if recs[i].Partition != recs[j].Partition {
			return recs[i].Partition < recs[j].Partition
		}
		return recs[i].Offset < recs[j].Offset
	})
	return recs
}

type reply struct {
	status int
	header http.Header
	body   []byte
	// schema is true when the request's Content-Type named a schema
	// format, whose produce answers carry schema ids.
	schema bool
}

// do sends a request; headers are "Name: value" strings.
func (e *env) do(method, path, body string, headers ...string) reply {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	ct := req.Header.Get("Content-Type")
	schema := strings.Contains(ct, ".avro.") || strings.Contains(ct, ".jsonschema.") || strings.Contains(ct, ".protobuf.")
	return reply{resp.StatusCode, resp.Header, b, schema}
}

// errorBody decodes an error response and checks its shape and content type.
func (r reply) errorCode(t *testing.T) (int, string) {
	t.Helper()
	var body struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(r.body, &body, json.RejectUnknownMembers(true)); err != nil {
		t.Fatalf("error body %q is not {error_code, message}: %v", r.body, err)
	}
	if ct := r.header.Get("Content-Type"); ct != contentTypeV2 {
		t.Errorf("error Content-Type = %q, want %q", ct, contentTypeV2)
	}
	if body.Message == "" {
		t.Errorf("error body %s has an empty message", r.body)
	}
	return body.ErrorCode, body.Message
}

// expectError checks status and error_code.
func (r reply) expectError(t *testing.T, status, code int) string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	got, msg := r.errorCode(t)
	if got != code {
		t.Fatalf("error_code = %d, want %d; body %s", got, code, r.body)
	}
	return msg
}

// expectOK checks a 200 with the v2 Content-Type and returns the body.
func (r reply) expectOK(t *testing.T) []byte {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status = %d, want 200; body %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != contentTypeV2 {
		t.Errorf("Content-Type = %q, want %q", ct, contentTypeV2)
	}
	if !jsontext.Value(r.body).IsValid() {
		t.Fatalf("body is not valid JSON: %q", r.body)
	}
	return r.body
}

// produceOffset is one entry of a produce response's offsets. Pointers tell
// null from zero.
type produceOffset struct {
	Partition *int32  `json:"partition"`
	Offset    *int64  `json:"offset"`
	ErrorCode *int    `json:"error_code"`
	Error     *string `json:"error"`
}

func (o produceOffset) String() string {
	s := func(p any) string {
		switch v := p.(type) {
		case *int32:
			if v != nil {
				return fmt.Sprint(*v)
			}
		case *int64:
			if v != nil {
				return fmt.Sprint(*v)
			}
		case *int:
			if v != nil {
				return fmt.Sprint(*v)
			}
		case *string:
			if v != nil {
				return fmt.Sprintf("%q", *v)
			}
		}
		return "null"
	}
	return fmt.Sprintf("{partition:%s offset:%s error_code:%s error:%s}", s(o.Partition), s(o.Offset), s(o.ErrorCode), s(o.Error))
}

// ok reports whether the entry is a success: partition and offset set,
// error_code and error null.
func (o produceOffset) ok() bool {
	return o.Partition != nil && o.Offset != nil && o.ErrorCode == nil && o.Error == nil
}

type produceResponse struct {
	KeySchemaID   *int            `json:"key_schema_id"`
	ValueSchemaID *int            `json:"value_schema_id"`
	Offsets       []produceOffset `json:"offsets"`
}

// expectProduced checks a produce answer: 200, the v2 Content-Type, exactly
// the documented members (each present, null or not) and n offsets.
func (r reply) expectProduced(t *testing.T, n int) produceResponse {
	t.Helper()
	body := r.expectOK(t)
	var shape map[string]jsontext.Value
	if err := json.Unmarshal(body, &shape); err != nil {
		t.Fatalf("produce response %s: %v", body, err)
	}
	expectMembers(t, body, shape, "key_schema_id", "value_schema_id", "offsets")
	var entries []map[string]jsontext.Value
	if err := json.Unmarshal(shape["offsets"], &entries); err != nil {
		t.Fatalf("produce response offsets %s: %v", shape["offsets"], err)
	}
	for _, en := range entries {
		expectMembers(t, body, en, "partition", "offset", "error_code", "error")
	}
	var pr produceResponse
	if err := json.Unmarshal(body, &pr, json.RejectUnknownMembers(true)); err != nil {
		t.Fatalf("produce response %s: %v", body, err)
	}
	if !r.schema && (pr.KeySchemaID != nil || pr.ValueSchemaID != nil) {
		t.Errorf("binary/json produce response has schema ids: %s", body)
	}
	if len(pr.Offsets) != n {
		t.Fatalf("produce response has %d offsets, want %d: %s", len(pr.Offsets), n, body)
	}
	return pr
}

// expectAllProduced is expectProduced plus every entry being a success.
func (r reply) expectAllProduced(t *testing.T, n int) produceResponse {
	t.Helper()
	pr := r.expectProduced(t, n)
	for i, o := range pr.Offsets {
		if !o.ok() {
			t.Fatalf("offsets[%d] = %v, want a success; body %s", i, o, r.body)
		}
	}
	return pr
}

func expectMembers(t *testing.T, body []byte, obj map[string]jsontext.Value, names ...string) {
	t.Helper()
	if len(obj) != len(names) {
		t.Errorf("object has members %v, want exactly %v; body %s", keys(obj), names, body)
	}
	for _, n := range names {
		if _, ok := obj[n]; !ok {
			t.Errorf("object lacks %q; body %s", n, body)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// Media types used throughout the tests.
const (
	ctBinary = "Content-Type: application/vnd.kafka.binary.v2+json"
	ctJSON   = "Content-Type: application/vnd.kafka.json.v2+json"
	ctAvro   = "Content-Type: application/vnd.kafka.avro.v2+json"
)
