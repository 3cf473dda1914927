package registry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"

	"github.com/krest-dev/krest/internal/testutil"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections of http.DefaultTransport (used by
		// tests and by forwarding) outlive a test by design.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
	)
}

// newCluster starts a one-broker kfake cluster for one test.
func newCluster(t *testing.T, opts ...kfake.Opt) []string {
	t.Helper()
	return testutil.NewCluster(t, opts...).ListenAddrs()
}

// testReg is a registry served by an httptest server.
type testReg struct {
	*Registry
	srv *httptest.Server
	t   *testing.T
}

// startRegistry starts a registry against addrs, serves it, and waits until
// it has loaded the topic. mut adjusts the options. The registry and its
// server are closed when the test ends (or earlier by stop).
func startRegistry(t *testing.T, addrs []string, mut func(*Options)) *testReg {
	t.Helper()
	var h atomic.Pointer[http.Handler]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*h.Load()).ServeHTTP(w, r)
	}))
	opts := Options{
		Logger:            slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
		KafkaOpts:         []kgo.Opt{kgo.SeedBrokers(addrs...)},
		AdvertisedURL:     srv.URL,
		Timeout:           10 * time.Second,
		sessionTimeout:    6 * time.Second, // kfake's minimum
		heartbeatInterval: 100 * time.Millisecond,
	}
	if mut != nil {
		mut(&opts)
	}
	reg, err := New(opts)
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	handler := reg.Handler()
	h.Store(&handler)
	if err := reg.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr := &testReg{Registry: reg, srv: srv, t: t}
	t.Cleanup(tr.stop)
	select {
	case <-reg.Ready():
	case <-time.After(20 * time.Second):
		t.Fatal("registry did not load its topic")
	}
	return tr
}

// stop shuts the server, then the registry, as app does.
func (tr *testReg) stop() {
	tr.srv.Close()
	tr.Close()
}

// waitPrimary waits until this instance knows a primary (itself when self).
func (tr *testReg) waitPrimary(self bool) {
	tr.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if p := tr.primary.Load(); p != nil && p.self == self {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	tr.t.Fatalf("%s: no primary (want self=%v), have %q", tr.URL(), self, tr.PrimaryURL())
}

// response is an HTTP answer.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends a request with a JSON body (when body is not "") and the v1
// content type.
func (tr *testReg) do(t *testing.T, method, path, body string) response {
	t.Helper()
	return doURL(t, method, tr.srv.URL+path, body, nil)
}

func doURL(t *testing.T, method, url, body string, hdr map[string]string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", mediaV1)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// expect checks the status and, when want is not "", that the body is the
// JSON want (compared semantically, member order ignored).
func (r response) expect(t *testing.T, status int, want string) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if want != "" && !jsonEqual(r.body, want) {
		t.Fatalf("body\n got: %s\nwant: %s", r.body, want)
	}
	return r
}

// expectError checks an error answer: its status is derived from code and
// its body is {"error_code": code, "message": ...}.
func (r response) expectError(t *testing.T, code Code) response {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal([]byte(r.body), &e); err != nil {
		t.Fatalf("error body %q: %v", r.body, err)
	}
	if r.status != code.Status() || e.ErrorCode != int(code) || e.Message == "" {
		t.Fatalf("got status %d error_code %d (%s), want %d / %d", r.status, e.ErrorCode, e.Message, code.Status(), code)
	}
	return r
}

// decode parses the body into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
}

func jsonEqual(a, b string) bool {
	ca, err1 := canonJSON(a)
	cb, err2 := canonJSON(b)
	return err1 == nil && err2 == nil && ca == cb
}

func canonJSON(s string) (string, error) {
	v := jsontext.Value(s)
	if err := v.Canonicalize(); err != nil {
		return "", err
	}
	return string(v), nil
}

// quote JSON-encodes s, for building request bodies around schema text.
func quote(s string) string {
	b, _ := jsontext.AppendQuote(nil, s)
	return string(b)
}

// register posts a schema body and returns the id.
func (tr *testReg) register(t *testing.T, subject, body string) int {
	t.Helper()
	var out struct {
		ID int `json:"id"`
	}
	tr.do(t, "POST", "/subjects/"+subject+"/versions", body).expect(t, 200, "").decode(t, &out)
	return out.ID
}

// avroBody is a register body for an Avro schema text.
func avroBody(schema string) string { return `{"schema":` + quote(schema) + `}` }

// typedBody is a register body with a schemaType.
func typedBody(typ, schema string) string {
	return `{"schemaType":"` + typ + `","schema":` + quote(schema) + `}`
}

// produceRaw writes records to the schemas topic directly, as another
// registry would.
func produceRaw(t *testing.T, addrs []string, topic string, kvs ...[2]string) {
	t.Helper()
	cl := testutil.NewClient(t, addrs, kgo.DefaultProduceTopic(topic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, kv := range kvs {
		rec := &kgo.Record{Key: []byte(kv[0])}
		if kv[1] != "" {
			rec.Value = []byte(kv[1])
		}
		if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
}

// testWriter sends log lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
