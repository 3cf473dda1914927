// Package httpx holds the small net/http helpers krest's two HTTP APIs (the
// REST proxy and the embedded schema registry) share: trailing-slash
// tolerance, asking a ServeMux what it would answer for a request no route
// matched (so both can answer in JSON instead of net/http's text), and the
// CORS policy of access_control_allow_origins (cors.go).
package httpx

import (
	"net/http"
	"strings"
)

// TrimTrailingSlash removes one or more trailing slashes from the request
// path (and its raw form), so every route also answers with one, as
// Karapace and Confluent do, without registering each pattern twice.
func TrimTrailingSlash(r *http.Request) {
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

// MissStatus runs the handler a ServeMux returned for an unmatched request
// against a recorder and reports what it would have answered: 404 or 405,
// and for 405 the Allow header. The body is discarded.
func MissStatus(h http.Handler, r *http.Request) (status int, allow string) {
	rec := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	return rec.status, rec.header.Get("Allow")
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
