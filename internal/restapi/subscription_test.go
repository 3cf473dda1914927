package restapi

import (
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/consumer"
)

// TestConsumerPatternSubscription: a pattern picks up the matching topics,
// including one created after subscribing, and no others.
func TestConsumerPatternSubscription(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) {
		o.RequestTimeout = 100 * time.Millisecond
		// Instances find new topics when they refresh their metadata.
		o.Kafka.Extra = append(o.Kafka.Extra, kgo.MetadataMinAge(50*time.Millisecond), kgo.MetadataMaxAge(200*time.Millisecond))
	})
	for _, topic := range []string{"pat-a", "pat-b", "other", "xpat-c"} {
		c.topic(topic, 1)
		c.produceTo(topic, 0, topic)
	}
	inst := c.createConsumer("gpat", `{}`)
	c.call("POST", inst+"/subscription", `{"topic_pattern": "pat-.*"}`).expectStatus(t, 204)

	topicsOf := func(recs []gotRecord) []string {
		var ts []string
		for _, r := range recs {
			ts = append(ts, r.Topic)
		}
		slices.Sort(ts)
		return slices.Compact(ts)
	}
	recs := c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 2 })
	if got := topicsOf(recs); !slices.Equal(got, []string{"pat-a", "pat-b"}) {
		t.Fatalf("pattern read topics %v", got)
	}
	if got := c.call("GET", inst+"/subscription", "").expectStatus(t, 200); string(got.body) != `{"topics":["pat-a","pat-b"]}` {
		t.Fatalf("subscription = %s", got.body)
	}

	c.topic("pat-late", 1)
	c.produceTo("pat-late", 0, "late")
	more := c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 1 })
	if got := topicsOf(more); !slices.Equal(got, []string{"pat-late"}) {
		t.Fatalf("after creating pat-late read topics %v", got)
	}
	if got := c.call("GET", inst+"/subscription", "").expectStatus(t, 200); string(got.body) != `{"topics":["pat-a","pat-b","pat-late"]}` {
		t.Fatalf("subscription = %s", got.body)
	}

	// A new subscription replaces the pattern.
	c.subscribe(inst, "other")
	if got := topicsOf(c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 1 })); !slices.Equal(got, []string{"other"}) {
		t.Fatalf("after subscribing to other read topics %v", got)
	}
}
