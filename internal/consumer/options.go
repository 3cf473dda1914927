package consumer

import (
	"log/slog"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/serde"
)

// Defaults used when an Options field is zero.
const (
	DefaultRequestTimeout     = time.Second      // consumer_request_timeout_ms (Confluent's default)
	DefaultMaxBytes           = 64 << 20         // consumer_request_max_bytes
	DefaultInstanceTimeout    = 5 * time.Minute  // consumer_instance_timeout_ms
	DefaultSessionTimeout     = 10 * time.Second // session_timeout_ms
	DefaultAutoCommitInterval = 5 * time.Second  // Kafka's auto.commit.interval.ms
)

const (
	// defaultFetchMaxBytes caps one background fetch per broker. An
	// instance with a backlog holds at most about twice this per broker
	// (franz-go's buffered fetch plus its own buffer); one without holds
	// nothing.
	defaultFetchMaxBytes = 8 << 20
	// defaultCloseConcurrency is how many instances Close and the reaper
	// close at once: closes mostly wait for Kafka.
	defaultCloseConcurrency = 16
)

// Options are the server-wide consumer settings; app derives them from the
// configuration. Each field documents its zero value.
type Options struct {
	// Kafka gives the options every instance's client starts from
	// (Kafka.BaseOpts: seeds, client id, TLS, SASL) and the timeout of each
	// Kafka operation (Kafka.RequestTimeout; 0 means 30 s).
	Kafka kafka.Options
	// Admin reads committed offsets, commits for manually assigned
	// instances and lists log start/end offsets for seeks. Nil: New builds
	// its own client from Kafka, and Close closes it.
	Admin *kadm.Client
	// Logger receives instance lifecycle and background commit errors; nil
	// discards them. It is not handed to franz-go (Kafka.Logger is).
	Logger *slog.Logger

	// RequestTimeout is the default consumer.request.timeout.ms: how long
	// a records request waits for data. 0 means 1 s; a negative value means
	// records requests never wait (they return what is buffered).
	RequestTimeout time.Duration
	// MaxBytes is consumer_request_max_bytes, the default and largest
	// max_bytes of a records request. 0 means 64 MiB.
	MaxBytes int64
	// InstanceTimeout is consumer_instance_timeout_ms: instances without a
	// request for this long are closed. 0 means 5 minutes.
	InstanceTimeout time.Duration
	// DisableAutoCommit makes auto.commit.enable default to false; the zero
	// value keeps Karapace's default, true.
	DisableAutoCommit bool
	// AutoOffsetReset is the default auto.offset.reset; zero means Earliest
	// (Karapace's default).
	AutoOffsetReset OffsetReset
	// FetchMinBytes is the default fetch.min.bytes; values below 1 mean 1.
	FetchMinBytes int32
	// SessionTimeout is the group session timeout (session_timeout_ms). 0
	// means 10 s.
	SessionTimeout time.Duration
	// HeartbeatInterval is the group heartbeat interval, which bounds how
	// fast members notice a rebalance. 0 means a third of SessionTimeout,
	// at most 3 s (Kafka's default).
	HeartbeatInterval time.Duration
	// AutoCommitInterval is how often positions are committed when
	// auto-commit is on. 0 means 5 s (Kafka's auto.commit.interval.ms).
	AutoCommitInterval time.Duration
	// FetchMaxBytes caps what one background fetch of an instance may
	// buffer per broker (Java's fetch.max.bytes), which bounds an idle
	// instance's memory. 0 means min(MaxBytes, 8 MiB).
	FetchMaxBytes int32
	// MaxInstances caps the number of live instances (consumer_max_instances);
	// 0 means unlimited. Create beyond it fails with 429.
	MaxInstances int
	// MaxInstancesPerOwner caps the live instances of one owner
	// (consumer_max_instances_per_principal); 0 means unlimited. It applies
	// to instances with a Config.Owner only. Create beyond it fails with
	// 429.
	MaxInstancesPerOwner int
}

