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
//	secret "true" marks a credential, which MaskedJSON (and so "krest
//	       config print") shows as "*****"
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

	// HTTPMaxHeaderBytes caps the request line and headers. Default 65536.
	HTTPMaxHeaderBytes int `json:"http_request_max_header_size" min:"4096" max:"16777216" help:"Largest accepted request line plus headers in bytes; larger requests get 431."`
	// HTTPMaxConcurrentRequests caps the requests served at once on the
	// REST API, which bounds the memory request bodies can hold
	// (http_request_max_size each). Default 1024; 0 is unlimited.
	HTTPMaxConcurrentRequests int `json:"http_max_concurrent_requests" min:"0" help:"Most REST API requests served at once; more get 429 at once. Bounds memory to about this many times http_request_max_size. 0 is unlimited."`
	// ServerTLSCertfile and ServerTLSKeyfile switch the REST API and the
	// embedded registry to HTTPS. Default "": plain HTTP.
	ServerTLSCertfile string `json:"server_tls_certfile" help:"PEM certificate (chain) of the HTTPS listeners (REST API and embedded registry); set with server_tls_keyfile to serve HTTPS."`
	ServerTLSKeyfile  string `json:"server_tls_keyfile" help:"PEM private key of server_tls_certfile."`
	// ServerTLSCAfile lists the CAs client certificates must chain to.
	// Default "": client certificates are not checked.
	ServerTLSCAfile string `json:"server_tls_cafile" help:"PEM CA certificates that HTTPS client certificates must chain to."`
	// ServerTLSClientAuth is the client certificate policy: "auto"
	// (default: require when server_tls_cafile is set, as Karapace),
	// "none", "request" (verify one when given) or "require".
	ServerTLSClientAuth string `json:"server_tls_client_auth" enum:"auto,none,request,require" help:"HTTPS client certificates: auto requires one when server_tls_cafile is set; request verifies one when given; require refuses clients without one."`
	// AccessControlAllowOrigins enables CORS for these origins ("*" for
	// any). Default empty: CORS off, no CORS headers, OPTIONS is 405.
	AccessControlAllowOrigins []string `json:"access_control_allow_origins" help:"Origins allowed to call the REST API from a browser (CORS), comma-separated, or * for any; empty turns CORS off."`

	// Authorization (docs/security.md).

	// RestAuthorization requires HTTP Basic credentials on every data
	// request and talks to Kafka as that user (SASL), so Kafka's ACLs
	// decide. Default false: one shared Kafka identity.
	RestAuthorization bool `json:"rest_authorization" flag:"rest-authorization" help:"Require HTTP Basic credentials and act on Kafka as that user through SASL, so Kafka ACLs decide what each caller may do."`
	// AuthMaxClients caps the per-user Kafka clients kept open with
	// rest_authorization. Default 100.
	AuthMaxClients int `json:"rest_authorization_max_clients" min:"1" max:"100000" help:"Most per-user Kafka clients kept open with rest_authorization; the least recently used idle one is closed first."`
	// AuthClientIdleMS closes a per-user client unused this long. Default
	// 300000.
	AuthClientIdleMS int `json:"rest_authorization_client_idle_ms" min:"1000" help:"A per-user Kafka client unused for this long is closed, in milliseconds."`
	// ConsumerMaxInstancesPerPrincipal caps the consumer instances one
	// principal may own. Default 0: only consumer_max_instances applies.
	ConsumerMaxInstancesPerPrincipal int `json:"consumer_max_instances_per_principal" min:"0" help:"Most consumer instances one principal (rest_authorization user) may own at once; 0 is unlimited."`

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

	// SecurityProtocol is how krest connects to Kafka: PLAINTEXT, SSL,
	// SASL_PLAINTEXT or SASL_SSL (stored lower-case). Default "plaintext".
	SecurityProtocol string `json:"security_protocol" enum:"plaintext,ssl,sasl_plaintext,sasl_ssl" help:"Kafka connection security, case-insensitive: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL."`
	// SSLCAfile, SSLCertfile and SSLKeyfile are PEM files for TLS to
	// Kafka: the trusted CAs (default: system roots) and a client
	// certificate and key (default: none).
	SSLCAfile   string `json:"ssl_cafile" help:"PEM CA certificates trusted for TLS to Kafka; empty uses the system roots."`
	SSLCertfile string `json:"ssl_certfile" help:"PEM client certificate for TLS to Kafka (with ssl_keyfile)."`
	SSLKeyfile  string `json:"ssl_keyfile" help:"PEM private key of ssl_certfile."`
	// SSLCheckHostname verifies that broker certificates name the broker
	// host. Default true.
	SSLCheckHostname bool `json:"ssl_check_hostname" help:"Check that each broker's TLS certificate names the host krest connected to."`
	// SASLMechanism is the SASL mechanism to Kafka. Default "plain".
	SASLMechanism string `json:"sasl_mechanism" enum:"plain,scram-sha-256,scram-sha-512" help:"SASL mechanism to Kafka, case-insensitive: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512."`
	// SASLPlainUsername and SASLPlainPassword are krest's own SASL
	// credentials (Karapace's names, used for every mechanism).
	SASLPlainUsername string `json:"sasl_plain_username" help:"SASL user name of krest's own Kafka clients (every mechanism)."`
	SASLPlainPassword string `json:"sasl_plain_password" secret:"true" help:"SASL password of sasl_plain_username."`
	// SASLBootstrapURI is where per-user clients connect with
	// rest_authorization (Karapace). Default empty: bootstrap_uri.
	SASLBootstrapURI []string `json:"sasl_bootstrap_uri" help:"Bootstrap brokers for the per-user SASL clients of rest_authorization, comma-separated; empty uses bootstrap_uri."`

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
	// ConsumerMaxWaiting caps the records requests waiting for data at
	// once (long-polls). Default 1000; 0 is unlimited.
	ConsumerMaxWaiting int `json:"consumer_max_waiting_requests" min:"0" help:"Most records requests waiting for data at once; more get 429. 0 is unlimited."`

	// Schema registry (the avro, jsonschema and protobuf formats).

	// RegistryURL is the Confluent-compatible Schema Registry the schema
	// formats use, e.g. http://127.0.0.1:8081. Default "": see
	// RegistryAddress for Karapace's registry_host/registry_port.
	RegistryURL string `json:"registry_url" flag:"registry-url" help:"Confluent-compatible Schema Registry URL for the avro, jsonschema and protobuf formats (several comma-separated). Empty uses registry_host when set."`
	// RegistryScheme, RegistryHost and RegistryPort are Karapace's way to
	// name the registry; used when RegistryURL is empty and RegistryHost is
	// set. RegistryPort is also where the embedded registry listens.
	// Defaults "http", "", 8081.
	RegistryScheme string `json:"registry_scheme" enum:"http,https" help:"Scheme of the registry named by registry_host (Karapace compatibility)."`
	RegistryHost   string `json:"registry_host" help:"Host of the schema registry when registry_url is empty (Karapace compatibility)."`
	RegistryPort   int    `json:"registry_port" min:"0" max:"65535" help:"Port of the embedded schema registry (on host), or of the external one named by registry_host; 0 picks a free port for the embedded one."`
	// RegistryUser and RegistryPassword are HTTP Basic credentials for the
	// registry. Default "": none.
	RegistryUser     string `json:"registry_user" help:"HTTP Basic user name for the schema registry."`
	RegistryPassword string `json:"registry_password" secret:"true" help:"HTTP Basic password for the schema registry."`
	// RegistryCA is a PEM file of CAs trusted for an https registry.
	// Default "": the system roots.
	RegistryCA string `json:"registry_ca" help:"PEM file of CA certificates trusted for an https schema registry; empty uses the system roots."`
	// RegistryRequestTimeoutMS bounds one registry request. Default 10000.
	RegistryRequestTimeoutMS int `json:"registry_request_timeout_ms" min:"100" help:"Longest krest waits for one schema registry request, in milliseconds; then produce answers 408/40801."`
	// NameStrategy picks the subject of a produced schema. Default
	// "topic_name" (<topic>-key / <topic>-value).
	NameStrategy string `json:"name_strategy" enum:"topic_name,record_name,topic_record_name" help:"Subject naming strategy for produced schemas: topic_name (<topic>-value), record_name (the record's full name) or topic_record_name (<topic>-<record name>)."`
	// NameStrategyValidation checks that a schema id given on produce is
	// registered under the subject the strategy names. Default true.
	NameStrategyValidation bool `json:"name_strategy_validation" help:"Refuse a key_schema_id/value_schema_id that is not registered under the subject the naming strategy names."`
	// AvroJSONMode is how consumed Avro is rendered: "karapace" (plain
	// JSON, untagged unions, bytes as base64) or "avro" (Avro JSON
	// encoding, tagged unions). Default "karapace".
	AvroJSONMode string `json:"avro_json_mode" enum:"karapace,avro" help:"JSON form of consumed Avro records: karapace (untagged unions, bytes base64, logical types rendered) or avro (the Avro JSON encoding, as Confluent)."`
	// ProtobufInt64AsString renders consumed 64-bit protobuf integers as
	// strings (protojson) instead of numbers (Karapace). Default false.
	ProtobufInt64AsString bool `json:"protobuf_int64_as_string" help:"Render consumed 64-bit protobuf integers as JSON strings (protojson) instead of numbers (Karapace)."`
	// JSONSchemaValidateOnConsume validates consumed jsonschema records.
	// Default false: one bad record must not block a consumer.
	JSONSchemaValidateOnConsume bool `json:"jsonschema_validate_on_consume" help:"Validate consumed jsonschema records against their schema (a record that fails gets 422)."`
	// SchemaCacheSize caps the schemas krest keeps compiled. Default 1000.
	SchemaCacheSize int `json:"schema_registry_client_cache_maxsize" min:"1" help:"Most schemas kept compiled in memory (Karapace's key)."`

	// Embedded schema registry.

	// RegistryEnabled says whether krest serves its own schema registry
	// on RegistryPort: "auto" (default) serves it when no external registry
	// is configured (registry_url, registry_host); "true" and "false" force
	// it on or off.
	RegistryEnabled string `json:"registry_enabled" flag:"registry-enabled" enum:"auto,true,false" help:"Serve krest's embedded schema registry on registry_port: auto serves it when registry_url and registry_host are empty."`
	// RegistryAdvertisedURI is the URL other krest instances use to reach
	// this instance's embedded registry (they forward writes to the
	// primary). Default "": advertised_protocol://advertised_hostname (or
	// host, or the machine's host name):registry_port.
	RegistryAdvertisedURI string `json:"registry_advertised_uri" help:"URL other krest instances use to reach this embedded registry; empty derives it from advertised_hostname or host and registry_port."`
	// SchemasTopic is the topic the embedded registry stores schemas in.
	// Default "_schemas", as Confluent and Karapace.
	SchemasTopic string `json:"topic_name" help:"Topic the embedded schema registry stores schemas in (Karapace's key)."`
	// SchemasReplicationFactor is used when the registry creates its topic.
	// Default 0: min(3, brokers).
	SchemasReplicationFactor int `json:"replication_factor" min:"0" help:"Replication factor of the schemas topic when the registry creates it; 0 uses min(3, number of brokers)."`
	// Compatibility is the registry's default compatibility level.
	// Default "backward" (levels are case-insensitive and stored lower-case).
	Compatibility string `json:"compatibility" enum:"none,backward,backward_transitive,forward,forward_transitive,full,full_transitive" help:"Default compatibility level of the embedded schema registry, case-insensitive."`
	// RegistryGroupID is the consumer group registry instances elect their
	// primary in. Default "schema-registry" (Confluent's and Karapace's).
	RegistryGroupID string `json:"group_id" help:"Kafka group in which embedded registry instances elect the primary that performs writes."`
	// MasterEligibility lets this instance become the registry primary.
	// Default true.
	MasterEligibility bool `json:"master_eligibility" help:"Whether this instance's embedded registry may become the primary that performs writes."`

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

	// EmbeddedUsers are SASL users of the embedded broker, each
	// "user:password"; with rest_authorization the embedded broker runs
	// with SASL and ACLs. Default empty.
	EmbeddedUsers []string `json:"embedded_users" secret:"true" help:"SASL users of the embedded broker with rest_authorization, each user:password (PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512), comma-separated."`
	// EmbeddedACLs are ACLs of the embedded broker, each
	// "user:operation:resource_type:name" (see docs/security.md). Default
	// empty: users may do nothing.
	EmbeddedACLs []string `json:"embedded_acls" help:"ACLs of the embedded broker with rest_authorization, each user:operation:resource_type:name, e.g. alice:write:topic:orders; a name ending in * is a prefix; append :deny to deny."`

	// Operations: metrics, probes and profiling (docs/operations.md).

	// MetricsEnabled serves Prometheus metrics at GET /metrics. Default
	// true: the metrics cost little and an operator expects them.
	MetricsEnabled bool `json:"metrics_enabled" flag:"metrics-enabled" help:"Serve Prometheus metrics at GET /metrics."`
	// MetricsPort is the port of a separate listener (on Host) for
	// /metrics and, when PprofEnabled, /debug/pprof/. Default 0: both are
	// served on the REST API's listener.
	MetricsPort int `json:"metrics_port" flag:"metrics-port" min:"0" max:"65535" help:"Port of a separate listener, on host, for /metrics and /debug/pprof/; 0 serves them on the REST API's listener."`
	// MetricsMaxTopics caps the distinct values of the topic label, so
	// that a flood of topic names cannot grow the metrics without bound;
	// topics seen after the cap share the label value "_other". Default
	// 1000; 0 labels every topic "_other".
	MetricsMaxTopics int `json:"metrics_max_topics" min:"0" max:"100000" help:"Most distinct topic label values in the metrics; later topics are counted under _other."`
	// PprofEnabled serves Go's net/http/pprof profiles under /debug/pprof/
	// (on the metrics listener when MetricsPort is set). Default false:
	// profiles reveal internals and cost CPU while taken.
	PprofEnabled bool `json:"pprof_enabled" help:"Serve Go profiling endpoints under /debug/pprof/, on the metrics listener when metrics_port is set. Enable only on a trusted network."`
	// ReadinessTimeoutMS bounds the checks of GET /_ready (a Kafka
	// metadata request, a schema registry request). Default 2000.
	ReadinessTimeoutMS int `json:"readiness_timeout_ms" min:"100" max:"60000" help:"Longest GET /_ready waits for Kafka and the schema registry to answer, in milliseconds."`

	// Logging.

	// LogLevel is the lowest level logged: debug, info, warn or error;
	// Karapace's warning and critical are accepted. Default "info". See
	// SlogLevel.
	LogLevel string `json:"log_level" flag:"log-level" enum:"debug,info,warn,warning,error,critical" help:"Lowest level logged, case-insensitive; warning and critical are Karapace's names for warn and error."`
	// LogFormat is the log line format. Default "text".
	LogFormat string `json:"log_format" enum:"text,json" help:"Log line format. A Karapace Python logging format string in the config file is ignored with a warning."`
	// AccessLog logs one line per HTTP request (REST API and embedded
	// registry) at Info. Default false. Lines never hold credentials,
	// query strings or bodies; see docs/operations.md.
	AccessLog bool `json:"access_log" flag:"access-log" help:"Log one line per HTTP request: route pattern, method, status, duration, bytes and remote address (never headers, query strings or bodies)."`
}

