package kafka

import (
	"context"
	"errors"
	"sort"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicConfig is one topic configuration entry. Value is nil for sensitive
// or unset values.
type TopicConfig struct {
	Name  string
	Value *string
}

// TopicConfigs returns every configuration of a topic (defaults included),
// sorted by name, or ErrUnknownTopic.
func (c *Client) TopicConfigs(ctx context.Context, topic string) ([]TopicConfig, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	rcs, err := c.adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		return nil, err
	}
	rc, err := rcs.On(topic, nil)
	if err == nil {
		err = rc.Err
	}
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return nil, ErrUnknownTopic
	}
	if err != nil {
		return nil, err
	}
	out := make([]TopicConfig, 0, len(rc.Configs))
	for _, cfg := range rc.Configs {
		v := cfg.Value
		if cfg.Sensitive {
			v = nil
		}
		out = append(out, TopicConfig{Name: cfg.Key, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Offsets returns a partition's log start and end (high watermark) offsets.
// An unknown topic or partition gives ErrUnknownTopic / ErrUnknownPartition.
func (c *Client) Offsets(ctx context.Context, topic string, partition int32) (start, end int64, err error) {
	if _, _, err := c.Partition(ctx, topic, partition); err != nil {
		return 0, 0, err
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	start, err = c.listOffset(ctx, topic, partition, -2)
	if err != nil {
		return 0, 0, err
	}
	end, err = c.listOffset(ctx, topic, partition, -1)
	return start, end, err
}

// listOffset issues one ListOffsets for one partition (ts -2 earliest, -1
// latest), routed by kgo to the partition leader.
func (c *Client) listOffset(ctx context.Context, topic string, partition int32, ts int64) (int64, error) {
	req := kmsg.NewPtrListOffsetsRequest()
	req.ReplicaID = -1
	rt := kmsg.NewListOffsetsRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewListOffsetsRequestTopicPartition()
	rp.Partition = partition
	rp.Timestamp = ts
	rp.CurrentLeaderEpoch = -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, c.cl)
	if err != nil {
		return 0, err
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if p.Partition != partition {
				continue
			}
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				if errors.Is(err, kerr.UnknownTopicOrPartition) {
					return 0, ErrUnknownPartition
				}
				return 0, err
			}
			return p.Offset, nil
		}
	}
	return 0, errors.New("list offsets: partition missing from response")
}
