package restapi

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/krest-dev/krest/internal/kafka"
)

// withReady adds readiness checks and a readiness timeout to an env.
func withReady(timeout time.Duration, checks ...ReadyCheck) envOpt {
	return func(_ *kafka.Options, so *Options, d *Deps) {
		if d == nil {
			so.ReadyTimeout = timeout
			return
		}
		d.ReadyChecks = append(d.ReadyChecks, checks...)
	}
}

type readyBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
	Status    string `json:"status"`
	Checks    map[string]struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	} `json:"checks"`
}

func decodeReady(t *testing.T, r reply) readyBody {
	t.Helper()
	var b readyBody
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatalf("ready body %s: %v", r.body, err)
	}
	return b
}

func TestReadyAnswers200WhenEveryCheckPasses(t *testing.T) {
	t.Parallel()
	ok := ReadyCheck{Name: "schema_registry", Check: func(context.Context) error { return nil }}
	e := newEnv(t, withReady(2*time.Second, ok))
	r := e.do("GET", "/_ready", "")
	if r.status != 200 {
		t.Fatalf("GET /_ready: %d %s", r.status, r.body)
	}
	loadOpenAPI(t).validateResponse(t, "GET", "/_ready", r)
	b := decodeReady(t, r)
	if b.Status != "ready" || b.Checks["kafka"].Status != "ok" || b.Checks["schema_registry"].Status != "ok" {
		t.Fatalf("GET /_ready body %s", r.body)
	}
}

func TestReadyAnswers503NamingTheFailedCheck(t *testing.T) {
	t.Parallel()
	bad := ReadyCheck{Name: "schema_registry", Check: func(context.Context) error { return errors.New("registry says no") }}
	e := newEnv(t, withReady(2*time.Second, bad))
	r := e.do("GET", "/_ready", "")
	if r.status != 503 {
		t.Fatalf("GET /_ready with a failing check: %d %s", r.status, r.body)
	}
	loadOpenAPI(t).validateResponse(t, "GET", "/_ready", r)
	b := decodeReady(t, r)
	if b.ErrorCode != 503 || b.Status != "not_ready" || !strings.Contains(b.Message, "schema_registry: registry says no") {
		t.Errorf("body %s", r.body)
	}
	if b.Checks["kafka"].Status != "ok" || b.Checks["schema_registry"].Error != "registry says no" {
		t.Errorf("checks %+v", b.Checks)
	}
}

// TestProbesWhenKafkaIsDown: readiness fails within its timeout, liveness
// does not notice (it must never restart krest for a Kafka outage).
func TestProbesWhenKafkaIsDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withReady(500*time.Millisecond))
	if r := e.do("GET", "/_ready", ""); r.status != 200 {
		t.Fatalf("GET /_ready with Kafka up: %d %s", r.status, r.body)
	}
	e.cluster.Close()

	start := time.Now()
	r := e.do("GET", "/_ready", "")
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("GET /_ready took %v with a 500 ms readiness timeout", took)
	}
	if r.status != 503 {
		t.Fatalf("GET /_ready with Kafka down: %d %s", r.status, r.body)
	}
	loadOpenAPI(t).validateResponse(t, "GET", "/_ready", r)
	if b := decodeReady(t, r); b.Checks["kafka"].Status != "failed" || b.Checks["kafka"].Error == "" {
		t.Errorf("kafka check %+v", b.Checks["kafka"])
	}

	start = time.Now()
	if r := e.do("GET", "/_health", ""); r.status != 200 || time.Since(start) > time.Second {
		t.Errorf("GET /_health with Kafka down: %d after %v", r.status, time.Since(start))
	}
}

func TestReadyCoalescesConcurrentProbes(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	slow := ReadyCheck{Name: "slow", Check: func(ctx context.Context) error {
		calls.Add(1)
		select {
		case <-time.After(300 * time.Millisecond):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	e := newEnv(t, withReady(2*time.Second, slow))
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if r := e.do("GET", "/_ready", ""); r.status != 200 {
				t.Errorf("GET /_ready: %d %s", r.status, r.body)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n > 3 {
		t.Errorf("10 concurrent probes ran the check %d times; they should share rounds", n)
	}
}
