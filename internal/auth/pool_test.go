package auth

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// client stands in for a Kafka client: these tests are about the pool's
// bookkeeping. internal/app/auth_test.go runs the pool against kfake.
type client struct {
	user   string
	closed atomic.Int32
}

// harness counts what the pool builds and closes. New accepts passwords
// equal to "pw-" + user and blocks while gate is non-nil and open.
type harness struct {
	mu      sync.Mutex
	built   []*client
	news    atomic.Int32
	running atomic.Int32
	maxRun  atomic.Int32
	gate    chan struct{} // when set, New waits for it (or ctx)
}

var errBadCredentials = errors.New("SASL_AUTHENTICATION_FAILED")

func (h *harness) opts() PoolOptions[*client] {
	return PoolOptions[*client]{
		New: func(ctx context.Context, p Principal) (*client, error) {
			h.news.Add(1)
			n := h.running.Add(1)
			defer h.running.Add(-1)
			for {
				m := h.maxRun.Load()
				if n <= m || h.maxRun.CompareAndSwap(m, n) {
					break
				}
			}
			if h.gate != nil {
				select {
				case <-h.gate:
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			if p.Password() != "pw-"+p.User() {
				return nil, errBadCredentials
			}
			c := &client{user: p.User()}
			h.mu.Lock()
			h.built = append(h.built, c)
			h.mu.Unlock()
			return c, nil
		},
		Close: func(c *client) {
			if c.closed.Add(1) != 1 {
				panic("client closed twice")
			}
		},
	}
}

// open counts built clients not yet closed.
func (h *harness) open() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, c := range h.built {
		if c.closed.Load() == 0 {
			n++
		}
	}
	return n
}

func good(user string) Principal { return NewPrincipal(user, "pw-"+user) }

func newPool(t *testing.T, o PoolOptions[*client]) *Pool[*client] {
	t.Helper()
	pl := NewPool(o)
	t.Cleanup(pl.Close)
	return pl
}

func acquire(t *testing.T, pl *Pool[*client], p Principal) *Lease[*client] {
	t.Helper()
	l, err := pl.Acquire(context.Background(), p)
	if err != nil {
		t.Fatalf("acquire %s: %v", p, err)
	}
	return l
}

func TestPoolReusesTheClientOfAKey(t *testing.T) {
	h := &harness{}
	pl := newPool(t, h.opts())
	a := acquire(t, pl, good("alice"))
	a.Release()
	b := acquire(t, pl, good("alice"))
	defer b.Release()
	if a.Client() != b.Client() || h.news.Load() != 1 {
		t.Fatalf("second acquire built a new client (news=%d)", h.news.Load())
	}
	c := acquire(t, pl, good("bob"))
	defer c.Release()
	if c.Client() == a.Client() {
		t.Fatal("bob got alice's client")
	}
}

// TestPoolWrongPasswordNeverReusesTheRightOne: the key includes the
// password, so a cached client of alice's real password does not serve a
// request with another password, and the failure is not cached.
func TestPoolWrongPasswordNeverReusesTheRightOne(t *testing.T) {
	h := &harness{}
	pl := newPool(t, h.opts())
	acquire(t, pl, good("alice")).Release()
	for range 2 {
		if _, err := pl.Acquire(context.Background(), NewPrincipal("alice", "guess")); !errors.Is(err, errBadCredentials) {
			t.Fatalf("wrong password: %v", err)
		}
	}
	if n := h.news.Load(); n != 3 {
		t.Fatalf("New called %d times, want 3 (a failure must not be cached)", n)
	}
	if s := pl.Stats(); s.Open != 1 || s.Created != 1 || s.Failed != 2 {
		t.Fatalf("stats %+v", s)
	}
}

func TestPoolConcurrentFirstRequestsShareOneVerification(t *testing.T) {
	h := &harness{gate: make(chan struct{})}
	pl := newPool(t, h.opts())
	const n = 50
	leases := make(chan *Lease[*client], n)
	errs := make(chan error, n)
	for range n {
		go func() {
			l, err := pl.Acquire(context.Background(), good("alice"))
			if err != nil {
				errs <- err
				return
			}
			leases <- l
		}()
	}
	waitFor(t, func() bool { return h.running.Load() == 1 })
	close(h.gate)
	var first *client
	for range n {
		select {
		case err := <-errs:
			t.Fatal(err)
		case l := <-leases:
			if first == nil {
				first = l.Client()
			} else if l.Client() != first {
				t.Fatal("two clients for one key")
			}
			l.Release()
		}
	}
	if got := h.news.Load(); got != 1 {
		t.Fatalf("New called %d times, want 1", got)
	}
}

func TestPoolFailureGoesToEveryWaiterAndIsNotCached(t *testing.T) {
	h := &harness{gate: make(chan struct{})}
	pl := newPool(t, h.opts())
	const n = 10
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := pl.Acquire(context.Background(), NewPrincipal("mallory", "guess"))
			errs <- err
		}()
	}
	waitFor(t, func() bool { return h.running.Load() == 1 })
	close(h.gate)
	for range n {
		if err := <-errs; !errors.Is(err, errBadCredentials) {
			t.Fatalf("waiter got %v", err)
		}
	}
	if s := pl.Stats(); s.Open != 0 || s.Failed == 0 || s.Inflight != 0 {
		t.Fatalf("stats %+v", s)
	}
}

