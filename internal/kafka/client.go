// Package kafka is krest's thin layer over franz-go: one shared client that
// produces and reads cluster metadata, a metadata cache that refreshes on a
// miss, and the record partitioner.
//
// It returns franz-go (kerr/kgo) errors unchanged and never imports net/http
// or apierr: mapping errors to the REST vocabulary is the caller's job.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/plugin/kslog"
)

// Options configures the shared client. The zero value of each field is
// documented; app translates config.Config into Options.
type Options struct {
	// Brokers are the seed brokers (host:port). Required.
	Brokers []string
	// ClientID is sent to Kafka; "" means "krest".
	ClientID string
	// Acks is -1 (all), 0 or 1; the zero value is 0 (no acknowledgement,
	// so produced records report offset -1: unknown). With -1 the producer
	// is idempotent.
	Acks int16
	// Linger is how long the producer waits to fill a batch; 0 means none
	// (concurrent requests still batch together while a request is in flight).
	Linger time.Duration
	// Compression is none, gzip, snappy, lz4 or zstd; "" means none.
	Compression string
	// MaxRecordBytes caps a record batch (producer_max_request_size); 0 means
	// franz-go's default (1 MiB).
	MaxRecordBytes int32
	// Partitioner is "murmur2" (default, Java-compatible) or "crc32"
	// (librdkafka/Karapace placement).
	Partitioner string
	// MetadataMaxAge bounds how stale franz-go's own metadata may become; 0
	// means franz-go's default.
	MetadataMaxAge time.Duration
	// TopicCacheAge is how long krest serves topic metadata from its cache;
	// 0 means every lookup asks Kafka.
	TopicCacheAge time.Duration
	// RequestTimeout bounds one Kafka operation (a produce delivery, a
	// metadata or offsets request); 0 means 30 s.
	RequestTimeout time.Duration
	// Logger receives franz-go's logs; nil discards them.
	Logger *slog.Logger
	// Extra are more client options (TLS, SASL) applied to every client krest
	// builds, including consumer instances.
	Extra []kgo.Opt
}

// Client is the shared Kafka client: a producer, an admin client and the
// topic metadata cache. It is safe for concurrent use.
type Client struct {
	opts Options
	cl   *kgo.Client
	adm  *kadm.Client
	meta *metaCache
}

// New builds the shared client. It does not contact Kafka: an unreachable
// cluster surfaces as errors from the calls that need it, so krest can
// start before Kafka does.
func New(opts Options) (*Client, error) {
	if len(opts.Brokers) == 0 {
		return nil, errors.New("kafka: no seed brokers")
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 30 * time.Second
	}
	kopts := append(opts.BaseOpts(), producerOpts(opts)...)
	cl, err := kgo.NewClient(kopts...)
	if err != nil {
		return nil, fmt.Errorf("kafka: %w", err)
	}
	c := &Client{opts: opts, cl: cl, adm: kadm.NewClient(cl)}
	c.meta = newMetaCache(cl, opts.TopicCacheAge)
	return c, nil
}

// BaseOpts are the options every client krest builds shares: seeds, client
// id, logging, timeouts and the Extra options (TLS, SASL).
func (o Options) BaseOpts() []kgo.Opt {
	id := o.ClientID
	if id == "" {
		id = "krest"
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(o.Brokers...),
		kgo.ClientID(id),
		// No KIP-714 metrics pushes: they cost a round trip on every close
		// (felt by each consumer delete) and krest exports its own metrics.
		kgo.DisableClientMetrics(),
		// Fail fast when the cluster cannot be reached instead of retrying
		// for minutes: a REST client is waiting.
		kgo.RequestTimeoutOverhead(5 * time.Second),
		kgo.RetryTimeout(o.RequestTimeout),
	}
	if o.MetadataMaxAge > 0 {
		opts = append(opts, kgo.MetadataMaxAge(o.MetadataMaxAge))
	}
	if o.Logger != nil {
		opts = append(opts, kgo.WithLogger(kslog.New(o.Logger)))
	}
	return append(opts, o.Extra...)
}

func producerOpts(o Options) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.RecordPartitioner(newPartitioner(o.Partitioner)),
		kgo.ProducerLinger(o.Linger),
		kgo.RecordDeliveryTimeout(o.RequestTimeout),
		// Records wait for room in the buffer, bounded by the request
		// context, rather than failing under a burst.
		kgo.MaxBufferedRecords(1 << 20),
		kgo.MaxBufferedBytes(256 << 20),
	}
	switch o.Acks {
	case 0:
		opts = append(opts, kgo.RequiredAcks(kgo.NoAck()), kgo.DisableIdempotentWrite())
	case 1:
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	default:
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	}
	if o.MaxRecordBytes > 0 {
		opts = append(opts, kgo.ProducerBatchMaxBytes(o.MaxRecordBytes))
	}
	codec := kgo.NoCompression()
	switch strings.ToLower(o.Compression) {
	case "gzip":
		codec = kgo.GzipCompression()
	case "snappy":
		codec = kgo.SnappyCompression()
	case "lz4":
		codec = kgo.Lz4Compression()
	case "zstd":
		codec = kgo.ZstdCompression()
	}
	return append(opts, kgo.ProducerBatchCompression(codec))
}

// Options returns the options the client was built with.
func (c *Client) Options() Options { return c.opts }

// Admin returns the admin client sharing the producer's connections.
func (c *Client) Admin() *kadm.Client { return c.adm }

// Close flushes buffered records (bounded by ctx) and closes the client.
func (c *Client) Close(ctx context.Context) {
	_ = c.cl.Flush(ctx)
	c.cl.Close()
}

// withTimeout bounds ctx by the configured request timeout.
func (c *Client) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, c.opts.RequestTimeout)
}

// Ping checks that Kafka answers a metadata request. It asks for no
// topics: readiness probes run often, and the metadata of every topic is
// heavy on a big cluster.
func (c *Client) Ping(ctx context.Context) error {
	ctx, cancel := c.withTimeout(ctx)
	defer cancel()
	// Not kadm's BrokerMetadata: it answers from franz-go's metadata
	// cache, which would call a cluster that just went down ready.
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{} // empty, not nil: no topic
	_, err := req.RequestWith(ctx, c.cl)
	return err
}