// withDefaults returns o with every zero field replaced by its default.
func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Kafka.RequestTimeout <= 0 {
		o.Kafka.RequestTimeout = 30 * time.Second
	}
	switch {
	case o.RequestTimeout == 0:
		o.RequestTimeout = DefaultRequestTimeout
	case o.RequestTimeout < 0:
		o.RequestTimeout = 0
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.InstanceTimeout <= 0 {
		o.InstanceTimeout = DefaultInstanceTimeout
	}
	if o.AutoOffsetReset == 0 {
		o.AutoOffsetReset = Earliest
	}
	if o.FetchMinBytes < 1 {
		o.FetchMinBytes = 1
	}
	if o.SessionTimeout <= 0 {
		o.SessionTimeout = DefaultSessionTimeout
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = min(o.SessionTimeout/3, 3*time.Second)
	}
	if o.AutoCommitInterval <= 0 {
		o.AutoCommitInterval = DefaultAutoCommitInterval
	}
	if o.FetchMaxBytes <= 0 {
		o.FetchMaxBytes = int32(min(o.MaxBytes, defaultFetchMaxBytes))
	}
	return o
}

// OffsetReset is auto.offset.reset: where an instance starts reading a
// partition that has no committed offset in its group. The zero value means
// "not set": Options use Earliest, a Config uses the Options' value.
type OffsetReset uint8

// The auto.offset.reset policies. Kafka's "none" is not offered: a REST
// client cannot react to the exception it raises.
const (
	Earliest OffsetReset = iota + 1
	Latest
)

// ParseOffsetReset parses "earliest" or "latest", case-insensitively.
func ParseOffsetReset(s string) (OffsetReset, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "earliest":
		return Earliest, true
	case "latest":
		return Latest, true
	}
	return 0, false
}

// String returns "earliest", "latest" or "" for the zero value.
func (r OffsetReset) String() string {
	switch r {
	case Earliest:
		return "earliest"
	case Latest:
		return "latest"
	}
	return ""
}

// offset is the franz-go start offset for the policy.
func (r OffsetReset) offset() kgo.Offset {
	if r == Latest {
		return kgo.NewOffset().AtEnd()
	}
	return kgo.NewOffset().AtStart()
}

// Config is one instance's settings, from the create request. A zero field
// takes the Registry's default, as documented on each field.
type Config struct {
	// Name is the instance name, unique within its group on this krest.
	// "" generates a random UUID.
	Name string
	// Format is the embedded format records are returned in. The zero
	// value is binary. The registry stores it for the transport; it does
	// not decode records.
	Format serde.Format
	// OffsetReset is auto.offset.reset; zero means Options.AutoOffsetReset.
	OffsetReset OffsetReset
	// AutoCommit is auto.commit.enable; nil means !Options.DisableAutoCommit.
	AutoCommit *bool
	// FetchMinBytes is fetch.min.bytes; nil means Options.FetchMinBytes,
	// values below 1 mean 1.
	FetchMinBytes *int32
	// RequestTimeout is consumer.request.timeout.ms; nil means
	// Options.RequestTimeout, 0 means records requests never wait.
	RequestTimeout *time.Duration

	// Owner is the principal that owns the instance (the rest_authorization
	// user); "" without authorization. Instances are keyed by owner, group
	// and name: another owner neither finds an instance (40403) nor
	// collides with its name.
	Owner string
	// Kafka, when set, replaces Options.Kafka for every client the instance
	// builds: its consumer, and its own admin client for commits outside
	// a group session, committed offsets and seeks to the log ends (built
	// on first use, closed with the instance), so that all of them act as
	// the owner (its SASL credentials). Nil: Options.Kafka and the shared
	// Options.Admin. Its RequestTimeout is not used (Options.Kafka's is).
	Kafka *kafka.Options
}