// TestPoolEvictsLeastRecentlyUsedIdleClient: MaxClients bounds the pool;
// the client evicted is the least recently used one not in use.
func TestPoolEvictsLeastRecentlyUsedIdleClient(t *testing.T) {
	h := &harness{}
	o := h.opts()
	o.MaxClients = 2
	pl := newPool(t, o)
	a := acquire(t, pl, good("a"))
	acquire(t, pl, good("b")).Release()
	held := acquire(t, pl, good("c")) // a is in use, b idle: b goes
	if s := pl.Stats(); s.Open != 2 || s.Evicted != 1 {
		t.Fatalf("stats %+v", s)
	}
	// The evicted client is closed in the background.
	waitFor(t, func() bool { return h.open() == 2 })
	a.Release()
	held.Release()
	// b is gone: acquiring it builds a new client.
	acquire(t, pl, good("b")).Release()
	if h.news.Load() != 4 {
		t.Fatalf("New called %d times, want 4", h.news.Load())
	}
}

// TestPoolEvictionNeverBreaksALease: with every client in use, the least
// recently used is evicted anyway, but closed only when released.
func TestPoolEvictionNeverBreaksALease(t *testing.T) {
	h := &harness{}
	o := h.opts()
	o.MaxClients = 1
	pl := newPool(t, o)
	a := acquire(t, pl, good("a"))
	a2 := acquire(t, pl, good("a")) // two leases on one client
	b := acquire(t, pl, good("b"))  // evicts a, which is in use
	if a.Client().closed.Load() != 0 {
		t.Fatal("a leased client was closed on eviction")
	}
	a.Release()
	if a2.Client().closed.Load() != 0 {
		t.Fatal("closed while a lease is still held")
	}
	a2.Release()
	a2.Release() // a second release does nothing
	waitFor(t, func() bool { return a2.Client().closed.Load() == 1 })
	b.Release()
	if s := pl.Stats(); s.Open != 1 {
		t.Fatalf("stats %+v", s)
	}
}

func TestPoolInvalidateDropsTheClient(t *testing.T) {
	h := &harness{}
	pl := newPool(t, h.opts())
	l := acquire(t, pl, good("a"))
	other := acquire(t, pl, good("a"))
	l.Invalidate()
	next := acquire(t, pl, good("a"))
	defer next.Release()
	if next.Client() == other.Client() {
		t.Fatal("invalidated client served again")
	}
	if other.Client().closed.Load() != 0 {
		t.Fatal("closed while leased")
	}
	other.Release()
	waitFor(t, func() bool { return other.Client().closed.Load() == 1 })
}

func TestPoolClosesIdleClients(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := &harness{}
		o := h.opts()
		o.IdleTimeout = time.Minute
		pl := NewPool(o)
		defer pl.Close()
		acquire(t, pl, good("idle")).Release()
		busy := acquire(t, pl, good("busy"))
		time.Sleep(30 * time.Second)
		acquire(t, pl, good("recent")).Release()
		time.Sleep(50 * time.Second) // idle: 80 s unused; recent: 50 s
		synctest.Wait()
		if s := pl.Stats(); s.Expired != 1 || s.Open != 2 {
			t.Fatalf("after 80 s: %+v", s)
		}
		time.Sleep(time.Hour) // busy stays: a lease is held
		synctest.Wait()
		if s := pl.Stats(); s.Expired != 2 || s.Open != 1 || busy.Client().closed.Load() != 0 {
			t.Fatalf("after an hour: %+v", s)
		}
		busy.Release()
		time.Sleep(2 * time.Minute)
		synctest.Wait()
		if s := pl.Stats(); s.Open != 0 || h.open() != 0 {
			t.Fatalf("after release: %+v, %d open", s, h.open())
		}
	})
}

// TestPoolBoundsLoginsInFlight: a flood of distinct wrong credentials
// runs at most MaxCreating verifications at once; requests that find no
// slot within Timeout get ErrBusy, and nothing stays behind.
func TestPoolBoundsLoginsInFlight(t *testing.T) {
	h := &harness{gate: make(chan struct{})}
	o := h.opts()
	o.MaxCreating = 3
	o.Timeout = 200 * time.Millisecond
	pl := newPool(t, o)
	before := runtime.NumGoroutine()
	const n = 40
	var wg sync.WaitGroup
	var busy, timedOut atomic.Int32
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := pl.Acquire(context.Background(), NewPrincipal(fmt.Sprint("user", i), "guess"))
			switch {
			case errors.Is(err, ErrBusy):
				busy.Add(1)
			case errors.Is(err, context.DeadlineExceeded):
				timedOut.Add(1)
			default:
				t.Errorf("acquire: %v", err)
			}
		}()
	}
	wg.Wait()
	if h.maxRun.Load() > 3 {
		t.Fatalf("%d verifications ran at once, want at most 3", h.maxRun.Load())
	}
	if busy.Load() == 0 || timedOut.Load() == 0 {
		t.Fatalf("busy=%d timed out=%d: want both", busy.Load(), timedOut.Load())
	}
	if s := pl.Stats(); s.Open != 0 || s.Inflight != 0 || s.Failed != n {
		t.Fatalf("stats %+v", s)
	}
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
}