// Default returns krest's built-in configuration, the base that Load
// overrides.
func Default() Config {
	return Config{
		Host:                      "127.0.0.1",
		Port:                      8082,
		AdvertisedProtocol:        "http",
		ShutdownTimeoutMS:         10000,
		HTTPMaxHeaderBytes:        65536,
		HTTPMaxConcurrentRequests: 1024,

		ServerTLSClientAuth: "auto",
		AuthMaxClients:      100,
		AuthClientIdleMS:    300000,

		ClientID:              "krest",
		MetadataMaxAgeMS:      60000,
		AdminMetadataMaxAge:   5,
		KafkaRequestTimeoutMS: 30000,
		SecurityProtocol:      "plaintext",
		SSLCheckHostname:      true,
		SASLMechanism:         "plain",

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
		ConsumerMaxWaiting:        1000,

		RegistryScheme:           "http",
		RegistryPort:             8081,
		RegistryRequestTimeoutMS: 10000,
		NameStrategy:             "topic_name",
		NameStrategyValidation:   true,
		AvroJSONMode:             "karapace",
		SchemaCacheSize:          1000,

		RegistryEnabled:   "auto",
		SchemasTopic:      "_schemas",
		Compatibility:     "backward",
		RegistryGroupID:   "schema-registry",
		MasterEligibility: true,

		DataDir:                   "./krest-data",
		EmbeddedBrokerPort:        9092,
		EmbeddedDefaultPartitions: 1,

		MetricsEnabled:     true,
		MetricsMaxTopics:   1000,
		ReadinessTimeoutMS: 2000,

		LogLevel:  "info",
		LogFormat: "text",
	}
}
