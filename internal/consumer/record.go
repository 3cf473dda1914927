package consumer

import (
	"cmp"
	"slices"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/kafka"
)

// Record is one consumed record, as handed to a Fetch callback. Key and
// Value are nil for a Kafka null and empty (non-nil) for empty bytes; the
// slices belong to the instance and must not be kept after the callback.
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	Timestamp time.Time
	Key       []byte
	Value     []byte
	// Headers is nil when the record has none; a nil header Value is a
	// null header value.
	Headers []kafka.Header

	epoch int32 // leader epoch, committed with the position for fencing
}

// size is what max_bytes counts: the unencoded key and value.
func (r *Record) size() int64 { return int64(len(r.Key) + len(r.Value)) }

func (r *Record) tp() TopicPartition { return TopicPartition{r.Topic, r.Partition} }

// fromKgo converts a polled record. Headers are copied into krest's type;
// key, value and header bytes are shared with franz-go, which never reuses
// them after handing a record out.
func fromKgo(r *kgo.Record) Record {
	out := Record{
		Topic:     r.Topic,
		Partition: r.Partition,
		Offset:    r.Offset,
		Timestamp: r.Timestamp,
		Key:       r.Key,
		Value:     r.Value,
		epoch:     r.LeaderEpoch,
	}
	if len(r.Headers) > 0 {
		out.Headers = make([]kafka.Header, len(r.Headers))
		for i, h := range r.Headers {
			out.Headers[i] = kafka.Header{Key: h.Key, Value: h.Value}
		}
	}
	return out
}

// TopicPartition names one partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// PartitionOffset is an offset in one partition: a seek target, or an
// offset to commit (the offset of the next record to read, as in Kafka).
type PartitionOffset struct {
	Topic     string
	Partition int32
	Offset    int64
}

// CommittedOffset is a group's committed offset for one partition; Offset is
// -1 when nothing is committed. The commit's metadata is not reported: the
// commits krest makes carry franz-go's member id there, which means nothing
// to a REST client (Karapace reports "" too).
type CommittedOffset struct {
	Topic     string
	Partition int32
	Offset    int64
}

func compareTP(a, b TopicPartition) int {
	if c := cmp.Compare(a.Topic, b.Topic); c != 0 {
		return c
	}
	return cmp.Compare(a.Partition, b.Partition)
}

// uniqueTPs returns tps sorted, without duplicates.
func uniqueTPs(tps []TopicPartition) []TopicPartition {
	out := slices.Clone(tps)
	slices.SortFunc(out, compareTP)
	return slices.Compact(out)
}

// tpSet is a set of partitions.
type tpSet map[TopicPartition]struct{}

func (s tpSet) sorted() []TopicPartition {
	out := make([]TopicPartition, 0, len(s))
	for tp := range s {
		out = append(out, tp)
	}
	slices.SortFunc(out, compareTP)
	return out
}
