package kafka

import (
	"context"
	"errors"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Record is one record to produce. Partition < 0 lets the partitioner choose
// (murmur2/crc32 of the key, spread when there is none). After Produce,
// Offset and Partition hold where Kafka put it (Offset -1 when acks=0: not
// known), or Err says why it failed.
type Record struct {
	Key       []byte // nil = no key
	Value     []byte // nil = Kafka null (tombstone)
	Headers   []Header
	Partition int32

	Offset int64
	Err    error
}

// Header is a record header; a nil Value is a null header value.
type Header struct {
	Key   string
	Value []byte
}

// ErrPartitionOutOfRange is set on a record whose explicit partition is not
// in the topic.
var ErrPartitionOutOfRange = errors.New("partition out of range")

// Produce writes recs to topic and waits until Kafka has acknowledged or
// failed every one: a nil Err means the record is in Kafka (with acks=all,
// on every in-sync replica). The wait is bounded by ctx and the configured
// request timeout; records that Kafka may still accept are never reported
// as written. numPartitions, when > 0, lets records with an out-of-range
// explicit partition fail without a round trip.
func (c *Client) Produce(ctx context.Context, topic string, numPartitions int, recs []Record) {
	slab := make([]kgo.Record, len(recs))
	ptrs := make([]*kgo.Record, 0, len(recs))
	idx := make(map[*kgo.Record]int, 0)
	marked := false // the first partitioner-placed record carries requestCtx
	for i := range recs {
		r := &recs[i]
		if r.Partition >= 0 && numPartitions > 0 && int(r.Partition) >= numPartitions {
			r.Err, r.Offset = ErrPartitionOutOfRange, -1
			continue
		}
		kr := &slab[i]
		kr.Topic = topic
		kr.Key = r.Key
		kr.Value = r.Value
		if len(r.Headers) > 0 {
			kr.Headers = make([]kgo.RecordHeader, len(r.Headers))
			for j, h := range r.Headers {
				kr.Headers[j] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
			}
		}
		if r.Partition >= 0 {
			kr.Partition = r.Partition
			kr.Context = explicitCtx
		} else if !marked {
			kr.Context, marked = requestCtx, true
		}
		ptrs = append(ptrs, kr)
	}
	if len(ptrs) == 0 {
		return
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	results := c.cl.ProduceSync(ctx, ptrs...)
	for _, res := range results {
		if res.Err == nil {
			continue
		}
		if len(idx) == 0 {
			for i := range slab {
				idx[&slab[i]] = i
			}
		}
		recs[idx[res.Record]].Err = res.Err
	}
	for i := range recs {
		r := &recs[i]
		if r.Err != nil {
			r.Offset = -1
			continue
		}
		r.Partition, r.Offset = slab[i].Partition, slab[i].Offset
		if c.opts.Acks == 0 {
			r.Offset = -1 // kgo numbers unacknowledged records from 0
		}
	}
}

// IsPartitionError reports whether a produce error means the record's
// partition does not exist (as opposed to its topic).
func IsPartitionError(err error) bool {
	// kgo fails a record whose explicit partition is beyond the topic with
	// an unexported error; its text is the only handle.
	return errors.Is(err, ErrPartitionOutOfRange) ||
		(err != nil && strings.Contains(err.Error(), "invalid record partitioning choice"))
}
