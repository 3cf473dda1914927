package restapi

import (
	"context"
	"errors"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/krest-dev/krest/internal/apierr"
)

// handlerFunc is a handler that returns its error instead of writing it, so
// exactly one function (writeError) turns errors into responses (caddy's
// HandlerError, tailscale's ReturnHandler).
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap adapts a handlerFunc to http.Handler: negotiates Accept (406) for
// every route, bounds the body, and writes any returned error.
func (s *Server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer s.recoverPanic(w, r)
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
		}
		var err error
		if !rt.raw {
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
	msg, _ := json.Marshal(e.Message)
	b = append(b, msg...)
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
	rec := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	if rec.status == http.StatusMethodNotAllowed {
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeErrorBody(w, apierr.New(apierr.MethodNotAllowed, "HTTP 405 Method Not Allowed"))
		return
	}
	writeErrorBody(w, apierr.New(apierr.NotFound, "HTTP 404 Not Found"))
}

// statusRecorder captures what a handler would answer, discarding the body.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return len(b), nil
}
func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

// trimTrailingSlash lets every route answer with a trailing slash too, as in
// Karapace and Confluent, without registering each pattern twice.
func trimTrailingSlash(r *http.Request) {
	p := r.URL.Path
	if len(p) > 1 && strings.HasSuffix(p, "/") {
		r.URL.Path = strings.TrimRight(p, "/")
		if r.URL.Path == "" {
			r.URL.Path = "/"
		}
		if r.URL.RawPath != "" {
			r.URL.RawPath = strings.TrimRight(r.URL.RawPath, "/")
		}
	}
}
