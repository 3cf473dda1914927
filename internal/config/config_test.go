package config

import (
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
}

func TestDefaultValues(t *testing.T) {
	c := Default()
	tests := []struct {
		key  string
		got  any
		want any
	}{
		{"host", c.Host, "127.0.0.1"},
		{"port", c.Port, 8082},
		{"advertised_uri", c.AdvertisedURI, ""},
		{"advertised_protocol", c.AdvertisedProtocol, "http"},
		{"bootstrap_uri", len(c.BootstrapURI), 0},
		{"data_dir", c.DataDir, "./krest-data"},
		{"embedded_broker_port", c.EmbeddedBrokerPort, 9092},
		{"embedded_topics", len(c.EmbeddedTopics), 0},
		{"embedded_default_partitions", c.EmbeddedDefaultPartitions, 1},
		{"embedded_sync_writes", c.EmbeddedSyncWrites, false},
		{"client_id", c.ClientID, "krest"},
		{"producer_acks", c.ProducerAcks, "all"},
		{"producer_linger_ms", c.ProducerLingerMS, 0},
		{"producer_compression_type", c.ProducerCompressionType, "none"},
		{"producer_max_request_size", c.ProducerMaxRequestSize, 1048576},
		{"producer_partitioner", c.ProducerPartitioner, "murmur2"},
		{"http_request_max_size", c.HTTPRequestMaxSize, 0},
		{"metadata_max_age_ms", c.MetadataMaxAgeMS, 60000},
		{"admin_metadata_max_age", c.AdminMetadataMaxAge, 5},
		{"kafka_request_timeout_ms", c.KafkaRequestTimeoutMS, 30000},
		{"consumer_request_timeout_ms", c.ConsumerRequestTimeoutMS, 1000},
		{"consumer_request_max_bytes", c.ConsumerRequestMaxBytes, 67108864},
		{"consumer_instance_timeout_ms", c.ConsumerInstanceTimeoutMS, 300000},
		{"consumer_enable_auto_commit", c.ConsumerEnableAutoCommit, true},
		{"consumer_auto_offset_reset", c.ConsumerAutoOffsetReset, "earliest"},
		{"fetch_min_bytes", c.FetchMinBytes, 1},
		{"session_timeout_ms", c.SessionTimeoutMS, 10000},
		{"consumer_max_instances", c.ConsumerMaxInstances, 0},
		{"shutdown_timeout_ms", c.ShutdownTimeoutMS, 10000},
		{"log_level", c.LogLevel, "info"},
		{"log_format", c.LogFormat, "text"},
		{"access_log", c.AccessLog, false},
		{"metrics_enabled", c.MetricsEnabled, true},
		{"metrics_port", c.MetricsPort, 0},
		{"metrics_max_topics", c.MetricsMaxTopics, 1000},
		{"pprof_enabled", c.PprofEnabled, false},
		{"readiness_timeout_ms", c.ReadinessTimeoutMS, 2000},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("default %s = %v, want %v", tt.key, tt.got, tt.want)
		}
	}
	if !c.UsesEmbeddedBroker() {
		t.Error("the default configuration should use the embedded broker")
	}
}

// The key table is what every source, --help and the docs are built from;
// these tests keep its conventions.
func TestEveryKeyFollowsTheNamingConventions(t *testing.T) {
	for _, f := range fields {
		if f.key != strings.ToLower(f.key) || strings.ContainsAny(f.key, "-. ") {
			t.Errorf("key %q: keys are lower-case words joined by underscores", f.key)
		}
		if f.envVar != "KREST_"+strings.ToUpper(f.key) {
			t.Errorf("key %q: environment variable is %s", f.key, f.envVar)
		}
		if f.flag != "" && f.flag != strings.ReplaceAll(f.key, "_", "-") {
			t.Errorf("key %q: flag --%s should be the key with dashes", f.key, f.flag)
		}
		if !strings.HasSuffix(f.help, ".") || f.help[0] < 'A' || f.help[0] > 'Z' {
			t.Errorf("key %q: help %q should be full sentences", f.key, f.help)
		}
	}
}

func TestCommonKeysHaveFlags(t *testing.T) {
	for _, key := range []string{"host", "port", "bootstrap_uri", "data_dir", "embedded_broker_port", "embedded_topics", "log_level", "advertised_uri"} {
		if f := fieldByKey[key]; f == nil || f.flag == "" {
			t.Errorf("key %q has no flag", key)
		}
	}
}

func TestKarapaceOnlyKeysAreNotKeys(t *testing.T) {
	for _, k := range karapaceOnlyKeys {
		if fieldByKey[k] != nil {
			t.Errorf("%q is a Config key; remove it from karapaceOnlyKeys", k)
		}
	}
	if !slices.IsSorted(karapaceOnlyKeys) {
		t.Error("karapaceOnlyKeys should stay sorted so that additions are easy to review")
	}
}

func TestEveryValidationRuleNamesAKey(t *testing.T) {
	for key := range rules {
		if fieldByKey[key] == nil || fieldByKey[key].key != key {
			t.Errorf("rules has an entry for %q, which is not a key", key)
		}
	}
}

