// Package app wires krest together and owns its lifetime: New builds every
// part from a config.Config, Run serves until its context ends, and Close
// tears the parts down in the documented order. It is the only package that
// imports all the others (wtf's Main).
package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/krest-dev/krest/internal/config"
	"github.com/krest-dev/krest/internal/consumer"
	"github.com/krest-dev/krest/internal/devbroker"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/metrics"
	"github.com/krest-dev/krest/internal/registry"
	"github.com/krest-dev/krest/internal/restapi"
	"github.com/krest-dev/krest/internal/schemaregistry"
	"github.com/krest-dev/krest/internal/version"
)

// App is a running krest: the embedded broker (when no bootstrap_uri is
// set), the shared Kafka client, the consumer instances, the embedded schema
// registry (when no external one is configured), the metrics and the HTTP
// listeners (REST API, registry, and metrics when metrics_port is set).
type App struct {
	cfg       config.Config
	log       *slog.Logger
	accessLog *slog.Logger      // nil unless access_log
	metrics   *metrics.Metrics  // nil unless metrics_enabled
	broker    *devbroker.Broker // nil with bootstrap_uri
	kafka     *kafka.Client
	schema    *schemaregistry.Client // nil without a registry
	consumers *consumer.Registry
	users     *userPool          // rest_authorization's per-user clients; nil when off
	reg       *registry.Registry // the embedded registry; nil when not served
	regHTTP   *http.Server
	regLn     net.Listener
	life      context.Context // ends when Close begins; bounds background work
	endLife   context.CancelFunc
	rest      *restapi.Server
	http      *http.Server
	ln        net.Listener
	opsHTTP   *http.Server // the metrics listener; nil unless metrics_port is set
	opsLn     net.Listener
	tls       *tls.Config // HTTPS of the REST and registry listeners; nil without server_tls_certfile
	certs     *certFiles  // the certificate files behind tls (tls.go)

	serveOnce sync.Once
	serveErr  chan error // Serve's results, one per server; buffered for all
	closed    atomic.Bool
	closeErr  error
	closeDone chan struct{}
}

// New builds every part and binds the REST listener, so Addr is known when
// New returns; nothing is served until Run. On error everything already
// started is closed again.
func New(cfg config.Config, log *slog.Logger) (a *App, err error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a = &App{cfg: cfg, log: log, serveErr: make(chan error, 3), closeDone: make(chan struct{})}
	a.life, a.endLife = context.WithCancel(context.Background())
	// The cleanup keeps its own pointer: "return nil, err" sets the named
	// result a to nil before deferred calls run.
	started := a
	defer func() {
		if err != nil {
			started.teardown(context.Background())
		}
	}()
	if cfg.AccessLog {
		a.accessLog = log.With("component", "access")
	}
	if cfg.MetricsEnabled {
		a.metrics = metrics.New(metrics.Options{MaxTopics: cfg.MetricsMaxTopics, Version: version.String()})
	}
	// Before anything starts: a bad certificate fails fast.
	if a.tls, a.certs, err = serverTLS(cfg, log); err != nil {
		return nil, err
	}

	brokers := cfg.BootstrapURI
	if cfg.UsesEmbeddedBroker() {
		if a.broker, err = startBroker(cfg, log); err != nil {
			return nil, err
		}
		brokers = []string{a.broker.Addr()}
		log.Info("started the embedded development broker; set bootstrap_uri to use a real Kafka cluster",
			"addr", a.broker.Addr(), "data_dir", cfg.DataDir)
	}

	// Three flavours of the Kafka options: the registry's clients get the
	// base options, the shared client also kprom and the produce counts,
	// consumer instances the fetch counts (Extra applies to every client
	// built from an Options, so each gets its own copy).
	kopts := kafkaOptions(cfg, brokers, log)
	if kopts.Extra, err = ownKafkaSecurity(cfg, a.broker); err != nil {
		return nil, err
	}
	shared, consumers := kopts, kopts
	shared.Extra = append(slices.Clip(kopts.Extra), a.metrics.SharedClientHooks()...)
	consumers.Extra = append(slices.Clip(kopts.Extra), a.metrics.ConsumerClientHooks()...)
	if a.kafka, err = kafka.New(shared); err != nil {
		return nil, err
	}
	if cfg.ServesRegistry() {
		if err = a.startRegistry(kopts); err != nil {
			return nil, err
		}
	}
	regURL, regTransport := cfg.RegistryAddress(), http.RoundTripper(nil)
	if regURL == "" && a.reg != nil {
		regURL, regTransport = a.reg.URL(), a.reg.Transport()
	}
	if a.schema, err = registryClient(cfg, regURL, regTransport); err != nil {
		return nil, fmt.Errorf("schema registry client: %w", err)
	}
	if a.consumers, err = consumer.New(consumerOptions(cfg, consumers, a.kafka, log)); err != nil {
		return nil, err
	}
	a.observe()
	var authz *restapi.Authorization // nil: one shared Kafka identity
	if cfg.RestAuthorization {
		if authz, err = a.startAuthorization(cfg, log); err != nil {
			return nil, err
		}
	}

	// /metrics and pprof live on the REST listener unless metrics_port
	// gives them their own.
	ropts := restapi.Options{
		MaxBodyBytes: cfg.MaxRequestBytes(),
		BaseURI:      restBaseURI(cfg),
		Version:      version.String(),
		ReadyTimeout: time.Duration(cfg.ReadinessTimeoutMS) * time.Millisecond,

		MaxConcurrentRequests: cfg.HTTPMaxConcurrentRequests,
		MaxWaitingRequests:    cfg.ConsumerMaxWaiting,
		MaxHeaderBytes:        cfg.HTTPMaxHeaderBytes,
		CORSOrigins:           cfg.AccessControlAllowOrigins,
	}
	if cfg.MetricsPort == 0 {
		ropts.Pprof = cfg.PprofEnabled
		if a.metrics != nil {
			ropts.Metrics = a.metrics.Handler()
		}
	}
	a.rest = restapi.New(restapi.Deps{
		Kafka: a.kafka, Consumers: a.consumers, Registry: a.schema, Logger: log,
		AccessLog: a.accessLog, Metrics: a.metrics, ReadyChecks: a.registryChecks(),
		Authorization: authz,
	}, ropts)
	a.http = restapi.NewHTTPServer(a.rest.Handler(), cfg.HTTPMaxHeaderBytes)
	a.http.TLSConfig = a.tls.Clone() // each server's own: ServeTLS edits it (HTTP/2 setup)
	a.http.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	if a.ln, err = net.Listen("tcp", addr); err != nil {
		return nil, fmt.Errorf("rest listener: %w", err)
	}
	if err = a.listenOps(); err != nil {
		return nil, err
	}
	return a, nil
}

