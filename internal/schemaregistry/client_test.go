package schemaregistry

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/krest-dev/krest/internal/serde"
)

// fakeRegistry is srfake with counters of the calls krest makes.
type fakeRegistry struct {
	*srfake.Registry
	registers atomic.Int32 // POST /subjects/{s}/versions
	byID      atomic.Int32 // GET /schemas/ids/{id}
	versions  atomic.Int32 // GET /schemas/ids/{id}/versions
}

func newFake(t *testing.T, opts ...srfake.Option) *fakeRegistry {
	t.Helper()
	f := &fakeRegistry{Registry: srfake.New(opts...)}
	t.Cleanup(f.Close)
	f.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
		p := r.URL.Path
		switch {
		case r.Method == http.MethodPost && strings.HasPrefix(p, "/subjects/") && strings.HasSuffix(p, "/versions"):
			f.registers.Add(1)
		case r.Method == http.MethodGet && strings.HasPrefix(p, "/schemas/ids/") && strings.HasSuffix(p, "/versions"):
			f.versions.Add(1)
		case r.Method == http.MethodGet && strings.HasPrefix(p, "/schemas/ids/"):
			f.byID.Add(1)
		}
		return false
	})
	return f
}

func newClient(t *testing.T, url string, opts Options) *Client {
	t.Helper()
	opts.URL = url
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

const userV1 = `{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"name","type":"string"}]}`
const userV2 = `{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"name","type":"string"},{"name":"age","type":["null","int"],"default":null}]}`

var ctx = context.Background()

func TestResolveByTextRegistersOnce(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.URL(), Options{})

	s1, err := c.ResolveByText(ctx, "users", false, serde.SchemaAvro, userV1)
	if err != nil {
		t.Fatal(err)
	}
	// The same schema again, also spelled with other whitespace: cached,
	// no second registration, same id.
	s2, err := c.ResolveByText(ctx, "users", false, serde.SchemaAvro, strings.ReplaceAll(userV1, ",", " ,\n "))
	if err != nil {
		t.Fatal(err)
	}
	if s1.ID != s2.ID || f.registers.Load() != 1 {
		t.Fatalf("ids %d %d, %d registrations; want one", s1.ID, s2.ID, f.registers.Load())
	}
	if ss, ok := f.GetSchema("users-value", 1); !ok || ss.ID != s1.ID {
		t.Fatalf("users-value v1 = %+v %v", ss, ok)
	}
	// A new client (empty cache) gets the same id from the registry.
	s3, err := newClient(t, f.URL(), Options{}).ResolveByText(ctx, "users", false, serde.SchemaAvro, userV1)
	if err != nil || s3.ID != s1.ID {
		t.Fatalf("fresh client: %v %v", s3, err)
	}
	// Evolution: a second version gets a new id.
	v2, err := c.ResolveByText(ctx, "users", false, serde.SchemaAvro, userV2)
	if err != nil || v2.ID == s1.ID {
		t.Fatalf("v2 = %+v, %v", v2, err)
	}
	if ss, ok := f.GetSchema("users-value", 2); !ok || ss.ID != v2.ID {
		t.Fatalf("users-value v2 = %+v %v", ss, ok)
	}
	// Keys have their own subject.
	k, err := c.ResolveByText(ctx, "users", true, serde.SchemaAvro, `"string"`)
	if err != nil || !f.SubjectExists("users-key") {
		t.Fatalf("key: %+v %v", k, err)
	}
	// The codec works and frames with the id.
	rec, err := v2.AppendEncode(nil, []byte(`{"name":"a","age":3}`))
	if err != nil || rec[0] != 0 || int(rec[4]) != v2.ID {
		t.Fatalf("AppendEncode = % x, %v", rec, err)
	}
}

func TestResolveByTextConcurrent(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.URL(), Options{})
	var wg sync.WaitGroup
	ids := make([]int, 16)
	for i := range ids {
		wg.Go(func() {
			s, err := c.ResolveByText(ctx, "t", false, serde.SchemaAvro, userV1)
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = s.ID
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("ids differ: %v", ids)
		}
	}
	if n := f.registers.Load(); n != 1 {
		t.Fatalf("%d registrations for 16 concurrent identical resolves", n)
	}
}