func TestEnumDefaultsAreCanonical(t *testing.T) {
	// Load lower-cases enum values; defaults must already be in that form
	// so that callers can compare with plain ==.
	c := Default()
	for _, f := range fields {
		if f.enum != nil && !slices.Contains(f.enum, f.format(&c)) {
			t.Errorf("default %s = %q is not spelled as in its enum %v", f.key, f.format(&c), f.enum)
		}
	}
}

func TestBaseURI(t *testing.T) {
	tests := []struct {
		name string
		set  func(*Config)
		want string
	}{
		{"is empty when nothing is configured", func(c *Config) {}, ""},
		{"is advertised_uri", func(c *Config) { c.AdvertisedURI = "https://rest.example.com" }, "https://rest.example.com"},
		{"drops trailing slashes of advertised_uri", func(c *Config) { c.AdvertisedURI = "https://x.example/kafka//" }, "https://x.example/kafka"},
		{"prefers advertised_uri to advertised_hostname", func(c *Config) {
			c.AdvertisedURI = "http://a.example:1"
			c.AdvertisedHostname = "b.example"
		}, "http://a.example:1"},
		{"builds from advertised_hostname with the listening port", func(c *Config) { c.AdvertisedHostname = "rest.example" }, "http://rest.example:8082"},
		{"builds from advertised_hostname, _port and _protocol", func(c *Config) {
			c.AdvertisedHostname = "rest.example"
			c.AdvertisedPort = 443
			c.AdvertisedProtocol = "https"
		}, "https://rest.example:443"},
		{"brackets an IPv6 advertised_hostname", func(c *Config) { c.AdvertisedHostname = "::1" }, "http://[::1]:8082"},
		{"ignores advertised_port alone", func(c *Config) { c.AdvertisedPort = 9000 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.set(&c)
			if got := c.BaseURI(); got != tt.want {
				t.Errorf("BaseURI() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestMaxRequestBytes(t *testing.T) {
	tests := []struct {
		name             string
		httpMax, prodMax int
		want             int64
	}{
		{"is 1 MiB by default", 0, 1048576, 1048576},
		{"stays 1 MiB for a smaller producer limit", 0, 4096, 1048576},
		{"adds 1 MiB to a producer limit above 1 MiB", 0, 5 << 20, 6 << 20},
		{"is http_request_max_size when set", 2048, 5 << 20, 2048},
		{"is http_request_max_size even when smaller than 1 MiB", 100, 1048576, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.HTTPRequestMaxSize = tt.httpMax
			c.ProducerMaxRequestSize = tt.prodMax
			if got := c.MaxRequestBytes(); got != tt.want {
				t.Errorf("MaxRequestBytes() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestProducerAcksInt(t *testing.T) {
	for acks, want := range map[string]int16{"all": -1, "ALL": -1, "-1": -1, "0": 0, "1": 1} {
		c := Config{ProducerAcks: acks}
		if got := c.ProducerAcksInt(); got != want {
			t.Errorf("ProducerAcksInt() for %q = %d, want %d", acks, got, want)
		}
	}
}

func TestSlogLevel(t *testing.T) {
	for level, want := range map[string]slog.Level{
		"debug": slog.LevelDebug, "DEBUG": slog.LevelDebug, "info": slog.LevelInfo,
		"warn": slog.LevelWarn, "WARNING": slog.LevelWarn, "error": slog.LevelError, "critical": slog.LevelError,
	} {
		c := Config{LogLevel: level}
		if got := c.SlogLevel(); got != want {
			t.Errorf("SlogLevel() for %q = %v, want %v", level, got, want)
		}
	}
}

func TestEmbeddedTopicSpecs(t *testing.T) {
	c := Config{EmbeddedTopics: []string{"orders", "events:3", " spaced:2 "}}
	want := []TopicSpec{{"orders", 1}, {"events", 3}, {"spaced", 2}}
	if got := c.EmbeddedTopicSpecs(); !reflect.DeepEqual(got, want) {
		t.Errorf("EmbeddedTopicSpecs() = %v, want %v", got, want)
	}
}

func TestEmbeddedTopicsWithoutCountUseDefaultPartitions(t *testing.T) {
	c := Default()
	c.EmbeddedTopics = []string{"a", "b:3"}
	c.EmbeddedDefaultPartitions = 4
	got := c.EmbeddedTopicSpecs()
	if len(got) != 2 || got[0].Partitions != 4 || got[1].Partitions != 3 {
		t.Fatalf("EmbeddedTopicSpecs = %+v", got)
	}
}

func TestRegistryAddress(t *testing.T) {
	c := Default()
	if got := c.RegistryAddress(); got != "" {
		t.Fatalf("no registry configured: %q", got)
	}
	c.RegistryHost, c.RegistryScheme, c.RegistryPort = "sr.example.com", "https", 443
	if got := c.RegistryAddress(); got != "https://sr.example.com:443" {
		t.Fatalf("from registry_host: %q", got)
	}
	c.RegistryURL = "http://127.0.0.1:8081"
	if got := c.RegistryAddress(); got != "http://127.0.0.1:8081" {
		t.Fatalf("registry_url wins: %q", got)
	}
}
