package restapi

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/krest-dev/krest/internal/consumer"
)

// TestConsumerExplicitCommit: the request names the last consumed offset,
// so offset+1 is committed (Karapace's test_offsets); GET offsets reports
// -1 where nothing is committed.
func TestConsumerExplicitCommit(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.DisableAutoCommit = true })
	c.topic("commit", 2)
	inst := c.createConsumer("gcommit", `{}`)
	// Nothing consumed yet: committing everything is a no-op, not an error.
	c.call("POST", inst+"/offsets", ``).expectStatus(t, 204)
	c.call("POST", inst+"/offsets", `{"offsets": []}`).expectStatus(t, 204)
	c.subscribe(inst, "commit")
	for _, off := range []int{0, 1, 41} {
		c.call("POST", inst+"/offsets", `{"offsets": [{"topic": "commit", "partition": 0, "offset": `+itoa(off)+`}]}`).expectStatus(t, 204)
		if got := c.committedAt("gcommit", "commit", 0); got != int64(off+1) {
			t.Fatalf("commit %d: Kafka has %d, want %d", off, got, off+1)
		}
	}
	got := c.call("GET", inst+"/offsets", `{"partitions": [{"topic": "commit", "partition": 1}, {"topic": "commit", "partition": 0}]}`).expectStatus(t, 200)
	if want := `{"offsets":[{"topic":"commit","partition":1,"offset":-1,"metadata":""},{"topic":"commit","partition":0,"offset":42,"metadata":""}]}`; string(got.body) != want {
		t.Fatalf("GET offsets = %s, want %s", got.body, want)
	}
}

// TestConsumerAutoCommitsOnlyReturnedRecords: with auto-commit, what is
// committed is the position after the last record returned, never records
// still buffered; deleting the instance commits its final position.
func TestConsumerAutoCommitsOnlyReturnedRecords(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.AutoCommitInterval = time.Nanosecond }) // every records request auto-commits first
	c.topic("auto", 1)
	c.produceTo("auto", 0, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	inst := c.createConsumer("gauto", `{"auto.commit.enable": "true"}`)
	c.subscribe(inst, "auto")
	first := c.fetchUntil(inst, "max_bytes=1", func(all []gotRecord) bool { return len(all) > 0 })
	if len(first) != 1 || first[0].Offset != 0 {
		t.Fatalf("first fetch: %s", offsetsOf(first))
	}
	// The next fetch starts by auto-committing what the client has: 1.
	if recs := c.fetch(inst, "max_bytes=1"); len(recs) != 1 || recs[0].Offset != 1 {
		t.Fatalf("second fetch: %s", offsetsOf(recs))
	}
	if got := c.committedAt("gauto", "auto", 0); got != 1 {
		t.Fatalf("auto-committed %d, want 1 (records 2-9 are only buffered)", got)
	}
	c.call("DELETE", inst, "").expectStatus(t, 204)
	if got := c.committedAt("gauto", "auto", 0); got != 2 {
		t.Fatalf("committed %d after delete, want 2", got)
	}
	// A new instance resumes right there.
	next := c.createConsumer("gauto", `{}`)
	c.subscribe(next, "auto")
	if recs := c.fetchUntil(next, "", func(all []gotRecord) bool { return len(all) >= 8 }); recs[0].Offset != 2 || len(recs) != 8 {
		t.Fatalf("next instance read %s", offsetsOf(recs))
	}
}

// TestConsumerManualAssignmentUsesGroupOffsets: an assignment starts at the
// group's committed offset and commits back to the group (a standalone
// commit: the group has no members).
func TestConsumerManualAssignmentUsesGroupOffsets(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.DisableAutoCommit = true })
	c.topic("manual", 1)
	c.produceTo("manual", 0, "a", "b", "c", "d", "e")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	os := make(kadm.Offsets)
	os.Add(kadm.Offset{Topic: "manual", Partition: 0, At: 3, LeaderEpoch: -1})
	if err := c.adm.CommitAllOffsets(ctx, "gmanual", os); err != nil {
		t.Fatal(err)
	}
	inst := c.createConsumer("gmanual", `{}`)
	c.assign(inst, "manual", 0)
	if got := offsetsOf(c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 2 })); got != "0/3 0/4" {
		t.Fatalf("assigned instance read %s, want 0/3 0/4", got)
	}
	c.call("POST", inst+"/offsets", ``).expectStatus(t, 204)
	if got := c.committedAt("gmanual", "manual", 0); got != 5 {
		t.Fatalf("committed %d, want 5", got)
	}
	c.call("POST", inst+"/offsets", `{"offsets": [{"topic": "manual", "partition": 0, "offset": 0}]}`).expectStatus(t, 204)
	if got := c.committedAt("gmanual", "manual", 0); got != 1 {
		t.Fatalf("committed %d, want 1", got)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