func TestNameStrategies(t *testing.T) {
	for _, tc := range []struct {
		strategy NameStrategy
		typ      serde.SchemaType
		schema   string
		isKey    bool
		subject  string
	}{
		{TopicName, serde.SchemaAvro, userV1, false, "orders-value"},
		{TopicName, serde.SchemaAvro, userV1, true, "orders-key"},
		{RecordName, serde.SchemaAvro, userV1, false, "com.example.User"},
		{RecordName, serde.SchemaAvro, userV1, true, "com.example.User"},
		{TopicRecordName, serde.SchemaAvro, userV1, false, "orders-com.example.User"},
		{RecordName, serde.SchemaJSON, `{"title":"Order","type":"object"}`, false, "Order"},
		{TopicRecordName, serde.SchemaProtobuf, `syntax = "proto3"; package shop; message Order { string id = 1; } message Other {}`, true, "orders-shop.Order"},
		{RecordName, serde.SchemaProtobuf, `syntax = "proto3"; message Order { string id = 1; }`, false, "Order"},
	} {
		f := newFake(t)
		c := newClient(t, f.URL(), Options{NameStrategy: tc.strategy})
		s, err := c.ResolveByText(ctx, "orders", tc.isKey, tc.typ, tc.schema)
		if err != nil {
			t.Errorf("%s %s: %v", tc.strategy, tc.typ, err)
			continue
		}
		if !f.SubjectExists(tc.subject) {
			t.Errorf("%s %s: subject %q not registered", tc.strategy, tc.typ, tc.subject)
		}
		// The id validates against the same strategy.
		if _, err := c.ResolveByID(ctx, "orders", tc.isKey, s.ID); err != nil {
			t.Errorf("%s %s: ResolveByID: %v", tc.strategy, tc.typ, err)
		}
	}
	// Record strategies need a name; a schema without one is invalid, and
	// nothing is registered.
	f := newFake(t)
	for _, strategy := range []NameStrategy{RecordName, TopicRecordName} {
		c := newClient(t, f.URL(), Options{NameStrategy: strategy})
		for typ, text := range map[serde.SchemaType]string{serde.SchemaAvro: `["null","string"]`, serde.SchemaJSON: `{"type":"string"}`} {
			_, err := c.ResolveByText(ctx, "t", false, typ, text)
			if !errors.Is(err, ErrInvalidSchema) || !strings.Contains(err.Error(), "needs a record name") {
				t.Errorf("%s, unnamed %s: %v", strategy, typ, err)
			}
		}
	}
	if f.registers.Load() != 0 {
		t.Errorf("%d registrations for unnamed schemas", f.registers.Load())
	}
}

func TestParseNameStrategy(t *testing.T) {
	for in, want := range map[string]NameStrategy{
		"": TopicName, "topic_name": TopicName, "record_name": RecordName, "topic_record_name": TopicRecordName,
		"io.confluent.kafka.serializers.subject.TopicRecordNameStrategy": TopicRecordName, "RecordNameStrategy": RecordName,
	} {
		got, err := ParseNameStrategy(in)
		if err != nil || got != want {
			t.Errorf("ParseNameStrategy(%q) = %v, %v", in, got, err)
		}
		if in != "" && strings.HasSuffix(in, "_name") && got.String() != in {
			t.Errorf("String() = %q, want %q", got, in)
		}
	}
	if _, err := ParseNameStrategy("subject_name"); err == nil {
		t.Error("ParseNameStrategy accepted nonsense")
	}
}

func TestInvalidSchemaText(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.URL(), Options{})
	for typ, text := range map[serde.SchemaType]string{
		serde.SchemaAvro:     `{"type":"recrod"}`,
		serde.SchemaJSON:     `{"type":`,
		serde.SchemaProtobuf: `message {`,
	} {
		_, err := c.ResolveByText(ctx, "t", false, typ, text)
		var e *Error
		if !errors.Is(err, ErrInvalidSchema) || !errors.As(err, &e) || e.Type != typ || e.Message == "" {
			t.Errorf("%s: %v", typ, err)
		}
	}
	if f.registers.Load() != 0 {
		t.Errorf("invalid schemas reached the registry")
	}
}

