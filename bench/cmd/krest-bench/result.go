package main

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// sideResult is one side's (krest or direct) measurement of a scenario.
type sideResult struct {
	Records    int64   `json:"records"` // produced with an offset / consumed once, by (partition, offset)
	Bytes      int64   `json:"bytes"`   // payload bytes of those records
	Seconds    float64 `json:"seconds"` // measured window
	RecPerSec  float64 `json:"records_per_sec"`
	MBPerSec   float64 `json:"mb_per_sec"` // payload MB (10^6 bytes) per second
	Requests   int64   `json:"requests"`   // HTTP requests, or ProduceSync/PollFetches calls
	P50ms      float64 `json:"p50_ms"`     // request latency
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	MeanMs     float64 `json:"mean_ms"`
	HTTPErrors int64   `json:"http_errors"` // responses other than 200/204
	// RecordErrors are produce offsets entries with an error (or a missing
	// entry), or direct records whose promise failed.
	RecordErrors int64 `json:"record_errors"`
	// ClientErrors are transport failures, unparsable bodies and failed
	// client calls: the request's outcome is unknown.
	ClientErrors int64  `json:"client_errors"`
	Duplicates   int64  `json:"duplicates"` // consume: records seen again
	FirstError   string `json:"first_error,omitzero"`
	// Incomplete is set when a consume side did not read every pre-filled
	// record within -duration; its rate is still records over the window.
	Incomplete bool `json:"incomplete,omitzero"`
	// GroupStableMs (consume) is how long the group took to settle after
	// the consumers joined, before the clock started; FirstRecordMs is the
	// time from the clock's start to the first record (in the window).
	GroupStableMs float64 `json:"group_stable_ms,omitzero"`
	FirstRecordMs float64 `json:"first_record_ms,omitzero"`
	// KrestCPU is the krest process's CPU seconds per second during this
	// side (from /proc), when its pid is known. With the embedded broker
	// the broker runs in that process, so on the direct side it is the
	// broker's share.
	KrestCPU *float64 `json:"krest_cpu,omitzero"`
	// BenchCPU is this generator's own CPU seconds per second: if it nears
	// the core count, the generator, not krest, is the limit.
	BenchCPU float64 `json:"bench_cpu"`
}

func (s *sideResult) errors() int64 { return s.HTTPErrors + s.RecordErrors + s.ClientErrors }

// scenarioResult is one row of the report.
type scenarioResult struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Topic       string      `json:"topic,omitzero"`
	SchemaID    int         `json:"schema_id,omitzero"` // schema formats: the value schema's registered id
	Skipped     string      `json:"skipped,omitzero"`
	Failed      string      `json:"failed,omitzero"` // the scenario could not run (setup error)
	Krest       *sideResult `json:"krest,omitzero"`
	Direct      *sideResult `json:"direct,omitzero"`
	Ratio       float64     `json:"ratio"` // krest / direct records per second
	Target      target      `json:"target,omitzero"`
	// Status is PASS or FAIL against the target, ERR when either side had
	// errors (whatever the ratio), "" without a target, SKIP or FAILED.
	Status string `json:"status"`
}

// finish computes the ratio and the status.
func (r *scenarioResult) finish() {
	switch {
	case r.Skipped != "":
		r.Status = "SKIP"
		return
	case r.Failed != "" || r.Krest == nil || r.Direct == nil:
		r.Status = "FAILED"
		return
	}
	if r.Direct.RecPerSec > 0 {
		r.Ratio = r.Krest.RecPerSec / r.Direct.RecPerSec
	}
	switch {
	case r.Krest.errors() > 0 || r.Direct.errors() > 0:
		r.Status = "ERR"
	case !r.Target.set():
		r.Status = ""
	case r.Ratio >= r.Target.MinRatio &&
		(r.Target.MaxP99ms == 0 || r.Krest.P99ms <= r.Target.MaxP99ms):
		r.Status = "PASS"
	default:
		r.Status = "FAIL"
	}
}

// counters are one side's shared tallies. Workers keep their latency in
// their own histogram and add counts here once per request under a mutex,
// which costs nothing next to an HTTP round trip.
type counters struct {
	mu                sync.Mutex
	records, bytes    int64
	requests          int64
	httpErrs, recErrs int64
	clientErrs        int64
	firstErr          string
	hist              histogram
}

func (c *counters) fail(kind *int64, n int64, format string, args ...any) {
	c.mu.Lock()
	*kind += n
	if c.firstErr == "" {
		c.firstErr = truncate(fmt.Sprintf(format, args...), 300)
	}
	c.mu.Unlock()
}

func (c *counters) merge(h *histogram) {
	c.mu.Lock()
	c.hist.merge(h)
	c.mu.Unlock()
}

// result turns the tallies into a sideResult over the given window.
func (c *counters) result(window time.Duration) *sideResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := &sideResult{
		Records: c.records, Bytes: c.bytes, Requests: c.requests,
		Seconds:    window.Seconds(),
		HTTPErrors: c.httpErrs, RecordErrors: c.recErrs, ClientErrors: c.clientErrs,
		FirstError: c.firstErr,
		P50ms:      ms(c.hist.quantile(0.50)),
		P99ms:      ms(c.hist.quantile(0.99)),
		MaxMs:      ms(time.Duration(c.hist.max)),
		MeanMs:     ms(c.hist.mean()),
	}
	if s := window.Seconds(); s > 0 {
		r.RecPerSec = float64(c.records) / s
		r.MBPerSec = float64(c.bytes) / s / 1e6
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
