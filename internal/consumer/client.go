package consumer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// internalTopics are left out of pattern subscriptions, as the Java
// consumer's exclude.internal.topics does.
var internalTopics = []string{`^__consumer_offsets$`, `^__transaction_state$`, `^__share_group_state$`}

// commonOpts are the options of every client an instance builds.
func (i *Instance) commonOpts() []kgo.Opt {
	o := &i.reg.opts
	opts := i.kafkaOpts().BaseOpts()
	return append(opts,
		kgo.FetchMinBytes(i.fetchMinBytes),
		// A background fetch waits at the broker for fetch.min.bytes up to
		// this long. Tying it to the request timeout makes fetch.min.bytes
		// mean "wait at most one request for it"; the floor keeps idle
		// instances from polling brokers in a tight loop (Java's default
		// fetch.max.wait.ms is 500 ms).
		kgo.FetchMaxWait(min(max(i.requestTimeout, 500*time.Millisecond), 5*time.Second)),
		// These bound what an instance buffers in the background (franz-go
		// holds one fetch per broker until it is polled); records beyond a
		// request's max_bytes wait in the instance's own buffer.
		kgo.FetchMaxBytes(o.FetchMaxBytes),
		kgo.FetchMaxPartitionBytes(min(o.FetchMaxBytes, 1<<20)),
		kgo.ConsumeResetOffset(i.reset.offset()),
		// KIP-714 metrics pushes from thousands of instances would cost the
		// brokers more than they tell anyone.
		kgo.DisableClientMetrics(),
		// Fetch sessions (KIP-227) save bytes for consumers of many
		// partitions, but brokers keep only 1000 of them by default
		// (max.incremental.fetch.session.cache.slots), which a thousand REST
		// consumers would churn; and closing a client with a session sends
		// one more fetch that waits behind the in-flight long-poll, up to a
		// second per delete or seek.
		kgo.DisableFetchSessions(),
		// An idle subscribed instance needs two connections: the fetch
		// long-poll and the one its heartbeats use. Its client also opens
		// one to the seed broker (the first metadata request) and one for
		// JoinGroup/SyncGroup, idle after the join; franz-go closes idle
		// connections only after 30 to 60 s. Each costs goroutines and
		// buffers in franz-go and, with the embedded broker, in the
		// broker too: with 1,000 idle instances, 2,000 connections and
		// about 6,000 goroutines (docs/performance.md).
		// Twice the heartbeat interval (and at least 5 s) closes them
		// soon, while the heartbeats keep their connection open.
		kgo.ConnIdleTimeout(max(5*time.Second, 2*o.HeartbeatInterval)),
		// franz-go's default backoff holds a math/rand source (5 KB) per
		// client; this is the same function over the shared generator.
		kgo.RetryBackoffFn(retryBackoff),
	)
}

// retryBackoff is franz-go's default retry backoff: 250 ms doubling per
// failure up to 5 s, with ±20 % jitter.
func retryBackoff(fails int) time.Duration {
	const lo, hi = 250 * time.Millisecond, 5 * time.Second
	if fails <= 0 {
		return lo
	}
	if fails > 10 {
		return hi
	}
	backoff := time.Duration(float64(lo*time.Duration(1<<(fails-1))) * (0.8 + 0.4*rand.Float64()))
	return min(backoff, hi)
}

// newGroupClient builds the client of a subscription: a group member
// consuming topics, or a pattern when pattern is not "".
func (i *Instance) newGroupClient(gen uint64, topics []string, pattern string) (*kgo.Client, error) {
	o := &i.reg.opts
	opts := append(i.commonOpts(),
		kgo.ConsumerGroup(i.group),
		kgo.ConsumeStartOffset(i.reset.offset()),
		kgo.SessionTimeout(o.SessionTimeout),
		kgo.HeartbeatInterval(o.HeartbeatInterval),
		// The instance commits itself: only positions (returned records),
		// never what franz-go buffered.
		kgo.DisableAutoCommit(),
		// No revoke between a poll and AllowRebalance: see the package doc.
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			i.st.assigned(gen, m)
		}),
		kgo.OnPartitionsRevoked(func(ctx context.Context, cl *kgo.Client, m map[string][]int32) {
			i.onRevoked(ctx, cl, gen, m)
		}),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, m map[string][]int32) {
			// The session is gone: a commit would be rejected.
			i.st.revoked(gen, m, false)
		}),
	)
	if pattern != "" {
		opts = append(opts, kgo.ConsumeRegex(), kgo.ConsumeTopics(pattern), kgo.ConsumeExcludeTopics(internalTopics...))
	} else {
		opts = append(opts, kgo.ConsumeTopics(topics...))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("consumer client: %w", err)
	}
	return cl, nil
}

// newDirectClient builds the client of a manual assignment.
func (i *Instance) newDirectClient(at map[string]map[int32]kgo.Offset) (*kgo.Client, error) {
	cl, err := kgo.NewClient(append(i.commonOpts(), kgo.ConsumePartitions(at))...)
	if err != nil {
		return nil, fmt.Errorf("consumer client: %w", err)
	}
	return cl, nil
}

// onRevoked runs on franz-go's group goroutine when partitions leave this
// member (a rebalance, or leaving the group). Buffered records of those
// partitions are dropped, and with auto-commit the positions of records
// already returned are committed before the partitions go, so the new owner
// starts right after them.
func (i *Instance) onRevoked(ctx context.Context, cl *kgo.Client, gen uint64, m map[string][]int32) {
	dirty := i.st.revoked(gen, m, i.autoCommit)
	if len(dirty) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, i.reg.opts.Kafka.RequestTimeout)
	defer cancel()
	if err := commitGroup(ctx, cl, dirty); err != nil {
		i.reg.opts.Logger.Warn("commit before giving up partitions failed; their records will be delivered again",
			"group", i.group, "instance", i.name, "err", err)
	}
}

// dropClient ends the current client: with auto-commit it commits the
// positions first, then leaves the group (bounded by ctx; franz-go finishes
// the leave on its own if ctx ends) and closes the client. The state moves
// to a new generation, so the closing client's callbacks change nothing.
func (i *Instance) dropClient(ctx context.Context) {
	cl := i.cl
	if cl == nil {
		return
	}
	if i.autoCommit {
		if err := i.commitPositions(ctx); err != nil {
			i.reg.opts.Logger.Warn("auto-commit before closing the consumer client failed",
				"group", i.group, "instance", i.name, "err", err)
		}
	}
	i.st.reset(nil)
	i.cl = nil
	if i.mode == modeTopics || i.mode == modePattern {
		lctx, cancel := i.kafkaCtx(ctx)
		_ = cl.LeaveGroupContext(lctx)
		cancel()
	}
	// Every poll is followed by AllowRebalance, so nothing blocks the
	// final revoke; allowing again costs nothing and rules out a hang.
	cl.CloseAllowingRebalance()
}
