package kafka

import (
	"context"
	"hash/crc32"

	"github.com/twmb/franz-go/pkg/kgo"
)

// explicitKey marks, through kgo.Record.Context, a record whose Partition was
// chosen by the REST client. kgo's Partition field is an int32 whose zero
// value is partition 0, so the field alone cannot say "unset" (deps.md
// pitfall 7).
type explicitKey struct{}

var explicitCtx = context.WithValue(context.Background(), explicitKey{}, true)

func isExplicit(r *kgo.Record) bool { return r.Context == explicitCtx }

// newPartitioner returns kgo's uniform-bytes partitioner (sticky batches for
// unkeyed records, key hashing for keyed ones) wrapped so that records with an
// explicit partition keep it. name is "crc32" for librdkafka's
// consistent_random placement (Karapace), anything else for Java's murmur2.
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
	}
}

// backupPartitioner is what kgo's uniform-bytes topic partitioner implements.
type backupPartitioner interface {
	kgo.TopicBackupPartitioner
}

type topicPartitioner struct {
	base           backupPartitioner
	emptyKeyRandom bool
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
	if p.emptyKeyRandom && r.Key != nil && len(r.Key) == 0 {
		// Hide the empty key from the hasher so the record is spread.
		k := r.Key
		r.Key = nil
		n := p.base.PartitionByBackup(r, n, it)
		r.Key = k
		return n
	}
	return p.base.PartitionByBackup(r, n, it)
}
