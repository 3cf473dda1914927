package restapi

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/consumer"
)

// TestConsumerDrainTinyMaxBytes drains 500 records over 4 partitions with
// max_bytes smaller than one record: every fetch returns exactly one
// record, none is lost or repeated, and committing along the way never
// commits a record still buffered.
func TestConsumerDrainTinyMaxBytes(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.DisableAutoCommit = true })
	c.topic("drain", 4)
	const n = 500
	var recs []*kgo.Record
	for k := range n {
		recs = append(recs, &kgo.Record{Topic: "drain", Partition: int32(k % 4), Value: fmt.Appendf(nil, "value-%03d", k)})
	}
	c.produceRecords(recs...)

	inst := c.createConsumer("gdrain", `{"name": "d"}`)
	c.subscribe(inst, "drain")
	got := seen{}
	last := map[int32]int64{}
	fetches := 0
	for len(got) < n {
		batch := c.fetch(inst, "max_bytes=1&timeout=500")
		fetches++
		if fetches > 5*n {
			t.Fatalf("only %d of %d records after %d fetches", len(got), n, fetches)
		}
		if len(batch) > 1 {
			t.Fatalf("max_bytes=1 returned %d records", len(batch))
		}
		got.add(t, "d", batch)
		for _, r := range batch {
			if prev, ok := last[r.Partition]; ok && r.Offset != prev+1 {
				t.Fatalf("partition %d skipped from %d to %d", r.Partition, prev, r.Offset)
			}
			last[r.Partition] = r.Offset
			if !strings.HasPrefix(string(r.binaryValue(t)), "value-") {
				t.Fatalf("unexpected value %q", r.binaryValue(t))
			}
		}
		// Every 97 fetches, commit what was returned and check that the
		// commit is exactly the position: last returned + 1.
		if fetches%97 == 0 {
			c.call("POST", inst+"/offsets", `{}`).expectStatus(t, 204)
			for p, off := range last {
				if got := c.committedAt("gdrain", "drain", p); got != off+1 {
					t.Fatalf("partition %d committed %d, want %d (last returned + 1)", p, got, off+1)
				}
			}
		}
	}
	for p := int32(0); p < 4; p++ {
		if last[p] != n/4-1 {
			t.Errorf("partition %d ended at offset %d, want %d", p, last[p], n/4-1)
		}
	}
	if extra := c.fetch(inst, "timeout=100"); len(extra) != 0 {
		t.Fatalf("drained consumer returned %d more records", len(extra))
	}
}

// TestConsumerMaxBytes: records beyond max_bytes stay buffered; a record
// larger than max_bytes still comes alone.
func TestConsumerMaxBytes(t *testing.T) {
	c := newConsumerEnv(t, nil)
	c.topic("mb", 1)
	c.produceTo("mb", 0, strings.Repeat("a", 100), strings.Repeat("b", 100), strings.Repeat("c", 100), strings.Repeat("d", 1000), "e")
	inst := c.createConsumer("gmb", `{}`)
	c.assign(inst, "mb", 0)
	var sizes [][]int
	total := 0
	for total < 5 {
		batch := c.fetch(inst, "max_bytes=250&timeout=1000")
		var s []int
		for _, r := range batch {
			s = append(s, len(r.binaryValue(t)))
		}
		sizes = append(sizes, s)
		total += len(batch)
	}
	if got := fmt.Sprint(sizes); got != "[[100 100] [100] [1000] [1]]" {
		t.Fatalf("batches by value size = %s, want [[100 100] [100] [1000] [1]]", got)
	}
}

