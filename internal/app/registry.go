package app

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/krest-dev/krest/internal/config"
	"github.com/krest-dev/krest/internal/httpx"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/registry"
	"github.com/krest-dev/krest/internal/restapi"
	"github.com/krest-dev/krest/internal/schemaregistry"
	"github.com/krest-dev/krest/internal/serde"
	"github.com/krest-dev/krest/internal/version"
)

// registryClient builds the proxy's schema registry client for url; with
// transport set (the embedded registry) requests never leave the process.
// It returns nil when there is no registry (schema formats then answer 415).
func registryClient(cfg config.Config, url string, transport http.RoundTripper) (*schemaregistry.Client, error) {
	if url == "" {
		return nil, nil
	}
	ns, err := schemaregistry.ParseNameStrategy(cfg.NameStrategy)
	if err != nil {
		return nil, err
	}
	avroMode, err := serde.ParseAvroJSONMode(cfg.AvroJSONMode)
	if err != nil {
		return nil, err
	}
	opts := schemaregistry.Options{
		URL:                           url,
		Username:                      cfg.RegistryUser,
		Password:                      cfg.RegistryPassword,
		Timeout:                       time.Duration(cfg.RegistryRequestTimeoutMS) * time.Millisecond,
		NameStrategy:                  ns,
		DisableNameStrategyValidation: !cfg.NameStrategyValidation,
		MaxSchemas:                    cfg.SchemaCacheSize,
		Transport:                     transport,
		Codec: serde.Options{
			AvroJSON:                   avroMode,
			ProtobufInt64AsString:      cfg.ProtobufInt64AsString,
			ValidateJSONSchemaOnDecode: cfg.JSONSchemaValidateOnConsume,
		},
	}
	if cfg.RegistryCA != "" {
		pool, err := readCAs(cfg.RegistryCA)
		if err != nil {
			return nil, fmt.Errorf("registry_ca: %w", err)
		}
		opts.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return schemaregistry.New(opts)
}

// startRegistry binds the embedded registry's listener on host:registry_port
// and builds the registry; Start serves it.
func (a *App) startRegistry(kopts kafka.Options) (err error) {
	cfg := a.cfg
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.RegistryPort))
	if a.regLn, err = net.Listen("tcp", addr); err != nil {
		return fmt.Errorf("schema registry listener: %w", err)
	}
	advertised := cfg.RegistryAdvertisedURI
	if advertised == "" {
		advertised = registryAdvertisedURL(cfg, a.regLn.Addr().(*net.TCPAddr).Port)
	}
	a.reg, err = registry.New(registry.Options{
		KafkaOpts:          kopts.BaseOpts(),
		AdvertisedURL:      advertised,
		Topic:              cfg.SchemasTopic,
		ReplicationFactor:  cfg.SchemasReplicationFactor,
		GroupID:            cfg.RegistryGroupID,
		NotPrimaryEligible: !cfg.MasterEligibility,
		Compatibility:      strings.ToUpper(cfg.Compatibility),
		Timeout:            time.Duration(cfg.KafkaRequestTimeoutMS) * time.Millisecond,
		Logger:             a.log.With("component", "registry"),
		Version:            version.String(),
		HTTPClient:         a.registryForwardClient(),
	})
	if err != nil {
		return err
	}
	// The same header limit, slow-client deadlines and CORS policy as the
	// REST API; http_max_concurrent_requests is the REST API's alone.
	h := restapi.Guard(httpx.NewCORS(cfg.AccessControlAllowOrigins).Handler(a.reg.Handler()), cfg.HTTPMaxHeaderBytes)
	a.regHTTP = restapi.NewHTTPServer(restapi.Instrument("registry", a.metrics, a.accessLog, h), cfg.HTTPMaxHeaderBytes)
	a.regHTTP.TLSConfig = a.tls.Clone()
	a.regHTTP.ErrorLog = slog.NewLogLogger(a.log.Handler(), slog.LevelDebug)
	return nil
}

// registryAdvertisedURL derives the URL other instances reach this registry
// at: advertised_protocol://(advertised_hostname | host | hostname):port.
func registryAdvertisedURL(cfg config.Config, port int) string {
	host := cfg.AdvertisedHostname
	if host == "" {
		host = cfg.Host
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		if h, err := os.Hostname(); err == nil && h != "" {
			host = h
		} else {
			host = "127.0.0.1"
		}
	}
	scheme := cfg.AdvertisedProtocol
	switch {
	case cfg.ServesTLS():
		// The listener speaks HTTPS only, whatever advertised_protocol
		// (default http) says.
		scheme = "https"
	case scheme == "":
		scheme = "http"
	}
	return scheme + "://" + net.JoinHostPort(host, strconv.Itoa(port))
}
