package consumer

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// instanceKey identifies an instance: names are unique per owner and
// group, so two principals may each have an instance "a" in group "g".
type instanceKey struct{ owner, group, name string }

// Registry holds the consumer instances of this krest. Build it with New
// and close it with Close; its methods are safe for concurrent use.
type Registry struct {
	opts    Options
	admin   *kadm.Client
	ownsAdm *kgo.Client // the admin's client when New built it, closed by Close
	started time.Time

	mu        sync.Mutex // guards instances, owned and closed; see the package doc
	instances map[instanceKey]*Instance
	owned     map[string]int // live instances per non-empty owner
	closed    bool

	// drained is set (under mu) when Close starts waiting for wg: later
	// background closes run on the caller's goroutine instead, since a
	// WaitGroup must not grow from zero while it is waited for.
	drained bool

	closeOnce  sync.Once
	stopReaper context.CancelFunc
	wg         sync.WaitGroup // the reaper and background closes

	counts counts // lifecycle counters for Stats (stats.go)
}

// New builds a registry and starts its reaper. It does not contact Kafka.
// It fails only when it has to build its own admin client (Options.Admin is
// nil) and franz-go rejects the Kafka options.
func New(opts Options) (*Registry, error) {
	opts = opts.withDefaults()
	r := &Registry{opts: opts, admin: opts.Admin, started: time.Now(),
		instances: make(map[instanceKey]*Instance), owned: make(map[string]int)}
	if r.admin == nil {
		cl, err := kgo.NewClient(append(opts.Kafka.BaseOpts(), kgo.DisableClientMetrics())...)
		if err != nil {
			return nil, fmt.Errorf("consumer admin client: %w", err)
		}
		r.ownsAdm, r.admin = cl, kadm.NewClient(cl)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stopReaper = cancel
	r.wg.Add(1)
	go r.reap(ctx)
	return r, nil
}

// now is the monotonic time since the registry started.
func (r *Registry) now() time.Duration { return time.Since(r.started) }

// Create adds an instance to group, owned by cfg.Owner. It returns
// 409/40902 if the owner already has an instance with cfg.Name in the
// group, 429 when Options.MaxInstances are alive or the owner has
// Options.MaxInstancesPerOwner, and 503 once Close has begun. It does not
// contact Kafka: the instance builds a client when it subscribes or is
// assigned partitions.
func (r *Registry) Create(group string, cfg Config) (*Instance, error) {
	name := cfg.Name
	if name == "" {
		name = newName()
	}
	inst := &Instance{
		reg:            r,
		owner:          cfg.Owner,
		kafka:          cfg.Kafka,
		group:          group,
		name:           name,
		format:         cfg.Format,
		reset:          cfg.OffsetReset,
		autoCommit:     !r.opts.DisableAutoCommit,
		fetchMinBytes:  r.opts.FetchMinBytes,
		requestTimeout: r.opts.RequestTimeout,
		sem:            make(chan struct{}, 1),
	}
	if inst.reset == 0 {
		inst.reset = r.opts.AutoOffsetReset
	}
	if cfg.AutoCommit != nil {
		inst.autoCommit = *cfg.AutoCommit
	}
	if cfg.FetchMinBytes != nil {
		inst.fetchMinBytes = max(*cfg.FetchMinBytes, 1)
	}
	if cfg.RequestTimeout != nil {
		inst.requestTimeout = max(*cfg.RequestTimeout, 0)
	}
	inst.life, inst.cancel = context.WithCancel(context.Background())
	inst.st.reset(nil)
	inst.touch()

	r.mu.Lock()
	defer r.mu.Unlock()
	switch key := (instanceKey{cfg.Owner, group, name}); {
	case r.closed:
		inst.cancel()
		return nil, errRegistryClosed()
	case r.instances[key] != nil:
		inst.cancel()
		return nil, errExists(name)
	case r.opts.MaxInstances > 0 && len(r.instances) >= r.opts.MaxInstances:
		inst.cancel()
		return nil, errTooMany(r.opts.MaxInstances)
	case cfg.Owner != "" && r.opts.MaxInstancesPerOwner > 0 && r.owned[cfg.Owner] >= r.opts.MaxInstancesPerOwner:
		inst.cancel()
		return nil, errTooManyForOwner(cfg.Owner, r.opts.MaxInstancesPerOwner)
	default:
		r.instances[key] = inst
		if cfg.Owner != "" {
			r.owned[cfg.Owner]++
		}
		r.counts.created.Add(1)
	}
	r.opts.Logger.Debug("consumer instance created", "group", group, "instance", name, "owner", cfg.Owner)
	return inst, nil
}

// Exists reports whether owner has an instance named name in group. The
// REST layer uses it to report a duplicate name before other validation
// errors, as Karapace does; Create checks again atomically.
func (r *Registry) Exists(owner, group, name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.instances[instanceKey{owner, group, name}] != nil
}

// Lookup returns owner's instance named name in group and marks it used,
// so it is not reaped while the request that looked it up runs. It returns
// 404/40403 when there is none, also when another owner has one by that
// name (no information leak). Every request reaches instances through
// Lookup: a layer that forwards requests to the krest owning an instance
// wraps this one call.
func (r *Registry) Lookup(owner, group, name string) (*Instance, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	inst := r.instances[instanceKey{owner, group, name}]
	if inst == nil {
		return nil, errNotFound(group, name)
	}
	inst.touch()
	return inst, nil
}

// Delete removes owner's instance and closes it: positions are committed when
// auto-commit is on and it leaves its group, bounded by ctx. A records
// request in progress on the instance returns at once (with 40403). It
// returns 404/40403 when owner has no such instance. If ctx ends before the
// instance could be closed, the close completes in the background and
// Close waits for it.
func (r *Registry) Delete(ctx context.Context, owner, group, name string) error {
	key := instanceKey{owner, group, name}
	r.mu.Lock()
	inst := r.instances[key]
	if inst != nil {
		r.removeLocked(key, inst)
	}
	r.mu.Unlock()
	if inst == nil {
		return errNotFound(group, name)
	}
	inst.close(ctx)
	return nil
}

// Len returns the number of live instances.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.instances)
}