func startBroker(cfg config.Config, log *slog.Logger) (*devbroker.Broker, error) {
	var topics []devbroker.TopicSpec
	for _, t := range cfg.EmbeddedTopicSpecs() {
		topics = append(topics, devbroker.TopicSpec{Name: t.Name, Partitions: t.Partitions})
	}
	return devbroker.Start(devbroker.Options{
		Port:              cfg.EmbeddedBrokerPort,
		DataDir:           cfg.DataDir,
		Topics:            topics,
		DefaultPartitions: cfg.EmbeddedDefaultPartitions,
		SyncWrites:        cfg.EmbeddedSyncWrites,
		Logger:            log.With("component", "devbroker"),
		Auth:              embeddedAuth(cfg),
	})
}

func consumerOptions(cfg config.Config, kopts kafka.Options, k *kafka.Client, log *slog.Logger) consumer.Options {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	reqTimeout := ms(cfg.ConsumerRequestTimeoutMS)
	if reqTimeout == 0 {
		reqTimeout = -1 // config 0 means "never wait"; the Options zero means 1 s
	}
	reset, _ := consumer.ParseOffsetReset(cfg.ConsumerAutoOffsetReset) // validated by config
	return consumer.Options{
		Kafka:             kopts,
		Admin:             k.Admin(),
		Logger:            log.With("component", "consumer"),
		RequestTimeout:    reqTimeout,
		MaxBytes:          int64(cfg.ConsumerRequestMaxBytes),
		InstanceTimeout:   ms(cfg.ConsumerInstanceTimeoutMS),
		DisableAutoCommit: !cfg.ConsumerEnableAutoCommit,
		AutoOffsetReset:   reset,
		FetchMinBytes:     int32(cfg.FetchMinBytes),
		SessionTimeout:    ms(cfg.SessionTimeoutMS),
		MaxInstances:      cfg.ConsumerMaxInstances,

		MaxInstancesPerOwner: cfg.ConsumerMaxInstancesPerPrincipal,
	}
}

func kafkaOptions(cfg config.Config, brokers []string, log *slog.Logger) kafka.Options {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	return kafka.Options{
		Brokers:        brokers,
		ClientID:       cfg.ClientID,
		Acks:           cfg.ProducerAcksInt(),
		Linger:         ms(cfg.ProducerLingerMS),
		Compression:    cfg.ProducerCompressionType,
		MaxRecordBytes: int32(cfg.ProducerMaxRequestSize),
		Partitioner:    cfg.ProducerPartitioner,
		MetadataMaxAge: ms(cfg.MetadataMaxAgeMS),
		TopicCacheAge:  time.Duration(cfg.AdminMetadataMaxAge) * time.Second,
		RequestTimeout: ms(cfg.KafkaRequestTimeoutMS),
		Logger:         quietLogger(log).With("component", "kafka"),
	}
}

// Addr is the REST listener's address (useful with port 0).
func (a *App) Addr() string { return a.ln.Addr().String() }

