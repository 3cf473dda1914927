// Package devbroker runs krest's embedded Kafka-protocol broker.
//
// When krest is started without a bootstrap_uri it starts one of these in
// process, so that the REST proxy works out of the box and any Kafka client
// (kcat, franz-go, the Java client) can connect to 127.0.0.1:<port> to
// produce, consume and create topics. It is a development broker, not a
// production one: it is franz-go's kfake with one broker, no replication and
// a single goroutine handling every request (see docs/embedded-broker.md).
//
// This is the only production package allowed to import kfake. Everything
// kfake-specific (options, logging, topic seeding, the data-dir lock) stays
// behind Start, so the rest of krest talks to the broker only over the Kafka
// protocol, exactly as it talks to a real cluster.
//
// # Durability
//
// With a DataDir, every produced batch is handed to the kernel with write(2)
// before the produce is acknowledged, so a crash of the krest process loses
// no acknowledged record (TestCrashKeepsAcknowledgedRecords SIGKILLs a
// broker to check this). Without Options.SyncWrites kfake never fsyncs
// records, not even in Close, so an OS crash or power loss can lose what the
// kernel has not written back yet. That is the default because an fsync per
// batch makes one-record produces about 9 times slower, far more than it is
// worth for a development broker (figures in docs/embedded-broker.md).
//
// # Authentication
//
// With Options.Auth the broker requires SASL (PLAIN, SCRAM-SHA-256 or
// SCRAM-SHA-512) and enforces ACLs; krest's own clients log in as an
// internal superuser whose password is random per Start (Broker.SASL). The
// users and ACLs are Auth's on every Start: kfake would otherwise reload
// stored ones over them (see authStateFiles). A failed login is answered
// with SASL_AUTHENTICATION_FAILED as Kafka does, where kfake alone would
// just hang up (see authFailConn).
//
// # Concurrency
//
// A Broker is safe for concurrent use. kfake owns all of its goroutines
// (listener, per-connection reader and writer, and the run loop); Close stops
// them and, with a DataDir, waits until kfake has written its state.
package devbroker

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
)

// ClusterID is the cluster ID a new data directory (or an in-memory broker)
// reports in Metadata and DescribeCluster responses. kfake stores the ID in
// the data directory's meta.json and reuses the stored one on restart, so the
// ID of a directory never changes. A fixed, readable ID keeps REST v3 URLs
// such as /v3/clusters/krest-dev/topics predictable in development.
const ClusterID = "krest-dev"

// defaultCleanerBackoff is how often kfake runs compaction and retention. It
// is kfake's reading of log.cleaner.backoff.ms, whose kfake default of 1 h
// would leave compacted topics (such as a schema registry's _schemas)
// uncompacted for a whole development session. Real Kafka's cleaner backoff
// is 15 s, but there the cleaner only rereads dirty segments; kfake rereads
// every compacted partition on each tick on its single request goroutine,
// so 30 s trades a little staleness for fewer stalls.
const defaultCleanerBackoff = 30 * time.Second

// lockFileName is the file in the data directory that Start locks.
const lockFileName = "krest.lock"

// ErrDataDirInUse is matched (with errors.Is) by the error Start returns when
// another process, or another Broker in this process, holds the data
// directory's lock.
var ErrDataDirInUse = errors.New("embedded broker: data dir is in use by another krest")

// TopicSpec names a topic that Start creates if it does not exist.
type TopicSpec struct {
	// Name is the topic name. It must be a legal Kafka topic name: 1 to 249
	// characters from [a-zA-Z0-9._-], and neither "." nor "..".
	Name string

	// Partitions is the partition count for a new topic. Zero means
	// Options.DefaultPartitions; a negative count is an error.
	Partitions int32
}

// Options configures Start. The zero value is an in-memory broker on a free
// port with no topics.
type Options struct {
	// Port is the TCP port to listen on at 127.0.0.1. Zero picks a free
	// port; read it back with Broker.Addr. The broker advertises the
	// address it listens on, so it is reachable from this host only.
	Port int

	// DataDir is the directory the broker persists to. It is created if
	// missing, and the state in it (topics, records, committed offsets,
	// producer IDs, configs) is reloaded on Start. Empty means in memory
	// only, which suits tests; an in-memory broker grows without bound
	// unless topics have retention configs.
	DataDir string

	// Topics are created at Start if they do not exist yet. Existing topics
	// are left alone, even when their partition count differs from the
	// spec (a warning is logged): changing partitions reassigns keys, which
	// must be the operator's decision.
	Topics []TopicSpec

	// DefaultPartitions is the partition count for topics created with
	// partitions -1 (a CreateTopics request that leaves it to the broker,
	// as Kafka's num.partitions does) and for TopicSpecs with Partitions
	// zero. Zero means 1, as in Kafka; kfake's own default is 10.
	DefaultPartitions int

	// SyncWrites fsyncs every produced batch before acknowledging it. It
	// protects acknowledged records from an OS crash or power loss, not
	// just from a krest crash, and costs throughput (see
	// docs/embedded-broker.md). False, the default, matches Kafka's
	// default of leaving flushing to the OS. It has no effect when DataDir
	// is empty.
	SyncWrites bool

	// Logger receives kfake's log lines. Nil discards them. kfake's error
	// and warning lines are logged at slog.LevelError and slog.LevelWarn;
	// its info and debug lines (per-member group tracing, undecodable
	// requests) are logged at slog.LevelDebug so they do not drown krest's
	// own Info logs. Add identifying attributes yourself, e.g.
	// logger.With("component", "devbroker").
	Logger *slog.Logger

	// Auth, when set, makes the broker require SASL and enforce ACLs
	// (see Auth); krest's own clients then log in with Broker.SASL. Nil
	// means no authentication and no authorization: anyone who can reach
	// the port may do anything.
	Auth *Auth

	// cleanerBackoff overrides defaultCleanerBackoff so tests can see
	// compaction happen. Zero means defaultCleanerBackoff.
	cleanerBackoff time.Duration
}

