package metrics

import (
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every krest metric.
const namespace = "krest"

// Options configure Metrics.
type Options struct {
	// MaxTopics caps the distinct values of the topic label; later topics
	// are counted under "_other". 0 (or less) counts every topic under
	// "_other".
	MaxTopics int
	// Version is reported by krest_build_info.
	Version string
}

// Metrics is one registry of krest's metrics and the collectors in it.
// Build it with New. Its methods are safe for concurrent use. A nil
// *Metrics stands for "metrics disabled": its methods do nothing or return
// nil hooks and gauges, so callers need not check, except Handler and
// Gatherer, which need a registry.
type Metrics struct {
	reg    *prometheus.Registry
	topics *topicSet
	http   *httpMetrics

	longPolls prometheus.Gauge

	// kpromTaken is set once SharedClientHooks handed out the kprom
	// plugin, which may serve one client only.
	kpromTaken atomic.Bool
	observeMu  sync.Mutex // serialises the Observe* registrations
}

// New builds the registry with krest's collectors, the Go runtime and
// process collectors, and krest_build_info.
func New(opts Options) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg}
	m.topics = newTopicSet(reg, opts.MaxTopics)
	m.http = newHTTPMetrics(reg)
	m.longPolls = prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "consumer_long_polls_waiting",
		Help: "Consumer records requests in progress (waiting for records or writing them).",
	})
	reg.MustRegister(m.longPolls)
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace: namespace, Name: "build_info",
		Help:        "Always 1; the labels name the krest version and the Go version it was built with.",
		ConstLabels: prometheus.Labels{"version": opts.Version, "go_version": runtime.Version()},
	})
	build.Set(1)
	reg.MustRegister(build,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Handler serves the registry in the Prometheus text (or, when the scraper
// asks for it, protobuf) exposition format. A collector that fails is
// reported in the log of the scraper, not as a 500: the other metrics are
// still worth having.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
		// A scrape should never queue behind slow scrapes.
		MaxRequestsInFlight: 4,
		Timeout:             10 * time.Second,
	})
}

// Gatherer returns the registry, for tests and for other exporters.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.reg }

// LongPolls is the gauge of consumer records requests in progress: the
// REST layer increments it when a records request starts and decrements
// it when the request ends. Nil for a nil Metrics.
func (m *Metrics) LongPolls() prometheus.Gauge {
	if m == nil {
		return nil
	}
	return m.longPolls
}

// ConsumerStats are the consumer instance counts ObserveConsumers reads.
type ConsumerStats struct {
	Live             int
	Created, Expired uint64
}

// ObserveConsumers exports the consumer instance counts that stats returns
// at each scrape. Call it at most once per Metrics.
func (m *Metrics) ObserveConsumers(stats func() ConsumerStats) {
	if m == nil {
		return
	}
	m.observeMu.Lock()
	defer m.observeMu.Unlock()
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "consumer_instances", Help: "Live consumer instances.",
		}, func() float64 { return float64(stats().Live) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Name: "consumer_instances_created_total", Help: "Consumer instances created.",
		}, func() float64 { return float64(stats().Created) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Namespace: namespace, Name: "consumer_instances_expired_total",
			Help: "Consumer instances closed by the idle reaper (consumer_instance_timeout_ms).",
		}, func() float64 { return float64(stats().Expired) }),
	)
}

// CacheStats are the counts of one schema client cache.
type CacheStats struct {
	// Name identifies the cache; it becomes the cache label, so it must
	// come from a fixed set.
	Name         string
	Hits, Misses uint64
	Entries      int
}

// ObserveSchemaCaches exports the schema client's cache counts that stats
// returns at each scrape. Call it at most once per Metrics.
func (m *Metrics) ObserveSchemaCaches(stats func() []CacheStats) {
	if m == nil {
		return
	}
	m.observeMu.Lock()
	defer m.observeMu.Unlock()
	m.reg.MustRegister(&cacheCollector{stats: stats})
}

// ObserveRegistry exports the state of the embedded schema registry: ready
// and primary are read at each scrape. Call it at most once per Metrics.
func (m *Metrics) ObserveRegistry(ready, primary func() bool) {
	if m == nil {
		return
	}
	b := func(f func() bool) func() float64 {
		return func() float64 {
			if f() {
				return 1
			}
			return 0
		}
	}
	m.observeMu.Lock()
	defer m.observeMu.Unlock()
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "registry_ready",
			Help: "1 once the embedded schema registry has loaded its topic, else 0.",
		}, b(ready)),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Namespace: namespace, Name: "registry_primary",
			Help: "1 while this instance is the embedded schema registry's primary (the one that writes), else 0.",
		}, b(primary)),
	)
}

// cacheCollector turns CacheStats into const metrics at scrape time, so
// the schema client keeps plain atomic counters and knows nothing of
// Prometheus.
type cacheCollector struct {
	stats func() []CacheStats
}

var (
	cacheLookupsDesc = prometheus.NewDesc(namespace+"_schema_cache_lookups_total",
		"Schema client cache lookups, by cache and result (hit or miss).", []string{"cache", "result"}, nil)
	cacheEntriesDesc = prometheus.NewDesc(namespace+"_schema_cache_entries",
		"Entries in each schema client cache.", []string{"cache"}, nil)
)

func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cacheLookupsDesc
	ch <- cacheEntriesDesc
}

func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(cacheLookupsDesc, prometheus.CounterValue, float64(s.Hits), s.Name, "hit")
		ch <- prometheus.MustNewConstMetric(cacheLookupsDesc, prometheus.CounterValue, float64(s.Misses), s.Name, "miss")
		ch <- prometheus.MustNewConstMetric(cacheEntriesDesc, prometheus.GaugeValue, float64(s.Entries), s.Name)
	}
}
