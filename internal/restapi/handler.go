package restapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/httpx"
	"github.com/krest-dev/krest/internal/metrics"
)

// handlerFunc is a handler that returns its error instead of writing it, so
// exactly one function (writeError) turns errors into responses (caddy's
// HandlerError, tailscale's ReturnHandler).
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap adapts a handlerFunc to http.Handler: with rest_authorization it
// authenticates the caller first (401) on every route but public ones
// (auth.go), negotiates Accept (406) for every route but raw ones, bounds
// the body, counts long-polls, and writes any returned error.
func (s *Server) wrap(rt route) http.Handler {
	var waiting prometheus.Gauge
	if rt.flags&longPoll != 0 {
		waiting = s.metrics.LongPolls() // nil without metrics
	}
	needAuth := s.auth != nil && rt.flags&public == 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.recoverPanic(w, r)
		if waiting != nil {
			waiting.Inc()
			defer waiting.Dec()
		}
		if r.Body != nil && r.Body != http.NoBody {
			// The innermost writer, net/http's own: MaxBytesReader tells
			// it to close the connection after a 413, through a method
			// Instrument's recorder cannot forward.
			r.Body = http.MaxBytesReader(innermost(w), r.Body, s.opts.MaxBodyBytes)
		}
		var err error
		if needAuth { // first: an unauthenticated caller learns nothing else
			var done func(error)
			if r, done, err = s.authenticate(r); err == nil {
				defer func() { done(err) }()
			}
		}
		if err == nil && rt.flags&raw == 0 {
			_, err = acceptedFormat(r)
		}
		if err == nil {
			err = rt.h(w, r)
		}
		if err != nil {
			s.writeError(w, r, err)
		}
	})
}

// recoverPanic turns a handler panic into a logged 500 JSON answer instead
// of a dropped connection. A panic is a krest bug; this keeps one bad
// request from looking like a network failure to the client.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
	writeErrorBody(w, apierr.New(apierr.Internal, "Internal Server Error"))
}

// writeError is the one error writer: every error body is
// {"error_code": N, "message": "..."} with the status derived from the code.
// A request whose client went away gets nothing (it could not read it).
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = apierr.Wrap(apierr.PayloadTooLarge, err, "HTTP Request Entity Too Large: the body exceeds %d bytes (http_request_max_size)", mbe.Limit)
	}
	if ctxErr := r.Context().Err(); ctxErr != nil && errors.Is(err, context.Canceled) {
		s.log.Debug("client went away", "method", r.Method, "path", r.URL.Path, "status", 499)
		return
	}
	e := apierr.From(err)
	if e.Status() == http.StatusUnauthorized {
		setChallenge(w)
	}
	if e.Status() >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "error_code", int(e.Code), "err", e)
	} else {
		s.log.Debug("request rejected", "method", r.Method, "path", r.URL.Path, "error_code", int(e.Code), "message", e.Message)
	}
	writeErrorBody(w, e)
}

// writeErrorBody writes e; it needs no Server so the route-miss path can use it.
func writeErrorBody(w http.ResponseWriter, e *apierr.Error) {
	b := make([]byte, 0, 64+len(e.Message))
	b = append(b, `{"error_code":`...)
	b = strconv.AppendInt(b, int64(e.Code), 10)
	b = append(b, `,"message":`...)
	// Messages quote client input (a topic from the URL), which may be
	// invalid UTF-8: AppendQuote replaces it with U+FFFD (the error only
	// says it did), where Marshal would fail and leave no message at all.
	b, _ = jsontext.AppendQuote(b, e.Message)
	b = append(b, '}')
	writeBody(w, e.Status(), contentTypeV2, b)
}

// writeJSON marshals v compactly and writes it with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		return err
	}
	writeBody(w, status, contentTypeV2, b)
	return nil
}

