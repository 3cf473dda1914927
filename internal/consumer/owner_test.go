package consumer

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/testutil"
)

// TestRegistryKeysInstancesByOwner: an owner's instances are invisible to
// other owners (40403, not 403: no information leak), and two owners may
// use the same name in the same group.
func TestRegistryKeysInstancesByOwner(t *testing.T) {
	r, err := New(offlineOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	a, err := r.Create("g", Config{Name: "c", Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Create("g", Config{Name: "c", Owner: "bob"})
	if err != nil {
		t.Fatalf("same name for another owner: %v", err)
	}
	if a == b || a.Owner() != "alice" || b.Owner() != "bob" {
		t.Fatal("owners mixed up")
	}
	if _, err := r.Create("g", Config{Name: "c", Owner: "alice"}); codeOf(err) != apierr.ConsumerAlreadyExists {
		t.Fatalf("duplicate for the same owner: %v, want 40902", err)
	}
	if got, err := r.Lookup("alice", "g", "c"); err != nil || got != a {
		t.Fatalf("alice's lookup: %v", err)
	}
	if r.Exists("mallory", "g", "c") || !r.Exists("bob", "g", "c") {
		t.Fatal("Exists ignores the owner")
	}
	for _, owner := range []string{"mallory", ""} {
		if _, err := r.Lookup(owner, "g", "c"); codeOf(err) != apierr.ConsumerInstanceNotFound {
			t.Fatalf("lookup by %q: %v, want 40403", owner, err)
		}
		if err := r.Delete(t.Context(), owner, "g", "c"); codeOf(err) != apierr.ConsumerInstanceNotFound {
			t.Fatalf("delete by %q: %v, want 40403", owner, err)
		}
	}
	if err := r.Delete(t.Context(), "bob", "g", "c"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Lookup("alice", "g", "c"); err != nil {
		t.Fatalf("bob's delete removed alice's instance: %v", err)
	}
}

func TestRegistryCapsInstancesPerOwner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := offlineOptions()
		o.MaxInstancesPerOwner = 2
		o.MaxInstances = 5
		r, err := New(o)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close(context.Background())
		for _, g := range []string{"g1", "g2"} {
			if _, err := r.Create(g, Config{Owner: "alice"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := r.Create("g3", Config{Owner: "alice"}); codeOf(err) != apierr.TooManyRequests {
			t.Fatalf("third of alice's: %v, want 429", err)
		}
		if _, err := r.Create("g3", Config{Owner: "bob"}); err != nil {
			t.Fatalf("bob is not capped by alice's instances: %v", err)
		}
		// Without an owner (no rest_authorization) only the total applies.
		for range 2 {
			if _, err := r.Create("g", Config{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := r.Create("g4", Config{Owner: "carol"}); codeOf(err) != apierr.TooManyRequests {
			t.Fatalf("beyond the total: %v, want 429", err)
		}
		// Deleting and reaping give the owner's slots back.
		if err := r.Delete(t.Context(), "", "g", mustName(t, r, "", "g")); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Create("g3", Config{Name: "x", Owner: "alice"}); codeOf(err) != apierr.TooManyRequests {
			t.Fatalf("alice still has two: %v, want 429", err)
		}
		time.Sleep(2 * time.Minute) // every instance expires
		synctest.Wait()
		if n := r.Len(); n != 0 {
			t.Fatalf("%d instances after expiry", n)
		}
		for _, g := range []string{"g1", "g2"} {
			if _, err := r.Create(g, Config{Owner: "alice"}); err != nil {
				t.Fatalf("after expiry: %v", err)
			}
		}
	})
}

func mustName(t *testing.T, r *Registry, owner, group string) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.instances {
		if k.owner == owner && k.group == group {
			return k.name
		}
	}
	t.Fatalf("no instance of %q in %s", owner, group)
	return ""
}

// TestInstanceActsWithItsOwnersCredentials: with Config.Kafka, every
// client of the instance — its consumer and the admin client of committed
// offsets, manual commits and seeks — authenticates as the owner; the
// registry's own client (here, a user without any ACL) is never used.
func TestInstanceActsWithItsOwnersCredentials(t *testing.T) {
	scram := func(u, p string) []kgo.Opt {
		m, err := kafka.NewSASL(kafka.MechScramSHA256, u, p)
		if err != nil {
			t.Fatal(err)
		}
		return kafka.SecurityOpts(nil, m)
	}
	allow := func(rt kmsg.ACLResourceType, name string, op kmsg.ACLOperation) kfake.ACL {
		return kfake.ACL{Resource: rt, Name: name, Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: op, Allow: true}
	}
	cluster := testutil.NewCluster(t, kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser("SCRAM-SHA-256", "admin", "admin-pw"),
		kfake.User("SCRAM-SHA-256", "alice", "alice-pw",
			allow(kmsg.ACLResourceTypeTopic, "t", kmsg.ACLOperationRead),
			allow(kmsg.ACLResourceTypeGroup, "g", kmsg.ACLOperationRead)),
		kfake.User("SCRAM-SHA-256", "nobody", "nobody-pw"),
		kfake.SeedTopics(1, "t"))
	addrs := cluster.ListenAddrs()
	admin := testutil.NewClient(t, addrs, scram("admin", "admin-pw")...)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := admin.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte("v0")}, &kgo.Record{Topic: "t", Value: []byte("v1")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	base := kafka.Options{Brokers: addrs, RequestTimeout: 10 * time.Second}
	nobody := base
	nobody.Extra = scram("nobody", "nobody-pw")
	r, err := New(Options{Kafka: nobody, RequestTimeout: 20 * time.Millisecond, AutoCommitInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	owner := base
	owner.Extra = scram("alice", "alice-pw")
	inst, err := r.Create("g", Config{Name: "c", Owner: "alice", Kafka: &owner})
	if err != nil {
		t.Fatal(err)
	}
	tp := TopicPartition{"t", 0}
	if err := inst.Assign(ctx, []TopicPartition{tp}); err != nil { // reads committed offsets
		t.Fatalf("assign: %v", err)
	}
	var got []string
	for len(got) < 2 && ctx.Err() == nil {
		if err := inst.Fetch(ctx, FetchOptions{Timeout: 100 * time.Millisecond, MaxBytes: -1}, func(rs []Record) (int, error) {
			for _, rec := range rs {
				got = append(got, string(rec.Value))
			}
			return len(rs), nil
		}); err != nil {
			t.Fatalf("fetch: %v", err)
		}
	}
	if err := inst.CommitFetched(ctx); err != nil { // a standalone commit: the admin client
		t.Fatalf("commit: %v", err)
	}
	if err := inst.SeekToBeginning(ctx, []TopicPartition{tp}); err != nil { // ListOffsets
		t.Fatalf("seek: %v", err)
	}
	c, err := inst.Committed(ctx, []TopicPartition{tp})
	if err != nil || len(c) != 1 || c[0].Offset != 2 {
		t.Fatalf("committed %+v, %v; want offset 2", c, err)
	}

	// The same requests through the registry's identity are refused: the
	// instance above really used alice's credentials.
	other, err := r.Create("g", Config{Name: "krest"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Committed(ctx, []TopicPartition{tp}); codeOf(err) != apierr.KafkaAuthorization {
		t.Fatalf("committed as the registry's user: %v, want 40301", err)
	}
}
