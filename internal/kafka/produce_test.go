package kafka

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/krest-dev/krest/internal/testutil"
)

// TestProduceOutOfRangePartitionFailsLocally checks that a record naming a
// partition beyond the known count fails without a round trip, while the
// others in the same call are written where they asked.
func TestProduceOutOfRangePartitionFailsLocally(t *testing.T) {
	t.Parallel()
	k, c := newTestClient(t, Options{Acks: -1})
	testutil.CreateTopic(t, c.ListenAddrs(), "t", 3)
	produces := count(c, kmsg.Produce)

	only := []Record{{Value: []byte("x"), Partition: 3}, {Value: []byte("y"), Partition: 99}}
	k.Produce(testCtx(t), "t", 3, only)
	for i, r := range only {
		if !errors.Is(r.Err, ErrPartitionOutOfRange) || !IsPartitionError(r.Err) || r.Offset != -1 {
			t.Errorf("record %d: err %v offset %d, want ErrPartitionOutOfRange and -1", i, r.Err, r.Offset)
		}
	}
	if n, _ := produces.get(); n != 0 {
		t.Errorf("%d produce requests for records that cannot be written", n)
	}

	mixed := []Record{
		{Value: []byte("a"), Partition: 2},
		{Value: []byte("b"), Partition: 5},
		{Key: []byte("k"), Value: []byte("c"), Partition: 0},
	}
	k.Produce(testCtx(t), "t", 3, mixed)
	if mixed[0].Err != nil || mixed[0].Partition != 2 || mixed[0].Offset != 0 {
		t.Errorf("record 0 = %+v, want partition 2 offset 0", mixed[0])
	}
	if !IsPartitionError(mixed[1].Err) || mixed[1].Partition != 5 {
		t.Errorf("record 1 = %+v, want a partition error naming partition 5", mixed[1])
	}
	if mixed[2].Err != nil || mixed[2].Partition != 0 || mixed[2].Offset != 0 {
		t.Errorf("record 2 = %+v, want partition 0 offset 0", mixed[2])
	}
}

// TestProduceStalePartitionCountIsAPartitionError checks the fallback when
// the caller's partition count is unknown (0): kgo refuses the record and
// IsPartitionError recognises its error.
func TestProduceStalePartitionCountIsAPartitionError(t *testing.T) {
	t.Parallel()
	k, c := newTestClient(t, Options{Acks: -1, RequestTimeout: 3 * time.Second})
	testutil.CreateTopic(t, c.ListenAddrs(), "t", 2)
	recs := []Record{{Value: []byte("a"), Partition: 7}, {Value: []byte("b"), Partition: 1}}
	k.Produce(testCtx(t), "t", 0, recs)
	if !IsPartitionError(recs[0].Err) || recs[0].Offset != -1 {
		t.Errorf("record 0: err %v offset %d, want a partition error", recs[0].Err, recs[0].Offset)
	}
	if recs[1].Err != nil || recs[1].Partition != 1 {
		t.Errorf("record 1 = %+v, want written to partition 1", recs[1])
	}
	if IsPartitionError(kerr.UnknownTopicOrPartition) || IsPartitionError(nil) {
		t.Error("IsPartitionError is true for an error that is not about the partition")
	}
}