// Broker is a running embedded broker. Create it with Start; stop it with
// Close.
type Broker struct {
	c       *kfake.Cluster
	addr    string
	lock    *dirLock // nil without a DataDir
	log     *slog.Logger
	dataDir string

	superPass string       // the superuser's password; "" without Auth
	closing   *atomic.Bool // set once Close begins (see authFailConn)

	closeOnce sync.Once
}

// Start validates opts, locks the data directory, starts the broker and
// creates the missing topics of opts.Topics. Auto topic creation is off:
// Kafka's auto.create.topics.enable defaults to true, but a REST proxy that
// creates a topic whenever a request has a typo in its URL is a footgun, and
// krest must answer 40401 for unknown topics. Clients create topics
// explicitly with CreateTopics, which works.
//
// Start returns an error, and leaves nothing running or locked, when:
//   - opts is invalid (a port outside 0..65535, a negative count, an illegal
//     topic name);
//   - the data directory cannot be created or its lock file opened;
//   - another krest holds the data directory (errors.Is(err,
//     ErrDataDirInUse));
//   - the port cannot be bound, e.g. "embedded broker: listen
//     127.0.0.1:9092: address already in use" (errors.Is(err,
//     syscall.EADDRINUSE) holds);
//   - the persisted state cannot be loaded;
//   - a topic of opts.Topics cannot be created;
//   - opts.Auth is invalid (an empty or reserved user name, an empty
//     password, an ACL for an unknown user) or its ACLs cannot be created.
//
// With a DataDir, users and ACLs stored by an earlier run are discarded:
// the broker's users and ACLs are exactly opts.Auth's, or none.
func Start(opts Options) (*Broker, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	defaultParts := opts.DefaultPartitions
	if defaultParts == 0 {
		defaultParts = 1
	}
	backoff := opts.cleanerBackoff
	if backoff == 0 {
		backoff = defaultCleanerBackoff
	}

	// Lock before kfake touches the directory: loading state another
	// process is appending to, or both appending to one segment file,
	// would corrupt it.
	var lock *dirLock
	if opts.DataDir != "" {
		if err := os.MkdirAll(opts.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("embedded broker: create data dir: %w", err)
		}
		var err error
		if lock, err = lockDir(opts.DataDir); err != nil {
			return nil, err
		}
		if err := removeAuthState(opts.DataDir); err != nil {
			lock.release()
			return nil, err
		}
	}

	// kfake returns net.Listen's error unwrapped, among other errors. We
	// capture it here so the listen failure gets a clear message without
	// parsing error text. NewCluster calls this synchronously.
	var listenErr error
	closing := new(atomic.Bool)
	listen := func(network, address string) (net.Listener, error) {
		ln, err := net.Listen(network, address)
		if err != nil {
			listenErr = err
			return nil, err
		}
		if opts.Auth != nil {
			ln = authFailListener{Listener: ln, closing: closing}
		}
		return ln, nil
	}
	kopts := []kfake.Opt{
		kfake.Ports(opts.Port), // one port, so one broker
		kfake.ListenFn(listen),
		// Only used for a fresh directory: kfake reloads the stored ID.
		kfake.ClusterID(ClusterID),
		kfake.DefaultNumPartitions(defaultParts),
		kfake.BrokerConfigs(map[string]string{
			"log.cleaner.backoff.ms": strconv.FormatInt(backoff.Milliseconds(), 10),
			// kfake reports 3 although it creates topics with
			// min(3, brokers) replicas; say what actually happens
			// so clients that read it ask for a factor that works.
			"default.replication.factor": "1",
		}),
		kfake.WithLogger(slogLogger{log}),
	}
	var superPass string
	if opts.Auth != nil {
		superPass = randomPassword()
		kopts = append(kopts, authOpts(opts.Auth, superPass)...)
	}
	if opts.DataDir != "" {
		kopts = append(kopts, kfake.DataDir(opts.DataDir))
		if opts.SyncWrites {
			kopts = append(kopts, kfake.SyncWrites())
		}
	}
	c, err := kfake.NewCluster(kopts...)
	if err != nil {
		lock.release()
		if listenErr != nil {
			return nil, listenError(opts.Port, listenErr)
		}
		return nil, fmt.Errorf("embedded broker: %w", err)
	}

	b := &Broker{c: c, addr: c.ListenAddrs()[0], lock: lock, log: log, dataDir: opts.DataDir, superPass: superPass, closing: closing}
	// A fresh data directory gets kfake's initial save, users included.
	b.removeCredentials()
	if opts.Auth != nil {
		if err := b.applyACLs(opts.Auth.ACLs); err != nil {
			b.Close()
			return nil, err
		}
	}
	// kfake.SeedTopics is not used: kfake applies it only to a fresh data
	// directory and ignores it when it reloads state, so a topic added
	// to the config later would never be created.
	for _, t := range opts.Topics {
		if err := b.ensureTopic(t); err != nil {
			b.Close()
			return nil, err
		}
	}
	attrs := []any{"addr", b.addr, "data_dir", opts.DataDir, "sync_writes", opts.SyncWrites && opts.DataDir != "", "sasl", opts.Auth != nil}
	if opts.Auth != nil {
		// Counts only: names are for DescribeACLs, passwords for no one.
		attrs = append(attrs, "users", len(opts.Auth.Users), "acls", len(opts.Auth.ACLs))
	}
	log.Info("embedded broker started", attrs...)
	return b, nil
}

