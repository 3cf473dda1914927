package auth

import (
	"container/list"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"hash"
	"sync"
	"time"
)

// Defaults used when a PoolOptions field is zero.
const (
	DefaultMaxClients  = 100             // rest_authorization_max_clients
	DefaultIdleTimeout = 5 * time.Minute // rest_authorization_client_idle_ms
	DefaultTimeout     = 30 * time.Second
	DefaultMaxCreating = 8
)

// closeConcurrency is how many clients Close closes at once.
const closeConcurrency = 16

var (
	// ErrClosed is returned by Acquire once Close has begun.
	ErrClosed = errors.New("auth: client pool closed")
	// ErrBusy is returned when no verification slot freed up within
	// PoolOptions.Timeout (MaxCreating logins were in progress all along),
	// or at once when MaxClients + MaxCreating logins are already pending.
	ErrBusy = errors.New("auth: too many Kafka logins in progress")
)

// PoolOptions configure a Pool; each zero field has a documented default.
type PoolOptions[C any] struct {
	// New builds the client of p and verifies p's credentials with it
	// (one cheap Kafka request). On error it must release what it built;
	// the error goes to every request waiting for this client and nothing
	// is cached. ctx ends after Timeout or when the pool closes. Required.
	New func(ctx context.Context, p Principal) (C, error)
	// Close releases a client New returned. The pool calls it exactly once
	// per client, never while a lease on it is held (except from Pool.Close),
	// and never with Pool.mu held. Required.
	Close func(C)
	// MaxClients caps the clients kept; when a new one would exceed it,
	// the least recently used one not in use goes (or, when all are in use,
	// the least recently used one, closed when released). 0 means 100.
	MaxClients int
	// IdleTimeout closes a client no lease used for this long. 0 means 5
	// minutes.
	IdleTimeout time.Duration
	// Timeout bounds waiting for a verification slot plus New. 0 means 30 s.
	Timeout time.Duration
	// MaxCreating caps the verifications running at once. 0 means 8.
	MaxCreating int
}

// key identifies a client: the user and an HMAC of the password.
type key struct {
	user string
	mac  [sha256.Size]byte
}

type entry[C any] struct {
	key      key
	c        C
	refs     int           // leases held; guarded by Pool.mu
	lastUsed time.Time     // last Acquire or Release
	elem     *list.Element // in Pool.lru; nil once out of the pool
	closed   bool          // Close was called or is about to be
}

// call is one verification in progress, shared by every request of its key.
type call[C any] struct {
	done     chan struct{} // closed when e or err is set
	waiters  int           // requests waiting; each gets a lease on success
	finished bool          // guarded by Pool.mu; set before done is closed
	e        *entry[C]
	err      error
}

// Pool keeps the Kafka clients of rest_authorization, one per (user,
// password); see the package doc. Build it with NewPool and close it with
// Close. Its methods are safe for concurrent use.
type Pool[C any] struct {
	opts   PoolOptions[C]
	secret []byte        // the HMAC key, random per pool
	macs   sync.Pool     // of HMAC hashers keyed with secret: one per request is 5 allocations
	sem    chan struct{} // verification slots
	life   context.Context
	stop   context.CancelFunc

	mu       sync.Mutex
	entries  map[key]*entry[C]
	lru      list.List // of *entry[C], most recently used first
	calls    map[key]*call[C]
	draining map[*entry[C]]struct{} // out of the pool, leased, closed on release
	closed   bool
	stats    PoolStats

	wg        sync.WaitGroup // janitor, verifications, background closes
	closeOnce sync.Once
}

// PoolStats are the pool's counters, for tests and metrics.
type PoolStats struct {
	Open     int    // clients built and not yet closed
	Created  uint64 // verifications that succeeded
	Failed   uint64 // verifications that failed (bad credentials, Kafka down, busy)
	Evicted  uint64 // clients dropped for MaxClients
	Expired  uint64 // clients closed after IdleTimeout
	Inflight int    // verifications in progress
}

