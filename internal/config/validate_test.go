package config

import (
	"strings"
	"testing"
)

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		set  func(*Config)
		want string // the whole single line Validate must return
	}{
		{func(c *Config) { c.Host = "a b" }, `host: "a b" is not a host name or IP address`},
		{func(c *Config) { c.Host = "localhost:8082" }, `host: "localhost:8082" is not a host name or IP address`},
		{func(c *Config) { c.Port = -1 }, `port: -1 is out of range 0..65535`},
		{func(c *Config) { c.Port = 65536 }, `port: 65536 is out of range 0..65535`},
		{func(c *Config) { c.AdvertisedURI = "rest.example.com" }, `advertised_uri: "rest.example.com" is not an absolute http or https URL`},
		{func(c *Config) { c.AdvertisedURI = "ftp://rest.example.com" }, `advertised_uri: "ftp://rest.example.com" is not an absolute http or https URL`},
		{func(c *Config) { c.AdvertisedURI = "http://" }, `advertised_uri: "http://" is not an absolute http or https URL`},
		{func(c *Config) { c.AdvertisedURI = "http://x/?a=1" }, `advertised_uri: "http://x/?a=1" must not have user info, a query or a fragment`},
		{func(c *Config) { c.AdvertisedHostname = "http://x" }, `advertised_hostname: "http://x" is not a host name or IP address`},
		{func(c *Config) { c.AdvertisedPort = 70000 }, `advertised_port: 70000 is out of range 0..65535`},
		{func(c *Config) { c.AdvertisedHostname, c.Port = "x", 0 },
			`advertised_port: 0 cannot be used with port 0 when advertised_hostname is set; set advertised_port or advertised_uri`},
		{func(c *Config) { c.AdvertisedProtocol = "ftp" }, `advertised_protocol: "ftp" is not one of http, https`},
		{func(c *Config) { c.HTTPRequestMaxSize = -1 }, `http_request_max_size: -1 is below the minimum 0`},
		{func(c *Config) { c.ShutdownTimeoutMS = -1 }, `shutdown_timeout_ms: -1 is below the minimum 0`},
		{func(c *Config) { c.BootstrapURI = []string{"kafka"} }, `bootstrap_uri: "kafka" is not host:port`},
		{func(c *Config) { c.BootstrapURI = []string{"kafka:x"} }, `bootstrap_uri: "kafka:x" is not host:port`},
		{func(c *Config) { c.BootstrapURI = []string{"kafka:0"} }, `bootstrap_uri: "kafka:0" is not host:port`},
		{func(c *Config) { c.BootstrapURI = []string{":9092"} }, `bootstrap_uri: ":9092" is not host:port`},
		{func(c *Config) { c.BootstrapURI = []string{"PLAINTEXT://kafka:9092"} }, `bootstrap_uri: "PLAINTEXT://kafka:9092" is not host:port`},
		{func(c *Config) { c.MetadataMaxAgeMS = -1 }, `metadata_max_age_ms: -1 is below the minimum 0`},
		{func(c *Config) { c.AdminMetadataMaxAge = -1 }, `admin_metadata_max_age: -1 is below the minimum 0`},
		{func(c *Config) { c.KafkaRequestTimeoutMS = 99 }, `kafka_request_timeout_ms: 99 is below the minimum 100`},
		{func(c *Config) { c.ProducerAcks = "2" }, `producer_acks: "2" is not one of all, -1, 0, 1`},
		{func(c *Config) { c.ProducerLingerMS = -1 }, `producer_linger_ms: -1 is below the minimum 0`},
		{func(c *Config) { c.ProducerCompressionType = "brotli" }, `producer_compression_type: "brotli" is not one of none, gzip, snappy, lz4, zstd`},
		{func(c *Config) { c.ProducerCompressionType = "" }, `producer_compression_type: "" is not one of none, gzip, snappy, lz4, zstd`},
		{func(c *Config) { c.ProducerMaxRequestSize = 1023 }, `producer_max_request_size: 1023 is out of range 1024..2147483647`},
		{func(c *Config) { c.ProducerMaxRequestSize = 1 << 31 }, `producer_max_request_size: 2147483648 is out of range 1024..2147483647`},
		{func(c *Config) { c.ProducerPartitioner = "random" }, `producer_partitioner: "random" is not one of murmur2, crc32`},
		{func(c *Config) { c.ConsumerRequestTimeoutMS = -1 }, `consumer_request_timeout_ms: -1 is below the minimum 0`},
		{func(c *Config) { c.ConsumerRequestMaxBytes = 0 }, `consumer_request_max_bytes: 0 is out of range 1..2147483647`},
		{func(c *Config) { c.ConsumerInstanceTimeoutMS = 99 }, `consumer_instance_timeout_ms: 99 is below the minimum 100`},
		{func(c *Config) { c.ConsumerAutoOffsetReset = "none" }, `consumer_auto_offset_reset: "none" is not one of earliest, latest`},
		{func(c *Config) { c.FetchMinBytes = -2 }, `fetch_min_bytes: -2 is out of range -1..2147483647`},
		{func(c *Config) { c.SessionTimeoutMS = 999 }, `session_timeout_ms: 999 is below the minimum 1000`},
		{func(c *Config) { c.ConsumerMaxInstances = -1 }, `consumer_max_instances: -1 is below the minimum 0`},
		{func(c *Config) { c.EmbeddedBrokerPort = 65536 }, `embedded_broker_port: 65536 is out of range 0..65535`},
		{func(c *Config) { c.EmbeddedTopics = []string{"bad name"} },
			`embedded_topics: "bad name": topic name "bad name" has characters other than ASCII letters, digits, '.', '_' and '-'`},
		{func(c *Config) { c.EmbeddedTopics = []string{"."} }, `embedded_topics: ".": topic name "." is not allowed`},
		{func(c *Config) { c.EmbeddedTopics = []string{"..:2"} }, `embedded_topics: "..:2": topic name ".." is not allowed`},
		{func(c *Config) { c.EmbeddedTopics = []string{":3"} }, `embedded_topics: ":3": topic name is empty`},
		{func(c *Config) { c.EmbeddedTopics = []string{strings.Repeat("t", 250)} },
			`embedded_topics: "` + strings.Repeat("t", 250) + `": topic name is longer than 249 characters`},
		{func(c *Config) { c.EmbeddedTopics = []string{"a:0"} }, `embedded_topics: "a:0": partition count "0" is not an integer of at least 1`},
		{func(c *Config) { c.EmbeddedTopics = []string{"a:x"} }, `embedded_topics: "a:x": partition count "x" is not an integer of at least 1`},
		{func(c *Config) { c.EmbeddedTopics = []string{"a:3000000000"} }, `embedded_topics: "a:3000000000": partition count "3000000000" is not an integer of at least 1`},
		{func(c *Config) { c.EmbeddedTopics = []string{"a", "a:2"} }, `embedded_topics: "a:2": topic "a" is listed twice`},
		{func(c *Config) { c.EmbeddedDefaultPartitions = 0 }, `embedded_default_partitions: 0 is out of range 1..2147483647`},
		{func(c *Config) { c.LogLevel = "verbose" }, `log_level: "verbose" is not one of debug, info, warn, warning, error, critical`},
		{func(c *Config) { c.LogFormat = "xml" }, `log_format: "xml" is not one of text, json`},
	}
	for _, tt := range tests {
		key, _, _ := strings.Cut(tt.want, ":")
		t.Run(key, func(t *testing.T) {
			c := Default()
			tt.set(&c)
			err := c.Validate()
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Validate() =\n%s\nwant exactly\n%s", err, tt.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name string
		set  func(*Config)
	}{
		{"any free port", func(c *Config) { c.Port, c.EmbeddedBrokerPort = 0, 0 }},
		{"the highest port", func(c *Config) { c.Port = 65535 }},
		{"every interface", func(c *Config) { c.Host = "" }},
		{"IPv4 wildcard", func(c *Config) { c.Host = "0.0.0.0" }},
		{"IPv6 host", func(c *Config) { c.Host = "::" }},
		{"host name", func(c *Config) { c.Host = "rest-1.example.com" }},
		{"brokers", func(c *Config) { c.BootstrapURI = []string{"kafka:9092", "10.0.0.1:9093", "[::1]:9094"} }},
		{"advertised_uri with a path", func(c *Config) { c.AdvertisedURI = "https://gw.example/kafka/" }},
		{"advertised_hostname with port 0 and advertised_port", func(c *Config) {
			c.AdvertisedHostname, c.Port, c.AdvertisedPort = "x", 0, 8080
		}},
		{"advertised_uri with port 0", func(c *Config) { c.AdvertisedURI, c.AdvertisedHostname, c.Port = "http://x", "x", 0 }},
		{"upper-case enums", func(c *Config) {
			c.LogLevel, c.LogFormat, c.ProducerAcks, c.ProducerCompressionType = "WARNING", "JSON", "ALL", "ZSTD"
		}},
		{"every acks", func(c *Config) { c.ProducerAcks = "-1" }},
		{"fetch_min_bytes -1", func(c *Config) { c.FetchMinBytes = -1 }},
		{"short consumer timeouts for tests", func(c *Config) { c.ConsumerInstanceTimeoutMS, c.ConsumerRequestTimeoutMS = 100, 0 }},
		{"legal topic names", func(c *Config) {
			c.EmbeddedTopics = []string{"a.b_c-D:12", strings.Repeat("t", 249), "...", "_schemas"}
		}},
		{"in-memory embedded broker", func(c *Config) { c.DataDir = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.set(&c)
			if err := c.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
		})
	}
}

func TestValidateReportsEveryProblemOnItsOwnLine(t *testing.T) {
	c := Default()
	c.Port = -1
	c.BootstrapURI = []string{"a", "b:1", "c"}
	c.ProducerAcks = "2"
	c.LogFormat = "xml"
	want := strings.Join([]string{
		`port: -1 is out of range 0..65535`,
		`bootstrap_uri: "a" is not host:port`,
		`bootstrap_uri: "c" is not host:port`,
		`producer_acks: "2" is not one of all, -1, 0, 1`,
		`log_format: "xml" is not one of text, json`,
	}, "\n")
	if err := c.Validate(); err == nil || err.Error() != want {
		t.Errorf("Validate() =\n%v\nwant\n%s", err, want)
	}
}

func TestValidateQuotesValuesOnOneLine(t *testing.T) {
	c := Default()
	c.LogLevel = "info\nport: 1"
	if err := c.Validate(); err == nil || strings.Count(err.Error(), "\n") != 0 {
		t.Errorf("Validate() = %q, want one line", err)
	}
}
