package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// directProducerOpts mirror krest's producer defaults (internal/kafka:
// acks=all with idempotence, no linger, no compression, 1 MiB batches, a
// 30 s delivery timeout, sticky uniform-bytes partitioning for unkeyed
// records), so the two sides
// differ only by the REST hop, not by producer settings.
func directProducerOpts(brokers []string) []kgo.Opt {
	return []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.ClientID("krest-bench-direct"),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(0),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.ProducerBatchMaxBytes(1 << 20),
		kgo.RecordDeliveryTimeout(30 * time.Second),
		kgo.MaxBufferedRecords(1 << 20),
		kgo.MaxBufferedBytes(256 << 20),
	}
}

// directProduce is the direct side of a produce scenario: conns goroutines
// share one client (as krest's handlers share its one producer) and each
// calls ProduceSync with sc.Batch records back to back until dur has
// passed. For a schema format (wl.encode set) each record is encoded into
// the Confluent wire format before the call, as a client application
// encodes its records; otherwise the values are wl.kafka's bytes. The
// latency runs from building the batch (encoding included) to
// ProduceSync's return.
func directProduce(ctx context.Context, cl *kgo.Client, topic string, sc scenario, wl *workload, conns int, dur time.Duration, c *counters, m *cpuMeter) {
	values := wl.kafka
	var wg sync.WaitGroup
	m.begin()
	deadline := time.Now().Add(dur)
	for w := range conns {
		wg.Go(func() {
			var h histogram
			defer c.merge(&h)
			// The Record structs are reused: ProduceSync returns only after
			// every promise ran, and kgo does not touch a record after its
			// promise. Each call resets them, so partition and timestamp
			// are chosen afresh as for a new record. The encoded values
			// share one arena per worker, reused on the same grounds (as
			// krest's handler encodes a request into one arena).
			recs := make([]kgo.Record, sc.Batch)
			ptrs := make([]*kgo.Record, sc.Batch)
			var arena []byte
			if wl.encode != nil {
				arena = make([]byte, 0, sc.Batch*(wl.storedSize()+64))
			}
			for i := w; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				t0 := time.Now()
				arena = arena[:0]
				for j := range recs {
					k := (i*sc.Batch + j) % len(values)
					v := values[k]
					if wl.encode != nil {
						start := len(arena)
						var err error
						if arena, err = wl.encode(arena, k); err != nil {
							// A bug, not load: stop this worker, loudly.
							c.fail(&c.clientErrs, 1, "encode record %d: %v", k, err)
							return
						}
						// A grown arena leaves earlier values on the old
						// array, which stays valid.
						v = arena[start:len(arena):len(arena)]
					}
					recs[j] = kgo.Record{Topic: topic, Value: v}
					ptrs[j] = &recs[j]
				}
				res := cl.ProduceSync(ctx, ptrs...)
				h.record(time.Since(t0))
				var ok, bytes int64
				for _, r := range res {
					if r.Err != nil {
						c.fail(&c.recErrs, 1, "ProduceSync: %v", r.Err)
						continue
					}
					ok++
					bytes += int64(len(r.Record.Value))
				}
				c.mu.Lock()
				c.requests++
				c.records += ok
				c.bytes += bytes
				c.mu.Unlock()
			}
		})
	}
	wg.Wait()
	m.end()
}

// directConsume is the direct side of a consume scenario: n kgo group
// members (n = sc.Consumers) in one fresh group read the topic from the
// start with franz-go's default fetch settings, until every one of want
// records was seen or dur has passed. The clock starts once ready says the
// group has settled. The latency is PollFetches'.
func directConsume(ctx context.Context, brokers []string, topic, group string, sc scenario, want int64, dur time.Duration, ready readyFunc, m *cpuMeter) (*sideResult, error) {
	clients := make([]*kgo.Client, 0, sc.Consumers)
	defer func() {
		// Close leaves the group; in parallel, so that n members do not
		// wait for n rebalances one after another.
		var wg sync.WaitGroup
		for _, cl := range clients {
			wg.Go(cl.Close)
		}
		wg.Wait()
	}()
	for range sc.Consumers {
		cl, err := kgo.NewClient(
			kgo.SeedBrokers(brokers...),
			kgo.ClientID("krest-bench-direct"),
			kgo.ConsumerGroup(group),
			kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		)
		if err != nil {
			return nil, err
		}
		clients = append(clients, cl)
	}
	stableIn, err := ready(ctx, group)
	if err != nil {
		return nil, err
	}
	c := &counters{}
	cctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	run := &consumeRun{want: want, set: newOffsetSet(), c: c, cancel: cancel}
	var wg sync.WaitGroup
	m.begin()
	run.start = time.Now()
	for _, cl := range clients {
		wg.Go(func() {
			var h histogram
			var recs []consumedRecord
			for cctx.Err() == nil {
				t0 := time.Now()
				fs := cl.PollFetches(cctx)
				lat := time.Since(t0)
				if cctx.Err() != nil || fs.IsClientClosed() {
					break
				}
				h.record(lat)
				c.mu.Lock()
				c.requests++
				c.mu.Unlock()
				fs.EachError(func(t string, p int32, err error) {
					if !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
						c.fail(&c.clientErrs, 1, "fetch %s/%d: %v", t, p, err)
					}
				})
				recs = recs[:0]
				fs.EachRecord(func(r *kgo.Record) {
					recs = append(recs, consumedRecord{partition: r.Partition, offset: r.Offset, size: len(r.Value)})
				})
				run.add(recs)
			}
			c.merge(&h)
		})
	}
	wg.Wait()
	end := time.Now()
	m.end()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	res := run.result(end)
	res.GroupStableMs = ms(stableIn)
	return res, nil
}

