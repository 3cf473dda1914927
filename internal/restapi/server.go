// Package restapi is krest's HTTP transport: the route table, content
// negotiation, request decoding and response encoding of the Kafka REST v2
// API. It holds no Kafka logic of its own: handlers call the kafka and
// consumer packages and return errors to one writer (writeError).
package restapi

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/krest-dev/krest/internal/consumer"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/schemaregistry"
)

// Options are the transport settings app derives from the configuration.
type Options struct {
	// MaxBodyBytes caps request bodies (http_request_max_size); larger → 413.
	MaxBodyBytes int64
	// BaseURI is the advertised base URL for consumer base_uri; "" means
	// scheme and Host of the creating request (decisions.md).
	BaseURI string
	// Version is reported by GET /_health.
	Version string
}

// Deps are the services the handlers call.
type Deps struct {
	// Kafka is the shared client for metadata and produce. Required.
	Kafka *kafka.Client
	// Logger receives request errors; nil discards them.
	Logger *slog.Logger
	// Consumers holds the consumer instances. Nil: every consumer endpoint
	// answers 503.
	Consumers *consumer.Registry
	// Registry resolves schemas for the avro, jsonschema and protobuf
	// formats. Nil: those formats answer 415 "needs a schema registry".
	Registry *schemaregistry.Client
}

// Server serves the REST API. Build it with New; it is safe for concurrent use.
type Server struct {
	kafka     *kafka.Client
	consumers *consumer.Registry
	registry  *schemaregistry.Client
	log       *slog.Logger
	opts      Options
	started   time.Time
	handler   http.Handler
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
	s := &Server{kafka: d.Kafka, consumers: d.Consumers, registry: d.Registry, log: log, opts: opts, started: time.Now()}
	s.handler = s.buildHandler()
	return s
}

// Handler returns the http.Handler serving every route.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) buildHandler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.method+" "+rt.pattern, s.wrap(rt))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		trimTrailingSlash(r)
		h, pattern := mux.Handler(r)
		if pattern == "" {
			routeMiss(mux, w, r, h)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// NewHTTPServer returns an http.Server for the handler with timeouts that
// protect against slow clients while allowing long-polls.
func NewHTTPServer(h http.Handler, maxHeaderBytes int) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
	}
}