// TestPoolCallerGivesUpVerificationContinues: a request whose context
// ends stops waiting; the verification finishes for the others and its
// client is cached.
func TestPoolCallerGivesUpVerificationContinues(t *testing.T) {
	h := &harness{gate: make(chan struct{})}
	pl := newPool(t, h.opts())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := pl.Acquire(ctx, good("a"))
		done <- err
	}()
	waitFor(t, func() bool { return h.running.Load() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire: %v", err)
	}
	close(h.gate)
	waitFor(t, func() bool { return pl.Stats().Open == 1 })
	l := acquire(t, pl, good("a"))
	l.Release()
	if h.news.Load() != 1 {
		t.Fatalf("New called %d times", h.news.Load())
	}
}

func TestPoolCloseClosesEverythingAndWaits(t *testing.T) {
	h := &harness{gate: make(chan struct{})}
	o := h.opts()
	o.MaxClients = 1
	pl := NewPool(o)
	close(h.gate)
	a := acquire(t, pl, good("a"))
	b := acquire(t, pl, good("b")) // a evicted but leased
	acquire(t, pl, good("c")).Release()
	h.gate = make(chan struct{}) // the next verification hangs until Close
	pending := make(chan error, 1)
	go func() {
		_, err := pl.Acquire(context.Background(), good("d"))
		pending <- err
	}()
	waitFor(t, func() bool { return h.running.Load() == 1 })
	var wg sync.WaitGroup
	for range 3 { // concurrent Close calls all return after the first finished
		wg.Add(1)
		go func() { defer wg.Done(); pl.Close() }()
	}
	wg.Wait()
	if h.open() != 0 {
		t.Fatalf("%d clients open after Close", h.open())
	}
	if err := <-pending; err == nil {
		t.Fatal("verification in progress succeeded after Close")
	}
	a.Release()
	b.Release() // after Close: no double close (the harness panics on one)
	if _, err := pl.Acquire(context.Background(), good("a")); !errors.Is(err, ErrClosed) {
		t.Fatalf("acquire after Close: %v", err)
	}
}

func TestPoolKeyHidesThePassword(t *testing.T) {
	pl := NewPool(PoolOptions[*client]{New: func(context.Context, Principal) (*client, error) { return nil, nil }, Close: func(*client) {}})
	defer pl.Close()
	k1, k2 := pl.keyOf(NewPrincipal("a", "pw")), pl.keyOf(NewPrincipal("a", "pw2"))
	if k1 == k2 || k1 != pl.keyOf(NewPrincipal("a", "pw")) {
		t.Fatal("keys must differ by password and be stable")
	}
	other := NewPool(PoolOptions[*client]{New: func(context.Context, Principal) (*client, error) { return nil, nil }, Close: func(*client) {}})
	defer other.Close()
	if other.keyOf(NewPrincipal("a", "pw")) == k1 {
		t.Fatal("two pools share an HMAC key")
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkAuthenticateCached is the per-request cost of rest_authorization
// once the caller's client is pooled: parse the header, find the client
// (an HMAC of the password and a map lookup), release it.
func BenchmarkAuthenticateCached(b *testing.B) {
	h := &harness{}
	pl := NewPool(h.opts())
	defer pl.Close()
	header := "Basic " + "YWxpY2U6cHctYWxpY2U=" // alice:pw-alice
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p, err := ParseBasic(header)
			if err != nil {
				b.Fatal(err)
			}
			l, err := pl.Acquire(context.Background(), p)
			if err != nil {
				b.Fatal(err)
			}
			l.Release()
		}
	})
}

// TestPoolBoundsPendingLogins: each pending login holds a goroutine that
// outlives its request, so a flood of distinct credentials is refused at
// once beyond MaxClients + MaxCreating pending logins.
func TestPoolBoundsPendingLogins(t *testing.T) {
	h := &harness{gate: make(chan struct{})}
	o := h.opts()
	o.MaxClients, o.MaxCreating = 2, 1
	pl := newPool(t, o)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _ = pl.Acquire(ctx, NewPrincipal(fmt.Sprint("pending", i), "guess"))
		}()
	}
	waitFor(t, func() bool { return pl.Stats().Inflight == 3 })
	start := time.Now()
	if _, err := pl.Acquire(context.Background(), NewPrincipal("one-more", "guess")); !errors.Is(err, ErrBusy) {
		t.Fatalf("acquire beyond the pending bound: %v, want ErrBusy", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("refusal took %v, want at once", d)
	}
	cancel()
	wg.Wait()
	close(h.gate)
	// The pending logins finish and the bound frees up.
	waitFor(t, func() bool { return pl.Stats().Inflight == 0 })
	acquire(t, pl, good("later")).Release()
}
