package restapi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/krest-dev/krest/internal/consumer"
)

func offsetsOf(recs []gotRecord) string {
	var parts []string
	for _, r := range recs {
		parts = append(parts, fmt.Sprintf("%d/%d", r.Partition, r.Offset))
	}
	return strings.Join(parts, " ")
}

// TestConsumerSeekManualAssignment: seek, re-read, beginning and end on a
// manually assigned instance, where a seek rebuilds the client.
func TestConsumerSeekManualAssignment(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.DisableAutoCommit = true })
	c.topic("seek", 2)
	for p := int32(0); p < 2; p++ {
		c.produceTo("seek", p, "a", "b", "c", "d", "e")
	}
	inst := c.createConsumer("gseek", `{}`)
	c.assign(inst, "seek", 0, 1)
	all := c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 10 })
	if len(all) != 10 {
		t.Fatalf("read %d records, want 10", len(all))
	}
	seekTo := func(body string) {
		t.Helper()
		c.call("POST", inst+"/positions", body).expectStatus(t, 204)
	}
	// Re-read partition 0 from offset 3; partition 1 has nothing new.
	seekTo(`{"offsets": [{"topic": "seek", "partition": 0, "offset": 3}]}`)
	if got := offsetsOf(c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 2 })); got != "0/3 0/4" {
		t.Fatalf("after seeking to 3: %s", got)
	}
	// Seeking while records are buffered drops only that partition's.
	seekTo(`{"offsets": [{"topic": "seek", "partition": 0, "offset": 0}, {"topic": "seek", "partition": 1, "offset": 2}]}`)
	first := c.fetch(inst, "max_bytes=1&timeout=2000") // buffers the rest
	seekTo(`{"offsets": [{"topic": "seek", "partition": 1, "offset": 4}]}`)
	rest := c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(first)+len(all) >= 6 })
	got := map[int32][]int64{}
	for _, r := range append(first, rest...) {
		got[r.Partition] = append(got[r.Partition], r.Offset)
	}
	if fmt.Sprint(got[0]) != "[0 1 2 3 4]" {
		t.Errorf("partition 0 after seek to 0: %v", got[0])
	}
	if p1 := fmt.Sprint(got[1]); p1 != "[4]" && p1 != "[2 4]" {
		t.Errorf("partition 1 after seeks to 2 then 4: %v, want [4] (or [2 4] if 2 was returned first)", got[1])
	}

	c.call("POST", inst+"/positions/beginning", `{"partitions": [{"topic": "seek", "partition": 1}]}`).expectStatus(t, 204)
	if got := offsetsOf(c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 5 })); got != "1/0 1/1 1/2 1/3 1/4" {
		t.Fatalf("after seeking to the beginning: %s", got)
	}
	c.call("POST", inst+"/positions/end", `{"partitions": [{"topic": "seek", "partition": 0}, {"topic": "seek", "partition": 1}]}`).expectStatus(t, 204)
	if recs := c.fetch(inst, "timeout=200"); len(recs) != 0 {
		t.Fatalf("after seeking to the end: %s", offsetsOf(recs))
	}
	c.produceTo("seek", 1, "f")
	if got := offsetsOf(c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 1 })); got != "1/5" {
		t.Fatalf("new record after seeking to the end: %s", got)
	}
	// A seek target is the position "commit everything fetched" commits.
	seekTo(`{"offsets": [{"topic": "seek", "partition": 0, "offset": 2}]}`)
	c.call("POST", inst+"/offsets", `{}`).expectStatus(t, 204)
	if got := c.committedAt("gseek", "seek", 0); got != 2 {
		t.Fatalf("committed %d after seeking to 2, want 2", got)
	}

	// Partitions not assigned: 409, and nothing moves.
	c.assign(inst, "seek", 1)
	for _, req := range [][2]string{
		{"/positions", `{"offsets": [{"topic": "seek", "partition": 1, "offset": 0}, {"topic": "seek", "partition": 0, "offset": 0}]}`},
		{"/positions/beginning", `{"partitions": [{"topic": "seek", "partition": 0}]}`},
		{"/positions/end", `{"partitions": [{"topic": "seek", "partition": 0}]}`},
	} {
		c.call("POST", inst+req[0], req[1]).expectError(t, 409, 40903)
	}
}

// TestConsumerSeekSubscribed: seeks on partitions the group assigned, and
// 409 for a partition the group gave to another member.
func TestConsumerSeekSubscribed(t *testing.T) {
	c := newConsumerEnv(t, nil)
	c.topic("gseek", 1)
	c.topic("other", 1)
	c.produceTo("gseek", 0, "a", "b", "c")
	inst := c.createConsumer("ggseek", `{}`)
	c.subscribe(inst, "gseek")
	c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 3 })
	c.call("POST", inst+"/positions", `{"offsets": [{"topic": "gseek", "partition": 0, "offset": 1}]}`).expectStatus(t, 204)
	if got := offsetsOf(c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 2 })); got != "0/1 0/2" {
		t.Fatalf("after seeking to 1: %s", got)
	}
	c.call("POST", inst+"/positions/beginning", `{"partitions": [{"topic": "gseek", "partition": 0}]}`).expectStatus(t, 204)
	if got := offsetsOf(c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 3 })); got != "0/0 0/1 0/2" {
		t.Fatalf("after seeking to the beginning: %s", got)
	}
	c.call("POST", inst+"/positions/end", `{"partitions": [{"topic": "gseek", "partition": 0}]}`).expectStatus(t, 204)
	if recs := c.fetch(inst, "timeout=200"); len(recs) != 0 {
		t.Fatalf("after seeking to the end: %s", offsetsOf(recs))
	}
	msg := c.call("POST", inst+"/positions", `{"offsets": [{"topic": "other", "partition": 0, "offset": 0}]}`).expectError(t, 409, 40903)
	if !strings.Contains(msg, "partition 0 of topic other is not assigned") {
		t.Errorf("message = %q", msg)
	}
}

// TestConsumerReassignKeepsPositions: a partition that stays in a new
// assignment continues where the client stands (nothing committed here).
func TestConsumerReassignKeepsPositions(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.DisableAutoCommit = true })
	c.topic("reassign", 2)
	c.produceTo("reassign", 0, "a", "b", "c", "d")
	c.produceTo("reassign", 1, "x")
	inst := c.createConsumer("greassign", `{}`)
	c.assign(inst, "reassign", 0)
	first := c.fetchUntil(inst, "max_bytes=1", func(all []gotRecord) bool { return len(all) >= 2 })
	c.assign(inst, "reassign", 0, 1)
	rest := c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 3 })
	got := map[int32][]int64{}
	for _, r := range append(first, rest...) {
		got[r.Partition] = append(got[r.Partition], r.Offset)
	}
	if fmt.Sprint(got) != "map[0:[0 1 2 3] 1:[0]]" {
		t.Fatalf("read %v, want map[0:[0 1 2 3] 1:[0]]", got)
	}
}
