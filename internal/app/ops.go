package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"github.com/krest-dev/krest/internal/metrics"
	"github.com/krest-dev/krest/internal/restapi"
)

// This file wires the operational parts: the metrics fed by the consumer
// registry, the schema client and the embedded registry; the readiness
// checks of the schema registry; and the metrics listener.

// observe hands the metrics the functions they read gauges and counters
// from at each scrape. Without metrics it does nothing.
func (a *App) observe() {
	if a.metrics == nil {
		return
	}
	a.metrics.ObserveConsumers(func() metrics.ConsumerStats {
		st := a.consumers.Stats()
		return metrics.ConsumerStats{Live: st.Live, Created: st.Created, Expired: st.Expired}
	})
	if a.schema != nil {
		a.metrics.ObserveSchemaCaches(func() []metrics.CacheStats {
			var out []metrics.CacheStats
			for _, c := range a.schema.CacheStats() {
				out = append(out, metrics.CacheStats{Name: c.Name, Hits: c.Hits, Misses: c.Misses, Entries: c.Entries})
			}
			return out
		})
	}
	if a.reg != nil {
		a.metrics.ObserveRegistry(a.registryLoaded, a.reg.IsPrimary)
	}
}

// registryLoaded reports whether the embedded registry has read its topic.
func (a *App) registryLoaded() bool {
	select {
	case <-a.reg.Ready():
		return true
	default:
		return false
	}
}

// registryChecks are the schema registry checks of GET /_ready: the
// external registry krest's schema client uses must answer, and the
// embedded registry must have loaded its topic and know its primary (the
// instance that performs writes). With no registry there is nothing to
// check.
func (a *App) registryChecks() []restapi.ReadyCheck {
	var checks []restapi.ReadyCheck
	external := a.cfg.RegistryAddress() != "" && a.schema != nil
	if external {
		checks = append(checks, restapi.ReadyCheck{Name: "schema_registry", Check: a.schema.Ping})
	}
	if a.reg != nil {
		name := "schema_registry"
		if external { // both: krest serves a registry it does not use itself
			name = "embedded_registry"
		}
		checks = append(checks, restapi.ReadyCheck{Name: name, Check: func(ctx context.Context) error {
			switch {
			case !a.registryLoaded():
				return errors.New("the embedded registry is still reading its schemas topic")
			case a.reg.PrimaryURL() == "":
				return errors.New("the embedded registry knows no primary yet, so it cannot accept writes")
			}
			return nil
		}})
	}
	return checks
}

// listenOps binds the metrics listener on host:metrics_port when one is
// configured and there is something to serve on it (metrics or pprof).
func (a *App) listenOps() (err error) {
	cfg := a.cfg
	if cfg.MetricsPort == 0 || (a.metrics == nil && !cfg.PprofEnabled) {
		return nil
	}
	var mh http.Handler
	if a.metrics != nil {
		mh = a.metrics.Handler()
	}
	a.opsHTTP = restapi.NewHTTPServer(restapi.OpsHandler(mh, cfg.PprofEnabled, a.log), cfg.HTTPMaxHeaderBytes)
	a.opsHTTP.ErrorLog = slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.MetricsPort))
	if a.opsLn, err = net.Listen("tcp", addr); err != nil {
		return fmt.Errorf("metrics listener: %w", err)
	}
	return nil
}