// readyFunc waits until a consume side's group is ready to be timed.
type readyFunc func(ctx context.Context, group string) (time.Duration, error)

// prefill writes want records round-robin over the topic's partitions (even
// partitions, so a four-member group splits the work evenly), outside any
// measurement, then checks that the end offsets add up.
func prefill(ctx context.Context, brokers []string, adm *kadm.Client, topic string, values [][]byte, want int64) error {
	cl, err := kgo.NewClient(append(directProducerOpts(brokers),
		kgo.RecordPartitioner(kgo.RoundRobinPartitioner()),
		kgo.ProducerLinger(5*time.Millisecond),
	)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	const batch = 1000
	var next int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			recs := make([]*kgo.Record, 0, batch)
			for {
				mu.Lock()
				from := next
				n := min(batch, want-from)
				next += n
				stop := n <= 0 || firstErr != nil
				mu.Unlock()
				if stop || ctx.Err() != nil {
					return
				}
				recs = recs[:0]
				for i := range n {
					recs = append(recs, &kgo.Record{Topic: topic, Value: values[(from+i)%int64(len(values))]})
				}
				if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return fmt.Errorf("pre-fill: %w", firstErr)
	}
	if ctx.Err() != nil {
		return context.Cause(ctx)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return fmt.Errorf("pre-fill: end offsets: %w", err)
	}
	var sum int64
	var perr error
	ends.Each(func(o kadm.ListedOffset) {
		sum += o.Offset
		if o.Err != nil && perr == nil {
			perr = o.Err
		}
	})
	if perr != nil {
		return fmt.Errorf("pre-fill: end offsets: %w", perr)
	}
	if sum != want {
		return fmt.Errorf("pre-fill: the topic holds %d records, want %d", sum, want)
	}
	return nil
}

// waitGroupStable waits until group is Stable with members members that
// together own every partition of topic (each at least one, when there are
// enough). Both consume sides wait for it before their clock starts, so
// that the figure is read throughput, not how long a group of n takes to
// settle, which depends on heartbeat timing more than on either client.
// It returns how long the wait took.
func waitGroupStable(ctx context.Context, adm *kadm.Client, group, topic string, members, partitions int) (time.Duration, error) {
	start := time.Now()
	deadline := start.Add(30 * time.Second)
	last := "not described yet"
	for {
		gs, err := adm.DescribeGroups(ctx, group)
		g, described := gs[group]
		switch {
		case err != nil:
			last = err.Error()
		case !described:
			last = "not in the describe response"
		case g.Err != nil:
			last = g.Err.Error()
		default:
			stable, why := groupStable(g.State, memberPartitions(g, topic), members, partitions)
			if stable {
				return time.Since(start), nil
			}
			last = why
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("group %s not stable within 30s: %s", group, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// groupStable says whether a group in state with these member
// assignments (partitions of topic per member; nil for a member without a
// consumer assignment) is ready, and if not why.
func groupStable(state string, assigned [][]int32, members, partitions int) (bool, string) {
	if state != "Stable" || len(assigned) != members {
		return false, fmt.Sprintf("state %s with %d members", state, len(assigned))
	}
	owned := make(map[int32]bool)
	for _, ps := range assigned {
		if len(ps) == 0 && partitions >= members {
			return false, "a member without partitions"
		}
		for _, p := range ps {
			owned[p] = true
		}
	}
	if len(owned) != partitions {
		return false, fmt.Sprintf("%d of %d partitions assigned", len(owned), partitions)
	}
	return true, ""
}

// memberPartitions lists each member's partitions of topic.
func memberPartitions(g kadm.DescribedGroup, topic string) [][]int32 {
	out := make([][]int32, len(g.Members))
	for i, m := range g.Members {
		c, ok := m.Assigned.AsConsumer()
		if !ok {
			continue
		}
		for _, t := range c.Topics {
			if t.Topic == topic {
				out[i] = append(out[i], t.Partitions...)
			}
		}
	}
	return out
}
