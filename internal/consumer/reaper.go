package consumer

import (
	"context"
	"time"
)

// reap is the reaper goroutine, owned by the Registry: it closes instances
// idle for longer than Options.InstanceTimeout. New starts it; Close stops
// it and waits for it (a round in progress finishes its closes first).
func (r *Registry) reap(ctx context.Context) {
	defer r.wg.Done()
	// Checking four times per timeout closes an instance at most a quarter
	// of the timeout late, which nobody can tell from "idle for the
	// timeout", without waking up often for long timeouts.
	t := time.NewTicker(min(max(r.opts.InstanceTimeout/4, 5*time.Millisecond), 5*time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.reapOnce()
		}
	}
}

// reapOnce removes the expired instances from the map under the registry
// lock, then closes them without it: a close waits for the instance lock
// and for Kafka, and must not stall lookups of other instances.
func (r *Registry) reapOnce() {
	now := r.now()
	var expired []*Instance
	r.mu.Lock()
	for k, inst := range r.instances {
		if r.expired(inst, now) {
			expired = append(expired, inst)
			r.removeLocked(k, inst)
		}
	}
	r.mu.Unlock()
	if len(expired) == 0 {
		return
	}
	r.counts.expired.Add(uint64(len(expired)))
	for _, inst := range expired {
		r.opts.Logger.Info("closing idle consumer instance", "group", inst.group, "instance", inst.name, "idle_timeout", r.opts.InstanceTimeout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.Kafka.RequestTimeout)
	defer cancel()
	r.closeAll(ctx, expired)
}
