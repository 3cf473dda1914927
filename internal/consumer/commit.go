package consumer

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// Commit commits offsets for the instance's group. Each offset is the next
// record to read, as in Kafka (the REST API's "last consumed offset + 1" is
// the caller's translation). A subscribed instance commits as a group member
// (its generation fences commits from a stale member); otherwise the commit
// is a standalone group commit, which Kafka accepts only while the group has
// no active members. It returns 40403 if the instance is closed, or the
// mapped Kafka error (for example 50003 while the group rebalances).
func (i *Instance) Commit(ctx context.Context, offsets []PartitionOffset) error {
	ctx, release, err := i.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	m := make(map[TopicPartition]kgo.EpochOffset, len(offsets))
	for _, o := range offsets {
		m[TopicPartition{o.Topic, o.Partition}] = kgo.EpochOffset{Epoch: -1, Offset: o.Offset}
	}
	gen := i.currentGen()
	if err := i.commit(ctx, m); err != nil {
		return i.aborted(err)
	}
	i.st.markCommitted(gen, m)
	return nil
}

// CommitFetched commits the position of every partition the instance read
// from: the offset after the last record returned to the client, or a seek
// target. Records buffered but not yet returned are never committed. With
// nothing to commit it does nothing. Errors are as for Commit.
func (i *Instance) CommitFetched(ctx context.Context) error {
	ctx, release, err := i.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	return i.aborted(i.commitPositions(ctx))
}

// commitPositions commits the positions that changed since the last commit.
func (i *Instance) commitPositions(ctx context.Context) error {
	gen := i.currentGen()
	dirty := i.st.dirty(nil)
	if len(dirty) == 0 {
		return nil
	}
	if err := i.commit(ctx, dirty); err != nil {
		return err
	}
	i.st.markCommitted(gen, dirty)
	i.lastCommit = time.Now()
	return nil
}

// maybeAutoCommit commits positions when auto-commit is on and the
// interval has passed. It runs at the start of a records request, so what
// it commits is what the client received in earlier requests: the client
// has had the chance to process it (Java commits in poll the same way).
func (i *Instance) maybeAutoCommit(ctx context.Context) {
	if !i.autoCommit || time.Since(i.lastCommit) < i.reg.opts.AutoCommitInterval {
		return
	}
	if err := i.commitPositions(ctx); err != nil && ctx.Err() == nil {
		i.reg.opts.Logger.Warn("auto-commit failed", "group", i.group, "instance", i.name, "err", err)
	}
	i.lastCommit = time.Now()
}

func (i *Instance) currentGen() uint64 {
	i.st.mu.Lock()
	defer i.st.mu.Unlock()
	return i.st.gen
}

// commit commits m through the group client when subscribed, else through
// the admin client.
func (i *Instance) commit(ctx context.Context, m map[TopicPartition]kgo.EpochOffset) error {
	if len(m) == 0 {
		return nil
	}
	ctx, cancel := i.kafkaCtx(ctx)
	defer cancel()
	if i.cl != nil && (i.mode == modeTopics || i.mode == modePattern) {
		if err := commitGroup(ctx, i.cl, m); err != nil {
			return kafkaErr(err, "commit offsets")
		}
		return nil
	}
	os := make(kadm.Offsets)
	for tp, eo := range m {
		os.Add(kadm.Offset{Topic: tp.Topic, Partition: tp.Partition, At: eo.Offset, LeaderEpoch: eo.Epoch})
	}
	adm, err := i.admin()
	if err != nil {
		return err
	}
	resp, err := adm.CommitOffsets(ctx, i.group, os)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		return kafkaErr(err, "commit offsets")
	}
	return nil
}

// commitGroup commits as a member of cl's group and returns the first
// error of the request or of any partition.
func commitGroup(ctx context.Context, cl *kgo.Client, m map[TopicPartition]kgo.EpochOffset) error {
	offsets := make(map[string]map[int32]kgo.EpochOffset)
	for tp, eo := range m {
		if offsets[tp.Topic] == nil {
			offsets[tp.Topic] = make(map[int32]kgo.EpochOffset)
		}
		offsets[tp.Topic][tp.Partition] = eo
	}
	var rerr error
	cl.CommitOffsetsSync(ctx, offsets, func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
		if err != nil {
			rerr = err
			return
		}
		for _, t := range resp.Topics {
			for _, p := range t.Partitions {
				if err := kerr.ErrorForCode(p.ErrorCode); err != nil && rerr == nil {
					rerr = err
				}
			}
		}
	})
	return rerr
}

// Committed returns the group's committed offsets for tps, in their order,
// with offset -1 where nothing is committed (whoever committed it). It
// returns 40403 if the instance is closed, or the mapped Kafka error.
func (i *Instance) Committed(ctx context.Context, tps []TopicPartition) ([]CommittedOffset, error) {
	ctx, release, err := i.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	out, err := i.committed(ctx, tps)
	return out, i.aborted(err)
}

func (i *Instance) committed(ctx context.Context, tps []TopicPartition) ([]CommittedOffset, error) {
	ctx, cancel := i.kafkaCtx(ctx)
	defer cancel()
	adm, err := i.admin()
	if err != nil {
		return nil, err
	}
	resp, err := adm.FetchOffsets(ctx, i.group)
	if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
		return nil, kafkaErr(err, "fetch committed offsets")
	}
	out := make([]CommittedOffset, len(tps))
	for k, tp := range tps {
		c := CommittedOffset{Topic: tp.Topic, Partition: tp.Partition, Offset: -1}
		if r, ok := resp.Lookup(tp.Topic, tp.Partition); ok {
			if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
				return nil, kafkaErr(r.Err, "fetch committed offsets")
			}
			if r.Err == nil && r.At >= 0 {
				c.Offset = r.At
			}
		}
		out[k] = c
	}
	return out, nil
}