// TestConsumerFetchReturnsAsSoonAsRecordsArrive measures that a long-poll
// returns when a record is produced, long before its timeout, and that an
// empty answer takes the whole timeout.
func TestConsumerFetchReturnsAsSoonAsRecordsArrive(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.RequestTimeout = 10 * time.Second })
	c.topic("fast", 1)
	inst := c.createConsumer("gfast", `{}`)
	c.assign(inst, "fast", 0)

	start := time.Now()
	if recs := c.fetch(inst, "timeout=300"); len(recs) != 0 {
		t.Fatalf("empty topic returned %d records", len(recs))
	}
	if el := time.Since(start); el < 290*time.Millisecond || el > 3*time.Second {
		t.Fatalf("empty fetch with timeout=300 took %v", el)
	}

	done := make(chan []gotRecord, 1)
	var elapsed time.Duration
	go func() {
		start := time.Now()
		r := c.call("GET", inst+"/records?timeout=8000", "")
		elapsed = time.Since(start)
		var recs []gotRecord
		if r.status == 200 {
			_ = json.Unmarshal(r.body, &recs)
		}
		done <- recs
	}()
	time.Sleep(200 * time.Millisecond) // let the poll start waiting
	c.produceTo("fast", 0, "now")
	recs := <-done
	if len(recs) != 1 || string(recs[0].binaryValue(t)) != "now" {
		t.Fatalf("long-poll returned %+v", recs)
	}
	t.Logf("long-poll returned %v after it started (record produced at ~200ms; timeout 8s)", elapsed)
	if elapsed > 2*time.Second {
		t.Fatalf("long-poll took %v to return a record produced after 200ms", elapsed)
	}
}

func TestConsumerAutoOffsetReset(t *testing.T) {
	c := newConsumerEnv(t, nil)
	c.topic("reset", 1)
	c.produceTo("reset", 0, "old")

	early := c.createConsumer("greset-e", `{"auto.offset.reset": "earliest"}`)
	c.subscribe(early, "reset")
	late := c.createConsumer("greset-l", `{"auto.offset.reset": "latest"}`)
	c.subscribe(late, "reset")
	// The latest consumer must be in place before the new record is
	// produced: wait until it owns the partition and has looked once.
	eventually(t, "the latest consumer to be assigned", func() bool {
		return len(c.fetch(late, "timeout=50")) == 0 && len(c.assignment(late)) == 1
	})
	c.produceTo("reset", 0, "new")

	values := func(recs []gotRecord) string {
		var vs []string
		for _, r := range recs {
			vs = append(vs, string(r.binaryValue(t)))
		}
		return strings.Join(vs, ",")
	}
	if got := values(c.fetchUntil(early, "", func(all []gotRecord) bool { return len(all) >= 2 })); got != "old,new" {
		t.Errorf("earliest consumer read %s, want old,new", got)
	}
	if got := values(c.fetchUntil(late, "", func(all []gotRecord) bool { return len(all) >= 1 })); got != "new" {
		t.Errorf("latest consumer read %s, want new", got)
	}
}

func TestConsumerJSONFormat(t *testing.T) {
	c := newConsumerEnv(t, nil)
	c.topic("js", 2)
	c.produceRecords(
		&kgo.Record{Topic: "js", Partition: 0, Key: []byte(`"k"`), Value: []byte(` {"a" : [1, 2]} `)},
		&kgo.Record{Topic: "js", Partition: 0, Value: []byte(`not json`)},
		&kgo.Record{Topic: "js", Partition: 0, Value: []byte(`3`)},
		&kgo.Record{Topic: "js", Partition: 1, Key: []byte(`{bad`), Value: []byte(`true`)},
		&kgo.Record{Topic: "js", Partition: 1, Value: nil},
		&kgo.Record{Topic: "js", Partition: 1, Value: []byte{}},
	)
	inst := c.createConsumer("gjs", `{"format": "json"}`)
	c.assign(inst, "js", 0)
	accept := "Accept: application/vnd.kafka.json.v2+json"

	// The good record comes alone: the bad one after it is not lost.
	r := c.call("GET", inst+"/records?timeout=2000", "", accept).expectStatus(t, 200)
	if ct := r.header.Get("Content-Type"); ct != "application/vnd.kafka.json.v2+json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if !strings.HasPrefix(string(r.body), `[{"topic":"js","key":"k","value":{"a":[1,2]},"partition":0,"offset":0,"timestamp":`) || strings.Count(string(r.body), `"topic"`) != 1 {
		t.Fatalf("first fetch = %s", r.body)
	}
	// Now the bad record is first: 422 naming value, partition and offset,
	// as often as asked.
	for range 2 {
		msg := c.call("GET", inst+"/records", "", accept).expectError(t, 422, 422)
		if !strings.Contains(msg, "value deserialization error for format json") || !strings.Contains(msg, "partition 0, offset 1") {
			t.Fatalf("message %q does not name the value, partition and offset", msg)
		}
	}
	// Seeking past it resumes.
	c.call("POST", inst+"/positions", `{"offsets": [{"topic": "js", "partition": 0, "offset": 2}]}`).expectStatus(t, 204)
	if r := c.call("GET", inst+"/records?timeout=2000", "", accept).expectStatus(t, 200); !strings.Contains(string(r.body), `"value":3,"partition":0,"offset":2`) {
		t.Fatalf("after the seek: %s", r.body)
	}

	// A bad key is named as the key; nulls and empty values are null.
	c.assign(inst, "js", 1)
	msg := c.call("GET", inst+"/records?timeout=2000", "", accept).expectError(t, 422, 422)
	if !strings.Contains(msg, "key deserialization error for format json") || !strings.Contains(msg, "partition 1, offset 0") {
		t.Fatalf("message %q does not name the key", msg)
	}
	c.call("POST", inst+"/positions", `{"offsets": [{"topic": "js", "partition": 1, "offset": 1}]}`).expectStatus(t, 204)
	recs := c.fetchUntil(inst, "", func(all []gotRecord) bool { return len(all) >= 2 })
	for _, rec := range recs {
		if string(rec.Value) != "null" || string(rec.Key) != "null" {
			t.Errorf("offset %d: key %s value %s, want null null", rec.Offset, rec.Key, rec.Value)
		}
	}
}

