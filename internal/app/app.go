// Package app wires krest together and owns its lifetime: New builds every
// part from a config.Config, Run serves until its context ends, and Close
// tears the parts down in the documented order. It is the only package that
// imports all the others (wtf's Main).
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/krest-dev/krest/internal/config"
	"github.com/krest-dev/krest/internal/devbroker"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/restapi"
	"github.com/krest-dev/krest/internal/version"
)

// App is a running krest: the embedded broker (when no bootstrap_uri is
// set), the shared Kafka client and the REST listener.
type App struct {
	cfg    config.Config
	log    *slog.Logger
	broker *devbroker.Broker // nil with bootstrap_uri
	kafka  *kafka.Client
	rest   *restapi.Server
	http   *http.Server
	ln     net.Listener

	serveOnce sync.Once
	serveErr  chan error // Serve's result; buffered
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
	a = &App{cfg: cfg, log: log, serveErr: make(chan error, 1), closeDone: make(chan struct{})}
	defer func() {
		if err != nil {
			a.teardown(context.Background())
		}
	}()

	brokers := cfg.BootstrapURI
	if cfg.UsesEmbeddedBroker() {
		if a.broker, err = startBroker(cfg, log); err != nil {
			return nil, err
		}
		brokers = []string{a.broker.Addr()}
		log.Info("started the embedded development broker; set bootstrap_uri to use a real Kafka cluster",
			"addr", a.broker.Addr(), "data_dir", cfg.DataDir)
	}

	if a.kafka, err = kafka.New(kafkaOptions(cfg, brokers, log)); err != nil {
		return nil, err
	}
	a.rest = restapi.New(restapi.Deps{Kafka: a.kafka, Logger: log}, restapi.Options{
		MaxBodyBytes: cfg.MaxRequestBytes(),
		BaseURI:      cfg.BaseURI(),
		Version:      version.String(),
	})
	a.http = restapi.NewHTTPServer(a.rest.Handler(), 1<<20)
	a.http.ErrorLog = slog.NewLogLogger(log.Handler(), slog.LevelDebug)
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	if a.ln, err = net.Listen("tcp", addr); err != nil {
		return nil, fmt.Errorf("rest listener: %w", err)
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
	})
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

// URL is the REST API's base URL.
func (a *App) URL() string { return "http://" + a.Addr() }

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
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-a.serveErr:
	}
	sctx, cancel := context.WithTimeout(context.Background(), time.Duration(a.cfg.ShutdownTimeoutMS)*time.Millisecond)
	defer cancel()
	closeErr := a.Close(sctx)
	return errors.Join(serveErr, closeErr)
}

// Start begins serving in a goroutine owned by the app (Close waits for it).
// Tests use it instead of Run.
func (a *App) Start() {
	a.serveOnce.Do(func() {
		go func() {
			err := a.http.Serve(a.ln)
			if errors.Is(err, http.ErrServerClosed) {
				err = nil
			}
			a.serveErr <- err
		}()
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
//  1. the HTTP server: stop accepting, drain in-flight requests (bounded by
//     ctx), then wait for the Serve goroutine;
//  2. the Kafka client: flush buffered records, close connections;
//  3. the embedded broker: stop listening, persist its state.
func (a *App) teardown(ctx context.Context) error {
	var errs []error
	if a.http != nil {
		if err := a.http.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
			_ = a.http.Close()
		}
		a.serveOnce.Do(func() { a.serveErr <- nil }) // never started
		if err := <-a.serveErr; err != nil {
			errs = append(errs, err)
		}
	} else if a.ln != nil {
		_ = a.ln.Close()
	}
	if a.kafka != nil {
		a.kafka.Close(ctx)
	}
	if a.broker != nil {
		a.broker.Close()
	}
	return errors.Join(errs...)
}
