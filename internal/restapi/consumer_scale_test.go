package restapi

import (
	"bytes"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/krest-dev/krest/internal/consumer"
)

// TestConsumerThousandInstances creates 1,000 instances, subscribes each
// (one group each, so no rebalance storm) and fetches once, then deletes
// them all, and reports goroutines and heap at each step. The figures
// include the in-process kfake broker, which serves every connection on
// goroutines of its own; the breakdown separates them.
func TestConsumerThousandInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 1,000 consumer instances")
	}
	const n = 1000
	c := newConsumerEnv(t, func(o *consumer.Options) {
		o.RequestTimeout = 10 * time.Second
		o.InstanceTimeout = 10 * time.Minute
		// Kafka's defaults: the test options' fast heartbeat would make
		// 1,000 members send 10,000 heartbeats a second to kfake.
		o.SessionTimeout, o.HeartbeatInterval = 0, 0
	})
	c.hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}} // keep-alive: 4,000 requests
	c.topic("scale", 1)
	c.produceTo("scale", 0, "x")

	base := measure()
	t.Logf("before:  %s", base)
	insts := make([]string, n)
	firstRecord := make([]time.Duration, n)
	start := time.Now()
	parallel(8, n, func(k int) {
		inst := c.createConsumer(fmt.Sprintf("gscale-%d", k), `{}`)
		t0 := time.Now()
		c.subscribe(inst, "scale")
		// One fetch normally; under this load a group join can take
		// longer than one request, so keep polling like a client would.
		var recs []gotRecord
		for len(recs) == 0 && time.Since(t0) < 30*time.Second {
			recs = c.fetch(inst, "timeout=10000")
		}
		if len(recs) != 1 {
			t.Errorf("instance %d fetched %d records", k, len(recs))
		}
		firstRecord[k] = time.Since(t0)
		insts[k] = inst
	})
	slices.Sort(firstRecord)
	t.Logf("created, subscribed and fetched %d instances in %v; subscribe to first record p50 %v, p99 %v, max %v",
		n, time.Since(start), firstRecord[n/2], firstRecord[n*99/100], firstRecord[n-1])
	live := measure()
	t.Logf("live:    %s", live)
	t.Logf("per instance: %.1f KiB heap, %.1f goroutines (%.1f of them krest/franz-go, %.1f kfake)",
		float64(live.heap-base.heap)/n/1024, float64(live.total-base.total)/n,
		float64(live.total-live.kfake-(base.total-base.kfake))/n, float64(live.kfake-base.kfake)/n)

	start = time.Now()
	parallel(8, n, func(k int) { c.call("DELETE", insts[k], "").expectStatus(t, 204) })
	t.Logf("deleted %d instances in %v", n, time.Since(start))
	c.hc.CloseIdleConnections()
	var after sample
	eventually(t, "goroutines to return to the baseline", func() bool {
		after = measure()
		return after.total-after.kfake <= base.total-base.kfake+5
	})
	t.Logf("after:   %s", after)
	if perInstance := (live.heap - base.heap) / n; perInstance > 200<<10 {
		t.Errorf("a live instance costs %d KiB of heap; 1,000 would pass 200 MB", perInstance>>10)
	}
}

type sample struct {
	total, kfake int
	heap         uint64
}

func (s sample) String() string {
	return fmt.Sprintf("%d goroutines (%d kfake), heap %.1f MiB", s.total, s.kfake, float64(s.heap)/(1<<20))
}

// measure counts goroutines (those running kfake code separately) and the
// live heap after a collection.
func measure() sample {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	buf := make([]byte, 64<<20)
	buf = buf[:runtime.Stack(buf, true)]
	s := sample{heap: ms.HeapAlloc}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		s.total++
		if bytes.Contains(g, []byte("franz-go/pkg/kfake.")) {
			s.kfake++
		}
	}
	return s
}

// parallel runs fn(0..n-1) on workers goroutines.
func parallel(workers, n int, fn func(int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				fn(k)
			}
		}()
	}
	for k := range n {
		next <- k
	}
	close(next)
	wg.Wait()
}
