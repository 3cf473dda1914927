package restapi

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/krest-dev/krest/internal/apierr"
)

// This file holds the two probes. GET /_health (root.go) is liveness: it
// answers as long as the process serves HTTP and never asks Kafka, so a
// Kafka outage does not get every krest restarted. GET /_ready is
// readiness: it asks Kafka and the schema registry, so a load balancer or
// Kubernetes stops sending traffic to a krest that cannot serve it.

// readyJSON is the body of GET /_ready. A 503 also carries error_code and
// message, as every krest error body does.
type readyJSON struct {
	ErrorCode *int                 `json:"error_code,omitzero"`
	Message   string               `json:"message,omitzero"`
	Status    string               `json:"status"` // "ready" or "not_ready"
	Version   string               `json:"version"`
	Checks    map[string]checkJSON `json:"checks"`
}

type checkJSON struct {
	Status     string `json:"status"` // "ok" or "failed"
	DurationMS int64  `json:"duration_ms"`
	Error      string `json:"error,omitzero"`
}

// maxCheckError bounds the error text of a failed check: it is for a
// human reading the probe output, and some errors embed whole responses.
const maxCheckError = 300

// ready answers GET /_ready: 200 {"status":"ready",...} when every check
// passes within Options.ReadyTimeout, else 503 naming what failed.
// Concurrent requests share one round of checks, so probes from many
// sources cost Kafka one metadata request at a time.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) error {
	// The checks run on a context detached from this request (bounded by
	// the timeout instead): they are shared with other callers, whom one
	// prober hanging up must not fail.
	v, _, _ := s.readyOnce.Do("ready", func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.opts.ReadyTimeout)
		defer cancel()
		return s.runChecks(ctx), nil
	})
	body := v.(readyJSON)
	status := http.StatusOK
	if body.Status != "ready" {
		status = http.StatusServiceUnavailable
	}
	return writeJSON(w, status, body)
}

// runChecks runs every check in parallel and gathers the answer.
func (s *Server) runChecks(ctx context.Context) readyJSON {
	out := readyJSON{Status: "ready", Version: s.opts.Version, Checks: make(map[string]checkJSON, len(s.checks))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range s.checks {
		wg.Go(func() {
			start := time.Now()
			err := c.Check(ctx)
			res := checkJSON{Status: "ok", DurationMS: time.Since(start).Milliseconds()}
			if err != nil {
				res.Status = "failed"
				res.Error = checkError(ctx, err)
			}
			mu.Lock()
			out.Checks[c.Name] = res
			mu.Unlock()
		})
	}
	wg.Wait()
	var failed []string
	for name, c := range out.Checks {
		if c.Status != "ok" {
			failed = append(failed, name+": "+c.Error)
		}
	}
	if len(failed) > 0 {
		sort.Strings(failed)
		code := int(apierr.ServiceUnavailable)
		out.Status, out.ErrorCode = "not_ready", &code
		out.Message = "not ready: " + strings.Join(failed, "; ")
		s.log.Warn("readiness check failed", "failed", out.Message)
	}
	return out
}

// checkError is the text reported for a failed check: a timeout says so
// plainly rather than as "context deadline exceeded"; long errors are cut
// (at a rune boundary, and invalid UTF-8 dropped: the body is JSON).
func checkError(ctx context.Context, err error) string {
	if ctx.Err() != nil {
		return "no answer within readiness_timeout_ms"
	}
	msg := err.Error()
	if len(msg) > maxCheckError {
		msg = msg[:maxCheckError] + "..."
	}
	return strings.ToValidUTF8(msg, "")
}
