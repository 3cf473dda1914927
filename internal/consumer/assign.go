package consumer

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Assign assigns partitions to the instance manually, replacing any
// previous assignment; an empty list ends the assignment. The instance does
// not join its group, but reads from and commits to the group's offsets:
// each new partition starts at the group's committed offset, else at
// auto.offset.reset; a partition that stays assigned keeps its position. It returns 409/40903 if the instance has a
// subscription, 40403 if it is closed, or the Kafka error of reading the
// committed offsets. The caller checks that the partitions exist.
func (i *Instance) Assign(ctx context.Context, tps []TopicPartition) error {
	ctx, release, err := i.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	if i.mode == modeTopics || i.mode == modePattern {
		return errMixed()
	}
	tps = uniqueTPs(tps)
	if len(tps) == 0 {
		i.dropClient(ctx)
		i.mode, i.start = modeNone, nil
		return nil
	}
	start, err := i.startOffsets(ctx, tps)
	if err != nil {
		return i.aborted(err)
	}
	if i.mode == modeAssigned {
		// Partitions that stay assigned keep their position, as with the
		// Java consumer's assign(): they resume after the last record
		// returned or at the last seek target, whatever was committed.
		// Their buffered records are fetched again.
		i.st.mu.Lock()
		for _, tp := range tps {
			if eo, ok := i.st.position[tp]; ok {
				start[tp] = kgo.NewOffset().At(eo.Offset)
			}
		}
		i.st.mu.Unlock()
	}
	i.dropClient(ctx)
	i.mode, i.start = modeNone, nil
	owned := make(tpSet, len(tps))
	for _, tp := range tps {
		owned[tp] = struct{}{}
	}
	i.st.reset(owned)
	cl, err := i.newDirectClient(i.st.resume(start))
	if err != nil {
		return err
	}
	i.cl, i.mode, i.start = cl, modeAssigned, start
	return nil
}

// startOffsets returns where each partition starts: the group's committed
// offset, else the reset policy.
func (i *Instance) startOffsets(ctx context.Context, tps []TopicPartition) (map[TopicPartition]kgo.Offset, error) {
	committed, err := i.committed(ctx, tps)
	if err != nil {
		return nil, err
	}
	start := make(map[TopicPartition]kgo.Offset, len(tps))
	for _, c := range committed {
		tp := TopicPartition{c.Topic, c.Partition}
		if c.Offset >= 0 {
			start[tp] = kgo.NewOffset().At(c.Offset)
		} else {
			start[tp] = i.reset.offset()
		}
	}
	return start, nil
}

// Assignment returns the partitions the instance reads, sorted: its manual
// assignment, or the partitions its group currently assigns it. It is empty
// otherwise. It returns 40403 if the instance is closed.
func (i *Instance) Assignment(ctx context.Context) ([]TopicPartition, error) {
	_, release, err := i.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	if i.mode == modeNone {
		return []TopicPartition{}, nil
	}
	return i.st.ownedSorted(), nil
}

// rebuildDirect replaces a manual assignment's client by one that resumes
// every partition where the instance stands: after the last polled record,
// or at its start offset (a seek target). A franz-go direct consumer cannot
// reliably be repositioned before it has loaded a partition, so a seek
// rebuilds the client instead of calling SetOffsets.
func (i *Instance) rebuildDirect() error {
	old := i.cl
	if old == nil {
		return errors.New("manual assignment without a client")
	}
	cl, err := i.newDirectClient(i.st.resume(i.start))
	if err != nil {
		return err
	}
	i.cl = cl
	old.Close() // direct consumers leave no group: this only drops connections
	return nil
}