// TestTextCacheIsPerSubject is Karapace issue #1260: producing a schema
// text that is already registered for one topic to another topic must
// register it under the other topic's subject, not reuse the id silently.
func TestTextCacheIsPerSubject(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.URL(), Options{})
	a, err := c.ResolveByText(ctx, "a", false, serde.SchemaAvro, userV1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.ResolveByText(ctx, "b", false, serde.SchemaAvro, userV1)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != b.ID {
		t.Errorf("same schema, ids %d and %d", a.ID, b.ID)
	}
	if f.registers.Load() != 2 || !f.SubjectExists("b-value") {
		t.Fatalf("%d registrations, b-value exists: %v", f.registers.Load(), f.SubjectExists("b-value"))
	}
	// Fetching an id (consume) does not make its text count as registered
	// anywhere either.
	f.SeedSchema("other-value", 1, 100, sr.Schema{Schema: `"long"`})
	if _, err := c.SchemaByID(ctx, 100); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ResolveByText(ctx, "c", false, serde.SchemaAvro, `"long"`); err != nil || !f.SubjectExists("c-value") {
		t.Fatalf("c-value: %v", err)
	}
}

func TestResolveByID(t *testing.T) {
	f := newFake(t)
	id, _, err := f.RegisterSchema("users-value", sr.Schema{Schema: userV1})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, f.URL(), Options{})
	s, err := c.ResolveByID(ctx, "users", false, id)
	if err != nil || s.ID != id || s.Type != serde.SchemaAvro {
		t.Fatalf("ResolveByID = %+v, %v", s, err)
	}
	// An id of another subject, or of the topic's other part.
	for _, tc := range []struct {
		topic string
		isKey bool
	}{{"orders", false}, {"users", true}} {
		_, err = c.ResolveByID(ctx, tc.topic, tc.isKey, id)
		var e *Error
		if !errors.Is(err, ErrSubjectMismatch) || !errors.As(err, &e) || e.ID != id {
			t.Errorf("%s key=%v: %v, want ErrSubjectMismatch", tc.topic, tc.isKey, err)
		}
	}
	// Validation off: any id goes.
	off := newClient(t, f.URL(), Options{DisableNameStrategyValidation: true})
	if _, err := off.ResolveByID(ctx, "orders", false, id); err != nil {
		t.Errorf("validation off: %v", err)
	}
	for _, bad := range []int{999, 0, -1} {
		_, err := c.ResolveByID(ctx, "users", false, bad)
		if !errors.Is(err, ErrUnknownSchema) {
			t.Errorf("id %d: %v, want ErrUnknownSchema", bad, err)
		}
	}
	// Cached: one schema fetch, one subjects fetch for all of the above.
	calls := f.byID.Load()
	if _, err := c.ResolveByID(ctx, "users", false, id); err != nil || f.byID.Load() != calls {
		t.Errorf("cache miss on a known id: %v", err)
	}
}

func TestSubjectsTTL(t *testing.T) {
	f := newFake(t)
	id, _, _ := f.RegisterSchema("a-value", sr.Schema{Schema: userV1})
	c := newClient(t, f.URL(), Options{SubjectsTTL: time.Minute})
	now := time.Now()
	c.now = func() time.Time { return now }
	if _, err := c.ResolveByID(ctx, "b", false, id); !errors.Is(err, ErrSubjectMismatch) {
		t.Fatalf("b before registration: %v", err)
	}
	// Someone registers the schema under b-value. Within the TTL the
	// answer stays cached, without asking the registry again...
	if _, _, err := f.RegisterSchema("b-value", sr.Schema{Schema: userV1}); err != nil {
		t.Fatal(err)
	}
	before := f.versions.Load()
	if _, err := c.ResolveByID(ctx, "b", false, id); !errors.Is(err, ErrSubjectMismatch) {
		t.Fatalf("b within TTL: %v", err)
	}
	if f.versions.Load() != before {
		t.Error("subjects refetched within the TTL")
	}
	// ...and after it the registration is seen.
	now = now.Add(2 * time.Minute)
	if _, err := c.ResolveByID(ctx, "b", false, id); err != nil {
		t.Fatalf("b after TTL: %v", err)
	}
	// Our own registration is known at once, without a fetch.
	s, err := c.ResolveByText(ctx, "c", false, serde.SchemaAvro, userV1)
	if err != nil {
		t.Fatal(err)
	}
	before = f.versions.Load()
	if _, err := c.ResolveByID(ctx, "c", false, s.ID); err != nil || f.versions.Load() != before {
		t.Errorf("c after registering it: %v (%d fetches)", err, f.versions.Load()-before)
	}
}

