package restapi

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/krest-dev/krest/internal/apierr"
)

// This file holds the resource limits of the HTTP listeners: the header
// size, slow clients, the number of requests served at once and the number
// of records long-polls waiting at once. Each answers with a JSON error the
// client can act on; docs/operations.md ("Limits") lists them.

const (
	// readTimeout bounds reading a whole request, headers and body: 1 MiB
	// at 17 KiB/s. A client that trickles its body is cut off with 408
	// instead of holding a connection, a slot of
	// http_max_concurrent_requests and the body buffer for ever.
	readTimeout = 60 * time.Second
	// defaultWriteTimeout bounds writing a response once it starts (64 MiB
	// of records at 0.5 MiB/s), so that a client that stops reading (a
	// slow-read attack) cannot hold a handler, its consumer instance and
	// its slot for ever. It starts at the first write, not at the request:
	// a records long-poll may wait as long as its timeout allows first.
	defaultWriteTimeout = 2 * time.Minute
	// retryAfter is the Retry-After of the 429s below, in seconds.
	retryAfter = "1"
)

// NewHTTPServer returns an http.Server for the handler with timeouts that
// protect against slow clients while allowing long-polls:
//   - ReadHeaderTimeout (10 s) closes connections that trickle the request
//     line and headers (slowloris);
//   - ReadTimeout (60 s) bounds headers and body; a body still incomplete
//     then fails its read, which Guard answers with 408. It does not end
//     a records long-poll: net/http clears the read deadline once the
//     body is read (its background read), and a GET has none;
//   - no WriteTimeout: net/http starts it when the request has been read,
//     so it would also count a long-poll's wait; Guard bounds the write
//     from the moment the response starts instead;
//   - IdleTimeout (2 min) closes idle keep-alive connections.
//
// maxHeaderBytes is http_request_max_header_size. The server's own limit is
// twice that, so that Guard sees requests up to twice the limit and answers
// them with a JSON 431; beyond that net/http answers a plain-text 431 and
// closes the connection before any handler runs.
func NewHTTPServer(h http.Handler, maxHeaderBytes int) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       readTimeout,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    2 * maxHeaderBytes,
	}
}

// Guard wraps next with the per-request protections both HTTP APIs share:
// a request line and headers above maxHeaderBytes get 431/431 (0 checks
// nothing), a body that misses the server's ReadTimeout gets 408/408 (not
// a 500 for a read error), and a response, once started, must be written
// within 2 min. The REST server applies it itself (Options); app wraps the
// embedded registry's handler with it.
func Guard(next http.Handler, maxHeaderBytes int) http.Handler {
	g := &guard{maxHeader: maxHeaderBytes, writeTimeout: defaultWriteTimeout}
	return g.handler(next)
}

// guard implements Guard.
type guard struct {
	maxHeader    int
	writeTimeout time.Duration
}

func (g *guard) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.maxHeader > 0 {
			if n := headerBytes(r); n > g.maxHeader {
				writeErrorBody(w, apierr.New(apierr.HeadersTooLarge,
					"HTTP 431 Request Header Fields Too Large: the request line and headers take %d bytes, more than %d (http_request_max_header_size)", n, g.maxHeader))
				return
			}
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = timeoutBody{r.Body}
		}
		// net/http clears the write deadline after each response (HTTP/1;
		// HTTP/2 deadlines are per stream), so the next request on the
		// connection starts without one.
		next.ServeHTTP(&deadlineWriter{ResponseWriter: w, timeout: g.writeTimeout}, r)
	})
}

// headerBytes is the size of the request line and headers as the client
// sent them (each header line with its ": " and CRLF), the measure of
// net/http's MaxHeaderBytes. net/http moves Host out of the header map.
func headerBytes(r *http.Request) int {
	n := len(r.Method) + 1 + len(r.RequestURI) + 1 + len(r.Proto) + 2
	if r.Host != "" {
		n += len("Host: ") + len(r.Host) + 2
	}
	for k, vs := range r.Header {
		for _, v := range vs {
			n += len(k) + 2 + len(v) + 2
		}
	}
	return n + 2
}

// timeoutBody turns a body read that missed the server's ReadTimeout into
// a 408 for the error writer (a bare read error would be a 500).
type timeoutBody struct{ io.ReadCloser }

