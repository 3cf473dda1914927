package restapi

import (
	"net/http"
	"net/http/pprof"
	"strings"
)

// route is one entry of the API surface.
type route struct {
	method  string
	pattern string // net/http ServeMux pattern; the metrics label
	h       handlerFunc
	flags   routeFlags
}

// routeFlags change how wrap treats a route.
type routeFlags uint8

const (
	// raw routes skip Accept negotiation (/, /_health, /metrics, ...), as
	// Karapace's root and health routes do: they do not speak vnd.kafka.
	raw routeFlags = 1 << iota
	// longPoll routes count in krest_consumer_long_polls_waiting while
	// they run.
	longPoll
	// public routes need no credentials with rest_authorization: probes,
	// the API description and the root, none of which reach Kafka as a
	// caller.
	public
)

// routes is the whole HTTP API in one list: docs/openapi.yaml describes
// exactly these routes (a test compares them). Trailing slashes are trimmed
// before matching, so each pattern also answers with one. /metrics and
// /debug/pprof/ are listed only when they are served on this listener.
func (s *Server) routes() []route {
	rs := []route{
		{"GET", "/{$}", s.root, raw | public},
		{"GET", "/_health", s.health, raw | public},
		{"GET", "/_ready", s.ready, raw | public},
		{"GET", "/openapi.json", s.openAPIJSON, raw | public},
		{"GET", "/openapi.yaml", s.openAPIYAML, raw | public},

		{"GET", "/brokers", s.listBrokers, 0},

		{"GET", "/topics", s.listTopics, 0},
		{"GET", "/topics/{topic}", s.getTopic, 0},
		{"POST", "/topics/{topic}", s.produceToTopic, 0},
		{"GET", "/topics/{topic}/partitions", s.listPartitions, 0},
		{"GET", "/topics/{topic}/partitions/{partition}", s.getPartition, 0},
		{"POST", "/topics/{topic}/partitions/{partition}", s.produceToPartition, 0},
		{"GET", "/topics/{topic}/partitions/{partition}/offsets", s.getPartitionOffsets, 0},

		{"POST", "/consumers/{group}", s.createConsumer, 0},
		{"DELETE", "/consumers/{group}/instances/{instance}", s.deleteConsumer, 0},
		{"POST", "/consumers/{group}/instances/{instance}/subscription", s.subscribe, 0},
		{"GET", "/consumers/{group}/instances/{instance}/subscription", s.getSubscription, 0},
		{"DELETE", "/consumers/{group}/instances/{instance}/subscription", s.unsubscribe, 0},
		{"POST", "/consumers/{group}/instances/{instance}/assignments", s.assign, 0},
		{"GET", "/consumers/{group}/instances/{instance}/assignments", s.getAssignments, 0},
		{"POST", "/consumers/{group}/instances/{instance}/positions", s.seek, 0},
		{"POST", "/consumers/{group}/instances/{instance}/positions/beginning", s.seekToBeginning, 0},
		{"POST", "/consumers/{group}/instances/{instance}/positions/end", s.seekToEnd, 0},
		{"POST", "/consumers/{group}/instances/{instance}/offsets", s.commitOffsets, 0},
		{"GET", "/consumers/{group}/instances/{instance}/offsets", s.getCommittedOffsets, 0},
		{"GET", "/consumers/{group}/instances/{instance}/records", s.getRecords, longPoll},
	}
	if s.opts.Metrics != nil {
		rs = append(rs, route{"GET", "/metrics", s.serveMetrics, raw})
	}
	if s.opts.Pprof {
		rs = append(rs, debugRoutes()...)
	}
	return rs
}

// serveMetrics answers GET /metrics with Options.Metrics (the Prometheus
// exposition).
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) error {
	s.opts.Metrics.ServeHTTP(w, r)
	return nil
}

// debugRoutes are Go's net/http/pprof handlers. They are routes like any
// other, so that they share the JSON 404/405 answers and the metrics, on
// the REST listener and on the metrics listener alike.
func debugRoutes() []route {
	serve := func(h http.HandlerFunc) handlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error { h(w, r); return nil }
	}
	return []route{
		{"GET", "/debug/pprof", pprofIndex, raw},
		{"GET", "/debug/pprof/cmdline", serve(pprof.Cmdline), raw},
		{"GET", "/debug/pprof/profile", serve(pprof.Profile), raw},
		{"GET", "/debug/pprof/symbol", serve(pprof.Symbol), raw},
		{"POST", "/debug/pprof/symbol", serve(pprof.Symbol), raw},
		{"GET", "/debug/pprof/trace", serve(pprof.Trace), raw},
		// pprof.Index serves the named profiles (heap, goroutine, allocs,
		// block, mutex, threadcreate) from the path after /debug/pprof/.
		{"GET", "/debug/pprof/{profile}", serve(pprof.Index), raw},
	}
}

// pprofIndex serves pprof's index page at /debug/pprof/. The page links to
// the profiles with relative URLs, which resolve only against the path
// with its trailing slash; trimTrailingSlash removed it before routing, so
// a request that came without one is redirected to it.
func pprofIndex(w http.ResponseWriter, r *http.Request) error {
	if path, _, _ := strings.Cut(r.RequestURI, "?"); !strings.HasSuffix(path, "/") {
		http.Redirect(w, r, "/debug/pprof/", http.StatusMovedPermanently)
		return nil
	}
	pprof.Index(w, r)
	return nil
}