// writeBody writes a complete body with its length.
func writeBody(w http.ResponseWriter, status int, contentType string, b []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeNoContent answers 204.
func writeNoContent(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }

// routeMiss answers requests no route matched with JSON (net/http's own 404
// and 405 are text/plain): it asks the mux what it would have answered, to
// tell 404 from 405 and keep the Allow header.
func routeMiss(mux *http.ServeMux, w http.ResponseWriter, r *http.Request, h http.Handler) {
	if status, allow := httpx.MissStatus(h, r); status == http.StatusMethodNotAllowed {
		if allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeErrorBody(w, apierr.New(apierr.MethodNotAllowed, "HTTP 405 Method Not Allowed"))
		return
	}
	writeErrorBody(w, apierr.New(apierr.NotFound, "HTTP 404 Not Found"))
}

// StatusClientClosed is the status Instrument records for a request whose
// client went away before an answer was written (nginx's 499; nothing is
// sent, so no client ever sees it).
const StatusClientClosed = 499

// Instrument wraps next so that every request is counted in m (server
// names the API: "rest" or "registry") and, when accessLog is set, logged
// at Info with the route pattern, method, path, status, duration, body
// sizes and remote address. The access log never records headers (so no
// Authorization), query strings (which may carry secrets) or bodies. A
// request the client abandoned before anything was written is recorded as
// 499.
//
// The route comes from Request.Pattern, which http.ServeMux sets on the
// request it routes: next must pass the request it gets to its ServeMux
// unchanged (not a copy from WithContext or Clone), as the REST server and
// the embedded registry do. Requests no route matched are "unmatched".
// With neither m nor accessLog, Instrument returns next.
func Instrument(server string, m *metrics.Metrics, accessLog *slog.Logger, next http.Handler) http.Handler {
	if m == nil && accessLog == nil {
		return next
	}
	inFlight := m.InFlight(server)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if inFlight != nil {
			inFlight.Inc()
			defer inFlight.Dec()
		}
		rec := &recorder{ResponseWriter: w}
		if accessLog != nil {
			// Room for the caller's user name under rest_authorization,
			// which authentication fills in further down the chain.
			r = r.WithContext(context.WithValue(r.Context(), userSlotKey{}, &rec.user))
		}
		if r.Body != nil && r.Body != http.NoBody {
			rec.body.rc = r.Body
			r.Body = &rec.body
		}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			// Nothing written: net/http answers 200 with an empty body,
			// unless the client is gone (writeError writes nothing then).
			status = http.StatusOK
			if r.Context().Err() != nil {
				status = StatusClientClosed
			}
		}
		elapsed := time.Since(start)
		m.ObserveRequest(metrics.Request{
			Server: server, Pattern: r.Pattern, Method: r.Method, Status: status,
			Duration: elapsed, RequestBytes: rec.body.n, ResponseBytes: rec.written,
		})
		if accessLog != nil {
			attrs := []slog.Attr{
				slog.String("server", server),
				slog.String("method", r.Method),
				slog.String("route", metrics.Route(r.Pattern)),
				slog.String("path", r.URL.EscapedPath()),
				slog.Int("status", status),
				slog.Duration("duration", elapsed),
				slog.Int64("request_bytes", rec.body.n),
				slog.Int64("response_bytes", rec.written),
				slog.String("remote", r.RemoteAddr),
			}
			if rec.user != "" {
				attrs = append(attrs, slog.String("user", rec.user))
			}
			accessLog.LogAttrs(r.Context(), slog.LevelInfo, "http request", attrs...)
		}
	})
}

// recorder is the ResponseWriter Instrument hands down: it notes the
// status and counts the bytes written, and owns the counting wrapper of
// the request body (one allocation for both).
type recorder struct {
	http.ResponseWriter
	status  int
	written int64
	body    countingBody
	user    string // the rest_authorization user, for the access log
}

// userSlotKey is the context key of the access log's *string for the
// caller's user name (set only when the access log is on).
type userSlotKey struct{}

// noteUser records the caller's user name for the access log. The name,
// never the password: a failed login is logged with the name it tried.
func noteUser(r *http.Request, user string) {
	if slot, ok := r.Context().Value(userSlotKey{}).(*string); ok {
		*slot = user
	}
}

func (w *recorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 { // 1xx are interim answers
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	return n, err
}

// Flush lets handlers that stream flush through the recorder.
func (w *recorder) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// countingBody counts the request body bytes read.
type countingBody struct {
	rc io.ReadCloser
	n  int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *countingBody) Close() error { return b.rc.Close() }

// innermost unwraps w down to the writer net/http made.
func innermost(w http.ResponseWriter) http.ResponseWriter {
	for {
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}
