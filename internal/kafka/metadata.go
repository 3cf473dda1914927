package kafka

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrUnknownTopic is returned when a topic is not in the cluster even after
// a metadata refresh.
var ErrUnknownTopic = errors.New("unknown topic")

// ErrUnknownPartition is returned when a partition is not in its topic even
// after a metadata refresh.
var ErrUnknownPartition = errors.New("unknown partition")

// Topic is one topic's metadata. Values are immutable once published.
type Topic struct {
	Name       string
	Internal   bool
	Partitions []Partition // indexed by partition number
}

// Partition is one partition's metadata.
type Partition struct {
	Partition int32
	Leader    int32 // -1 when there is none
	Replicas  []int32
	ISR       []int32
}

// Cluster is a metadata snapshot.
type Cluster struct {
	Brokers []int32 // sorted
	Topics  map[string]*Topic
	at      time.Time
}

// Hidden reports whether a topic is left out of topic listings: Kafka's
// internal topics and the schema registry's storage topic (decisions.md).
func (t *Topic) Hidden() bool {
	return t.Internal || strings.HasPrefix(t.Name, "__") || t.Name == "_schemas"
}

// metaCache serves metadata snapshots, asking Kafka when the snapshot is
// older than maxAge or a topic is missing. Concurrent refreshes coalesce on
// sem so a burst of misses costs one request.
type metaCache struct {
	cl     *kgo.Client
	maxAge time.Duration

	mu  sync.Mutex // guards cur
	cur *Cluster

	sem chan struct{} // one refresh at a time
}

func newMetaCache(cl *kgo.Client, maxAge time.Duration) *metaCache {
	return &metaCache{cl: cl, maxAge: maxAge, sem: make(chan struct{}, 1)}
}

func (m *metaCache) load() *Cluster {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur
}

// snapshot returns a snapshot no older than maxAge, refreshing if needed.
// fresh forces a refresh unless one finished after the call began.
func (m *metaCache) snapshot(ctx context.Context, fresh bool) (*Cluster, error) {
	start := time.Now()
	if c := m.load(); c != nil && !fresh && time.Since(c.at) < m.maxAge {
		return c, nil
	}
	select {
	case m.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-m.sem }()
	// Someone refreshed while we waited: their answer is newer than our call.
	if c := m.load(); c != nil && c.at.After(start) {
		return c, nil
	}
	c, err := m.fetch(ctx, nil)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.cur = c
	m.mu.Unlock()
	return c, nil
}

// fetch asks Kafka for metadata of the given topics (nil = all topics).
func (m *metaCache) fetch(ctx context.Context, topics []string) (*Cluster, error) {
	req := kmsg.NewPtrMetadataRequest()
	req.AllowAutoTopicCreation = false // a typo in a URL must not create a topic
	for _, t := range topics {         // none: req.Topics stays nil, which asks for all
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr(t)
		req.Topics = append(req.Topics, rt)
	}
	resp, err := req.RequestWith(ctx, m.cl)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Topics: make(map[string]*Topic, len(resp.Topics)), at: time.Now()}
	for _, b := range resp.Brokers {
		c.Brokers = append(c.Brokers, b.NodeID)
	}
	sort.Slice(c.Brokers, func(i, j int) bool { return c.Brokers[i] < c.Brokers[j] })
	for _, rt := range resp.Topics {
		if rt.Topic == nil {
			continue
		}
		switch err := kerr.ErrorForCode(rt.ErrorCode); {
		case err == nil:
		case errors.Is(err, kerr.TopicAuthorizationFailed):
			continue // not visible to us: reported as unknown, leaking nothing
		case errors.Is(err, kerr.UnknownTopicOrPartition), errors.Is(err, kerr.InvalidTopicException):
			continue
		default:
			if len(rt.Partitions) == 0 {
				continue // e.g. leader not available while the topic is being created
			}
		}
		t := &Topic{Name: *rt.Topic, Internal: rt.IsInternal, Partitions: make([]Partition, len(rt.Partitions))}
		ok := true
		for _, rp := range rt.Partitions {
			if rp.Partition < 0 || int(rp.Partition) >= len(t.Partitions) {
				ok = false // a gap: partitions are numbered 0..n-1 in Kafka
				break
			}
			t.Partitions[rp.Partition] = Partition{Partition: rp.Partition, Leader: rp.Leader, Replicas: rp.Replicas, ISR: rp.ISR}
		}
		if ok {
			c.Topics[t.Name] = t
		}
	}
	return c, nil
}

