// Package soak holds krest's opt-in soak test: the real app on its embedded
// broker under produce load, two consumer groups and consumer churn, checked
// for lost, phantom and duplicated records and for goroutine and heap leaks.
//
// Run it with
//
//	KREST_SOAK=1 go test -run TestSoak -v ./bench/soak/ [-soak.duration 60s]
//
// (KREST_SOAK_DURATION=60s works too). Without KREST_SOAK=1 it is skipped,
// so "go test ./..." does not run it.
package soak

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/krest-dev/krest/internal/app"
	"github.com/krest-dev/krest/internal/config"
)

var duration = flag.Duration("soak.duration", 60*time.Second, "how long the soak produces and churns")

const (
	topic      = "soak"
	partitions = 4
	ctV2       = "application/vnd.kafka.v2+json"
	ctBinary   = "application/vnd.kafka.binary.v2+json"
	ctJSON     = "application/vnd.kafka.json.v2+json"
)

var hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}, Timeout: 30 * time.Second}

func call(method, url, ctype, body string, hdr ...string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// delivery is one record as a consumer instance returned it.
type delivery struct {
	inst      string
	partition int32
	offset    int64
}

// groupLog records every delivery to one group, by value id.
type groupLog struct {
	mu    sync.Mutex
	byID  map[string][]delivery
	total int
}

func (g *groupLog) add(inst string, recs []rec) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range recs {
		id, err := idOf(r.Value)
		if err != nil {
			return fmt.Errorf("%s/%d@%d: %w", topic, r.Partition, r.Offset, err)
		}
		g.byID[id] = append(g.byID[id], delivery{inst, r.Partition, r.Offset})
		g.total++
	}
	return nil
}

func (g *groupLog) seen(id string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.byID[id]) > 0
}

type rec struct {
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Value     []byte `json:"value"` // base64 in the binary format
}

// idOf extracts the id from a stored value: the raw id (binary produce) or
// {"id":"..."} (json produce).
func idOf(v []byte) (string, error) {
	if len(v) > 0 && v[0] == '{' {
		var m struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(v, &m); err != nil || m.ID == "" {
			return "", fmt.Errorf("value %q has no id", v)
		}
		return m.ID, nil
	}
	if len(v) == 0 {
		return "", fmt.Errorf("empty value")
	}
	return string(v), nil
}

func heapMiB() float64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