// TestProduceResultsMatchKafka checks that every record learns the
// partition and offset Kafka gave it, in the caller's order, and that
// null/empty keys, values and headers reach Kafka as they were given.
func TestProduceResultsMatchKafka(t *testing.T) {
	t.Parallel()
	k, c := newTestClient(t, Options{Acks: -1})
	testutil.CreateTopic(t, c.ListenAddrs(), "t", 4)
	recs := []Record{
		{Key: []byte("k1"), Value: []byte("v1"), Partition: -1},
		{Key: nil, Value: nil, Partition: 3},
		{Key: []byte{}, Value: []byte{}, Partition: 3},
		{Value: []byte("h"), Partition: -1, Headers: []Header{{Key: "a", Value: []byte("1")}, {Key: "n"}, {Key: "e", Value: []byte{}}}},
		{Key: []byte("k1"), Value: []byte("v2"), Partition: -1},
	}
	k.Produce(testCtx(t), "t", 4, recs)
	for i, r := range recs {
		if r.Err != nil {
			t.Fatalf("record %d: %v", i, r.Err)
		}
	}
	if recs[1].Partition != 3 || recs[2].Partition != 3 || recs[2].Offset != recs[1].Offset+1 {
		t.Errorf("explicit records at %d/%d and %d/%d, want 3/n and 3/n+1", recs[1].Partition, recs[1].Offset, recs[2].Partition, recs[2].Offset)
	}
	if recs[0].Partition != recs[4].Partition {
		t.Errorf("same key on partitions %d and %d", recs[0].Partition, recs[4].Partition)
	}
	got := testutil.ReadAll(t, c.ListenAddrs(), "t", len(recs))
	at := map[[2]int64]*kgo.Record{}
	for _, r := range got {
		at[[2]int64{int64(r.Partition), r.Offset}] = r
	}
	same := func(a, b []byte) bool { return (a == nil) == (b == nil) && bytes.Equal(a, b) }
	for i, want := range recs {
		r := at[[2]int64{int64(want.Partition), want.Offset}]
		if r == nil {
			t.Fatalf("record %d reported at %d/%d, where Kafka has nothing", i, want.Partition, want.Offset)
		}
		if !same(r.Key, want.Key) || !same(r.Value, want.Value) {
			t.Errorf("record %d: Kafka has key %q value %q, want %q %q (nil vs empty matters)", i, r.Key, r.Value, want.Key, want.Value)
		}
		if len(r.Headers) != len(want.Headers) {
			t.Errorf("record %d: headers %v, want %v", i, r.Headers, want.Headers)
			continue
		}
		for j, h := range want.Headers {
			if r.Headers[j].Key != h.Key || !same(r.Headers[j].Value, h.Value) {
				t.Errorf("record %d header %d: %q=%q, want %q=%q", i, j, r.Headers[j].Key, r.Headers[j].Value, h.Key, h.Value)
			}
		}
	}
}

// TestProduceKafkaErrorsArePerRecord checks that a broker error reaches the
// records it concerns as the kerr error, with offset -1.
func TestProduceKafkaErrorsArePerRecord(t *testing.T) {
	t.Parallel()
	k, c := newTestClient(t, Options{Acks: -1})
	testutil.CreateTopic(t, c.ListenAddrs(), "t", 2)
	c.ControlKey(int16(kmsg.Produce), func(kreq kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := kreq.(*kmsg.ProduceRequest)
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic, st.TopicID = rt.Topic, rt.TopicID
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition = rp.Partition
				if rp.Partition == 1 {
					sp.ErrorCode = kerr.TopicAuthorizationFailed.Code
				}
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	recs := []Record{{Value: []byte("a"), Partition: 0}, {Value: []byte("b"), Partition: 1}}
	k.Produce(testCtx(t), "t", 2, recs)
	if recs[0].Err != nil || recs[0].Offset < 0 {
		t.Errorf("record 0 = %+v, want success", recs[0])
	}
	if !errors.Is(recs[1].Err, kerr.TopicAuthorizationFailed) || recs[1].Offset != -1 || IsPartitionError(recs[1].Err) {
		t.Errorf("record 1: err %v offset %d, want TOPIC_AUTHORIZATION_FAILED and -1", recs[1].Err, recs[1].Offset)
	}
}

// TestProduceWithoutAcksReportsUnknownOffsets checks acks=0: the records
// are written, and their offsets are reported as -1, not kgo's numbering.
func TestProduceWithoutAcksReportsUnknownOffsets(t *testing.T) {
	t.Parallel()
	k, c := newTestClient(t, Options{Acks: 0})
	testutil.CreateTopic(t, c.ListenAddrs(), "t", 1)
	for range 2 {
		recs := []Record{{Value: []byte("a"), Partition: -1}, {Value: []byte("b"), Partition: 0}}
		k.Produce(testCtx(t), "t", 1, recs)
		for i, r := range recs {
			if r.Err != nil || r.Offset != -1 || r.Partition != 0 {
				t.Errorf("record %d = %+v, want partition 0, offset -1", i, r)
			}
		}
	}
	if got := testutil.ReadAll(t, c.ListenAddrs(), "t", 4); len(got) != 4 {
		t.Errorf("Kafka holds %d records, want 4", len(got))
	}
}
