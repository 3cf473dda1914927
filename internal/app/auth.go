package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"

	"github.com/krest-dev/krest/internal/auth"
	"github.com/krest-dev/krest/internal/config"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/restapi"
)

// userPool is the pool of rest_authorization's per-user Kafka clients.
type userPool = auth.Pool[*kafka.Client]

// startAuthorization builds what rest_authorization needs: the pool of
// per-user Kafka clients (a.users, closed in teardown after the consumer
// instances) and the Kafka options of consumer instances a user owns.
// Per-user clients connect to sasl_bootstrap_uri (else bootstrap_uri, else
// the embedded broker) with the caller's credentials over SASL
// (sasl_mechanism) and, with security_protocol SSL or SASL_SSL, TLS.
func (a *App) startAuthorization(cfg config.Config, log *slog.Logger) (*restapi.Authorization, error) {
	brokers := cfg.UserBootstrapURI()
	if len(brokers) == 0 && a.broker != nil {
		brokers = []string{a.broker.Addr()}
	}
	if len(brokers) == 0 {
		return nil, errors.New("rest_authorization: no brokers for the per-user clients (sasl_bootstrap_uri)")
	}
	tlsCfg, err := userKafkaTLS(cfg)
	if err != nil {
		return nil, err
	}
	// The mechanism is checked once here, so that building a client for a
	// caller can only fail on Kafka's side.
	if _, err := kafka.NewSASL(cfg.SASLMechanism, "", ""); err != nil {
		return nil, err
	}
	base := kafkaOptions(cfg, brokers, log)
	// Per-user producers count in the produce metrics like the shared one
	// (kprom stays with the shared client: it serves one client only);
	// consumer instances count their fetches.
	produceHooks := a.metrics.SharedClientHooks()
	consumerHooks := a.metrics.ConsumerClientHooks()
	optionsWith := func(mech sasl.Mechanism, hooks []kgo.Opt) kafka.Options {
		o := base
		o.Extra = append(slices.Clip(kafka.SecurityOpts(tlsCfg, mech)), hooks...)
		return o
	}
	mechFor := func(p auth.Principal) sasl.Mechanism {
		mech, _ := kafka.NewSASL(cfg.SASLMechanism, p.User(), p.Password()) // checked above
		return mech
	}

	timeout := base.RequestTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ulog := log.With("component", "auth")
	a.users = auth.NewPool(auth.PoolOptions[*kafka.Client]{
		New: func(ctx context.Context, p auth.Principal) (*kafka.Client, error) {
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			probe := &saslProbe{Mechanism: mechFor(p), retry: cancel}
			c, err := kafka.New(optionsWith(probe, produceHooks))
			if err != nil {
				return nil, err
			}
			// The cheapest authenticated request: metadata of no topic.
			// Connecting runs the SASL exchange, so bad credentials fail
			// here, once per client.
			if _, err := c.Admin().BrokerMetadata(ctx); err != nil {
				c.Close(ctx)
				if probe.rejected() {
					err = fmt.Errorf("%w: %w", kerr.SaslAuthenticationFailed, err)
				}
				ulog.Debug("per-user Kafka client refused", "user", p, "err", err)
				return nil, err
			}
			ulog.Debug("per-user Kafka client ready", "user", p)
			return c, nil
		},
		Close: func(c *kafka.Client) {
			// Requests using it are over: nothing is left to flush but
			// what a request abandoned by its client left in flight.
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			c.Close(ctx)
		},
		MaxClients:  cfg.AuthMaxClients,
		IdleTimeout: time.Duration(cfg.AuthClientIdleMS) * time.Millisecond,
		Timeout:     timeout,
	})
	log.Info("rest_authorization is on: every request needs HTTP Basic credentials and acts on Kafka as that user",
		"brokers", brokers, "sasl_mechanism", cfg.SASLMechanism, "tls", tlsCfg != nil)
	if cfg.MetricsPort == 0 && (cfg.MetricsEnabled || cfg.PprofEnabled) {
		// Kafka's ACLs cannot filter them: the metrics name every topic
		// krest has served, and a profile shows everything.
		log.Warn("with rest_authorization, /metrics (and pprof when enabled) on the REST listener are open to every user Kafka accepts, and the metrics name topics those users may not see; set metrics_port to serve them on a separate, private listener")
	}
	return &restapi.Authorization{
		Clients:       a.users,
		ConsumerKafka: func(p auth.Principal) kafka.Options { return optionsWith(mechFor(p), consumerHooks) },
	}, nil
}

// saslProbe wraps a SASL mechanism to tell a login Kafka refused from a
// Kafka that could not be reached. Kafka answers bad credentials with
// SASL_AUTHENTICATION_FAILED, but some brokers (kfake, so the embedded
// one too; Kafka before 1.0) just close the connection, which franz-go
// reports as EOF. franz-go retries a closed connection, so a second login
// starting before any completed means the first was refused: retry (which
// cancels the verification) is called then, rather than logging in again
// until the request timeout, and the failure counts as a refused login.
// One exchange cut short is not enough: a broker that restarts in the
// middle of a login must give 503, not a 401 that tells the caller its
// password is wrong.
type saslProbe struct {
	sasl.Mechanism
	retry    func()
	attempts atomic.Int32
	done     atomic.Bool
	refused  atomic.Bool // the mechanism itself refused the credentials
}

func (m *saslProbe) Authenticate(ctx context.Context, host string) (sasl.Session, []byte, error) {
	if m.attempts.Add(1) > 1 && !m.done.Load() {
		m.retry()
	}
	s, first, err := m.Mechanism.Authenticate(ctx, host)
	if err != nil {
		// franz-go refuses some credentials before sending anything
		// (SCRAM with an empty password).
		m.refused.Store(true)
		return nil, nil, err
	}
	return &probeSession{Session: s, m: m}, first, nil
}

// rejected reports whether the mechanism refused the credentials, or two
// logins started and none completed.
func (m *saslProbe) rejected() bool {
	return m.refused.Load() || (m.attempts.Load() > 1 && !m.done.Load())
}

type probeSession struct {
	sasl.Session
	m *saslProbe
}

func (s *probeSession) Challenge(b []byte) (bool, []byte, error) {
	done, out, err := s.Session.Challenge(b)
	if done && err == nil {
		s.m.done.Store(true)
	}
	return done, out, err
}
