package kafka

import (
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/krest-dev/krest/internal/testutil"
)

// TestMetaCacheRefreshesOnMiss checks that a topic or partition created
// behind the cache's back is found at once, even with a long cache age, and
// that a topic that does not exist is reported as unknown.
func TestMetaCacheRefreshesOnMiss(t *testing.T) {
	t.Parallel()
	k, c := newTestClient(t, Options{TopicCacheAge: time.Hour})
	if _, err := k.Metadata(testCtx(t), false); err != nil { // warm the cache
		t.Fatal(err)
	}
	testutil.CreateTopic(t, c.ListenAddrs(), "new", 1)
	tp, err := k.Topic(testCtx(t), "new")
	if err != nil || tp.Name != "new" || len(tp.Partitions) != 1 {
		t.Fatalf("Topic(new) = %+v, %v; want the new topic", tp, err)
	}
	if cl, _ := k.Metadata(testCtx(t), false); cl.Topics["new"] == nil {
		t.Error("the refreshed topic was not merged into the cached snapshot")
	}
	if _, err := k.Topic(testCtx(t), "nope"); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("Topic(nope) err = %v, want ErrUnknownTopic", err)
	}
	if _, _, err := k.Partition(testCtx(t), "new", 1); !errors.Is(err, ErrUnknownPartition) {
		t.Errorf("Partition(new, 1) err = %v, want ErrUnknownPartition", err)
	}
	if _, _, err := k.Partition(testCtx(t), "new", -1); !errors.Is(err, ErrUnknownPartition) {
		t.Errorf("Partition(new, -1) err = %v, want ErrUnknownPartition", err)
	}
	if _, _, err := k.Partition(testCtx(t), "nope", 0); !errors.Is(err, ErrUnknownTopic) {
		t.Errorf("Partition(nope, 0) err = %v, want ErrUnknownTopic", err)
	}
	if _, err := k.Admin().CreatePartitions(testCtx(t), 2, "new"); err != nil {
		t.Fatal(err)
	}
	_, p, err := k.Partition(testCtx(t), "new", 2)
	if err != nil || p.Partition != 2 || p.Leader < 0 {
		t.Fatalf("Partition(new, 2) after adding partitions = %+v, %v", p, err)
	}
	if tp, _ := k.Topic(testCtx(t), "new"); len(tp.Partitions) != 3 {
		t.Errorf("the cached topic has %d partitions, want 3", len(tp.Partitions))
	}
}

// TestMetaCacheAge checks TopicCacheAge: 0 asks Kafka on every lookup, a
// positive age serves the snapshot until it is that old, and fresh always
// asks.
func TestMetaCacheAge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		age        time.Duration
		wantCached int // all-topic requests for three snapshots and three topic lookups
	}{
		{"zero-always-asks", 0, 6},
		{"one-hour-asks-once", time.Hour, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, c := newTestClient(t, Options{TopicCacheAge: tc.age})
			testutil.CreateTopic(t, c.ListenAddrs(), "t", 1)
			ct := count(c, kmsg.Metadata)
			for range 3 {
				if _, err := k.Metadata(testCtx(t), false); err != nil {
					t.Fatal(err)
				}
				if _, err := k.Topic(testCtx(t), "t"); err != nil {
					t.Fatal(err)
				}
			}
			if n, all := ct.get(); all != tc.wantCached || n != all {
				t.Errorf("%d metadata requests, %d for all topics; want %d, all for all topics", n, all, tc.wantCached)
			}
			if _, err := k.Metadata(testCtx(t), true); err != nil {
				t.Fatal(err)
			}
			if _, all := ct.get(); all != tc.wantCached+1 {
				t.Errorf("a fresh snapshot did not ask Kafka")
			}
		})
	}
}

// TestMetaCacheCoalesces checks that concurrent refreshes while one is in
// flight share its answer: ten callers, one Metadata request.
func TestMetaCacheCoalesces(t *testing.T) {
	t.Parallel()
	k, c := newTestClient(t, Options{})
	ct := count(c, kmsg.Metadata)
	inFlight, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	c.ControlKey(int16(kmsg.Metadata), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		once.Do(func() {
			close(inFlight)
			c.SleepControl(func() { <-release })
		})
		return nil, nil, false
	})
	const callers = 10
	var wg sync.WaitGroup
	got := make([]*Cluster, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = k.Metadata(testCtx(t), true)
		}()
	}
	<-inFlight
	waitInSnapshot(t, callers) // the others queue behind the one in flight
	close(release)
	wg.Wait()
	for i := range callers {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if got[i] != got[0] {
			t.Errorf("caller %d got another snapshot than caller 0", i)
		}
	}
	if _, all := ct.get(); all != 1 {
		t.Errorf("%d callers made %d metadata requests, want 1", callers, all)
	}
}

// TestTopicHidden checks which topics listings leave out: Kafka's internal
// ones and the schema registry's storage topic.
func TestTopicHidden(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]bool{
		"_schemas": true, "__consumer_offsets": true, "__foo": true,
		"_single": false, "schemas": false, "t": false, "x__y": false,
	} {
		if got := (&Topic{Name: name}).Hidden(); got != want {
			t.Errorf("Topic %q Hidden = %v, want %v", name, got, want)
		}
	}
	if !(&Topic{Name: "plain", Internal: true}).Hidden() {
		t.Error("a topic Kafka marks internal is not hidden")
	}
}

// waitInSnapshot waits until n goroutines are inside metaCache.snapshot.
func waitInSnapshot(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := strings.Count(string(buf[:runtime.Stack(buf, true)]), "(*metaCache).snapshot(")
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines in snapshot after 10 s, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