// NewPool builds a pool and starts its janitor.
func NewPool[C any](opts PoolOptions[C]) *Pool[C] {
	if opts.MaxClients <= 0 {
		opts.MaxClients = DefaultMaxClients
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = DefaultIdleTimeout
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxCreating <= 0 {
		opts.MaxCreating = DefaultMaxCreating
	}
	secret := make([]byte, 32)
	_, _ = rand.Read(secret) // never fails (crypto/rand panics rather)
	pl := &Pool[C]{
		opts:     opts,
		secret:   secret,
		sem:      make(chan struct{}, opts.MaxCreating),
		entries:  make(map[key]*entry[C]),
		calls:    make(map[key]*call[C]),
		draining: make(map[*entry[C]]struct{}),
	}
	pl.macs.New = func() any { return hmac.New(sha256.New, secret) }
	pl.life, pl.stop = context.WithCancel(context.Background())
	pl.wg.Add(1)
	go pl.janitor()
	return pl
}

func (pl *Pool[C]) keyOf(p Principal) key {
	m := pl.macs.Get().(hash.Hash)
	m.Reset()
	m.Write([]byte(p.pass))
	k := key{user: p.user}
	m.Sum(k.mac[:0])
	pl.macs.Put(m)
	return k
}

// Lease is one use of a pooled client, from Acquire to Release.
type Lease[C any] struct {
	pl   *Pool[C]
	e    *entry[C]
	done bool
}

// Client is the leased client. It stays usable until Release (or
// Invalidate), even if the pool evicts it meanwhile.
func (l *Lease[C]) Client() C { return l.e.c }

// Release ends the lease. Calls after the first do nothing. The Lease is
// not safe for concurrent use.
func (l *Lease[C]) Release() { l.end(false) }

// Invalidate ends the lease and drops the client from the pool, so the
// next request of its key logs in afresh: for when Kafka rejected the
// credentials on a new connection of a client built earlier (the password
// changed in Kafka).
func (l *Lease[C]) Invalidate() { l.end(true) }

func (l *Lease[C]) end(drop bool) {
	if l.done {
		return
	}
	l.done = true
	l.pl.release(l.e, drop)
}

// Acquire returns a lease on the client of p, building and verifying it
// first if the pool has none (see the package doc). It returns New's error
// when the verification fails, ErrBusy when no verification slot freed up
// in time, ErrClosed after Close, or ctx's error if ctx ends first (the
// verification continues for the other requests waiting for it, and its
// client is cached).
func (pl *Pool[C]) Acquire(ctx context.Context, p Principal) (*Lease[C], error) {
	k := pl.keyOf(p)
	pl.mu.Lock()
	if pl.closed {
		pl.mu.Unlock()
		return nil, ErrClosed
	}
	if e := pl.entries[k]; e != nil {
		pl.useLocked(e)
		pl.mu.Unlock()
		return &Lease[C]{pl: pl, e: e}, nil
	}
	c := pl.calls[k]
	if c == nil && len(pl.calls) >= pl.opts.MaxClients+pl.opts.MaxCreating {
		// Each pending login holds a goroutine that outlives its request:
		// a flood of distinct credentials must not pile them up. More
		// pending than the pool could keep is a flood, not a crowd.
		pl.mu.Unlock()
		return nil, ErrBusy
	}
	if c == nil {
		c = &call[C]{done: make(chan struct{})}
		pl.calls[k] = c
		pl.stats.Inflight++
		pl.wg.Add(1) // under mu, before Close can set closed and Wait
		go pl.create(k, p, c)
	}
	c.waiters++
	pl.mu.Unlock()

	select {
	case <-c.done:
	case <-ctx.Done():
		pl.mu.Lock()
		if !c.finished {
			c.waiters--
			pl.mu.Unlock()
			return nil, ctx.Err()
		}
		pl.mu.Unlock()
		// Finished meanwhile: a successful verification counted us in.
		if c.err == nil {
			pl.release(c.e, false)
		}
		return nil, ctx.Err()
	}
	if c.err != nil {
		return nil, c.err
	}
	return &Lease[C]{pl: pl, e: c.e}, nil
}

// useLocked takes a lease on e.
func (pl *Pool[C]) useLocked(e *entry[C]) {
	e.refs++
	e.lastUsed = time.Now()
	pl.lru.MoveToFront(e.elem)
}

// create verifies p on a goroutine of the pool, so that the verification
// outlives the request that started it (others may be waiting for it) and
// is bounded by the pool's Timeout and life rather than by one client.
func (pl *Pool[C]) create(k key, p Principal, c *call[C]) {
	defer pl.wg.Done()
	ctx, cancel := context.WithTimeout(pl.life, pl.opts.Timeout)
	defer cancel()
	var cl C
	var err error
	select {
	case pl.sem <- struct{}{}:
		cl, err = pl.opts.New(ctx, p)
		<-pl.sem
	case <-ctx.Done():
		err = ErrBusy
		if pl.life.Err() != nil {
			err = ErrClosed
		}
	}

	var toClose []C
	pl.mu.Lock()
	delete(pl.calls, k)
	pl.stats.Inflight--
	c.finished = true
	switch {
	case err != nil:
		pl.stats.Failed++
	case pl.closed:
		// Close ran while we verified: it could not see this client.
		toClose, err = append(toClose, cl), ErrClosed
	default:
		pl.stats.Created++
		pl.stats.Open++
		e := &entry[C]{key: k, c: cl, refs: c.waiters, lastUsed: time.Now()}
		e.elem = pl.lru.PushFront(e)
		pl.entries[k] = e
		c.e = e
		toClose = pl.evictLocked()
	}
	c.err = err
	pl.mu.Unlock()
	close(c.done)
	for _, cl := range toClose {
		pl.opts.Close(cl)
	}
}

// evictLocked drops clients beyond MaxClients, least recently used first,
// preferring clients not in use. It returns those to close now; evicted
// clients in use are closed when their last lease ends.
func (pl *Pool[C]) evictLocked() []C {
	var out []C
	for len(pl.entries) > pl.opts.MaxClients {
		victim := pl.lru.Back()
		for el := victim; el != nil; el = el.Prev() {
			if el.Value.(*entry[C]).refs == 0 {
				victim = el
				break
			}
		}
		e := victim.Value.(*entry[C])
		pl.removeLocked(e)
		pl.stats.Evicted++
		if e.refs == 0 {
			e.closed = true
			pl.stats.Open--
			out = append(out, e.c)
		} else {
			pl.draining[e] = struct{}{}
		}
	}
	return out
}

// removeLocked takes e out of the map and the LRU list.
func (pl *Pool[C]) removeLocked(e *entry[C]) {
	delete(pl.entries, e.key)
	pl.lru.Remove(e.elem)
	e.elem = nil
}

// release ends a lease. A client out of the pool (evicted, invalidated)
// is closed when its last lease ends, on a goroutine of the pool: the
// caller is a request whose response net/http may not have flushed yet.
func (pl *Pool[C]) release(e *entry[C], drop bool) {
	pl.mu.Lock()
	e.refs--
	if drop && e.elem != nil {
		pl.removeLocked(e)
		pl.draining[e] = struct{}{}
	}
	if e.elem != nil {
		e.lastUsed = time.Now()
		pl.lru.MoveToFront(e.elem)
	}
	closeNow := e.elem == nil && e.refs == 0 && !e.closed
	if closeNow {
		e.closed = true
		delete(pl.draining, e)
		pl.stats.Open--
		pl.wg.Add(1) // not closed: Close marks every entry closed first
	}
	pl.mu.Unlock()
	if closeNow {
		go func() {
			defer pl.wg.Done()
			pl.opts.Close(e.c)
		}()
	}
}

// janitor closes clients idle for longer than IdleTimeout until the pool
// closes. Checking four times per timeout closes a client at most a
// quarter of the timeout late.
func (pl *Pool[C]) janitor() {
	defer pl.wg.Done()
	t := time.NewTicker(min(max(pl.opts.IdleTimeout/4, 10*time.Millisecond), 5*time.Second))
	defer t.Stop()
	for {
		select {
		case <-pl.life.Done():
			return
		case <-t.C:
			for _, c := range pl.expire(time.Now()) {
				pl.opts.Close(c)
			}
		}
	}
}

// expire removes the clients not in use and idle since before now minus
// IdleTimeout, and returns them to close.
func (pl *Pool[C]) expire(now time.Time) []C {
	var out []C
	pl.mu.Lock()
	defer pl.mu.Unlock()
	// The list is ordered by last use: stop at the first recent entry.
	for el := pl.lru.Back(); el != nil; {
		e := el.Value.(*entry[C])
		prev := el.Prev()
		if now.Sub(e.lastUsed) <= pl.opts.IdleTimeout {
			break
		}
		if e.refs == 0 {
			pl.removeLocked(e)
			e.closed = true
			pl.stats.Open--
			pl.stats.Expired++
			out = append(out, e.c)
		}
		el = prev
	}
	return out
}

// Stats returns the pool's counters.
func (pl *Pool[C]) Stats() PoolStats {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return pl.stats
}

// Close closes every client, in use or not (the HTTP server is shut down
// first, so leases still held belong to requests past the shutdown
// deadline, which then fail as Kafka clients closed), cancels
// verifications in progress and stops the janitor, then waits for every
// goroutine of the pool. Later Acquires fail with ErrClosed. Close is
// idempotent; concurrent callers wait for the first.
func (pl *Pool[C]) Close() {
	pl.closeOnce.Do(func() {
		pl.mu.Lock()
		pl.closed = true
		var all []C
		for el := pl.lru.Front(); el != nil; el = el.Next() {
			e := el.Value.(*entry[C])
			e.closed, e.elem = true, nil
			all = append(all, e.c)
		}
		for e := range pl.draining {
			e.closed = true
			all = append(all, e.c)
		}
		clear(pl.entries)
		clear(pl.draining)
		pl.lru.Init()
		pl.stats.Open -= len(all)
		pl.mu.Unlock()

		pl.stop()
		sem := make(chan struct{}, closeConcurrency)
		var wg sync.WaitGroup
		for _, c := range all {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				pl.opts.Close(c)
			}()
		}
		wg.Wait()
		pl.wg.Wait()
	})
}