func TestVersionsEndpointFallback(t *testing.T) {
	f := newFake(t)
	// A registry without GET /schemas/ids/{id}/versions answers with a
	// plain 404, not "schema not found" (40403).
	f.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/versions") && strings.HasPrefix(r.URL.Path, "/schemas/ids/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error_code":404,"message":"HTTP 404 Not Found"}`)
			return true
		}
		return false
	})
	id, _, _ := f.RegisterSchema("users-value", sr.Schema{Schema: userV1})
	c := newClient(t, f.URL(), Options{})
	if _, err := c.ResolveByID(ctx, "users", false, id); err != nil {
		t.Errorf("registered subject via lookup: %v", err)
	}
	if _, err := c.ResolveByID(ctx, "orders", false, id); !errors.Is(err, ErrSubjectMismatch) {
		t.Errorf("other subject via lookup: %v", err)
	}
	// A different schema registered under the subject is a mismatch too.
	other, _, _ := f.RegisterSchema("orders-value", sr.Schema{Schema: `"string"`})
	if _, err := c.ResolveByID(ctx, "users", false, other); !errors.Is(err, ErrSubjectMismatch) {
		t.Errorf("id %d under users-value: %v", other, err)
	}
}

// closedURL returns the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestRegistryDown(t *testing.T) {
	c := newClient(t, closedURL(t), Options{})
	start := time.Now()
	_, err := c.ResolveByText(ctx, "t", false, serde.SchemaAvro, userV1)
	if !errors.Is(err, ErrRegistryUnavailable) {
		t.Errorf("ResolveByText: %v", err)
	}
	_, err = c.ResolveByID(ctx, "t", false, 1)
	if !errors.Is(err, ErrRegistryUnavailable) {
		t.Errorf("ResolveByID: %v", err)
	}
	_, err = c.AppendDecode(ctx, nil, []byte{0, 0, 0, 0, 1, 2})
	if !errors.Is(err, ErrRegistryUnavailable) {
		t.Errorf("AppendDecode: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v to notice a closed port", d)
	}
	// A second URL that works is used.
	f := newFake(t)
	c2 := newClient(t, closedURL(t)+" , "+f.URL(), Options{})
	if _, err := c2.ResolveByText(ctx, "t", false, serde.SchemaAvro, userV1); err != nil {
		t.Errorf("failover: %v", err)
	}
}

func TestRegistryTimeout(t *testing.T) {
	f := newFake(t)
	release := make(chan struct{})
	defer close(release)
	f.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return false
	})
	c := newClient(t, f.URL(), Options{Timeout: 100 * time.Millisecond})
	start := time.Now()
	if _, err := c.SchemaByID(ctx, 1); !errors.Is(err, ErrRegistryUnavailable) {
		t.Errorf("hung registry: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}
	// A caller's own cancellation returns at once, as context.Canceled.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.SchemaByID(cctx, 2); !errors.Is(err, context.Canceled) || !errors.Is(err, ErrRegistryUnavailable) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestRegistryRefusals(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   error
	}{
		{409, `{"error_code":409,"message":"Schema being registered is incompatible with an earlier schema"}`, ErrRegistration},
		{422, `{"error_code":42201,"message":"Invalid schema"}`, ErrRegistration},
		{401, `{"error_code":401,"message":"Unauthorized"}`, ErrRegistration},
		{500, `{"error_code":50001,"message":"Error in the backend data store"}`, ErrRegistryUnavailable},
		{503, ``, ErrRegistryUnavailable},
	} {
		f := newFake(t)
		f.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
			if r.Method != http.MethodPost {
				return false
			}
			w.WriteHeader(tc.status)
			fmt.Fprint(w, tc.body)
			return true
		})
		c := newClient(t, f.URL(), Options{})
		_, err := c.ResolveByText(ctx, "t", false, serde.SchemaAvro, userV1)
		var e *Error
		if !errors.Is(err, tc.want) || !errors.As(err, &e) || e.Subject != "t-value" || e.Type != serde.SchemaAvro {
			t.Errorf("%d: %v, want %v", tc.status, err, tc.want)
			continue
		}
		if tc.body != "" && !strings.Contains(e.Message, strings.Split(tc.body, `"message":"`)[1][:10]) {
			t.Errorf("%d: message %q lost the registry's text", tc.status, e.Message)
		}
	}
	// Fetching by id: 500 is unavailable, 404 unknown.
	f := newFake(t)
	f.Intercept(func(w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusInternalServerError)
		return true
	})
	if _, err := newClient(t, f.URL(), Options{}).SchemaByID(ctx, 1); !errors.Is(err, ErrRegistryUnavailable) {
		t.Errorf("500 on fetch: %v", err)
	}
}

