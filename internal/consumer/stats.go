package consumer

import "sync/atomic"

// Stats are the registry's instance counts, for metrics.
type Stats struct {
	// Live is the number of instances in the registry now.
	Live int
	// Created counts the instances Create added since New.
	Created uint64
	// Expired counts the instances the reaper closed for being idle
	// longer than Options.InstanceTimeout.
	Expired uint64
}

// counts are the lifecycle counters behind Stats. They are atomics rather
// than fields under Registry.mu so that reading them (on every metrics
// scrape) never waits for the registry lock.
type counts struct {
	created atomic.Uint64
	expired atomic.Uint64
}

// Stats returns the instance counts. It is safe for concurrent use.
func (r *Registry) Stats() Stats {
	return Stats{Live: r.Len(), Created: r.counts.created.Load(), Expired: r.counts.expired.Load()}
}
