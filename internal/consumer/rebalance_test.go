package consumer

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/testutil"
)

// TestRebalanceKeepsEveryRecordExactlyOnce: instance a returns records one
// at a time, so it always holds buffered records, while b joins the group
// and takes partitions away from it. Auto-commit commits a's position
// before the partitions go and a drops what it buffered for them; across
// both instances every record arrives exactly once.
func TestRebalanceKeepsEveryRecordExactlyOnce(t *testing.T) {
	cluster := testutil.NewCluster(t)
	addrs := cluster.ListenAddrs()
	testutil.CreateTopic(t, addrs, "rb", 4)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pr := testutil.NewClient(t, addrs, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	produce := func(from, to int) {
		var recs []*kgo.Record
		for p := range int32(4) {
			for k := from; k < to; k++ {
				recs = append(recs, &kgo.Record{Topic: "rb", Partition: p, Value: fmt.Appendf(nil, "%d-%d", p, k)})
			}
		}
		if err := pr.ProduceSync(ctx, recs...).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}

	r, err := New(Options{
		Kafka:             kafka.Options{Brokers: addrs, RequestTimeout: 10 * time.Second},
		SessionTimeout:    6 * time.Second,
		HeartbeatInterval: 50 * time.Millisecond,
		RequestTimeout:    50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	a, _ := r.Create("g", Config{Name: "a"})
	b, _ := r.Create("g", Config{Name: "b"})
	if err := a.Subscribe(ctx, []string{"rb"}); err != nil {
		t.Fatal(err)
	}

	seen := map[string]string{}
	fetch := func(inst *Instance, maxBytes int64) int {
		n := 0
		err := inst.Fetch(ctx, FetchOptions{Timeout: 5 * time.Millisecond, MaxBytes: maxBytes}, func(got []Record) (int, error) {
			for _, rec := range got {
				k := fmt.Sprintf("%d/%d", rec.Partition, rec.Offset)
				if prev, dup := seen[k]; dup {
					t.Errorf("%s received %s, already received by %s", inst.Name(), k, prev)
				}
				seen[k] = inst.Name()
			}
			n = len(got)
			return n, nil
		})
		if err != nil {
			t.Fatalf("%s: %v", inst.Name(), err)
		}
		return n
	}
	// a reads the first 5 records of every partition: each has a position.
	produce(0, 5)
	for len(seen) < 20 {
		fetch(a, 1<<20)
	}
	// Then it returns one record while it buffers the next 44 or so of
	// every partition.
	produce(5, 50)
	for len(seen) < 21 {
		fetch(a, 1)
	}
	for n, _ := a.st.buffered(); n < 170; n, _ = a.st.buffered() {
		// A fetch that consumes nothing only tops up the buffer.
		if err := a.Fetch(ctx, FetchOptions{Timeout: 5 * time.Millisecond}, func([]Record) (int, error) { return 0, nil }); err != nil {
			t.Fatal(err)
		}
		if ctx.Err() != nil {
			t.Fatalf("a buffered only %d records: the test would prove little", n)
		}
	}
	// b joins and takes partitions away from a, with records a returned
	// (their positions must be committed first) and records a buffered
	// (which a must drop).
	if err := b.Subscribe(ctx, []string{"rb"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	split, idle := false, 0
	for idle < 5 && !t.Failed() { // until both have nothing more to give
		if time.Now().After(deadline) {
			t.Fatalf("received %d of 200 records by the deadline", len(seen))
		}
		if fetch(a, 16)+fetch(b, 1<<20) == 0 && len(seen) == 200 {
			idle++
		}
		pa, _ := a.Assignment(ctx)
		pb, _ := b.Assignment(ctx)
		split = split || (len(pa) > 0 && len(pb) > 0)
	}
	if len(seen) != 200 {
		t.Fatalf("received %d of 200 records", len(seen))
	}
	if !split {
		t.Fatal("the group never split the partitions")
	}
}
