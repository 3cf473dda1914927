package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// footprint is what -footprint measures: how fast krest starts and how much
// memory it holds idle and with many consumer instances.
type footprint struct {
	ReadyMs       []float64 `json:"ready_ms,omitzero"` // each start: exec → first 200 from /_health
	ReadyMedianMs float64   `json:"ready_median_ms,omitzero"`
	ReadyMinMs    float64   `json:"ready_min_ms,omitzero"`
	// Idle is read settle after start, before any request but the health
	// checks: no topics, no data, no instances.
	Idle memStatus `json:"idle"`
	// Instances consumer instances (format binary), each in its own group.
	// Created is read settle after the last was created, before they
	// subscribe: what an instance costs as such.
	Instances     int       `json:"instances"`
	CreateSeconds float64   `json:"create_seconds"`
	Created       memStatus `json:"created"`
	CreatedKiB    float64   `json:"created_kib_per_instance"`
	// Subscribed is read settle after every instance subscribed to an
	// empty topic (-footprint-subscribe): each then holds a Kafka client
	// that has joined its group and long-polls, which is what an idle
	// consumer in production looks like.
	Subscribed    *memStatus `json:"subscribed,omitzero"`
	SubscribedKiB float64    `json:"subscribed_kib_per_instance,omitzero"`
	SubscribeSecs float64    `json:"subscribe_seconds,omitzero"`
	// AfterDelete is read settle after every instance was deleted: whether
	// the memory comes back (the Go runtime returns it to the OS lazily).
	AfterDelete   memStatus `json:"after_delete"`
	DeleteSeconds float64   `json:"delete_seconds"`
	Errors        int       `json:"errors"`
	FirstError    string    `json:"first_error,omitzero"`
}

// settle is how long RSS readings wait after the action they follow, so
// that background work (joins, first fetches, GC) has run.
const settle = 3 * time.Second

func measureFootprint(ctx context.Context, o options) (*footprint, error) {
	fp := &footprint{}
	if o.krestBin != "" {
		runs := max(o.readyRuns, 1)
		for i := range runs {
			k, err := startKrest(ctx, o.krestBin, splitArgs(o.krestArgs), splitArgs(o.krestEnv))
			if err != nil {
				return nil, err
			}
			if o.readyRuns > 0 {
				fp.ReadyMs = append(fp.ReadyMs, ms(k.ready))
			}
			logf("start %d: ready in %s", i+1, k.ready.Round(time.Millisecond))
			if i < runs-1 {
				k.stop()
				continue
			}
			defer k.stop() // the last one is measured
			o.url, o.bootstrap, o.pid = k.url, k.bootstrap, k.pid()
		}
		sorted := slices.Clone(fp.ReadyMs)
		slices.Sort(sorted)
		if len(sorted) > 0 {
			fp.ReadyMinMs = sorted[0]
			fp.ReadyMedianMs = sorted[len(sorted)/2]
		}
	} else {
		logf("no -krest-bin: start-to-ready time is not measured")
		if o.pid <= 0 {
			return nil, errors.New("-footprint needs -krest-bin, or -pid of a freshly started krest")
		}
	}
	if !o.allowRemote {
		if err := checkLoopbackURL(ctx, o.url); err != nil {
			return nil, fmt.Errorf("-url: %w", err)
		}
	}
	k := &krestClient{base: strings.TrimRight(o.url, "/"), hc: newHTTPClient(o.conns, o.pollTimeout), allowRemote: o.allowRemote}
	defer k.hc.CloseIdleConnections()

	if err := sleepCtx(ctx, settle); err != nil {
		return nil, err
	}
	var err error
	if fp.Idle, err = procMem(o.pid); err != nil {
		return nil, fmt.Errorf("read krest's memory: %w", err)
	}
	logf("idle RSS %d KiB", fp.Idle.RSSKiB)
	if o.footprintInstances == 0 {
		return fp, nil
	}

	// Each instance gets its own group: a thousand members of one group
	// would measure a rebalance storm, not a footprint.
	prefix := o.topicPrefix + "footprint-" + randomSuffix()
	insts := make([]instance, o.footprintInstances)
	var mu sync.Mutex
	fail := func(err error) {
		mu.Lock()
		fp.Errors++
		if fp.FirstError == "" {
			fp.FirstError = truncate(err.Error(), 300)
		}
		mu.Unlock()
	}
	deleteAll := func() {
		parallel(o.conns, len(insts), func(i int) {
			if insts[i].baseURI == "" {
				return
			}
			if err := k.deleteConsumer(insts[i]); err != nil {
				fail(err)
			}
			insts[i] = instance{}
		})
	}
	defer deleteAll() // what is left when the run stops early

	t0 := time.Now()
	parallel(o.conns, len(insts), func(i int) {
		in, err := k.createConsumer(ctx, fmt.Sprintf("%s-%d", prefix, i), "binary")
		if err != nil {
			fail(err)
			return
		}
		insts[i] = in
	})
	fp.CreateSeconds = time.Since(t0).Seconds()
	fp.Instances = o.footprintInstances - fp.Errors
	logf("created %d consumer instances in %.2fs", fp.Instances, fp.CreateSeconds)
	if err := sleepCtx(ctx, settle); err != nil {
		return nil, err
	}
	if fp.Created, err = procMem(o.pid); err != nil {
		return nil, err
	}
	if fp.Instances > 0 {
		fp.CreatedKiB = float64(fp.Created.RSSKiB-fp.Idle.RSSKiB) / float64(fp.Instances)
	}

	if o.footprintSubscribe && fp.Instances > 0 {
		if err := footprintSubscribe(ctx, o, k, fp, insts, prefix, fail); err != nil {
			return nil, err
		}
	}

	// Delete now, timed, to read the memory afterwards; the deferred call
	// then finds nothing left.
	t1 := time.Now()
	deleteAll()
	fp.DeleteSeconds = time.Since(t1).Seconds()
	if err := sleepCtx(ctx, settle); err != nil {
		return nil, err
	}
	if fp.AfterDelete, err = procMem(o.pid); err != nil {
		return nil, err
	}
	return fp, nil
}

