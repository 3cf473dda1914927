package kafka

import (
	"context"
	"hash/crc32"
	"math/rand/v2"

	"github.com/twmb/franz-go/pkg/kgo"
)

// markCtx is a record context that carries a mark for the partitioner
// (explicitKey, requestKey below) on top of the request's context, whose
// deadline and cancellation it keeps (Produce derives every record's
// context from the request's, so the request can still cancel the
// records). The partitioner reads the mark with a type assertion: a
// Value lookup walked the whole request context chain (net/http's, the
// timeout's) two or three times per record, 2.5 % of krest's CPU with
// 100-byte records.
type markCtx struct {
	context.Context
	mark any // explicitKey{} or requestKey{}
}

// Value answers the mark's key as context.WithValue would.
func (c *markCtx) Value(key any) any {
	if key == c.mark {
		return true
	}
	return c.Context.Value(key)
}

func marked(r *kgo.Record, mark any) bool {
	c, ok := r.Context.(*markCtx)
	return ok && c.mark == mark
}

// explicitKey marks, through kgo.Record.Context, a record whose Partition was
// chosen by the REST client. kgo's Partition field is an int32 whose zero
// value is partition 0, so the field alone cannot say "unset" (deps.md
// pitfall 7).
type explicitKey struct{}

// explicitCtx is the marker alone (for tests); Produce marks the request's
// context instead.
var explicitCtx = context.Context(&markCtx{context.Background(), explicitKey{}})

func isExplicit(r *kgo.Record) bool { return marked(r, explicitKey{}) }

// requestKey marks, through kgo.Record.Context, the first partitioner-placed
// record of each Produce call: unkeyed records stick to one partition only
// until the next request, so single-record requests spread across
// partitions (decisions.md) while a request's records still batch together.
//
// Except while the sticky partition still has records pending (buffered or
// in flight: other requests are producing right now): then a new request
// joins them, up to the 64 KiB switch, as franz-go's own uniform-bytes
// partitioner does. Concurrent requests then share one batch on one
// partition instead of each adding a batch on another partition to the
// next produce request; with 16 concurrent single-record requests that
// was about four batches per produce request instead of one, each costing
// the broker a log append (docs/performance.md). Sequential requests
// still spread: the previous one's records are acknowledged before it
// answers, so nothing is pending when the next one arrives.
type requestKey struct{}

// requestCtx is the marker alone (for tests); Produce marks the request's
// context instead.
var requestCtx = context.Context(&markCtx{context.Background(), requestKey{}})

func startsRequest(r *kgo.Record) bool { return marked(r, requestKey{}) }

// stickyBytes is how many bytes of unkeyed records go to one partition
// before another is picked, as kgo's uniform-bytes partitioner.
const stickyBytes = 64 << 10

// newPartitioner returns a partitioner that hashes keyed records with kgo's
// uniform-bytes partitioner, keeps records with an explicit partition on it,
// and places unkeyed records stickily, picking afresh for every request.
// name is "crc32" for librdkafka's consistent_random placement (Karapace),
// anything else for Java's murmur2.
func newPartitioner(name string) kgo.Partitioner {
	var hasher kgo.PartitionerHasher // nil = murmur2, as the Java client
	crc := name == "crc32"
	if crc {
		// SaramaHasher with crc32 IEEE is librdkafka's consistent partitioner
		// (see its doc comment).
		hasher = kgo.SaramaHasher(crc32.ChecksumIEEE)
	}
	return &partitioner{base: kgo.UniformBytesPartitioner(64<<10, false, true, hasher), emptyKeyRandom: crc}
}

type partitioner struct {
	base kgo.Partitioner
	// emptyKeyRandom treats an empty key like no key, as librdkafka's
	// consistent_random does.
	emptyKeyRandom bool
}

func (p *partitioner) ForTopic(t string) kgo.TopicPartitioner {
	return &topicPartitioner{
		base:           p.base.ForTopic(t).(backupPartitioner),
		emptyKeyRandom: p.emptyKeyRandom,
		sticky:         -1,
	}
}

// backupPartitioner is what kgo's uniform-bytes topic partitioner implements.
type backupPartitioner interface {
	kgo.TopicBackupPartitioner
}

type topicPartitioner struct {
	base           backupPartitioner
	emptyKeyRandom bool
	// sticky is the partition index unkeyed records go to, -1 to pick one;
	// bytes counts what went there. kgo calls a topic partitioner for one
	// record at a time, so these need no lock.
	sticky int
	bytes  int
}

// No OnNewBatch: kgo's uniform-bytes partitioner has none, and offering one
// would make kgo hold its per-topic lock while buffering every record.
var _ kgo.TopicBackupPartitioner = (*topicPartitioner)(nil)

func (p *topicPartitioner) RequiresConsistency(r *kgo.Record) bool {
	if isExplicit(r) {
		return true
	}
	if p.emptyKeyRandom && len(r.Key) == 0 {
		return false
	}
	return p.base.RequiresConsistency(r)
}

func (p *topicPartitioner) Partition(r *kgo.Record, n int) int {
	if isExplicit(r) {
		return int(r.Partition)
	}
	return p.base.Partition(r, n)
}

func (p *topicPartitioner) PartitionByBackup(r *kgo.Record, n int, it kgo.TopicBackupIter) int {
	if isExplicit(r) {
		return int(r.Partition) // kgo fails the record if it is out of range
	}
	keyed := r.Key != nil && !(p.emptyKeyRandom && len(r.Key) == 0)
	if startsRequest(r) && (keyed || !pending(it, p.sticky, n)) {
		p.sticky = -1 // a new request picks afresh
	}
	if keyed {
		return p.base.PartitionByBackup(r, n, it) // hashed
	}
	// Unkeyed (or, for crc32, an empty key, as librdkafka): sticky.
	l := len(r.Key) + len(r.Value) + 16
	for _, h := range r.Headers {
		l += len(h.Key) + len(h.Value)
	}
	if p.bytes += l; p.bytes >= stickyBytes {
		p.sticky = -1
	}
	if p.sticky < 0 || p.sticky >= n {
		p.sticky, p.bytes = rand.IntN(n), l
	}
	return p.sticky
}

// pending reports whether partition index sticky has records buffered or
// in flight, according to kgo's backup iterator (nil in tests: none).
func pending(it kgo.TopicBackupIter, sticky, n int) bool {
	if it == nil || sticky < 0 || sticky >= n {
		return false
	}
	for it.Rem() > 0 {
		if i, backup := it.Next(); i == sticky {
			return backup > 0
		}
	}
	return false
}
