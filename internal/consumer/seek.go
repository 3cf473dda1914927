package consumer

import (
	"context"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/apierr"
)

// Seek moves the positions of partitions the instance reads: the next
// records returned for each start at its offset, and records buffered for
// it are dropped. An offset beyond the log is clamped by Kafka to the
// nearest end. It returns 409/40903 (and seeks nothing) if any partition is
// not currently assigned to the instance, 422 for a negative offset, and
// 40403 if the instance is closed.
func (i *Instance) Seek(ctx context.Context, offsets []PartitionOffset) error {
	for _, o := range offsets {
		if o.Offset < 0 {
			return apierr.New(apierr.UnprocessableEntity, "offset %d for partition %d of topic %s is negative", o.Offset, o.Partition, o.Topic)
		}
	}
	_, release, err := i.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	return i.seekLocked("Cannot seek", uniqueOffsets(offsets))
}

// SeekToBeginning moves the positions of partitions to their log start
// offsets. Errors are as for Seek, plus Kafka errors of listing offsets.
func (i *Instance) SeekToBeginning(ctx context.Context, tps []TopicPartition) error {
	return i.seekToEdge(ctx, tps, "Cannot seek to the beginning", (*kadm.Client).ListStartOffsets)
}

// SeekToEnd moves the positions of partitions to their log end offsets (the
// next record produced). Errors are as for SeekToBeginning.
func (i *Instance) SeekToEnd(ctx context.Context, tps []TopicPartition) error {
	return i.seekToEdge(ctx, tps, "Cannot seek to the end", (*kadm.Client).ListEndOffsets)
}

type listFn func(*kadm.Client, context.Context, ...string) (kadm.ListedOffsets, error)

func (i *Instance) seekToEdge(ctx context.Context, tps []TopicPartition, what string, list listFn) error {
	ctx, release, err := i.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	tps = uniqueTPs(tps)
	if i.mode == modeNone {
		if len(tps) == 0 {
			return nil
		}
		return errUnassigned(what, tps[0])
	}
	// Check ownership before asking Kafka, so a mistake costs no I/O; it is
	// checked again, atomically with the seek, in seekLocked.
	if tp, ok := i.st.ownsAll(tps); !ok {
		return errUnassigned(what, tp)
	}
	topics := make([]string, 0, len(tps))
	for _, tp := range tps {
		if len(topics) == 0 || topics[len(topics)-1] != tp.Topic {
			topics = append(topics, tp.Topic)
		}
	}
	adm, err := i.admin()
	if err != nil {
		return err
	}
	kctx, cancel := i.kafkaCtx(ctx)
	listed, err := list(adm, kctx, topics...)
	cancel()
	if err != nil && len(listed) == 0 {
		// A *kadm.ShardErrors with some answers is checked per partition.
		return i.aborted(kafkaErr(err, "list offsets"))
	}
	offsets := make([]PartitionOffset, 0, len(tps))
	for _, tp := range tps {
		lo, ok := listed.Lookup(tp.Topic, tp.Partition)
		if !ok && err != nil {
			return i.aborted(kafkaErr(err, "list offsets"))
		}
		if !ok {
			return apierr.New(apierr.PartitionNotFound, "Partition %d not found for topic %s", tp.Partition, tp.Topic)
		}
		if lo.Err != nil {
			return kafkaErr(lo.Err, "list offsets")
		}
		offsets = append(offsets, PartitionOffset{tp.Topic, tp.Partition, lo.Offset})
	}
	return i.seekLocked(what, offsets)
}

// seekLocked applies a seek with the instance lock held. For a group
// client it blocks revokes for the duration (a poll with a cancelled
// context registers a poller under BlockRebalanceOnPoll without taking
// records), so ownership cannot change between the check and SetOffsets, as
// franz-go's SetOffsets documentation asks.
func (i *Instance) seekLocked(what string, offsets []PartitionOffset) error {
	if len(offsets) == 0 {
		return nil
	}
	tps := make([]TopicPartition, len(offsets))
	for k, o := range offsets {
		tps[k] = TopicPartition{o.Topic, o.Partition}
	}
	switch i.mode {
	case modeNone:
		return errUnassigned(what, tps[0])
	case modeAssigned:
		if tp, ok := i.st.ownsAll(tps); !ok {
			return errUnassigned(what, tp)
		}
		i.st.seeked(offsets)
		for _, o := range offsets {
			i.start[TopicPartition{o.Topic, o.Partition}] = kgo.NewOffset().At(o.Offset)
		}
		return i.rebuildDirect()
	}
	done, cancel := context.WithCancel(context.Background())
	cancel()
	i.cl.PollRecords(done, 1) // blocks revokes until AllowRebalance; returns no records
	defer i.cl.AllowRebalance()
	if tp, ok := i.st.ownsAll(tps); !ok {
		return errUnassigned(what, tp)
	}
	i.st.seeked(offsets)
	set := make(map[string]map[int32]kgo.EpochOffset)
	for _, o := range offsets {
		if set[o.Topic] == nil {
			set[o.Topic] = make(map[int32]kgo.EpochOffset)
		}
		set[o.Topic][o.Partition] = kgo.EpochOffset{Epoch: -1, Offset: o.Offset}
	}
	i.cl.SetOffsets(set)
	return nil
}

// uniqueOffsets keeps the last offset given for each partition.
func uniqueOffsets(offsets []PartitionOffset) []PartitionOffset {
	last := make(map[TopicPartition]int, len(offsets))
	for k, o := range offsets {
		last[TopicPartition{o.Topic, o.Partition}] = k
	}
	out := make([]PartitionOffset, 0, len(last))
	for k, o := range offsets {
		if last[TopicPartition{o.Topic, o.Partition}] == k {
			out = append(out, o)
		}
	}
	return out
}