// topic returns a topic's metadata; a miss in the cache refreshes that topic
// once before answering ErrUnknownTopic, so a topic created a moment ago is
// found. A cached topic is refreshed when wantPartition is not in it.
func (m *metaCache) topic(ctx context.Context, name string, wantPartition int32) (*Topic, error) {
	c, err := m.snapshot(ctx, false)
	if err != nil {
		return nil, err
	}
	if t := c.Topics[name]; t != nil && int(wantPartition) < len(t.Partitions) {
		return t, nil
	}
	one, err := m.fetch(ctx, []string{name})
	if err != nil {
		return nil, err
	}
	t := one.Topics[name]
	if t == nil {
		return nil, ErrUnknownTopic
	}
	m.merge(t)
	return t, nil
}

// merge publishes a refreshed topic into the cached snapshot (copy on write:
// snapshots handed out before stay unchanged).
func (m *metaCache) merge(t *Topic) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cur == nil {
		return
	}
	next := &Cluster{Brokers: m.cur.Brokers, Topics: make(map[string]*Topic, len(m.cur.Topics)+1), at: m.cur.at}
	for k, v := range m.cur.Topics {
		next.Topics[k] = v
	}
	next.Topics[t.Name] = t
	m.cur = next
}

// Metadata returns a cluster snapshot; fresh asks Kafka now (GET /topics must
// list a topic created a moment ago), otherwise a cached one may be served.
func (c *Client) Metadata(ctx context.Context, fresh bool) (*Cluster, error) {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	return c.meta.snapshot(ctx, fresh)
}

// cached returns a topic from a snapshot younger than maxAge when it has
// partition wantPartition, else nil. It is the hit path of every produce
// request, so it allocates nothing (no timeout context, no lock held
// beyond the pointer read).
func (m *metaCache) cached(name string, wantPartition int32) *Topic {
	c := m.load()
	if c == nil || time.Since(c.at) >= m.maxAge {
		return nil
	}
	if t := c.Topics[name]; t != nil && wantPartition >= 0 && int(wantPartition) < len(t.Partitions) {
		return t
	}
	return nil
}

// Topic returns a topic's metadata, or ErrUnknownTopic.
func (c *Client) Topic(ctx context.Context, name string) (*Topic, error) {
	if t := c.meta.cached(name, 0); t != nil {
		return t, nil
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	return c.meta.topic(ctx, name, 0)
}

// Partition returns a partition's metadata, or ErrUnknownTopic /
// ErrUnknownPartition. A partition missing from the cache triggers a refresh,
// so partitions added a moment ago are found.
func (c *Client) Partition(ctx context.Context, topic string, partition int32) (*Topic, *Partition, error) {
	if t := c.meta.cached(topic, partition); t != nil {
		return t, &t.Partitions[partition], nil
	}
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	if partition < 0 {
		t, err := c.meta.topic(ctx, topic, 0)
		if err != nil {
			return nil, nil, err
		}
		return t, nil, ErrUnknownPartition
	}
	t, err := c.meta.topic(ctx, topic, partition)
	if err != nil {
		return nil, nil, err
	}
	if int(partition) >= len(t.Partitions) {
		return t, nil, ErrUnknownPartition
	}
	return t, &t.Partitions[partition], nil
}
