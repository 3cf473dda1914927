package config

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
)

// This file holds the values derived from the raw keys, so that the rules
// (Karapace's fallbacks, accepted spellings) live next to the keys rather
// than in every caller.

// defaultMaxRequestBytes is aiohttp's default client_max_size, which
// Karapace uses as its request body limit and as the headroom above the
// producer's max request size.
const defaultMaxRequestBytes = 1 << 20

// UsesEmbeddedBroker reports whether krest should start its embedded Kafka
// broker, which it does when no bootstrap brokers are configured.
func (c *Config) UsesEmbeddedBroker() bool {
	return len(c.BootstrapURI) == 0
}

// BaseURI returns the public base URL of this server without a trailing
// slash, or "" when none is configured (then the REST layer uses each
// request's scheme and Host header). AdvertisedURI wins; otherwise, as in
// Karapace, a set AdvertisedHostname gives
// <advertised_protocol>://<advertised_hostname>:<advertised_port or port>.
func (c *Config) BaseURI() string {
	if c.AdvertisedURI != "" {
		return strings.TrimRight(c.AdvertisedURI, "/")
	}
	if c.AdvertisedHostname == "" {
		return ""
	}
	port := c.AdvertisedPort
	if port == 0 {
		port = c.Port
	}
	scheme := strings.ToLower(c.AdvertisedProtocol)
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + net.JoinHostPort(c.AdvertisedHostname, strconv.Itoa(port))
}

// RegistryAddress returns the external schema registry's URL(s): RegistryURL,
// or Karapace's registry_scheme://registry_host:registry_port when only
// registry_host is set, or "" when neither is.
func (c *Config) RegistryAddress() string {
	if c.RegistryURL != "" {
		return c.RegistryURL
	}
	if c.RegistryHost == "" {
		return ""
	}
	scheme := c.RegistryScheme
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + net.JoinHostPort(c.RegistryHost, strconv.Itoa(c.RegistryPort))
}

// ServesRegistry reports whether krest serves its embedded schema registry.
func (c *Config) ServesRegistry() bool {
	switch c.RegistryEnabled {
	case "true":
		return true
	case "false":
		return false
	}
	return c.RegistryAddress() == ""
}

// MaxRequestBytes returns the largest request body the REST API accepts.
// An explicit HTTPRequestMaxSize wins. Otherwise it follows Karapace: the
// 1 MiB default, or ProducerMaxRequestSize plus 1 MiB of JSON overhead when
// the producer may send batches larger than 1 MiB, so that any batch the
// producer accepts also fits in a request.
func (c *Config) MaxRequestBytes() int64 {
	switch {
	case c.HTTPRequestMaxSize > 0:
		return int64(c.HTTPRequestMaxSize)
	case c.ProducerMaxRequestSize > defaultMaxRequestBytes:
		return int64(c.ProducerMaxRequestSize) + defaultMaxRequestBytes
	default:
		return defaultMaxRequestBytes
	}
}

// ProducerAcksInt returns ProducerAcks as Kafka's acks number: -1 for "all"
// or "-1", 0 or 1. It returns -1 for a value Validate rejects, the safest
// choice.
func (c *Config) ProducerAcksInt() int16 {
	switch strings.ToLower(c.ProducerAcks) {
	case "0":
		return 0
	case "1":
		return 1
	default:
		return -1
	}
}

// SlogLevel returns LogLevel as a slog.Level, mapping Karapace's "warning"
// to warn and "critical" to error. It returns info for a value Validate
// rejects.
func (c *Config) SlogLevel() slog.Level {
	switch strings.ToLower(c.LogLevel) {
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error", "critical":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// TopicSpec is one parsed entry of EmbeddedTopics.
type TopicSpec struct {
	// Name is the topic name.
	Name string
	// Partitions is the partition count; an entry without one gets
	// embedded_default_partitions.
	Partitions int32
}

// EmbeddedTopicSpecs returns EmbeddedTopics parsed, in order. Entries that
// Validate rejects are left out.
func (c *Config) EmbeddedTopicSpecs() []TopicSpec {
	specs := make([]TopicSpec, 0, len(c.EmbeddedTopics))
	for _, s := range c.EmbeddedTopics {
		if spec, err := parseTopicSpec(s); err == nil {
			if !strings.Contains(s, ":") && c.EmbeddedDefaultPartitions > 0 {
				spec.Partitions = int32(c.EmbeddedDefaultPartitions)
			}
			specs = append(specs, spec)
		}
	}
	return specs
}

// parseTopicSpec parses "name" or "name:partitions".
func parseTopicSpec(s string) (TopicSpec, error) {
	name, count, hasCount := strings.Cut(strings.TrimSpace(s), ":")
	spec := TopicSpec{Name: name, Partitions: 1}
	if err := checkTopicName(name); err != nil {
		return spec, err
	}
	if hasCount {
		n, err := strconv.ParseInt(count, 10, 32)
		if err != nil || n < 1 {
			return spec, fmt.Errorf("partition count %q is not an integer of at least 1", count)
		}
		spec.Partitions = int32(n)
	}
	return spec, nil
}

// checkTopicName applies Kafka's topic name rules (kafka.common.internals.Topic).
func checkTopicName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("topic name is empty")
	case name == "." || name == "..":
		return fmt.Errorf("topic name %q is not allowed", name)
	case len(name) > 249:
		return fmt.Errorf("topic name is longer than 249 characters")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("topic name %q has characters other than ASCII letters, digits, '.', '_' and '-'", name)
		}
	}
	return nil
}
