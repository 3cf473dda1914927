// Package config holds krest's configuration: the Config struct, its
// defaults, how it is loaded from a Karapace-style JSON file, KREST_<KEY>
// environment variables and command-line flags, and how it is validated.
//
// Every configuration key is one field of Config. The field's struct tags
// are the single source of truth for everything else about the key:
//
//	json   the key, as written in the JSON config file (Karapace's name where
//	       Karapace has one); the environment variable is KREST_ + upper(key)
//	flag   the command-line flag name, for keys common enough to have one
//	help   the description shown by --help and in docs/configuration.md
//	min    the smallest accepted value of an int key
//	max    the largest accepted value of an int key
//	enum   the accepted values of a string key, comma-separated; matched
//	       case-insensitively, and Load lower-cases the value
//	alias  another file key that sets the same field (Karapace's spelling)
//
// So adding a key means adding one tagged field and its default in Default;
// run "go generate ./internal/config" afterwards to refresh the reference in
// docs/configuration.md (a test fails until you do).
//
// Only internal/app and cmd/krest import this package. Other packages take
// their own small options structs, which app fills from a Config.
package config

//go:generate go test -run TestMarkdownReferenceMatchesDocs -update

// Config is krest's effective configuration. The zero value is not useful:
// start from Default or Load. Fields are grouped as the reference table
// lists them; durations are integers in the unit their key names, as in
// Karapace.
type Config struct {
	// HTTP listener.

	// Host is the address the REST API listens on. Default "127.0.0.1";
	// "" listens on every interface.
	Host string `json:"host" flag:"host" help:"Address the REST API listens on; empty listens on every interface."`
	// Port is the TCP port of the REST API. Default 8082; 0 picks a free
	// port, which tests use.
	Port int `json:"port" flag:"port" min:"0" max:"65535" help:"TCP port the REST API listens on; 0 picks a free port."`
	// AdvertisedURI is the public base URL of this server, used to build
	// the base_uri of consumer instances. Default "": see BaseURI.
	AdvertisedURI string `json:"advertised_uri" alias:"rest_base_uri" flag:"advertised-uri" help:"Public absolute http(s) URL of this server, the base of consumer base_uri values. Empty derives it from advertised_hostname, or else from each request's Host header."`
	// AdvertisedHostname is Karapace's way to build the base URL when
	// AdvertisedURI is empty. Default "": not used.
	AdvertisedHostname string `json:"advertised_hostname" help:"Host name for the public base URL when advertised_uri is empty (Karapace compatibility)."`
	// AdvertisedPort is the port for the base URL built from
	// AdvertisedHostname. Default 0: the value of Port.
	AdvertisedPort int `json:"advertised_port" min:"0" max:"65535" help:"Port for the public base URL built from advertised_hostname; 0 uses port."`
	// AdvertisedProtocol is the scheme for the base URL built from
	// AdvertisedHostname. Default "http".
	AdvertisedProtocol string `json:"advertised_protocol" enum:"http,https" help:"Scheme for the public base URL built from advertised_hostname."`
	// HTTPRequestMaxSize is the largest request body accepted, in bytes.
	// Default 0: computed from ProducerMaxRequestSize, see MaxRequestBytes.
	HTTPRequestMaxSize int `json:"http_request_max_size" min:"0" help:"Largest accepted request body in bytes; larger bodies get 413. 0 uses 1048576, or producer_max_request_size + 1048576 when that is larger than 1048576 (Karapace's rule)."`
	// ShutdownTimeoutMS bounds a graceful shutdown. Default 10000.
	ShutdownTimeoutMS int `json:"shutdown_timeout_ms" min:"0" help:"How long a graceful shutdown waits for in-flight requests and consumers, in milliseconds."`

	// Kafka connection.

	// BootstrapURI lists the Kafka bootstrap brokers as host:port. Default
	// empty: krest starts its embedded broker instead.
	BootstrapURI []string `json:"bootstrap_uri" flag:"bootstrap-uri" help:"Kafka bootstrap brokers as host:port, comma-separated. Empty starts the embedded broker."`
	// ClientID is the Kafka client.id of krest's clients. Default "krest".
	ClientID string `json:"client_id" help:"Kafka client.id of krest's producer, admin and consumer clients."`
	// MetadataMaxAgeMS is the Kafka clients' metadata max age. Default 60000.
	MetadataMaxAgeMS int `json:"metadata_max_age_ms" min:"0" help:"Kafka clients' metadata max age, in milliseconds."`
	// AdminMetadataMaxAge is how long topic metadata is cached for the REST
	// metadata endpoints, in seconds (Karapace's unit). Default 5; 0 does
	// not cache.
	AdminMetadataMaxAge int `json:"admin_metadata_max_age" min:"0" help:"How long topic metadata is cached for the REST metadata endpoints, in seconds; 0 does not cache."`
	// KafkaRequestTimeoutMS bounds any single Kafka operation a request
	// waits for. Default 30000.
	KafkaRequestTimeoutMS int `json:"kafka_request_timeout_ms" min:"100" help:"Longest a request waits for one Kafka operation (produce delivery, metadata, offsets), in milliseconds."`

	// Producer.

	// ProducerAcks is the producer's acks: "all" (same as "-1"), "0" or
	// "1". Default "all". See ProducerAcksInt.
	ProducerAcks string `json:"producer_acks" enum:"all,-1,0,1" help:"Producer acks; all and -1 wait for every in-sync replica. A JSON number is accepted."`
	// ProducerLingerMS is how long the producer waits to fill a batch.
	// Default 0.
	ProducerLingerMS int `json:"producer_linger_ms" min:"0" help:"How long the producer waits to fill a batch, in milliseconds."`
	// ProducerCompressionType is the batch compression codec. Default
	// "none"; Karapace's null keeps the default.
	ProducerCompressionType string `json:"producer_compression_type" enum:"none,gzip,snappy,lz4,zstd" help:"Compression of produced batches."`
	// ProducerMaxRequestSize is the largest produce batch in bytes.
	// Default 1048576.
	ProducerMaxRequestSize int `json:"producer_max_request_size" min:"1024" max:"2147483647" help:"Largest produce batch the producer sends, in bytes."`
	// ProducerPartitioner places keyed records. Default "murmur2" (Java
	// client and Confluent); "crc32" reproduces Karapace's placement.
	ProducerPartitioner string `json:"producer_partitioner" enum:"murmur2,crc32" help:"Partitioner for keyed records: murmur2 as the Java client, crc32 as Karapace and librdkafka."`

	// Consumers.

	// ConsumerRequestTimeoutMS is the default long-poll timeout of a
	// records request. Default 1000.
	ConsumerRequestTimeoutMS int `json:"consumer_request_timeout_ms" min:"0" help:"Default time a records request waits for data, in milliseconds."`
	// ConsumerRequestMaxBytes is the default and largest max_bytes of a
	// records request. Default 67108864.
	ConsumerRequestMaxBytes int `json:"consumer_request_max_bytes" min:"1" max:"2147483647" help:"Default and largest max_bytes of a records request, in bytes."`
	// ConsumerInstanceTimeoutMS is how long a consumer instance may stay
	// idle before it is closed. Default 300000.
	ConsumerInstanceTimeoutMS int `json:"consumer_instance_timeout_ms" min:"100" help:"Consumer instances idle for this long are closed, in milliseconds."`
	// ConsumerEnableAutoCommit is the default auto.commit.enable of new
	// consumer instances. Default true.
	ConsumerEnableAutoCommit bool `json:"consumer_enable_auto_commit" help:"Default auto.commit.enable of new consumer instances."`
	// ConsumerAutoOffsetReset is the default auto.offset.reset of new
	// consumer instances. Default "earliest".
	ConsumerAutoOffsetReset string `json:"consumer_auto_offset_reset" enum:"earliest,latest" help:"Default auto.offset.reset of new consumer instances."`
	// FetchMinBytes is the default fetch.min.bytes of new consumer
	// instances. Default 1.
	FetchMinBytes int `json:"fetch_min_bytes" min:"-1" max:"2147483647" help:"Default fetch.min.bytes of new consumer instances."`
	// SessionTimeoutMS is the consumer group session timeout. Default 10000.
	SessionTimeoutMS int `json:"session_timeout_ms" min:"1000" help:"Consumer group session timeout, in milliseconds."`
	// ConsumerMaxInstances caps the number of live consumer instances.
	// Default 0: unlimited.
	ConsumerMaxInstances int `json:"consumer_max_instances" min:"0" help:"Most consumer instances alive at once; 0 is unlimited."`

	// Embedded broker, used when BootstrapURI is empty.

	// DataDir is where the embedded broker persists its data. Default
	// "./krest-data"; "" keeps everything in memory.
	DataDir string `json:"data_dir" flag:"data-dir" help:"Directory where the embedded broker persists its data; empty keeps it in memory only."`
	// EmbeddedBrokerPort is the embedded broker's Kafka port. Default 9092;
	// 0 picks a free port.
	EmbeddedBrokerPort int `json:"embedded_broker_port" flag:"embedded-broker-port" min:"0" max:"65535" help:"Kafka port of the embedded broker; 0 picks a free port."`
	// EmbeddedTopics lists topics created on the embedded broker at start,
	// each "name" or "name:partitions". Default empty. See
	// EmbeddedTopicSpecs.
	EmbeddedTopics []string `json:"embedded_topics" flag:"embedded-topics" help:"Topics created on the embedded broker at start, each name or name:partitions, comma-separated."`
	// EmbeddedDefaultPartitions is the partition count of topics created on
	// the embedded broker with -1 partitions, and of embedded_topics given
	// without a count (auto-creation is off). Default 1.
	EmbeddedDefaultPartitions int `json:"embedded_default_partitions" min:"1" max:"2147483647" help:"Partitions of topics created on the embedded broker with -1 partitions or listed in embedded_topics without a count."`
	// EmbeddedSyncWrites makes the embedded broker fsync every batch.
	// Default false.
	EmbeddedSyncWrites bool `json:"embedded_sync_writes" flag:"embedded-sync-writes" help:"Make the embedded broker fsync every batch it writes."`

	// Logging.

	// LogLevel is the lowest level logged: debug, info, warn or error;
	// Karapace's warning and critical are accepted. Default "info". See
	// SlogLevel.
	LogLevel string `json:"log_level" flag:"log-level" enum:"debug,info,warn,warning,error,critical" help:"Lowest level logged, case-insensitive; warning and critical are Karapace's names for warn and error."`
	// LogFormat is the log line format. Default "text".
	LogFormat string `json:"log_format" enum:"text,json" help:"Log line format. A Karapace Python logging format string in the config file is ignored with a warning."`
}

// Default returns krest's built-in configuration, the base that Load
// overrides.
func Default() Config {
	return Config{
		Host:               "127.0.0.1",
		Port:               8082,
		AdvertisedProtocol: "http",
		ShutdownTimeoutMS:  10000,

		ClientID:              "krest",
		MetadataMaxAgeMS:      60000,
		AdminMetadataMaxAge:   5,
		KafkaRequestTimeoutMS: 30000,

		ProducerAcks:            "all",
		ProducerCompressionType: "none",
		ProducerMaxRequestSize:  1048576,
		ProducerPartitioner:     "murmur2",

		ConsumerRequestTimeoutMS:  1000,
		ConsumerRequestMaxBytes:   67108864,
		ConsumerInstanceTimeoutMS: 300000,
		ConsumerEnableAutoCommit:  true,
		ConsumerAutoOffsetReset:   "earliest",
		FetchMinBytes:             1,
		SessionTimeoutMS:          10000,

		DataDir:                   "./krest-data",
		EmbeddedBrokerPort:        9092,
		EmbeddedDefaultPartitions: 1,

		LogLevel:  "info",
		LogFormat: "text",
	}
}