func (b timeoutBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		err = apierr.Wrap(apierr.RequestTimeout, err, "HTTP 408 Request Timeout: the request was not received within %s", readTimeout)
	}
	return n, err
}

// deadlineWriter sets the write deadline when the response starts.
type deadlineWriter struct {
	http.ResponseWriter
	timeout time.Duration
	armed   bool
}

func (w *deadlineWriter) arm() {
	if !w.armed {
		w.armed = true
		_ = http.NewResponseController(w.ResponseWriter).SetWriteDeadline(time.Now().Add(w.timeout))
	}
}

func (w *deadlineWriter) WriteHeader(code int) {
	if code >= 200 {
		w.arm()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *deadlineWriter) Write(b []byte) (int, error) {
	w.arm()
	return w.ResponseWriter.Write(b)
}

// Flush lets streaming handlers flush through the writer.
func (w *deadlineWriter) Flush() {
	w.arm()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController (and innermost) the writer underneath.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// limits are the REST server's caps on requests served at once.
type limits struct {
	// busy holds a token per request being served
	// (http_max_concurrent_requests); nil is unlimited.
	busy chan struct{}
	// waiting holds a token per records request waiting for data
	// (consumer_max_waiting_requests); nil is unlimited.
	waiting chan struct{}
}

func newLimits(o Options) limits {
	var l limits
	if o.MaxConcurrentRequests > 0 {
		l.busy = make(chan struct{}, o.MaxConcurrentRequests)
	}
	if o.MaxWaitingRequests > 0 {
		l.waiting = make(chan struct{}, o.MaxWaitingRequests)
	}
	return l
}

// exempt reports whether a route is served whatever the load: the probes
// and the operator's views (metrics, profiles) must answer most of all
// when krest is saturated.
func exempt(pattern string) bool {
	switch pattern {
	case "GET /_health", "GET /_ready", "GET /metrics":
		return true
	}
	return strings.HasPrefix(pattern, "GET /debug/pprof") || strings.HasPrefix(pattern, "POST /debug/pprof")
}

// admit takes a slot of http_max_concurrent_requests for a request routed
// to pattern, without waiting: when none is free it answers 429/42902 with
// Retry-After and returns false. Holding the slot for the whole request is
// what bounds memory to about the cap times http_request_max_size. A true
// result must be paired with release(pattern).
func (s *Server) admit(w http.ResponseWriter, r *http.Request, pattern string) bool {
	if s.limits.busy == nil || exempt(pattern) {
		return true
	}
	select {
	case s.limits.busy <- struct{}{}:
		return true
	default:
		r.Pattern = pattern // for Instrument: the 429 is the route's
		w.Header().Set("Retry-After", retryAfter)
		if r.ContentLength != 0 {
			// Otherwise net/http reads (up to 256 KiB of) the unread body
			// before it answers and again before it reuses the connection:
			// an overloaded krest would wait for a slow client it is
			// refusing. Closing the connection skips the first read, an
			// expired read deadline ends the second at once.
			w.Header().Set("Connection", "close")
			_ = http.NewResponseController(w).SetReadDeadline(time.Now())
		}
		s.writeError(w, r, apierr.New(apierr.TooManyConcurrentRequests,
			"Too many concurrent requests: %d are being served (http_max_concurrent_requests); retry later", cap(s.limits.busy)))
		return false
	}
}

// release gives back the slot admit took.
func (s *Server) release(pattern string) {
	if s.limits.busy != nil && !exempt(pattern) {
		<-s.limits.busy
	}
}

// enterLongPoll takes a slot of consumer_max_waiting_requests for a records
// request, without waiting: when none is free it sets Retry-After and
// returns 429/42903. A nil error must be paired with leaveLongPoll.
func (s *Server) enterLongPoll(w http.ResponseWriter) error {
	if s.limits.waiting == nil {
		return nil
	}
	select {
	case s.limits.waiting <- struct{}{}:
		return nil
	default:
		w.Header().Set("Retry-After", retryAfter)
		return apierr.New(apierr.TooManyWaitingRequests,
			"Too many records requests waiting for data: %d (consumer_max_waiting_requests); retry later", cap(s.limits.waiting))
	}
}

// leaveLongPoll gives back the slot enterLongPoll took.
func (s *Server) leaveLongPoll() {
	if s.limits.waiting != nil {
		<-s.limits.waiting
	}
}