// Addr returns the broker's address, "127.0.0.1:<port>", for use as a
// bootstrap server. It stays valid after Close.
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker: it stops accepting connections, drops the open
// ones, writes the broker's state to the data directory (fsynced only with
// SyncWrites, see the package doc) and then releases the directory's lock. It returns only after that, so a new Start on the
// same directory sees everything acknowledged before Close. Close is
// idempotent and safe to call concurrently: every caller returns once the
// first call has finished. Errors while writing state are logged at
// slog.LevelError, since there is nothing a caller could do about them.
// The stored SASL credentials are deleted after the final write, so the
// data directory keeps none at rest.
func (b *Broker) Close() {
	b.closeOnce.Do(func() {
		b.closing.Store(true)
		b.c.Close()
		// kfake's final save wrote the users again.
		b.removeCredentials()
		// Only now: releasing before kfake finished writing would let
		// the next krest load half-written state.
		b.lock.release()
		b.log.Info("embedded broker stopped", "addr", b.addr)
	})
}

// ensureTopic creates t unless a topic of that name exists.
func (b *Broker) ensureTopic(t TopicSpec) error {
	if ps := b.c.PartitionInfos(t.Name); ps != nil {
		if t.Partitions > 0 && int(t.Partitions) != len(ps) {
			b.log.Warn("embedded broker: existing topic keeps its partition count",
				"topic", t.Name, "partitions", len(ps), "configured", t.Partitions)
		}
		return nil
	}
	// Partitions 0 makes kfake use DefaultNumPartitions.
	err := b.c.CreateTopic(t.Name, t.Partitions, nil)
	// A client may have created it since we looked: the listener is open.
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("embedded broker: create topic %q: %w", t.Name, err)
	}
	return nil
}

// validate reports the first problem with o.
func (o *Options) validate() error {
	if o.Port < 0 || o.Port > 65535 {
		return fmt.Errorf("embedded broker: port %d out of range 0..65535", o.Port)
	}
	if o.DefaultPartitions < 0 {
		return fmt.Errorf("embedded broker: negative default partitions %d", o.DefaultPartitions)
	}
	if o.Auth != nil {
		if err := o.Auth.validate(); err != nil {
			return err
		}
	}
	for _, t := range o.Topics {
		if err := validTopicName(t.Name); err != nil {
			return err
		}
		if t.Partitions < 0 {
			return fmt.Errorf("embedded broker: topic %q: negative partitions %d", t.Name, t.Partitions)
		}
	}
	return nil
}

// validTopicName applies Kafka's rule (org.apache.kafka.common.internals.Topic
// validate). kfake accepts any name, and a name like "a/b" would still work
// there (it escapes directory names), but a topic a real cluster would
// reject must not be born in the dev config.
func validTopicName(name string) error {
	switch {
	case name == "":
		return errors.New("embedded broker: empty topic name")
	case name == "." || name == "..":
		return fmt.Errorf("embedded broker: topic name %q is not allowed", name)
	case len(name) > 249:
		return fmt.Errorf("embedded broker: topic name %q is longer than 249 characters", name)
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("embedded broker: topic name %q has illegal character %q (legal: a-z A-Z 0-9 . _ -)", name, r)
		}
	}
	return nil
}

// listenError turns net.Listen's "listen tcp 127.0.0.1:9092: bind: address
// already in use" into "embedded broker: listen 127.0.0.1:9092: address
// already in use", keeping the errno in the chain for errors.Is.
func listenError(port int, err error) error {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return fmt.Errorf("embedded broker: listen %s: %w", addr, errno)
	}
	return fmt.Errorf("embedded broker: listen %s: %w", addr, err)
}
