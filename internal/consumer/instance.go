package consumer

import (
	"context"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/serde"
)

// mode is what an instance consumes.
type mode uint8

const (
	modeNone     mode = iota // neither subscribed nor assigned
	modeTopics               // subscribed to named topics (group)
	modePattern              // subscribed to a topic pattern (group)
	modeAssigned             // manually assigned partitions (no group membership)
)

// Instance is one consumer instance. Its methods are safe for concurrent
// use and serialised: each holds the instance lock for its whole duration,
// including Kafka I/O and a records long-poll, bounded by its context. Every
// method returns a 404/40403 *apierr.Error once the instance is closed
// (deleted, expired, or the registry shut down).
type Instance struct {
	reg *Registry

	// Immutable after creation.
	owner          string
	kafka          *kafka.Options // nil: the registry's options and admin
	group, name    string
	format         serde.Format
	reset          OffsetReset
	autoCommit     bool
	fetchMinBytes  int32
	requestTimeout time.Duration

	// life is cancelled when the instance starts closing: it aborts the
	// request holding the instance (a long-poll returns at once) so the
	// close gets the lock promptly.
	life   context.Context
	cancel context.CancelFunc

	// sem is the instance lock (see the package doc): a one-slot channel
	// so that waiting for it is bounded by the request context.
	sem chan struct{}

	// lastUsed (nanoseconds since the registry started, monotonic) and busy
	// (requests holding or waiting for the lock) are read by the reaper.
	lastUsed atomic.Int64
	busy     atomic.Int32

	// Guarded by sem.
	closed     bool
	mode       mode
	topics     []string       // modeTopics, sorted
	pattern    *regexp.Regexp // modePattern, anchored
	rawPattern string
	start      map[TopicPartition]kgo.Offset // modeAssigned: where partitions start
	cl         *kgo.Client
	lastCommit time.Time
	adm        *kadm.Client // the owner's admin client (see admin); nil until used
	admCl      *kgo.Client  // adm's client, closed with the instance

	st state
}

// Group returns the consumer group the instance belongs to.
func (i *Instance) Group() string { return i.group }

// Owner returns the principal owning the instance; "" without
// authorization.
func (i *Instance) Owner() string { return i.owner }

// Name returns the instance name (the REST instance_id).
func (i *Instance) Name() string { return i.name }

// Format returns the embedded format the instance's records are returned in.
func (i *Instance) Format() serde.Format { return i.format }

// RequestTimeout returns the instance's consumer.request.timeout.ms: the
// longest a records request waits for data.
func (i *Instance) RequestTimeout() time.Duration { return i.requestTimeout }

// AutoCommit reports whether the instance commits positions automatically.
func (i *Instance) AutoCommit() bool { return i.autoCommit }

func (i *Instance) touch() { i.lastUsed.Store(int64(i.reg.now())) }

// kafkaOpts are the options the instance's clients start from.
func (i *Instance) kafkaOpts() *kafka.Options {
	if i.kafka != nil {
		return i.kafka
	}
	return &i.reg.opts.Kafka
}

// admin returns the admin client for offsets requests outside a group
// session. An instance with its own Kafka options (an owner's
// credentials) builds one on first use rather than borrow the registry's,
// which acts as krest; the caller holds the instance lock.
func (i *Instance) admin() (*kadm.Client, error) {
	if i.kafka == nil {
		return i.reg.admin, nil
	}
	if i.adm == nil {
		cl, err := kgo.NewClient(i.kafka.BaseOpts()...)
		if err != nil {
			return nil, fmt.Errorf("consumer admin client: %w", err)
		}
		i.admCl, i.adm = cl, kadm.NewClient(cl)
	}
	return i.adm, nil
}

// acquire takes the instance lock for one operation. The returned context
// is ctx, also cancelled when the instance starts closing; release must be
// called when done. It fails with ctx's error if ctx ends first and with
// 40403 if the instance is closed.
func (i *Instance) acquire(ctx context.Context) (context.Context, func(), error) {
	i.busy.Add(1)
	select {
	case i.sem <- struct{}{}:
	case <-ctx.Done():
		i.busy.Add(-1)
		return nil, nil, ctx.Err()
	case <-i.life.Done():
		i.busy.Add(-1)
		return nil, nil, errNotFound(i.group, i.name)
	}
	// A close cancels life before it waits for the lock: an operation that
	// got the lock in between must not start (it could build a client the
	// close would then have to tear down).
	if i.closed || i.life.Err() != nil {
		<-i.sem
		i.busy.Add(-1)
		return nil, nil, errNotFound(i.group, i.name)
	}
	opCtx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(i.life, cancel)
	return opCtx, func() {
		stop()
		cancel()
		i.touch()
		<-i.sem
		i.busy.Add(-1)
	}, nil
}

// aborted converts the error of an operation cut short by the instance
// closing into 40403.
func (i *Instance) aborted(err error) error {
	if err != nil && i.life.Err() != nil {
		return errNotFound(i.group, i.name)
	}
	return err
}

// kafkaCtx bounds one Kafka operation by the configured request timeout.
func (i *Instance) kafkaCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, i.reg.opts.Kafka.RequestTimeout)
}

// close commits positions when auto-commit is on, leaves the group and
// closes the client. The registry has already removed the instance from
// its map. If ctx ends before the lock is free, the close finishes on a
// goroutine the registry waits for in Close.
func (i *Instance) close(ctx context.Context) {
	i.cancel() // a long-poll holding the lock returns now
	select {
	case i.sem <- struct{}{}:
	case <-ctx.Done():
		i.reg.goClose(i)
		return
	}
	defer func() { <-i.sem }()
	i.closeLocked(ctx)
}

// closeLocked is close with the lock held.
func (i *Instance) closeLocked(ctx context.Context) {
	if i.closed {
		return
	}
	i.closed = true
	i.dropClient(ctx)
	if i.admCl != nil {
		i.admCl.Close()
		i.admCl, i.adm = nil, nil
	}
	i.mode = modeNone
	i.reg.opts.Logger.Debug("consumer instance closed", "group", i.group, "instance", i.name)
}
