package restapi

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/krest-dev/krest/internal/consumer"
)

// TestConsumerExpiryAndNoLeaks: instances without requests for
// consumer_instance_timeout_ms are closed and leave their group; deleted
// and expired instances leave no goroutine behind.
func TestConsumerExpiryAndNoLeaks(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) {
		o.InstanceTimeout = 400 * time.Millisecond
		o.RequestTimeout = 100 * time.Millisecond
	})
	c.topic("leak", 2)

	// One full round first, so the connections and goroutines that the
	// shared clients, kfake and the group keep for the rest of the test
	// exist before the baseline.
	lifecycle := func(name string, subscribe bool) string {
		c.produceTo("leak", 0, name)
		c.produceTo("leak", 1, name)
		inst := c.createConsumer("gleak", `{"name": "`+name+`"}`)
		if subscribe {
			c.subscribe(inst, "leak")
		} else {
			c.assign(inst, "leak", 0, 1)
		}
		c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) > 0 })
		if subscribe { // a standalone commit fails while the group has members
			c.call("POST", inst+"/offsets", `{}`).expectStatus(t, 204)
		}
		c.call("GET", inst+"/offsets", `{"partitions": [{"topic": "leak", "partition": 0}]}`).expectStatus(t, 200)
		c.call("POST", inst+"/positions/beginning", `{"partitions": [{"topic": "leak", "partition": 0}]}`).expectStatus(t, 204)
		return inst
	}
	c.call("DELETE", lifecycle("warm", true), "").expectStatus(t, 204)
	c.call("DELETE", lifecycle("warm2", false), "").expectStatus(t, 204)
	c.call("GET", "/topics/leak", "").expectStatus(t, 200)
	eventually(t, "the group to be empty", func() bool { return c.groupMembers("gleak") == 0 })
	baseline := goleak.IgnoreCurrent()

	for _, name := range []string{"d1", "d2"} {
		c.call("DELETE", lifecycle(name, name == "d1"), "").expectStatus(t, 204)
	}
	expiring := []string{lifecycle("x1", true), lifecycle("x2", false)}
	kept := lifecycle("kept", false)
	// kept stays alive by being used; the others expire.
	eventually(t, "idle instances to expire", func() bool {
		c.fetch(kept, "timeout=10")
		return c.reg.Len() == 1
	})
	for _, inst := range expiring {
		c.call("GET", inst+"/records", "").expectError(t, 404, 40403)
	}
	c.call("DELETE", kept, "").expectStatus(t, 204)
	eventually(t, "the group to be empty", func() bool { return c.groupMembers("gleak") == 0 })
	// kfake starts a goroutine per read on every connection, so the shared
	// clients' long-lived connections show new ones; a leaked instance
	// would also leave franz-go's client goroutines, which are not ignored.
	goleak.VerifyNone(t, baseline, goleak.IgnoreAnyFunction("github.com/twmb/franz-go/pkg/kfake.(*clientConn).read.func1"))
}

// TestConsumerDeleteDuringLongPoll: deleting an instance ends a records
// request waiting on it at once (404), and the delete does not wait for the
// poll's timeout.
func TestConsumerDeleteDuringLongPoll(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.RequestTimeout = 30 * time.Second })
	c.topic("lp", 1)
	inst := c.createConsumer("glp", `{}`)
	c.assign(inst, "lp", 0)
	done := make(chan reply, 1)
	go func() { done <- c.call("GET", inst+"/records?timeout=30000", "") }()
	time.Sleep(200 * time.Millisecond) // the poll holds the instance
	start := time.Now()
	c.call("DELETE", inst, "").expectStatus(t, 204)
	r := <-done
	if el := time.Since(start); el > 5*time.Second {
		t.Fatalf("delete and poll took %v", el)
	}
	r.expectError(t, 404, 40403)
}

// TestConsumerRegistryCloseLeavesGroups: shutting the registry down commits
// positions (auto-commit), leaves the groups and refuses new instances.
func TestConsumerRegistryCloseLeavesGroups(t *testing.T) {
	c := newConsumerEnv(t, nil)
	c.topic("bye", 1)
	c.produceTo("bye", 0, "a", "b", "c")
	inst := c.createConsumer("gbye", `{}`)
	c.subscribe(inst, "bye")
	c.fetchUntil(inst, "max_bytes=1", func(all []gotRecord) bool { return len(all) >= 2 })
	ctx, cancel := testContext()
	defer cancel()
	c.reg.Close(ctx)
	if n := c.groupMembers("gbye"); n != 0 {
		t.Fatalf("group has %d members after Close", n)
	}
	if got := c.committedAt("gbye", "bye", 0); got != 2 {
		t.Fatalf("committed %d at Close, want 2 (records returned; the third was only buffered)", got)
	}
	c.call("GET", inst+"/records", "").expectError(t, 404, 40403)
	c.call("POST", "/consumers/gbye", `{}`).expectError(t, 503, 503)
	c.call("HEAD", "/consumers/gbye/instances/x/records", "").expectStatus(t, 405)
}
