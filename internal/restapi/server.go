// Package restapi is krest's HTTP transport: the route table, content
// negotiation, request decoding and response encoding of the Kafka REST v2
// API, plus the operational endpoints (health and readiness probes,
// /metrics, pprof, the OpenAPI document). It holds no Kafka logic of its
// own: handlers call the kafka and consumer packages and return errors to
// one writer (writeError). Every request passes through Instrument, which
// counts it in the metrics and writes the access log.
package restapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/krest-dev/krest/internal/consumer"
	"github.com/krest-dev/krest/internal/httpx"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/metrics"
	"github.com/krest-dev/krest/internal/schemaregistry"
)

// Options are the transport settings app derives from the configuration.
type Options struct {
	// MaxBodyBytes caps request bodies (http_request_max_size); larger → 413.
	MaxBodyBytes int64
	// BaseURI is the advertised base URL for consumer base_uri; "" means
	// scheme and Host of the creating request (decisions.md).
	BaseURI string
	// Version is reported by GET /_health and GET /_ready.
	Version string
	// Metrics, when set, is served at GET /metrics on this listener (a
	// route of the table). Nil: no /metrics route (metrics disabled, or
	// served on their own listener).
	Metrics http.Handler
	// Pprof adds Go's profiling endpoints under /debug/pprof/ to this
	// listener.
	Pprof bool
	// ReadyTimeout bounds the checks of GET /_ready; 0 means 2 s.
	ReadyTimeout time.Duration
	// MaxConcurrentRequests caps the requests served at once
	// (http_max_concurrent_requests); more get 429/42902 at once. Health,
	// readiness, metrics and pprof are exempt. 0 is unlimited.
	MaxConcurrentRequests int
	// MaxWaitingRequests caps the records requests waiting for data at
	// once (consumer_max_waiting_requests); more get 429/42903 at once. 0
	// is unlimited.
	MaxWaitingRequests int
	// MaxHeaderBytes is http_request_max_header_size: a request line plus
	// headers above it gets a JSON 431 (see NewHTTPServer). 0 checks
	// nothing here.
	MaxHeaderBytes int
	// WriteTimeout bounds writing a response once it has started; 0 means
	// 2 min (limits.go). Reading is bounded by NewHTTPServer's timeouts.
	WriteTimeout time.Duration
	// CORSOrigins (access_control_allow_origins) turns CORS on for these
	// origins, "*" for any (httpx.NewCORS). Empty: CORS is off.
	CORSOrigins []string
}

// Deps are the services the handlers call.
type Deps struct {
	// Kafka is the shared client for metadata and produce. Required.
	Kafka *kafka.Client
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
	// AccessLog, when set, gets one Info line per request (see Instrument).
	AccessLog *slog.Logger
	// Metrics counts requests and long-polls; nil counts nothing.
	Metrics *metrics.Metrics
	// Consumers holds the consumer instances. Nil: every consumer endpoint
	// answers 503.
	Consumers *consumer.Registry
	// Registry resolves schemas for the avro, jsonschema and protobuf
	// formats. Nil: those formats answer 415 "needs a schema registry".
	Registry *schemaregistry.Client
	// ReadyChecks are what GET /_ready checks besides Kafka, which it
	// always checks (a metadata request): the schema registry when one is
	// used.
	ReadyChecks []ReadyCheck
	// Authorization, when set, turns rest_authorization on (auth.go):
	// credentials on every route but the public ones, and each request
	// acts on Kafka as its caller. Nil: one shared Kafka identity.
	Authorization *Authorization
}

// ReadyCheck is one dependency GET /_ready checks.
type ReadyCheck struct {
	// Name identifies the dependency in the answer, e.g. "schema_registry".
	Name string
	// Check returns nil when the dependency is usable. ctx ends at the
	// readiness timeout.
	Check func(ctx context.Context) error
}

// Server serves the REST API. Build it with New; it is safe for concurrent use.
type Server struct {
	kafka     *kafka.Client
	consumers *consumer.Registry
	registry  *schemaregistry.Client
	log       *slog.Logger
	metrics   *metrics.Metrics
	checks    []ReadyCheck
	opts      Options
	started   time.Time
	handler   http.Handler
	readyOnce singleflight.Group // coalesces concurrent readiness checks
	auth      *Authorization     // nil without rest_authorization
	limits    limits             // request caps (limits.go)
}

// New builds the server and its route table.
func New(d Deps, opts Options) *Server {
	log := d.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.ReadyTimeout <= 0 {
		opts.ReadyTimeout = 2 * time.Second
	}
	s := &Server{kafka: d.Kafka, consumers: d.Consumers, registry: d.Registry, log: log, metrics: d.Metrics, auth: d.Authorization,
		opts: opts, started: time.Now()}
	if d.Kafka != nil {
		s.checks = append(s.checks, ReadyCheck{Name: "kafka", Check: d.Kafka.Ping})
	}
	s.checks = append(s.checks, d.ReadyChecks...)
	s.limits = newLimits(opts)
	// Outermost first: metrics and access log, then the header size and
	// slow-client deadlines, then CORS (so that 429s carry its headers and
	// preflights are answered before routing), then the routes, where
	// admit applies http_max_concurrent_requests.
	g := &guard{maxHeader: opts.MaxHeaderBytes, writeTimeout: opts.WriteTimeout}
	if g.writeTimeout <= 0 {
		g.writeTimeout = defaultWriteTimeout
	}
	s.handler = Instrument("rest", d.Metrics, d.AccessLog,
		g.handler(httpx.NewCORS(opts.CORSOrigins).Handler(s.buildHandler(s.routes()))))
	return s
}

// Handler returns the http.Handler serving every route.
func (s *Server) Handler() http.Handler { return s.handler }

// buildHandler compiles a route table into one handler that trims a
// trailing slash and answers unknown routes and wrong methods with JSON.
func (s *Server) buildHandler(routes []route) http.Handler {
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpx.TrimTrailingSlash(r)
		h, pattern := mux.Handler(r)
		if pattern == "" {
			routeMiss(mux, w, r, h)
			return
		}
		if !s.admit(w, r, pattern) {
			return
		}
		defer s.release(pattern)
		// ServeMux sets r.Pattern on this very request, which is how
		// Instrument learns the route after the handler returns.
		mux.ServeHTTP(w, r)
	})
}

// OpsHandler returns the handler of the separate metrics listener
// (metrics_port): GET /metrics when metricsHandler is set, Go's profiling
// endpoints under /debug/pprof/ when pprof is true, and JSON 404/405 for
// anything else. It is not instrumented: scrapes are not API traffic.
func OpsHandler(metricsHandler http.Handler, pprof bool, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{log: log, opts: Options{Metrics: metricsHandler, MaxBodyBytes: 1 << 20}}
	var rs []route
	if metricsHandler != nil {
		rs = append(rs, route{"GET", "/metrics", s.serveMetrics, raw})
	}
	if pprof {
		rs = append(rs, debugRoutes()...)
	}
	return s.buildHandler(rs)
}
