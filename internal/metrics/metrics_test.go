package metrics

import (
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// toFloat64 reads the value of a collector holding one counter or gauge.
func toFloat64(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		panic(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

// familySeries counts the series of each metric family.
func familySeries(t *testing.T, m *Metrics) map[string]int {
	t.Helper()
	mfs, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, mf := range mfs {
		out[mf.GetName()] = len(mf.GetMetric())
	}
	return out
}

func TestTopicLabelsAreCapped(t *testing.T) {
	m := New(Options{MaxTopics: 100})
	produce := produceHook{m.topics}
	fetch := fetchHook{m.topics}
	var wg sync.WaitGroup
	for w := range 4 { // concurrently, as franz-go calls hooks
		wg.Go(func() {
			for i := range 2500 {
				topic := fmt.Sprintf("topic-%d-%d", w, i)
				produce.OnProduceRecordUnbuffered(&kgo.Record{Topic: topic, Key: []byte("k"), Value: []byte("vv")}, nil)
				produce.OnProduceRecordUnbuffered(&kgo.Record{Topic: topic}, errors.New("failed"))
				fetch.OnFetchBatchRead(kgo.BrokerMetadata{}, topic, 0, kgo.FetchBatchMetrics{NumRecords: 2, UncompressedBytes: 10})
			}
		})
	}
	wg.Wait()
	series := familySeries(t, m)
	for _, name := range []string{"krest_produce_records_total", "krest_produce_bytes_total", "krest_produce_record_errors_total",
		"krest_fetch_records_total", "krest_fetch_bytes_total"} {
		if n := series[name]; n != 101 {
			t.Errorf("%s has %d series after 10,000 topics, want 100 + %s", name, n, Other)
		}
	}
	// Nothing is lost: the overflow is counted under _other.
	total := toFloat64(m.topics.vecs.produceRecords.WithLabelValues(Other))
	var admitted float64
	m.topics.known.Range(func(_, v any) bool {
		admitted += toFloat64(v.(*topicCounters).produceRecords)
		return true
	})
	if admitted+total != 10000 {
		t.Errorf("produced records counted: %v admitted + %v other, want 10000", admitted, total)
	}
	if got := toFloat64(m.topics.vecs.produceBytes.WithLabelValues(Other)); got != 3*total {
		t.Errorf("bytes under %s = %v, want %v", Other, got, 3*total)
	}
	if got := toFloat64(m.topics.vecs.fetchRecords.WithLabelValues(Other)); got != 2*(10000-100) {
		t.Errorf("fetched records under %s = %v", Other, got)
	}
	if got := toFloat64(m.topics.labels); got != 100 {
		t.Errorf("krest_metrics_topic_labels = %v, want 100", got)
	}
}

func TestZeroMaxTopicsCountsEverythingAsOther(t *testing.T) {
	m := New(Options{})
	produceHook{m.topics}.OnProduceRecordUnbuffered(&kgo.Record{Topic: "a", Value: []byte("x")}, nil)
	if n := familySeries(t, m)["krest_produce_records_total"]; n != 1 {
		t.Fatalf("%d series, want only %s", n, Other)
	}
	if got := toFloat64(m.topics.vecs.produceRecords.WithLabelValues(Other)); got != 1 {
		t.Fatalf("%s = %v", Other, got)
	}
}

func TestRouteAndMethodLabels(t *testing.T) {
	for pattern, want := range map[string]string{
		"GET /topics/{topic}":        "/topics/{topic}",
		"POST /consumers/{group}":    "/consumers/{group}",
		"GET /{$}":                   "/",
		"/metrics":                   "/metrics",
		"":                           Unmatched,
		"DELETE /consumers/{group}/": "/consumers/{group}/",
	} {
		if got := Route(pattern); got != want {
			t.Errorf("Route(%q) = %q, want %q", pattern, got, want)
		}
	}
	for method, want := range map[string]string{"GET": "GET", "DELETE": "DELETE", "BREW": "other", "get": "other", "": "other"} {
		if got := Method(method); got != want {
			t.Errorf("Method(%q) = %q, want %q", method, got, want)
		}
	}
}

// TestObserveRequestBoundsSeries: 10,000 requests with distinct raw paths
// and invented methods make one series per route, method and code.
func TestObserveRequestBoundsSeries(t *testing.T) {
	m := New(Options{})
	for i := range 10000 {
		m.ObserveRequest(Request{Server: "rest", Pattern: "GET /topics/{topic}", Method: "GET", Status: 404, Duration: time.Millisecond, ResponseBytes: 50})
		m.ObserveRequest(Request{Server: "rest", Pattern: "", Method: fmt.Sprintf("M%d", i), Status: 405})
	}
	series := familySeries(t, m)
	if series["krest_http_requests_total"] != 2 || series["krest_http_request_duration_seconds"] != 2 {
		t.Fatalf("series: %v", series)
	}
	if got := toFloat64(m.http.respBytes.WithLabelValues("rest", "/topics/{topic}")); got != 500000 {
		t.Errorf("response bytes = %v", got)
	}
}

func TestNilMetricsDoNothing(t *testing.T) {
	var m *Metrics
	m.ObserveRequest(Request{Server: "rest"})
	m.ObserveConsumers(func() ConsumerStats { return ConsumerStats{} })
	m.ObserveSchemaCaches(func() []CacheStats { return nil })
	m.ObserveRegistry(func() bool { return true }, func() bool { return true })
	if m.SharedClientHooks() != nil || m.ConsumerClientHooks() != nil || m.InFlight("rest") != nil || m.LongPolls() != nil {
		t.Fatal("a nil Metrics handed out hooks or gauges")
	}
}

func TestScrapeShowsObservedValues(t *testing.T) {
	m := New(Options{Version: "1.2.3"})
	m.ObserveConsumers(func() ConsumerStats { return ConsumerStats{Live: 3, Created: 7, Expired: 2} })
	m.ObserveSchemaCaches(func() []CacheStats {
		return []CacheStats{{Name: "schemas_by_id", Hits: 5, Misses: 1, Entries: 1}}
	})
	m.ObserveRegistry(func() bool { return true }, func() bool { return false })
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(w.Body)
	for _, line := range []string{
		`krest_build_info{go_version="go`,
		`,version="1.2.3"} 1`,
		"krest_consumer_instances 3",
		"krest_consumer_instances_created_total 7",
		"krest_consumer_instances_expired_total 2",
		`krest_schema_cache_lookups_total{cache="schemas_by_id",result="hit"} 5`,
		`krest_schema_cache_lookups_total{cache="schemas_by_id",result="miss"} 1`,
		`krest_schema_cache_entries{cache="schemas_by_id"} 1`,
		"krest_registry_ready 1",
		"krest_registry_primary 0",
		"krest_consumer_long_polls_waiting 0",
		"go_goroutines ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(string(body), line) {
			t.Errorf("the scrape lacks %q", line)
		}
	}
}

// TestSharedClientHooksHandOutKpromOnce: kprom serves one client; a second
// caller gets the produce counts only (a second kprom would panic when its
// client registers the same collectors).
func TestSharedClientHooksHandOutKpromOnce(t *testing.T) {
	m := New(Options{})
	for i := range 2 {
		cl, err := kgo.NewClient(append(m.SharedClientHooks(), kgo.SeedBrokers("127.0.0.1:1"))...)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		defer cl.Close()
	}
	if n := familySeries(t, m)["krest_kafka_buffered_produce_records_total"]; n != 1 {
		t.Errorf("kprom's buffered-records gauge has %d series, want 1", n)
	}
}

func BenchmarkObserveRequest(b *testing.B) {
	m := New(Options{})
	r := Request{Server: "rest", Pattern: "POST /topics/{topic}", Method: "POST", Status: 200, Duration: time.Millisecond, RequestBytes: 100, ResponseBytes: 100}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.ObserveRequest(r)
		}
	})
}

func BenchmarkProduceHook(b *testing.B) {
	m := New(Options{MaxTopics: 1000})
	h := produceHook{m.topics}
	rec := &kgo.Record{Topic: "orders", Key: []byte("k"), Value: make([]byte, 100)}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			h.OnProduceRecordUnbuffered(rec, nil)
		}
	})
}