// Close stops the reaper and closes every instance (committing positions
// when auto-commit is on and leaving their groups), in parallel, bounded by
// ctx; then it waits for closes still running in the background and closes
// the admin client if New built it. Later calls to Create fail with 503.
// Close is idempotent; calls after the first return at once. The HTTP
// server should be shut down first, so no request holds an instance.
func (r *Registry) Close(ctx context.Context) {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		all := make([]*Instance, 0, len(r.instances))
		for k, inst := range r.instances {
			all = append(all, inst)
			r.removeLocked(k, inst)
		}
		r.mu.Unlock()

		r.stopReaper()
		r.closeAll(ctx, all)
		r.mu.Lock()
		r.drained = true
		r.mu.Unlock()
		r.wg.Wait()
		if r.ownsAdm != nil {
			r.ownsAdm.Close()
		}
	})
}

// removeLocked takes an instance out of the map and its owner's count; the
// caller holds r.mu.
func (r *Registry) removeLocked(k instanceKey, inst *Instance) {
	delete(r.instances, k)
	if inst.owner == "" {
		return
	}
	if r.owned[inst.owner]--; r.owned[inst.owner] <= 0 {
		delete(r.owned, inst.owner)
	}
}

// closeAll closes instances with bounded parallelism: a close is mostly
// waiting for Kafka (a commit and a LeaveGroup).
func (r *Registry) closeAll(ctx context.Context, all []*Instance) {
	sem := make(chan struct{}, defaultCloseConcurrency)
	var wg sync.WaitGroup
	for _, inst := range all {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			inst.close(ctx)
		}()
	}
	wg.Wait()
}

// goClose finishes closing an instance whose lock was still held when the
// caller's context ended. The holder was cancelled (its context follows the
// instance's life) and returns promptly; the close then gets the Kafka
// request timeout of its own.
func (r *Registry) goClose(inst *Instance) {
	finish := func() {
		inst.sem <- struct{}{}
		defer func() { <-inst.sem }()
		ctx, cancel := context.WithTimeout(context.Background(), r.opts.Kafka.RequestTimeout)
		defer cancel()
		inst.closeLocked(ctx)
	}
	r.mu.Lock()
	if r.drained {
		r.mu.Unlock()
		finish()
		return
	}
	r.wg.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.wg.Done()
		finish()
	}()
}

// expired reports whether inst has been idle longer than the timeout; the
// caller holds r.mu.
func (r *Registry) expired(inst *Instance, now time.Duration) bool {
	return inst.busy.Load() == 0 && now-time.Duration(inst.lastUsed.Load()) > r.opts.InstanceTimeout
}
