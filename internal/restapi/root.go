package restapi

import (
	"net/http"
	"time"
)

// root answers GET / with an empty object, as Karapace does.
func (s *Server) root(w http.ResponseWriter, r *http.Request) error {
	writeBody(w, http.StatusOK, "application/json", []byte("{}"))
	return nil
}

// health answers GET /_health: liveness only (it never asks Kafka), in
// Karapace's shape plus "version".
func (s *Server) health(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, healthJSON{
		ProcessUptimeSec: int64(time.Since(s.started).Seconds()),
		Version:          s.opts.Version,
		KarapaceVersion:  s.opts.Version,
	})
}