// URL is the REST API's base URL (https with server_tls_certfile).
func (a *App) URL() string { return a.scheme() + "://" + a.Addr() }

// MetricsURL is the base URL of the metrics listener (metrics_port), or ""
// when /metrics and pprof are served on the REST listener.
func (a *App) MetricsURL() string {
	if a.opsLn == nil {
		return ""
	}
	return "http://" + a.opsLn.Addr().String()
}

// RegistryURL is the embedded schema registry's base URL, or "" when krest
// does not serve one.
func (a *App) RegistryURL() string {
	if a.regLn == nil {
		return ""
	}
	return a.scheme() + "://" + a.regLn.Addr().String()
}

// BrokerAddr is the embedded broker's address, or "" with bootstrap_uri.
func (a *App) BrokerAddr() string {
	if a.broker == nil {
		return ""
	}
	return a.broker.Addr()
}

// Run serves the REST API until ctx ends or the listener fails, then closes
// the app with shutdown_timeout_ms to drain. It returns nil after a clean
// shutdown.
func (a *App) Run(ctx context.Context) error {
	a.Start()
	a.log.Info("krest is serving the Kafka REST API", "url", a.URL(), "version", version.String())
	if a.reg != nil {
		a.log.Info("krest is serving its embedded schema registry", "url", a.RegistryURL())
	}
	if a.opsLn != nil {
		a.log.Info("krest is serving metrics and profiling on their own listener", "url", a.MetricsURL())
	}
	select {
	case <-ctx.Done():
	case err := <-a.serveErr:
		// A listener failed. Put its result back: teardown collects one
		// result per server, and reports this one.
		a.serveErr <- err
	}
	sctx, cancel := context.WithTimeout(context.Background(), time.Duration(a.cfg.ShutdownTimeoutMS)*time.Millisecond)
	defer cancel()
	return a.Close(sctx)
}

// Start begins serving in goroutines owned by the app (Close waits for
// them): the REST API and, when served, the embedded registry and the
// metrics listener. Tests use it instead of Run.
func (a *App) Start() {
	a.serveOnce.Do(func() {
		serve := func(s *http.Server, ln net.Listener) {
			err := serveHTTP(s, ln)
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			a.serveErr <- err
		}
		if a.reg != nil {
			_ = a.reg.Start(a.life) // errors only when started twice
			go serve(a.regHTTP, a.regLn)
		}
		if a.opsHTTP != nil {
			go serve(a.opsHTTP, a.opsLn)
		}
		go serve(a.http, a.ln)
	})
}

// Close shuts krest down; it is idempotent and safe to call concurrently
// (later callers wait for the first). ctx bounds the draining of in-flight
// requests; past it, connections are closed.
func (a *App) Close(ctx context.Context) error {
	if !a.closed.CompareAndSwap(false, true) {
		<-a.closeDone
		return a.closeErr
	}
	a.closeErr = a.teardown(ctx)
	close(a.closeDone)
	return a.closeErr
}

// teardown stops the parts in this order:
//  1. the HTTP servers (REST, then registry, then metrics, which stays
//     scrapable while the others drain): stop accepting, drain in-flight
//     requests (bounded by ctx), then wait for their Serve goroutines;
//  2. the consumer instances: commit what was returned (auto-commit),
//     leave their groups, close their clients — before the shared Kafka
//     client, whose admin client they commit and list offsets through;
//  3. the per-user Kafka clients of rest_authorization (auth.Pool): no
//     request or consumer instance uses them any more;
//  4. the embedded registry: leave the election group (another instance
//     takes over at once), stop its reader;
//  5. the schema registry client: drop idle connections;
//  6. the Kafka client: flush buffered records, close connections;
//  7. the embedded broker, last: the parts above still talk to it while
//     they stop.
func (a *App) teardown(ctx context.Context) error {
	var errs []error
	started := true
	a.serveOnce.Do(func() { started = false }) // never started: nothing to wait for
	for _, srv := range []struct {
		s  *http.Server
		ln net.Listener
	}{{a.http, a.ln}, {a.regHTTP, a.regLn}, {a.opsHTTP, a.opsLn}} {
		switch {
		case srv.s != nil && started:
			if err := srv.s.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("http shutdown: %w", err))
				_ = srv.s.Close()
			}
			if err := <-a.serveErr; err != nil {
				errs = append(errs, err)
			}
		case srv.ln != nil:
			_ = srv.ln.Close()
		}
	}
	if a.endLife != nil {
		a.endLife()
	}
	if a.consumers != nil {
		a.consumers.Close(ctx)
	}
	if a.users != nil {
		a.users.Close()
	}
	if a.reg != nil {
		a.reg.Close()
	}
	if a.schema != nil {
		a.schema.Close()
	}
	if a.kafka != nil {
		a.kafka.Close(ctx)
	}
	if a.broker != nil {
		a.broker.Close()
	}
	return errors.Join(errs...)
}