// TestSoak produces binary and json records from 4 goroutines for the soak
// duration while two groups (A and B) each run two long-lived consumer
// instances plus one churning instance (created, subscribed, fetched from
// and deleted every second), all with auto-commit. Then producing stops,
// the groups drain, every instance is deleted and the leftovers are
// measured.
//
// Invariant asserted, per group:
//
//   - no loss: every record krest acknowledged with an offset is returned
//     to the group at least once;
//   - no phantom: every returned id was produced;
//   - duplicates are redeliveries of the same Kafka record (same partition
//     and offset: the producer never wrote a value twice) to a different
//     instance than any earlier delivery. That is at-least-once after a
//     rebalance, legitimate for records an instance returned but whose
//     position had not been committed when the partition moved (a churning
//     instance's commit on leave can race the new owner's first fetch). One
//     instance never returns the same record twice.
//
// And after everything is deleted: goroutines within 20 of the baseline
// (taken after the app started, before any load), live heap within 64 MiB
// of it (the embedded broker keeps the produced records in memory).
func TestSoak(t *testing.T) {
	if os.Getenv("KREST_SOAK") != "1" {
		t.Skip("set KREST_SOAK=1 to run the soak test")
	}
	d := *duration
	if s := os.Getenv("KREST_SOAK_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			t.Fatal(err)
		}
	}

	cfg := config.Default()
	cfg.Host = "127.0.0.1"
	cfg.Port = 0
	cfg.EmbeddedBrokerPort = 0
	cfg.RegistryPort = 0
	cfg.RegistryEnabled = "false"
	cfg.DataDir = t.TempDir()
	cfg.EmbeddedTopics = []string{fmt.Sprintf("%s:%d", topic, partitions)}
	cfg.SessionTimeoutMS = 6000
	cfg.ConsumerEnableAutoCommit = true
	a, err := app.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	defer a.Close(context.Background())
	url := a.URL()

	goroutines0, heap0 := runtime.NumGoroutine(), heapMiB()

	// Producers.
	var (
		ackMu    sync.Mutex
		acked    = map[string]bool{}
		sent     = map[string]bool{}
		reqs     atomic.Int64
		reqFails atomic.Int64
		recFails atomic.Int64
	)
	stopProduce := make(chan struct{})
	var prodWG sync.WaitGroup
	for w := range 4 {
		prodWG.Add(1)
		go func() {
			defer prodWG.Done()
			for n := 0; ; n++ {
				select {
				case <-stopProduce:
					return
				default:
				}
				ids := make([]string, 10)
				var b strings.Builder
				b.WriteString(`{"records":[`)
				for i := range ids {
					ids[i] = fmt.Sprintf("w%d-%d-%d", w, n, i)
					if i > 0 {
						b.WriteByte(',')
					}
					if w%2 == 0 {
						fmt.Fprintf(&b, `{"key":%q,"value":%q}`, base64.StdEncoding.EncodeToString([]byte(ids[i][:4])), base64.StdEncoding.EncodeToString([]byte(ids[i])))
					} else {
						fmt.Fprintf(&b, `{"value":{"id":%q}}`, ids[i])
					}
				}
				b.WriteString(`]}`)
				ct := ctBinary
				if w%2 == 1 {
					ct = ctJSON
				}
				ackMu.Lock()
				for _, id := range ids {
					sent[id] = true
				}
				ackMu.Unlock()
				status, body, err := call("POST", url+"/topics/"+topic, ct, b.String())
				reqs.Add(1)
				if err != nil || status != 200 {
					reqFails.Add(1)
					continue
				}
				var resp struct {
					Offsets []struct {
						Offset    *int64 `json:"offset"`
						ErrorCode *int   `json:"error_code"`
					} `json:"offsets"`
				}
				if json.Unmarshal(body, &resp) != nil || len(resp.Offsets) != len(ids) {
					t.Errorf("produce answered %s", body)
					continue
				}
				ackMu.Lock()
				for i, o := range resp.Offsets {
					if o.Offset != nil && o.ErrorCode == nil {
						acked[ids[i]] = true
					} else {
						recFails.Add(1)
					}
				}
				ackMu.Unlock()
			}
		}()
	}

	// Consumers: two groups, each with two long-lived instances and one
	// churning instance.
	groups := map[string]*groupLog{"A": {byID: map[string][]delivery{}}, "B": {byID: map[string][]delivery{}}}
	var fetchErrs, churned atomic.Int64
	drained := make(chan struct{}) // closed when consumers should stop
	create := func(group, name string) (string, error) {
		status, body, err := call("POST", url+"/consumers/"+group, ctV2,
			fmt.Sprintf(`{"name":%q,"format":"binary","auto.offset.reset":"earliest","auto.commit.enable":"true"}`, name))
		if err != nil || status != 200 {
			return "", fmt.Errorf("create %s/%s: %d %s %v", group, name, status, body, err)
		}
		base := url + "/consumers/" + group + "/instances/" + name
		status, body, err = call("POST", base+"/subscription", ctV2, `{"topics":["`+topic+`"]}`)
		if err != nil || status != 204 {
			return "", fmt.Errorf("subscribe %s/%s: %d %s %v", group, name, status, body, err)
		}
		return base, nil
	}
	fetch := func(g *groupLog, name, base string) {
		status, body, err := call("GET", base+"/records?timeout=500&max_bytes=65536", "", "", "Accept: "+ctBinary)
		if err != nil || status != 200 {
			fetchErrs.Add(1)
			if err == nil && status >= 500 {
				t.Errorf("records %s: %d %s", name, status, body)
			}
			return
		}
		var recs []rec
		if err := json.Unmarshal(body, &recs); err != nil {
			t.Errorf("records %s: %v", name, err)
			return
		}
		if err := g.add(name, recs); err != nil {
			t.Error(err)
		}
	}
	var consWG sync.WaitGroup
	for gname, g := range groups {
		for i := range 2 {
			name := fmt.Sprintf("%s-stable-%d", gname, i)
			base, err := create(gname, name)
			if err != nil {
				t.Fatal(err)
			}
			consWG.Add(1)
			go func() {
				defer consWG.Done()
				for {
					select {
					case <-drained:
						if status, body, err := call("DELETE", base, "", ""); err != nil || status != 204 {
							t.Errorf("delete %s: %d %s %v", name, status, body, err)
						}
						return
					default:
					}
					fetch(g, name, base)
				}
			}()
		}
		consWG.Add(1)
		go func() { // churn
			defer consWG.Done()
			for n := 0; ; n++ {
				select {
				case <-drained:
					return
				default:
				}
				name := fmt.Sprintf("%s-churn-%d", gname, n)
				base, err := create(gname, name)
				if err != nil {
					t.Error(err)
					return
				}
				start := time.Now()
				for time.Since(start) < time.Second {
					fetch(g, name, base)
				}
				if status, body, err := call("DELETE", base, "", ""); err != nil || status != 204 {
					t.Errorf("delete %s: %d %s %v", name, status, body, err)
				}
				churned.Add(1)
			}
		}()
	}

	time.Sleep(d)
	close(stopProduce)
	prodWG.Wait()
	ackMu.Lock()
	ackedIDs := make([]string, 0, len(acked))
	for id := range acked {
		ackedIDs = append(ackedIDs, id)
	}
	ackMu.Unlock()
	// Drain: wait until both groups have every acknowledged id.
	drainStart := time.Now()
	for _, g := range groups {
		for _, id := range ackedIDs {
			for !g.seen(id) && time.Since(drainStart) < 60*time.Second {
				time.Sleep(100 * time.Millisecond)
			}
		}
	}
	drainTook := time.Since(drainStart)
	close(drained)
	consWG.Wait()

	// Check the groups.
	for gname, g := range groups {
		var lost, phantom, dups, sameInst, otherRecord int
		for _, id := range ackedIDs {
			if len(g.byID[id]) == 0 {
				lost++
				if lost <= 5 {
					t.Errorf("group %s never received acknowledged record %s", gname, id)
				}
			}
		}
		for id, ds := range g.byID {
			if !sent[id] {
				phantom++
				t.Errorf("group %s received %s, which was never produced", gname, id)
			}
			for i := 1; i < len(ds); i++ {
				dups++
				if ds[i].partition != ds[0].partition || ds[i].offset != ds[0].offset {
					otherRecord++
					t.Errorf("group %s: id %s delivered from two Kafka records: %v", gname, id, ds)
				}
				for _, prev := range ds[:i] {
					if prev.inst == ds[i].inst {
						sameInst++
						if sameInst <= 5 {
							t.Errorf("group %s: instance %s returned %s/%d@%d twice: %v", gname, prev.inst, topic, prev.partition, prev.offset, ds)
						}
						break
					}
				}
			}
		}
		t.Logf("group %s: %d deliveries of %d distinct ids; %d acknowledged ids lost, %d phantom, %d duplicate deliveries (%d from another record, %d by the same instance)",
			gname, g.total, len(g.byID), lost, phantom, dups, otherRecord, sameInst)
	}

	// Leftovers, after every instance is deleted.
	hc.CloseIdleConnections()
	var goroutines1 int
	var heap1 float64
	deadline := time.Now().Add(15 * time.Second)
	for {
		goroutines1, heap1 = runtime.NumGoroutine(), heapMiB()
		if goroutines1 <= goroutines0+20 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("produced: %d requests (%d failed), %d records acknowledged, %d failed per record", reqs.Load(), reqFails.Load(), len(ackedIDs), recFails.Load())
	t.Logf("consumers: %d churned instances, %d non-200 fetches, drain took %v", churned.Load(), fetchErrs.Load(), drainTook)
	t.Logf("goroutines: %d before, %d after; live heap: %.1f MiB before, %.1f MiB after", goroutines0, goroutines1, heap0, heap1)
	if goroutines1 > goroutines0+20 {
		buf := make([]byte, 1<<20)
		t.Errorf("goroutines %d after, %d before:\n%s", goroutines1, goroutines0, buf[:runtime.Stack(buf, true)])
	}
	if heap1 > heap0+64 {
		t.Errorf("live heap %.1f MiB after, %.1f MiB before", heap1, heap0)
	}
	if len(ackedIDs) == 0 {
		t.Fatal("nothing was produced")
	}
}
