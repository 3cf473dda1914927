package kafka

import (
	"context"
	"errors"
	"strings"
	"sync"

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
	// The kgo records are recycled (see producePool): franz-go is done with
	// them once ProduceSync returns.
	pb := getProduceBuffers(len(recs))
	defer pb.release()
	slab, ptrs := pb.slab, pb.ptrs
	var idx map[*kgo.Record]int // built only when a record failed
	marked := false             // the first partitioner-placed record carries the request marker

	// Every record's context derives from the request's, bounded by the
	// request timeout: kgo fails buffered records whose context ends (it
	// ignores ProduceSync's ctx for a record whose Context is already set),
	// so marker contexts on top of Background would let a record wait for an
	// unreachable broker long past kafka_request_timeout_ms.
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	var explicit, first context.Context // allocated on first use
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
		switch {
		case r.Partition >= 0:
			if explicit == nil {
				explicit = &markCtx{ctx, explicitKey{}}
			}
			kr.Partition, kr.Context = r.Partition, explicit
		case !marked:
			first = &markCtx{ctx, requestKey{}}
			kr.Context, marked = first, true
		default:
			kr.Context = ctx
		}
		ptrs = append(ptrs, kr)
	}
	if len(ptrs) == 0 {
		return
	}
	results := c.cl.ProduceSync(ctx, ptrs...)
	for _, res := range results {
		if res.Err == nil {
			continue
		}
		if idx == nil {
			idx = make(map[*kgo.Record]int, len(slab))
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

// produceBuffers are the kgo records of one Produce call. They are
// recycled because they were most of the kafka package's allocations per
// request (a kgo.Record is about 200 bytes, and a 100-record request
// allocated 20 KB of them), which the GC then had to scan.
type produceBuffers struct {
	slab []kgo.Record
	ptrs []*kgo.Record
}

var producePool = sync.Pool{New: func() any { return new(produceBuffers) }}

// getProduceBuffers returns zeroed records for n: slab of length n, ptrs
// empty with capacity n.
func getProduceBuffers(n int) *produceBuffers {
	pb := producePool.Get().(*produceBuffers)
	if cap(pb.slab) < n {
		pb.slab = make([]kgo.Record, n)
		pb.ptrs = make([]*kgo.Record, 0, n)
	}
	pb.slab, pb.ptrs = pb.slab[:n], pb.ptrs[:0]
	return pb
}

// release recycles pb. ProduceSync has returned, so every record has been
// promised and franz-go holds none of them (it copies what it sends into
// the request before it promises); clearing drops the references to the
// caller's bytes.
func (pb *produceBuffers) release() {
	if cap(pb.slab) > 4096 {
		return // an unusually large call: do not keep it
	}
	clear(pb.slab)
	clear(pb.ptrs[:cap(pb.ptrs)])
	producePool.Put(pb)
}
