package registry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/registry/compat"
)

// Defaults for the zero values of Options.
const (
	DefaultTopic         = "_schemas"
	DefaultGroupID       = "schema-registry"
	DefaultCompatibility = "BACKWARD"
	defaultTimeout       = 10 * time.Second
	defaultMaxBodyBytes  = 16 << 20
	// Confluent's leader election defaults (SchemaRegistryConfig): a 10 s
	// session, heartbeats every 3 s.
	defaultSessionTimeout    = 10 * time.Second
	defaultHeartbeatInterval = 3 * time.Second
)

// Options configures a Registry. app fills it from config.Config; the zero
// value of each field is documented.
type Options struct {
	// KafkaOpts are the franz-go options every registry client starts from:
	// seed brokers, client id, TLS, SASL, logging (kafka.Options.BaseOpts).
	// Required: at least kgo.SeedBrokers.
	KafkaOpts []kgo.Opt

	// AdvertisedURL is the absolute http(s) URL other krest instances use
	// to reach this registry, e.g. "http://10.0.0.5:8081". It is announced
	// in the election group; the primary's URL is where the others forward
	// writes. Required.
	AdvertisedURL string

	// Topic is the schemas topic (Karapace's topic_name). "" means
	// "_schemas".
	Topic string

	// ReplicationFactor is used when the registry creates Topic. 0 means
	// min(3, number of brokers).
	ReplicationFactor int

	// GroupID is the Kafka group the instances elect their primary in
	// (Karapace's group_id). "" means "schema-registry", the group Confluent
	// and Karapace use, whose protocol krest speaks.
	GroupID string

	// NotPrimaryEligible keeps this instance from ever becoming the primary
	// (Karapace's master_eligibility=false): it serves reads and forwards
	// writes. The zero value is eligible.
	NotPrimaryEligible bool

	// Compatibility is the default compatibility level when no global
	// CONFIG record sets one (Karapace's compatibility). "" means BACKWARD.
	Compatibility string

	// Timeout bounds a write (produce, then wait until the local state has
	// applied it), a forwarded request, and how long a request waits for
	// the initial load. 0 means 10 s.
	Timeout time.Duration

	// MaxBodyBytes caps request bodies; larger bodies get 413. 0 means
	// 16 MiB.
	MaxBodyBytes int64

	// HTTPClient forwards writes to the primary. Nil means a client with
	// Timeout.
	HTTPClient *http.Client

	// Logger receives the registry's logs. Nil discards them.
	Logger *slog.Logger

	// Version is reported by GET /_health.
	Version string

	// sessionTimeout and heartbeatInterval tune the election; tests shorten
	// them. Zero means Confluent's defaults.
	sessionTimeout    time.Duration
	heartbeatInterval time.Duration
	// skipLeave makes Close skip LeaveGroup, as a crash would; tests use
	// it to exercise failover by session timeout.
	skipLeave bool
}

// Registry is an embedded Confluent-compatible Schema Registry whose state
// lives in a Kafka topic. Build it with New, run it with Start, serve
// Handler, stop it with Close. It is safe for concurrent use.
type Registry struct {
	opts     Options
	log      *slog.Logger
	store    *store
	progress *progress
	handler  http.Handler
	identity memberIdentity
	check    compatChecker // compat.Check

	// cl produces, administers the topic and runs the election; reader
	// consumes the topic. Separate clients keep a long JoinGroup or fetch
	// from delaying a write.
	cl     *kgo.Client
	reader *kgo.Client

	ready     chan struct{} // closed when the initial load is complete
	startTime time.Time
	loadTime  atomic.Int64 // nanoseconds the initial load took

	// primary is what the last election said; nil while unknown (during a
	// rebalance, or when no instance is eligible).
	primary atomic.Pointer[primaryInfo]
	// generation is the election group's generation, for health.
	generation atomic.Int32

	// writeMu serialises writes on the primary, so each one plans against
	// a state that includes every earlier write (ids are handed out in
	// order, a version number is never given twice).
	writeMu sync.Mutex
	// dirty is set (under writeMu) when a write ended without knowing
	// whether its records reached the topic; the next write first reads
	// up to a barrier.
	dirty bool

	// life ends when Close begins; writes in flight and the goroutines
	// Start launched stop with it.
	life      context.Context
	endLife   context.CancelFunc
	started   atomic.Bool
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// primaryInfo is the outcome of an election.
type primaryInfo struct {
	url  string // the primary's advertised URL
	self bool   // this instance is the primary and has caught up
}

// New validates opts and builds a Registry. It does not contact Kafka:
// Start does, in the background, so krest can start before Kafka does.
func New(opts Options) (*Registry, error) {
	if len(opts.KafkaOpts) == 0 {
		return nil, errors.New("registry: no Kafka options (seed brokers)")
	}
	u, err := url.Parse(opts.AdvertisedURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("registry: advertised URL %q is not an absolute http(s) URL", opts.AdvertisedURL)
	}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = 80
		if u.Scheme == "https" {
			port = 443
		}
	}
	if opts.Topic == "" {
		opts.Topic = DefaultTopic
	}
	if opts.GroupID == "" {
		opts.GroupID = DefaultGroupID
	}
	if opts.Compatibility == "" {
		opts.Compatibility = DefaultCompatibility
	}
	level, ok := parseLevel(opts.Compatibility)
	if !ok {
		return nil, fmt.Errorf("registry: unknown compatibility level %q", opts.Compatibility)
	}
	opts.Compatibility = level
	if opts.ReplicationFactor < 0 || opts.ReplicationFactor > 32767 {
		return nil, fmt.Errorf("registry: replication factor %d out of range", opts.ReplicationFactor)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = defaultTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = defaultMaxBodyBytes
	}
	if opts.sessionTimeout <= 0 {
		opts.sessionTimeout = defaultSessionTimeout
	}
	if opts.heartbeatInterval <= 0 {
		opts.heartbeatInterval = defaultHeartbeatInterval
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: opts.Timeout}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Registry{
		opts:     opts,
		log:      log,
		store:    newStore(log),
		progress: newProgress(),
		ready:    make(chan struct{}),
		check:    compat.Check,
		identity: memberIdentity{
			Version:           1,
			Host:              u.Hostname(),
			Port:              port,
			Scheme:            u.Scheme,
			MasterEligibility: !opts.NotPrimaryEligible,
		},
	}
	kopts := append([]kgo.Opt{}, opts.KafkaOpts...)
	kopts = append(kopts,
		kgo.DefaultProduceTopic(opts.Topic),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(0),
		// franz-go refuses delivery timeouts under 1 s; ctx bounds each write anyway.
		kgo.RecordDeliveryTimeout(max(opts.Timeout, time.Second)),
	)
	if r.cl, err = kgo.NewClient(kopts...); err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	r.life, r.endLife = context.WithCancel(context.Background())
	r.handler = r.buildHandler()
	return r, nil
}

