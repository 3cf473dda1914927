package registry

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// progress is how far the reader has applied the topic. Writers wait on it
// for read-your-writes: a write is acknowledged only once the local state
// includes it.
type progress struct {
	mu      sync.Mutex
	applied int64         // offset of the last applied record; -1 before any
	wake    chan struct{} // closed and replaced whenever applied advances
}

func newProgress() *progress { return &progress{applied: -1, wake: make(chan struct{})} }

// advance records that every record up to off has been applied.
func (p *progress) advance(off int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if off <= p.applied {
		return
	}
	p.applied = off
	close(p.wake)
	p.wake = make(chan struct{})
}

// current returns the offset of the last applied record.
func (p *progress) current() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.applied
}

// wait blocks until the record at off has been applied or ctx ends.
func (p *progress) wait(ctx context.Context, off int64) error {
	for {
		p.mu.Lock()
		done, wake := p.applied >= off, p.wake
		p.mu.Unlock()
		if done {
			return nil
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// ensureTopic creates the schemas topic when it is missing: one partition
// (the log is the order of writes, so it must be one), compacted (only the
// last record of each key matters), replicated min(3, brokers) times unless
// configured. An existing topic is used as it is; a shape other registries
// would refuse is logged.
func (r *Registry) ensureTopic(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	adm := kadm.NewClient(r.cl)
	tds, err := adm.ListTopics(ctx, r.opts.Topic)
	if err != nil {
		return err
	}
	if td, ok := tds[r.opts.Topic]; ok && td.Err == nil {
		r.checkTopic(ctx, adm, td)
		return nil
	} else if ok && !errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
		return td.Err
	}
	rf := r.opts.ReplicationFactor
	if rf == 0 {
		brokers, err := adm.BrokerMetadata(ctx)
		if err != nil {
			return err
		}
		rf = min(3, len(brokers.Brokers))
	}
	compact := "compact"
	resp, err := adm.CreateTopic(ctx, 1, int16(rf), map[string]*string{"cleanup.policy": &compact}, r.opts.Topic)
	if err == nil {
		err = resp.Err
	}
	if errors.Is(err, kerr.TopicAlreadyExists) {
		return nil // another instance won the race
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", r.opts.Topic, err)
	}
	r.log.Info("schema registry created its topic", "topic", r.opts.Topic, "replication_factor", rf)
	return nil
}

// checkTopic warns about an existing topic Confluent would refuse to start
// with: more than one partition (only partition 0 is read) or a cleanup
// policy other than compact (old schemas could be deleted by retention).
func (r *Registry) checkTopic(ctx context.Context, adm *kadm.Client, td kadm.TopicDetail) {
	if n := len(td.Partitions); n != 1 {
		r.log.Warn("the schemas topic should have exactly one partition; only partition 0 is used", "topic", r.opts.Topic, "partitions", n)
	}
	rcs, err := adm.DescribeTopicConfigs(ctx, r.opts.Topic)
	if err != nil {
		return
	}
	rc, err := rcs.On(r.opts.Topic, nil)
	if err != nil || rc.Err != nil {
		return
	}
	for _, c := range rc.Configs {
		if c.Key == "cleanup.policy" && c.Value != nil && *c.Value != "compact" {
			r.log.Warn("the schemas topic should have cleanup.policy=compact; retention may delete schemas", "topic", r.opts.Topic, "cleanup.policy", *c.Value)
		}
	}
}

// newReader builds the client that consumes partition 0 of the topic from
// its start. It is not in a group: every instance reads everything.
func (r *Registry) newReader() (*kgo.Client, error) {
	opts := append([]kgo.Opt{}, r.opts.KafkaOpts...)
	opts = append(opts,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{
			r.opts.Topic: {0: kgo.NewOffset().AtStart()},
		}),
		// A write waits for its own record to come back, so deliver a
		// record as soon as it is there.
		kgo.FetchMaxWait(500*time.Millisecond),
	)
	return kgo.NewClient(opts...)
}

// readLoop applies every record of the topic to the store, in order, until
// ctx ends. It is the only writer of the store.
func (r *Registry) readLoop(ctx context.Context, cl *kgo.Client) {
	var lastErr string
	var lastErrAt time.Time
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil || fs.IsClientClosed() {
			return
		}
		fs.EachError(func(topic string, p int32, err error) {
			// franz-go retries fetch errors itself; say so once in a while,
			// not on every poll.
			if err.Error() != lastErr || time.Since(lastErrAt) > 30*time.Second {
				lastErr, lastErrAt = err.Error(), time.Now()
				r.log.Warn("schema registry cannot read its topic", "topic", topic, "partition", p, "err", err)
			}
		})
		last := int64(-1)
		fs.EachRecord(func(rec *kgo.Record) {
			if err := r.store.apply(rec.Key, rec.Value); err != nil {
				r.log.Warn("schema registry skipped a record it cannot apply", "offset", rec.Offset,
					"key", truncate(string(rec.Key), 200), "err", err)
			}
			last = rec.Offset
		})
		if last >= 0 {
			r.progress.advance(last)
		}
	}
}

// barrier writes a NOOP record and waits until the reader has applied it:
// afterwards the local state includes every record written before.
func (r *Registry) barrier(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	rec := &kgo.Record{Key: noopKey(), Topic: r.opts.Topic, Partition: 0}
	if err := r.cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return err
	}
	return r.progress.wait(ctx, rec.Offset)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