func TestConsumerAcceptNegotiation(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.RequestTimeout = 50 * time.Millisecond })
	c.topic("acc", 1)
	inst := c.createConsumer("gacc", `{"format": "binary"}`)
	c.assign(inst, "acc", 0)
	for _, accept := range []string{"", "*/*", "application/json", "application/vnd.kafka.v2+json", "application/vnd.kafka.binary.v2+json", "application/vnd.kafka.json.v2+json;q=0.5, application/vnd.kafka.binary.v2+json"} {
		var hs []string
		if accept != "" {
			hs = append(hs, "Accept: "+accept)
		}
		r := c.call("GET", inst+"/records", "", hs...).expectStatus(t, 200)
		if ct := r.header.Get("Content-Type"); ct != "application/vnd.kafka.binary.v2+json" {
			t.Errorf("Accept %q: Content-Type %q", accept, ct)
		}
	}
	msg := c.call("GET", inst+"/records", "", "Accept: application/vnd.kafka.json.v2+json").expectError(t, 406, 40601)
	if msg != "Consumer format binary does not match the embedded format requested by the Accept header" {
		t.Errorf("message = %q", msg)
	}
	c.call("GET", inst+"/records", "", "Accept: text/html").expectError(t, 406, 406)
}

// TestConsumerLongPollBlocksOnlyItsInstance: while one instance long-polls,
// other instances, produce and metadata requests answer at once; a second
// request for the same instance waits for the poll (requests of one
// instance are serialised).
func TestConsumerLongPollBlocksOnlyItsInstance(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.RequestTimeout = 10 * time.Second })
	c.topic("busy", 1)
	c.topic("free", 1)
	a := c.createConsumer("gbusy", `{}`)
	c.assign(a, "busy", 0)
	b := c.createConsumer("gfree", `{}`)
	c.assign(b, "free", 0)

	const poll = 1500 * time.Millisecond
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.call("GET", a+"/records?timeout=1500", "")
	}()
	time.Sleep(100 * time.Millisecond) // a's poll holds a
	start := time.Now()
	c.call("POST", "/topics/free", `{"records": [{"value": "eA=="}]}`, "Content-Type: application/vnd.kafka.binary.v2+json").expectStatus(t, 200)
	c.call("GET", "/topics/free", "").expectStatus(t, 200)
	if recs := c.fetch(b, "timeout=5000"); len(recs) != 1 {
		t.Fatalf("b fetched %d records", len(recs))
	}
	c.createConsumer("gbusy", `{}`)
	if el := time.Since(start); el > poll/2 {
		t.Fatalf("requests beside a long-poll took %v", el)
	}
	start = time.Now()
	c.call("GET", a+"/subscription", "").expectStatus(t, 200)
	if el := time.Since(start); el < poll/2 {
		t.Fatalf("a second request for a long-polling instance took only %v: not serialised", el)
	}
	<-done
}
