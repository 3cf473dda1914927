package app

// Operations end to end: /metrics after real traffic (names and labels),
// series that stay bounded whatever names clients use, the metrics
// listener, readiness with the embedded registry, and the access log.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.uber.org/goleak"

	"github.com/krest-dev/krest/internal/version"
)

// scrape GETs a /metrics URL and parses the text exposition.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing the scrape: %v", err)
	}
	return mfs
}

// sample finds the value of a family's series whose labels include want.
func sample(mfs map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	mf, ok := mfs[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range mf.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

type labels = map[string]string

// waitReady polls GET /_ready until it answers 200.
func waitReady(t *testing.T, url string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		status, body := get(t, url+"/_ready")
		if status == 200 {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /_ready never answered 200; last: %d %s", status, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestMetricsScrapeAfterTraffic(t *testing.T) {
	cfg := testConfig(t)
	cfg.EmbeddedTopics = []string{"demo:1"}
	a := startApp(t, cfg)
	body := waitReady(t, a.URL())
	if !strings.Contains(body, `"schema_registry":{"status":"ok"`) || !strings.Contains(body, `"kafka":{"status":"ok"`) {
		t.Errorf("GET /_ready does not report the kafka and embedded registry checks: %s", body)
	}

	if status, body := post(t, a.URL()+"/topics/demo", "application/vnd.kafka.binary.v2+json",
		`{"records":[{"key":"aw==","value":"dmFsdWU="},{"value":"dHdv"}]}`); status != 200 {
		t.Fatalf("produce: %d %s", status, body)
	}
	if status, body := post(t, a.URL()+"/topics/demo", "application/vnd.kafka.avro.v2+json",
		`{"value_schema":"\"string\"","records":[{"value":"hi"}]}`); status != 200 {
		t.Fatalf("avro produce: %d %s", status, body)
	}
	get(t, a.URL()+"/topics/nope") // a 404
	if status, body := post(t, a.URL()+"/consumers/metrics-group", "application/vnd.kafka.v2+json",
		`{"name":"metrics-instance","format":"binary","auto.offset.reset":"earliest"}`); status != 200 {
		t.Fatalf("create consumer: %d %s", status, body)
	}
	inst := a.URL() + "/consumers/metrics-group/instances/metrics-instance"
	if status, body := post(t, inst+"/assignments", "application/vnd.kafka.v2+json",
		`{"partitions":[{"topic":"demo","partition":0}]}`); status != 204 {
		t.Fatalf("assign: %d %s", status, body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for got := 0; got < 3; {
		_, body := get(t, inst+"/records")
		got += strings.Count(body, `"offset":`)
		if time.Now().After(deadline) {
			t.Fatalf("fetched %d records, want 3", got)
		}
	}
	if status, _ := get(t, a.RegistryURL()+"/subjects"); status != 200 {
		t.Fatalf("registry GET /subjects: %d", status)
	}

	mfs := scrape(t, a.URL()+"/metrics")
	for _, c := range []struct {
		name   string
		labels labels
		min    float64
	}{
		{"krest_http_requests_total", labels{"server": "rest", "route": "/topics/{topic}", "method": "POST", "code": "200"}, 2},
		{"krest_http_requests_total", labels{"server": "rest", "route": "/topics/{topic}", "method": "GET", "code": "404"}, 1},
		{"krest_http_requests_total", labels{"server": "rest", "route": "/consumers/{group}", "method": "POST", "code": "200"}, 1},
		{"krest_http_requests_total", labels{"server": "rest", "route": "/consumers/{group}/instances/{instance}/records", "method": "GET", "code": "200"}, 1},
		{"krest_http_requests_total", labels{"server": "rest", "route": "/_ready", "method": "GET"}, 1},
		{"krest_http_requests_total", labels{"server": "registry", "route": "/subjects", "method": "GET", "code": "200"}, 1},
		{"krest_http_request_duration_seconds", labels{"server": "rest", "route": "/topics/{topic}", "method": "POST"}, 2},
		{"krest_http_requests_in_flight", labels{"server": "rest"}, 1}, // the scrape itself
		{"krest_http_request_bytes_total", labels{"server": "rest", "route": "/topics/{topic}"}, 50},
		{"krest_http_response_bytes_total", labels{"server": "rest", "route": "/topics/{topic}"}, 50},
		{"krest_produce_records_total", labels{"topic": "demo"}, 3},
		{"krest_produce_bytes_total", labels{"topic": "demo"}, 9},
		{"krest_produce_record_errors_total", labels{"topic": "demo"}, 0},
		{"krest_fetch_records_total", labels{"topic": "demo"}, 3},
		{"krest_fetch_bytes_total", labels{"topic": "demo"}, 9},
		{"krest_metrics_topic_labels", nil, 1},
		{"krest_consumer_instances", nil, 1},
		{"krest_consumer_instances_created_total", nil, 1},
		{"krest_consumer_instances_expired_total", nil, 0},
		{"krest_consumer_long_polls_waiting", nil, 0},
		{"krest_schema_cache_lookups_total", labels{"cache": "schemas_by_text", "result": "miss"}, 1},
		{"krest_schema_cache_entries", labels{"cache": "schemas_by_text"}, 1},
		{"krest_registry_ready", nil, 1},
		{"krest_registry_primary", nil, 1},
		{"krest_kafka_connects_total", nil, 1},
		{"krest_kafka_produce_records_total", nil, 3},
		{"krest_kafka_request_duration_e2e_seconds", nil, 1},
		{"krest_build_info", labels{"version": version.String()}, 1},
		{"go_goroutines", nil, 1},
	} {
		v, ok := sample(mfs, c.name, c.labels)
		if !ok || v < c.min {
			t.Errorf("%s%v = %v (found %v), want at least %v", c.name, c.labels, v, ok, c.min)
		}
	}
	// No label carries a raw path, a group or an instance name.
	for name, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if v := l.GetValue(); strings.Contains(v, "metrics-group") || strings.Contains(v, "metrics-instance") ||
					strings.Contains(v, "/topics/demo") || strings.Contains(v, "nope") {
					t.Errorf("%s has the label %s=%q", name, l.GetName(), v)
				}
			}
		}
	}
}

// TestMetricsSeriesStayBoundedUnderManyNames sends 10,000 requests naming
// distinct topics and 10,000 creating and deleting consumer instances in
// distinct groups, and produces to more topics than metrics_max_topics: the
// number of series must not grow with the names.
func TestMetricsSeriesStayBoundedUnderManyNames(t *testing.T) {
	cfg := testConfig(t)
	cfg.MetricsMaxTopics = 2
	cfg.EmbeddedTopics = []string{"t1", "t2", "t3", "t4", "t5"}
	cfg.RegistryEnabled = "false" // not under test; saves its reader
	a := startApp(t, cfg)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer hc.CloseIdleConnections()
	do := func(method, url, body string) int {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/vnd.kafka.v2+json")
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Error(err)
			return 0
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	for i := 1; i <= 5; i++ {
		if s := do("POST", a.URL()+"/topics/t"+strconv.Itoa(i), `{"records":[{"value":"eA=="}]}`); s != 200 {
			t.Fatalf("produce to t%d: %d", i, s)
		}
	}
	seriesBefore := countSeries(scrape(t, a.URL()+"/metrics"))

	n := 10000
	if testing.Short() {
		n = 1000
	}
	work := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range work {
				topic := fmt.Sprintf("no-such-topic-%d", i)
				if s := do("GET", a.URL()+"/topics/"+topic, ""); s != 404 {
					t.Errorf("GET /topics/%s: %d", topic, s)
				}
				group, name := fmt.Sprintf("group-%d", i), fmt.Sprintf("instance-%d", i)
				if s := do("POST", a.URL()+"/consumers/"+group, `{"name":"`+name+`"}`); s != 200 {
					t.Errorf("create %s/%s: %d", group, name, s)
				}
				if s := do("DELETE", a.URL()+"/consumers/"+group+"/instances/"+name, ""); s != 204 {
					t.Errorf("delete %s/%s: %d", group, name, s)
				}
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()

	mfs := scrape(t, a.URL()+"/metrics")
	after := countSeries(mfs)
	for name, c := range after {
		if strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
			continue
		}
		// Each family may gain a few series (the new routes, methods and
		// codes above), never one per name.
		if grew := c - seriesBefore[name]; grew > 12 {
			t.Errorf("%s grew by %d series after %d distinct names (%d → %d)", name, grew, n, seriesBefore[name], c)
		}
	}
	if c := after["krest_produce_records_total"]; c != 3 {
		t.Errorf("krest_produce_records_total has %d series with metrics_max_topics 2, want 3 (two topics and _other)", c)
	}
	if v, _ := sample(mfs, "krest_produce_records_total", labels{"topic": "_other"}); v != 3 {
		t.Errorf("krest_produce_records_total{topic=_other} = %v, want 3", v)
	}
	if v, _ := sample(mfs, "krest_consumer_instances_created_total", nil); v != float64(n) {
		t.Errorf("created_total = %v, want %d", v, n)
	}
	if v, _ := sample(mfs, "krest_http_requests_total",
		labels{"route": "/consumers/{group}/instances/{instance}", "method": "DELETE", "code": "204"}); v != float64(n) {
		t.Errorf("DELETE instance requests = %v, want %d", v, n)
	}
}

func countSeries(mfs map[string]*dto.MetricFamily) map[string]int {
	out := map[string]int{}
	for name, mf := range mfs {
		out[name] = len(mf.GetMetric())
	}
	return out
}

// TestMetricsPortServesMetricsAndPprofApart: with metrics_port, /metrics
// and pprof move to their own listener (and leave the API's), which Close
// shuts down with the others, leaving no goroutine behind.
func TestMetricsPortServesMetricsAndPprofApart(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := testConfig(t)
	cfg.MetricsPort = freePort(t)
	cfg.PprofEnabled = true
	cfg.RegistryEnabled = "false"
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	if a.MetricsURL() != "http://127.0.0.1:"+strconv.Itoa(cfg.MetricsPort) {
		t.Fatalf("MetricsURL = %q", a.MetricsURL())
	}
	get(t, a.URL()+"/topics")
	mfs := scrape(t, a.MetricsURL()+"/metrics")
	if _, ok := sample(mfs, "krest_http_requests_total", labels{"route": "/topics"}); !ok {
		t.Error("the metrics listener does not count the API's requests")
	}
	if status, body := get(t, a.MetricsURL()+"/debug/pprof/"); status != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("metrics listener /debug/pprof/: %d", status)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		if status, _ := get(t, a.URL()+path); status != 404 {
			t.Errorf("the API listener serves %s (%d) although metrics_port is set", path, status)
		}
	}
	if status, _ := get(t, a.MetricsURL()+"/topics"); status != 404 {
		t.Errorf("the metrics listener serves the API: GET /topics = %d", status)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := a.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if !refuses(a.MetricsURL()) {
		t.Error("the metrics listener still accepts connections after Close")
	}
}

func TestMetricsDisabledServesNoMetrics(t *testing.T) {
	cfg := testConfig(t)
	cfg.MetricsEnabled = false
	cfg.RegistryEnabled = "false"
	a := startApp(t, cfg)
	if status, _ := get(t, a.URL()+"/metrics"); status != 404 {
		t.Errorf("GET /metrics with metrics_enabled false: %d", status)
	}
	if status, _ := get(t, a.URL()+"/_ready"); status != 200 {
		t.Errorf("GET /_ready: %d", status)
	}
}

// TestAccessLogCoversBothAPIs: with access_log, REST and registry requests
// each get one line, with the route pattern and no query string.
func TestAccessLogCoversBothAPIs(t *testing.T) {
	cfg := testConfig(t)
	cfg.AccessLog = true
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	a, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	get(t, a.URL()+"/topics/whatever?secret=x")
	get(t, a.RegistryURL()+"/subjects/whatever/versions?secret=x")
	text := buf.String()
	for _, want := range []string{
		`"component":"access","server":"rest","method":"GET","route":"/topics/{topic}","path":"/topics/whatever","status":404`,
		`"component":"access","server":"registry","method":"GET","route":"/subjects/{subject}/versions","path":"/subjects/whatever/versions","status":404`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("no access log line with %s in:\n%s", want, text)
		}
	}
	if strings.Contains(text, "secret") {
		t.Errorf("the access log shows a query string:\n%s", text)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