// Handler returns the http.Handler serving the Schema Registry API. It may
// be served before Start: requests then wait (up to Options.Timeout) for
// the initial load.
func (r *Registry) Handler() http.Handler { return r.handler }

// URL is the advertised URL this instance announces.
func (r *Registry) URL() string { return r.identity.url() }

// Start begins loading the schemas topic and joining the election, in
// goroutines owned by the registry (Close waits for them); it returns at
// once. When ctx ends, the background work stops as if Close had begun.
// Start returns an error if called twice.
func (r *Registry) Start(ctx context.Context) error {
	if !r.started.CompareAndSwap(false, true) {
		return errors.New("registry: already started")
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(r.life, cancel)
	r.startTime = time.Now()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer stop()
		defer cancel()
		r.run(ctx)
	}()
	return nil
}

// Ready returns a channel that is closed once the registry has read the
// schemas topic up to the end it had when it started, so its answers
// reflect every write made before.
func (r *Registry) Ready() <-chan struct{} { return r.ready }

// IsPrimary reports whether this instance is currently the primary, the
// one that performs writes.
func (r *Registry) IsPrimary() bool {
	p := r.primary.Load()
	return p != nil && p.self
}

// PrimaryURL returns the current primary's advertised URL, or "" when no
// primary is known.
func (r *Registry) PrimaryURL() string {
	if p := r.primary.Load(); p != nil {
		return p.url
	}
	return ""
}

// Close stops the registry: it leaves the election group (so another
// instance takes over at once instead of after the session timeout), stops
// the reader and closes the Kafka clients, waiting for every goroutine it
// started. It is idempotent and safe to call concurrently; later callers
// wait for the first. The HTTP server serving Handler should be shut down
// first, so no request is cut off mid-write.
func (r *Registry) Close() {
	r.closeOnce.Do(func() {
		r.endLife()
		r.wg.Wait()
		r.primary.Store(nil)
		if r.reader != nil {
			r.reader.Close()
		}
		r.cl.Close()
	})
}

// run is the registry's main goroutine: it makes sure the topic exists,
// starts the reader, waits for the initial load, then takes part in the
// election until ctx ends.
func (r *Registry) run(ctx context.Context) {
	if !retry(ctx, r.log, "create or check the schemas topic", func() error { return r.ensureTopic(ctx) }) {
		return
	}
	reader, err := r.newReader()
	if err != nil {
		r.log.Error("schema registry cannot start its reader", "err", err)
		return
	}
	r.reader = reader
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.readLoop(ctx, reader)
	}()
	// Learn where the topic ends by writing a NOOP barrier and reading up
	// to it, as Confluent's KafkaStore does. Unlike the end offset listed
	// at start, the barrier is a record this reader will certainly see: a
	// compacted-away last record or a transaction marker cannot leave the
	// load waiting for an offset that never arrives.
	if !retry(ctx, r.log, "read the schemas topic to its end", func() error { return r.barrier(ctx) }) {
		return
	}
	r.loadTime.Store(int64(time.Since(r.startTime)))
	subjects, schemas := r.store.counts()
	r.log.Info("schema registry loaded its topic", "topic", r.opts.Topic, "subjects", subjects,
		"schemas", schemas, "offset", r.progress.current(), "took", time.Since(r.startTime).Round(time.Millisecond))
	close(r.ready)
	r.elect(ctx)
}

// retry calls f until it succeeds or ctx ends, backing off from 100 ms to
// 5 s, and reports whether f succeeded.
func retry(ctx context.Context, log *slog.Logger, what string, f func() error) bool {
	backoff := 100 * time.Millisecond
	for {
		err := f()
		if err == nil {
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		log.Warn("schema registry: retrying", "what", what, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}
