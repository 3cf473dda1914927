package restapi

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	dto "github.com/prometheus/client_model/go"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/metrics"
)

// logBuffer is a concurrency-safe buffer for a JSON slog handler.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the access log lines decoded.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(b.buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// withObservability gives an env metrics and an access log.
func withObservability(m *metrics.Metrics, log *logBuffer) envOpt {
	return func(_ *kafka.Options, _ *Options, d *Deps) {
		if d != nil {
			d.Metrics = m
			d.AccessLog = slog.New(slog.NewJSONHandler(log, nil))
		}
	}
}

// series returns the label sets of a metric family, each as "k=v,k=v" in
// label order, with their values.
func series(t *testing.T, m *metrics.Metrics, name string) map[string]float64 {
	t.Helper()
	mfs, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, s := range mf.GetMetric() {
			var ls []string
			for _, l := range s.GetLabel() {
				ls = append(ls, l.GetName()+"="+l.GetValue())
			}
			out[strings.Join(ls, ",")] = value(s)
		}
	}
	return out
}

func value(s *dto.Metric) float64 {
	switch {
	case s.Counter != nil:
		return s.Counter.GetValue()
	case s.Gauge != nil:
		return s.Gauge.GetValue()
	case s.Histogram != nil:
		return float64(s.Histogram.GetSampleCount())
	}
	return 0
}

func TestAccessLogRecordsRequestsWithoutSecrets(t *testing.T) {
	t.Parallel()
	log := &logBuffer{}
	e := newEnv(t, withObservability(metrics.New(metrics.Options{MaxTopics: 10}), log))
	e.topic("t", 1)
	const secret = "s3cretXYZ"
	e.do("GET", "/topics/nope?api_key="+secret, "", "Authorization: Bearer "+secret)
	e.do("POST", "/topics/t?token="+secret, `{"records":[{"value":"czNjcmV0WFla"}]}`, // base64 of the secret
		"Content-Type: application/vnd.kafka.binary.v2+json", "Authorization: Basic "+secret)
	e.do("GET", "/no/such/route", "")

	text := log.String()
	for _, leak := range []string{secret, "czNjcmV0WFla", "Bearer", "Basic", "api_key", "token"} {
		if strings.Contains(text, leak) {
			t.Errorf("the access log contains %q:\n%s", leak, text)
		}
	}
	lines := log.lines(t)
	if len(lines) != 3 {
		t.Fatalf("%d access log lines for 3 requests:\n%s", len(lines), text)
	}
	want := []struct {
		method, route, path string
		status              float64
	}{
		{"GET", "/topics/{topic}", "/topics/nope", 404},
		{"POST", "/topics/{topic}", "/topics/t", 200},
		{"GET", metrics.Unmatched, "/no/such/route", 404},
	}
	for i, w := range want {
		l := lines[i]
		if l["msg"] != "http request" || l["server"] != "rest" || l["method"] != w.method || l["route"] != w.route ||
			l["path"] != w.path || l["status"] != w.status {
			t.Errorf("line %d = %v, want %+v", i, l, w)
		}
		if _, ok := l["duration"].(float64); !ok {
			t.Errorf("line %d has no duration: %v", i, l)
		}
		if rb, _ := l["response_bytes"].(float64); rb <= 0 {
			t.Errorf("line %d has no response_bytes: %v", i, l)
		}
		if remote, _ := l["remote"].(string); !strings.HasPrefix(remote, "127.0.0.1:") {
			t.Errorf("line %d remote = %v", i, l["remote"])
		}
	}
	if rb, _ := lines[1]["request_bytes"].(float64); rb != float64(len(`{"records":[{"value":"czNjcmV0WFla"}]}`)) {
		t.Errorf("request_bytes = %v", lines[1]["request_bytes"])
	}
}

// TestRequestMetricsUseRoutePatterns: raw paths never become labels, and
// methods nobody serves collapse into "other".
func TestRequestMetricsUseRoutePatterns(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{MaxTopics: 10})
	e := newEnv(t, withObservability(m, &logBuffer{}))
	for _, topic := range []string{"a", "b", "c"} {
		e.do("GET", "/topics/"+topic, "")
	}
	e.do("GET", "/topics/a/", "") // a trailing slash is the same route
	e.do("DELETE", "/topics/a", "")
	e.do("BREW", "/topics", "")
	e.do("GET", "/x/y/z", "")
	got := series(t, m, "krest_http_requests_total")
	want := map[string]float64{
		"code=404,method=GET,route=/topics/{topic},server=rest": 4,
		"code=405,method=DELETE,route=unmatched,server=rest":    1,
		"code=405,method=other,route=unmatched,server=rest":     1,
		"code=404,method=GET,route=unmatched,server=rest":       1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("krest_http_requests_total{%s} = %v, want %v (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want %v", got, want)
	}
	if h := series(t, m, "krest_http_request_duration_seconds")["method=GET,route=/topics/{topic},server=rest"]; h != 4 {
		t.Errorf("duration histogram count %v, want 4", h)
	}
	if g := series(t, m, "krest_http_requests_in_flight")["server=rest"]; g != 0 {
		t.Errorf("in-flight gauge %v after all requests ended", g)
	}
}