func TestAuth(t *testing.T) {
	f := newFake(t, srfake.WithAuth("Basic dXNlcjpwYXNz")) // user:pass
	if _, err := newClient(t, f.URL(), Options{Username: "user", Password: "pass"}).ResolveByText(ctx, "t", false, serde.SchemaAvro, userV1); err != nil {
		t.Errorf("basic auth: %v", err)
	}
	if _, err := newClient(t, f.URL(), Options{}).SchemaByID(ctx, 1); !errors.Is(err, ErrRegistryUnavailable) {
		t.Errorf("no credentials: %v", err)
	}
	b := newFake(t, srfake.WithAuth("Bearer tok"))
	c := newClient(t, b.URL(), Options{Username: "user", Password: "pass"})
	if _, err := c.ResolveByText(WithAuthorization(ctx, "Bearer tok"), "t", false, serde.SchemaAvro, userV1); err != nil {
		t.Errorf("forwarded bearer: %v", err)
	}
}

func TestNewOptions(t *testing.T) {
	for _, bad := range []string{"", " , ", "localhost:8081", "ftp://x", "http://"} {
		if _, err := New(Options{URL: bad}); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
	c, err := New(Options{URL: "http://a:1/, https://b:2/path"})
	if err != nil {
		t.Fatal(err)
	}
	if c.opts.Timeout != 10*time.Second || c.opts.MaxSchemas != 1000 || c.opts.SubjectsTTL != time.Minute || c.NameStrategy() != TopicName {
		t.Errorf("defaults: %+v", c.opts)
	}
}

func TestCachesAreBounded(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.URL(), Options{MaxSchemas: 3})
	for i := range 10 {
		schema := fmt.Sprintf(`{"type":"record","name":"R%d","fields":[]}`, i)
		s, err := c.ResolveByText(ctx, fmt.Sprintf("t%d", i), false, serde.SchemaAvro, schema)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ResolveByID(ctx, fmt.Sprintf("t%d", i), false, s.ID); err != nil {
			t.Fatal(err)
		}
	}
	for name, n := range map[string]int{"byID": c.byID.len(), "byText": c.byText.len(), "compiled": c.compiled.len(), "subjects": c.subjects.len()} {
		if n > 3 {
			t.Errorf("%s holds %d entries, cap 3", name, n)
		}
	}
	// Evicted entries are fetched again, correctly.
	s, err := c.SchemaByID(ctx, 1)
	if err != nil || s.Codec.RecordName() != "R0" {
		t.Errorf("refetch id 1: %v %v", s, err)
	}
}

func TestUnknownIDsAreRemembered(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.URL(), Options{})
	now := time.Now()
	c.now = func() time.Time { return now }
	for range 5 {
		if _, err := c.SchemaByID(ctx, 7); !errors.Is(err, ErrUnknownSchema) {
			t.Fatal(err)
		}
	}
	if n := f.byID.Load(); n != 1 {
		t.Errorf("%d fetches of an unknown id, want 1", n)
	}
	f.SeedSchema("s", 1, 7, sr.Schema{Schema: `"int"`})
	now = now.Add(unknownTTL)
	if _, err := c.SchemaByID(ctx, 7); err != nil {
		t.Errorf("id registered later: %v", err)
	}
}
