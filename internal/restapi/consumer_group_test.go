package restapi

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/krest-dev/krest/internal/consumer"
)

// assignment returns an instance's partitions of topic.
func (c *cenv) assignment(inst string) []int32 {
	c.t.Helper()
	var a struct {
		Partitions []struct {
			Topic     string `json:"topic"`
			Partition int32  `json:"partition"`
		} `json:"partitions"`
	}
	r := c.call("GET", inst+"/assignments", "").expectStatus(c.t, 200)
	if err := json.Unmarshal(r.body, &a); err != nil {
		c.t.Fatal(err)
	}
	var out []int32
	for _, p := range a.Partitions {
		out = append(out, p.Partition)
	}
	return out
}

// seen tracks records received, failing on a duplicate.
type seen map[string]bool

func (s seen) add(t *testing.T, who string, recs []gotRecord) {
	t.Helper()
	for _, r := range recs {
		k := fmt.Sprintf("%s/%d/%d", r.Topic, r.Partition, r.Offset)
		if s[k] {
			t.Fatalf("%s received %s twice", who, k)
		}
		s[k] = true
	}
}

// TestConsumerGroupSharesPartitions: two instances of one group split the
// partitions; with auto-commit, the partitions one gives up in the
// rebalance are committed at its position, so across both instances every
// record arrives exactly once; when one instance is deleted the other takes
// over every partition and reads the rest.
func TestConsumerGroupSharesPartitions(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.RequestTimeout = 200 * time.Millisecond })
	c.topic("shared", 4)
	produceRound := func(round int) {
		for p := int32(0); p < 4; p++ {
			c.produceTo("shared", p, "r"+strconv.Itoa(round)+"p"+strconv.Itoa(int(p)))
		}
	}
	produceRound(0)

	a := c.createConsumer("gshare", `{"name": "a"}`)
	c.subscribe(a, "shared")
	got := seen{}
	got.add(t, "a", c.fetchUntil(a, "", func(all []gotRecord) bool { return len(all) >= 4 }))

	b := c.createConsumer("gshare", `{"name": "b"}`)
	c.subscribe(b, "shared")
	// Both keep polling (a REST client's loop) until the group has split
	// the partitions between them.
	eventually(t, "the partitions to be split", func() bool {
		got.add(t, "a", c.fetch(a, "timeout=50"))
		got.add(t, "b", c.fetch(b, "timeout=50"))
		pa, pb := c.assignment(a), c.assignment(b)
		return len(pa) > 0 && len(pb) > 0 && len(pa)+len(pb) == 4
	})
	pa, pb := c.assignment(a), c.assignment(b)
	for _, p := range pa {
		for _, q := range pb {
			if p == q {
				t.Fatalf("partition %d assigned to both: %v %v", p, pa, pb)
			}
		}
	}

	produceRound(1)
	eventually(t, "round 1 to arrive", func() bool {
		got.add(t, "a", c.fetch(a, "timeout=50"))
		got.add(t, "b", c.fetch(b, "timeout=50"))
		return len(got) == 8
	})

	c.call("DELETE", a, "").expectStatus(t, 204)
	produceRound(2)
	eventually(t, "b to own every partition and read round 2", func() bool {
		got.add(t, "b", c.fetch(b, "timeout=50"))
		return len(got) == 12 && len(c.assignment(b)) == 4
	})
	if n := c.groupMembers("gshare"); n != 1 {
		t.Fatalf("group has %d members after a left, want 1", n)
	}
}