// TestAbandonedLongPollIsRecordedAs499 cancels a records request while it
// waits: nothing is written, the access log and metrics say 499, and the
// long-poll gauge counts it only while it runs.
func TestAbandonedLongPollIsRecordedAs499(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{MaxTopics: 10})
	log := &logBuffer{}
	c := newConsumerEnv(t, nil, withObservability(m, log))
	c.topic("quiet", 1)
	inst := c.createConsumer("g", `{"format":"binary","consumer.request.timeout.ms":30000}`)
	c.assign(inst, "quiet", 0)

	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", c.url+inst+"/records", nil)
	done := make(chan struct{})
	go func() {
		defer close(done)
		resp, err := c.hc.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Errorf("the long-poll answered %d; it should have waited", resp.StatusCode)
		}
	}()
	waitFor(t, func() bool { return series(t, m, "krest_consumer_long_polls_waiting")[""] == 1 })
	cancel()
	<-done
	records := "code=499,method=GET,route=/consumers/{group}/instances/{instance}/records,server=rest"
	waitFor(t, func() bool { return series(t, m, "krest_http_requests_total")[records] == 1 })
	if g := series(t, m, "krest_consumer_long_polls_waiting")[""]; g != 0 {
		t.Errorf("long-polls waiting = %v after the request ended", g)
	}
	var found bool
	for _, l := range log.lines(t) {
		if l["route"] == "/consumers/{group}/instances/{instance}/records" {
			found = l["status"] == float64(StatusClientClosed)
		}
	}
	if !found {
		t.Errorf("no access log line with status 499 for the records request:\n%s", log.String())
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestInstrumentedServerStillClosesAfter413: the recorder must not hide
// net/http's writer from MaxBytesReader, which closes the connection after
// an oversized body rather than reading the rest of it.
func TestInstrumentedServerStillClosesAfter413(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withObservability(metrics.New(metrics.Options{}), &logBuffer{}),
		withServer(func(o *Options) { o.MaxBodyBytes = 64 }))
	e.topic("t", 1)
	body := `{"records":[{"value":"` + strings.Repeat("QUFB", 100) + `"}]}`
	resp, err := http.Post(e.url+"/topics/t", "application/vnd.kafka.binary.v2+json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// The client moves "Connection: close" into resp.Close.
	if resp.StatusCode != 413 || !resp.Close {
		t.Errorf("status %d, close %v; want 413 and the connection closed", resp.StatusCode, resp.Close)
	}
}

func TestMetricsAndPprofRoutes(t *testing.T) {
	m := metrics.New(metrics.Options{Version: "test"})
	on := New(Deps{}, Options{Metrics: m.Handler(), Pprof: true}).Handler()
	off := New(Deps{}, Options{}).Handler()
	ops := OpsHandler(m.Handler(), true, nil)
	get := func(h http.Handler, path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		return w
	}
	for name, h := range map[string]http.Handler{"rest": on, "ops": ops} {
		if w := get(h, "/metrics"); w.Code != 200 || !strings.Contains(w.Body.String(), `krest_build_info{go_version=`) {
			t.Errorf("%s: GET /metrics: %d %.200s", name, w.Code, w.Body.String())
		}
		if w := get(h, "/debug/pprof/"); w.Code != 200 || !strings.Contains(w.Header().Get("Content-Type"), "text/html") ||
			!strings.Contains(w.Body.String(), "goroutine") {
			t.Errorf("%s: GET /debug/pprof/: %d %s", name, w.Code, w.Header().Get("Content-Type"))
		}
		if w := get(h, "/debug/pprof"); w.Code != 301 || w.Header().Get("Location") != "/debug/pprof/" {
			t.Errorf("%s: GET /debug/pprof: %d Location %q", name, w.Code, w.Header().Get("Location"))
		}
		if w := get(h, "/debug/pprof/goroutine?debug=1"); w.Code != 200 || !strings.Contains(w.Body.String(), "goroutine profile") {
			t.Errorf("%s: GET /debug/pprof/goroutine?debug=1: %d", name, w.Code)
		}
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/heap"} {
		if w := get(off, path); w.Code != 404 || !strings.Contains(w.Body.String(), `"error_code":404`) {
			t.Errorf("disabled: GET %s: %d %s", path, w.Code, w.Body.String())
		}
	}
	if w := get(ops, "/topics"); w.Code != 404 || !strings.Contains(w.Body.String(), `"error_code":404`) {
		t.Errorf("ops listener: GET /topics: %d %s", w.Code, w.Body.String())
	}
}

// TestErrorBodyOfInvalidUTF8IsJSON: a message quoting invalid UTF-8 from
// the URL is still a JSON error body (with U+FFFD in its place).
func TestErrorBodyOfInvalidUTF8IsJSON(t *testing.T) {
	w := httptest.NewRecorder()
	writeErrorBody(w, apierr.New(apierr.TopicNotFound, "Topic %s not found", "a\x80b"))
	var body struct {
		ErrorCode int    `json:"error_code"`
		Message   string `json:"message"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || body.ErrorCode != 40401 || body.Message != "Topic a\uFFFDb not found" {
		t.Fatalf("body %q: %v", w.Body.String(), err)
	}
}