// footprintSubscribe subscribes every instance to one empty topic and reads
// the memory once they have settled. The topic and the groups are deleted
// afterwards.
func footprintSubscribe(ctx context.Context, o options, k *krestClient, fp *footprint, insts []instance, topic string, fail func(error)) error {
	brokers := strings.Split(o.bootstrap, ",")
	if !o.allowRemote {
		if err := checkLoopbackAddrs(ctx, brokers); err != nil {
			return fmt.Errorf("-bootstrap: %w", err)
		}
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ClientID("krest-bench-admin"))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if resp, err := adm.CreateTopic(ctx, 1, 1, nil, topic); err != nil || resp.Err != nil {
		return fmt.Errorf("create topic %s: %v", topic, errors.Join(err, resp.Err))
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if _, err := adm.DeleteTopics(dctx, topic); err != nil {
			logf("warning: delete topic %s: %v", topic, err)
		}
		groups := make([]string, len(insts))
		for i := range insts {
			groups[i] = fmt.Sprintf("%s-%d", topic, i)
		}
		if _, err := adm.DeleteGroups(dctx, groups...); err != nil {
			logf("warning: delete footprint groups: %v", err)
		}
	}()
	if err := k.waitTopic(ctx, topic); err != nil {
		return err
	}
	t0 := time.Now()
	parallel(o.conns, len(insts), func(i int) {
		if insts[i].baseURI == "" {
			return
		}
		if err := k.subscribe(ctx, insts[i], topic); err != nil {
			fail(err)
		}
	})
	fp.SubscribeSecs = time.Since(t0).Seconds()
	logf("subscribed them in %.2fs", fp.SubscribeSecs)
	if err := sleepCtx(ctx, 2*settle); err != nil { // joins take a few heartbeats
		return err
	}
	m, err := procMem(o.pid)
	if err != nil {
		return err
	}
	fp.Subscribed = &m
	fp.SubscribedKiB = float64(m.RSSKiB-fp.Idle.RSSKiB) / float64(fp.Instances)
	return nil
}

// parallel runs fn(0…n-1) on at most workers goroutines.
func parallel(workers, n int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := range next {
				fn(i)
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func printFootprint(w io.Writer, fp *footprint, markdown bool) {
	mib := func(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }
	var rows [][2]string
	if len(fp.ReadyMs) > 0 {
		rows = append(rows, [2]string{fmt.Sprintf("start to ready (median of %d)", len(fp.ReadyMs)),
			fmt.Sprintf("%.0f ms (min %.0f ms)", fp.ReadyMedianMs, fp.ReadyMinMs)})
	}
	rows = append(rows, [2]string{"RSS idle", mib(fp.Idle.RSSKiB)})
	if fp.Instances > 0 || fp.Errors > 0 {
		rows = append(rows,
			[2]string{fmt.Sprintf("RSS with %d consumer instances, not subscribed", fp.Instances),
				fmt.Sprintf("%s (%.1f KiB each)", mib(fp.Created.RSSKiB), fp.CreatedKiB)})
		if fp.Subscribed != nil {
			rows = append(rows, [2]string{fmt.Sprintf("RSS with %d idle subscribed instances", fp.Instances),
				fmt.Sprintf("%s (%.1f KiB each)", mib(fp.Subscribed.RSSKiB), fp.SubscribedKiB)})
		}
		times := fmt.Sprintf("%.2f s / %.2f s", fp.CreateSeconds, fp.DeleteSeconds)
		label := "create / delete them"
		if fp.Subscribed != nil {
			times = fmt.Sprintf("%.2f s / %.2f s / %.2f s", fp.CreateSeconds, fp.SubscribeSecs, fp.DeleteSeconds)
			label = "create / subscribe / delete them"
		}
		hwm := max(fp.AfterDelete.HWMKiB, fp.Created.HWMKiB, fp.Idle.HWMKiB)
		if fp.Subscribed != nil {
			hwm = max(hwm, fp.Subscribed.HWMKiB)
		}
		rows = append(rows,
			[2]string{label, times},
			[2]string{"RSS after deleting them", mib(fp.AfterDelete.RSSKiB)},
			[2]string{"peak RSS (VmHWM)", mib(hwm)},
			[2]string{"errors", fmt.Sprint(fp.Errors)},
		)
	}
	if markdown {
		fmt.Fprintln(w, "| measure | value |\n|---|---|")
		for _, r := range rows {
			fmt.Fprintf(w, "| %s | %s |\n", r[0], r[1])
		}
	} else {
		for _, r := range rows {
			fmt.Fprintf(w, "%-52s %s\n", r[0], r[1])
		}
	}
	if fp.FirstError != "" {
		fmt.Fprintln(w, "first error:", fp.FirstError)
	}
}
