package config

// karapaceOnlyKeys are Karapace configuration keys (REST proxy and schema
// registry sides, from Karapace's src/karapace/core/config.py, plus a few
// names older Karapace releases used) that krest accepts in a config file
// but does not act on yet. Accepting them lets an existing Karapace config
// file load unchanged; Load returns one warning naming the ones a file sets,
// so nobody believes, say, their TLS settings took effect.
//
// When an issue implements one of these settings it adds a Config field with
// this key as its json tag and deletes the key from this list (a test fails
// while a key is in both places).
var karapaceOnlyKeys = []string{
	"access_log_class",
	"access_logs_debug",
	"connections_max_idle_ms",
	"consumer_idle_disconnect_timeout",
	"force_key_correction",
	"kafka_retriable_errors_silenced",
	"kafka_schema_reader_strict_mode",
	"karapace_registry",
	"karapace_rest",
	"log_handler",
	"master_election_strategy",
	"producer_count",
	"protobuf_runtime_directory",
	"registry_authfile",
	"rest_avro_extended_json_parser",
	"sasl_oauth_token",
	"sasl_oauth_token_provider_class",
	"sasl_oauthbearer_authentication_enabled",
	"sasl_oauthbearer_authorization_enabled",
	"sasl_oauthbearer_client_id",
	"sasl_oauthbearer_expected_audience",
	"sasl_oauthbearer_expected_issuer",
	"sasl_oauthbearer_jwks_endpoint_url",
	"sasl_oauthbearer_method_roles",
	"sasl_oauthbearer_roles_claim_path",
	"sasl_oauthbearer_skip_auth_paths",
	"sasl_oauthbearer_sub_claim_name",
	"schema_reader_strict_mode",
	"sentry",
	"ssl_ciphers",
	"ssl_crlfile",
	"ssl_password",
	"statsd_host",
	"statsd_port",
	"tags",
	"telemetry",
	"use_protobuf_formatter",
	"waiting_time_before_acting_as_master_ms",
}
