package metrics

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Unmatched is the route label of requests no route matched (404, 405).
const Unmatched = "unmatched"

// Request is what one HTTP request did, as the HTTP layer reports it to
// ObserveRequest.
type Request struct {
	// Server names the listener's API: "rest" or "registry".
	Server string
	// Pattern is the ServeMux pattern that matched, as Request.Pattern
	// holds it ("GET /topics/{topic}"); "" when none did.
	Pattern string
	// Method is the request method; methods krest does not serve are
	// labelled "other".
	Method string
	// Status is the status code answered; 499 when the client went away
	// before an answer was written.
	Status int
	// Duration is the time from receiving the request to the end of the
	// handler.
	Duration time.Duration
	// RequestBytes and ResponseBytes count the bodies read and written.
	RequestBytes, ResponseBytes int64
}

// httpMetrics are the krest_http_* collectors, and a cache of their
// children: resolving a child through WithLabelValues hashes every label
// on every call, while the cache does one map lookup per request. A plain
// map under a RWMutex rather than a sync.Map, whose interface-typed keys
// would allocate on every lookup.
type httpMetrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	inFlight  *prometheus.GaugeVec
	reqBytes  *prometheus.CounterVec
	respBytes *prometheus.CounterVec

	mu       sync.RWMutex
	children map[seriesKey]*series // bounded: the labels are
}

type seriesKey struct {
	server, route, method string
	status                int
}

type series struct {
	requests  prometheus.Counter
	duration  prometheus.Observer
	reqBytes  prometheus.Counter
	respBytes prometheus.Counter
}

// durationBuckets reach past the default long-poll (1 s) and a slow
// produce (kafka_request_timeout_ms, 30 s).
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

func newHTTPMetrics(reg prometheus.Registerer) *httpMetrics {
	h := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_requests_total",
			Help: "HTTP requests answered, by server (rest, registry), route pattern, method and status code; 499: the client went away first.",
		}, []string{"server", "route", "method", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace, Name: "http_request_duration_seconds",
			Help:                            "Time to answer HTTP requests, by server, route pattern and method (consumer long-polls included).",
			Buckets:                         durationBuckets,
			NativeHistogramBucketFactor:     1.1,
			NativeHistogramMaxBucketNumber:  100,
			NativeHistogramMinResetDuration: time.Hour,
		}, []string{"server", "route", "method"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: namespace, Name: "http_requests_in_flight",
			Help: "HTTP requests being served, by server.",
		}, []string{"server"}),
		reqBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_request_bytes_total",
			Help: "HTTP request body bytes read, by server and route pattern.",
		}, []string{"server", "route"}),
		respBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace, Name: "http_response_bytes_total",
			Help: "HTTP response body bytes written, by server and route pattern.",
		}, []string{"server", "route"}),
		children: make(map[seriesKey]*series),
	}
	reg.MustRegister(h.requests, h.duration, h.inFlight, h.reqBytes, h.respBytes)
	return h
}

// InFlight returns the in-flight gauge of server; the HTTP layer resolves
// it once per listener and increments it around each request. Nil for a
// nil Metrics.
func (m *Metrics) InFlight(server string) prometheus.Gauge {
	if m == nil {
		return nil
	}
	return m.http.inFlight.WithLabelValues(server)
}

// ObserveRequest counts one answered request. A nil Metrics ignores it.
func (m *Metrics) ObserveRequest(r Request) {
	if m == nil {
		return
	}
	k := seriesKey{server: r.Server, route: Route(r.Pattern), method: Method(r.Method), status: r.Status}
	h := m.http
	h.mu.RLock()
	c := h.children[k]
	h.mu.RUnlock()
	if c == nil {
		code := strconv.Itoa(k.status)
		c = &series{
			requests:  h.requests.WithLabelValues(k.server, k.route, k.method, code),
			duration:  h.duration.WithLabelValues(k.server, k.route, k.method),
			reqBytes:  h.reqBytes.WithLabelValues(k.server, k.route),
			respBytes: h.respBytes.WithLabelValues(k.server, k.route),
		}
		h.mu.Lock()
		h.children[k] = c // a concurrent first request stores the same children
		h.mu.Unlock()
	}
	c.requests.Inc()
	c.duration.Observe(r.Duration.Seconds())
	if r.RequestBytes > 0 {
		c.reqBytes.Add(float64(r.RequestBytes))
	}
	if r.ResponseBytes > 0 {
		c.respBytes.Add(float64(r.ResponseBytes))
	}
}

// Route returns the route label of a ServeMux pattern: the path part
// ("GET /topics/{topic}" → "/topics/{topic}"), "/" for the root pattern
// "/{$}", and Unmatched for "".
func Route(pattern string) string {
	if pattern == "" {
		return Unmatched
	}
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = pattern[i+1:]
	}
	if pattern == "/{$}" {
		return "/"
	}
	return pattern
}

// Method returns the method label: the method if krest serves it (or
// could: ServeMux answers any method with 405), else "other", so a client
// inventing methods cannot add series.
func Method(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodDelete, http.MethodOptions, http.MethodPatch:
		return m
	}
	return "other"
}
