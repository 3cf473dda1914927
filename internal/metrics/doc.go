// Package metrics holds krest's Prometheus metrics: one registry per
// process (per app.App, so tests can run several), the collectors below,
// the franz-go hooks that count produced and fetched records, and the
// handler that serves GET /metrics. It knows nothing of HTTP routing or of
// the other krest packages: the REST transport and app report to it
// through the methods of Metrics, and hand it functions to read gauges
// from.
//
// # Cardinality
//
// Every label has a bounded set of values, so no client can grow the
// number of series (Karapace issue #1104: its path label took raw consumer
// group and instance names):
//
//   - route is a ServeMux pattern from a route table ("/topics/{topic}"),
//     never a raw path; requests no route matched are "unmatched";
//   - method is one of the HTTP methods krest serves, anything else "other";
//   - topic takes at most Options.MaxTopics distinct values (config
//     metrics_max_topics); topics seen after that share "_other" (a real
//     topic named "_other" is counted together with them);
//   - consumer group and instance names are never labels.
//
// # Metrics
//
// HTTP, for the REST API (server="rest") and the embedded schema registry
// (server="registry"):
//
//	krest_http_requests_total{server,route,method,code}      counter    requests answered, by status code; 499: the client went away first
//	krest_http_request_duration_seconds{server,route,method} histogram  time to answer (long-polls included; classic and native buckets)
//	krest_http_requests_in_flight{server}                    gauge      requests being served
//	krest_http_request_bytes_total{server,route}             counter    request body bytes read
//	krest_http_response_bytes_total{server,route}            counter    response body bytes written
//
// Produce and fetch, counted by franz-go hooks (see SharedClientHooks and
// ConsumerClientHooks):
//
//	krest_produce_records_total{topic}        counter  records Kafka acknowledged
//	krest_produce_bytes_total{topic}          counter  key plus value bytes of acknowledged records
//	krest_produce_record_errors_total{topic}  counter  records that failed (the per-record errors of produce responses)
//	krest_fetch_records_total{topic}          counter  records consumer instances fetched from Kafka (transaction markers included)
//	krest_fetch_bytes_total{topic}            counter  uncompressed record bytes consumer instances fetched
//	krest_metrics_topic_labels                gauge    distinct topic label values in use (at most metrics_max_topics, plus _other)
//
// Consumers (ObserveConsumers, and the REST layer for long-polls):
//
//	krest_consumer_instances                  gauge    live consumer instances
//	krest_consumer_instances_created_total    counter  instances created
//	krest_consumer_instances_expired_total    counter  instances closed by the idle reaper (consumer_instance_timeout_ms)
//	krest_consumer_long_polls_waiting         gauge    records requests in progress (waiting for records or writing them)
//
// Schema registry (ObserveSchemaCaches, ObserveRegistry):
//
//	krest_schema_cache_lookups_total{cache,result}  counter  schema client cache lookups, result "hit" or "miss"
//	krest_schema_cache_entries{cache}               gauge    entries in each schema client cache
//	krest_registry_ready                            gauge    1 once the embedded registry has loaded its topic
//	krest_registry_primary                          gauge    1 while this instance is the embedded registry's primary
//
// The shared Kafka client, through franz-go's kprom plugin with broker
// labels only (node_id is a broker id or "seed_<n>", bounded by the
// cluster):
//
//	krest_kafka_connects_total{node_id}, krest_kafka_connect_errors_total{node_id},
//	krest_kafka_disconnects_total{node_id}, krest_kafka_write_bytes_total{node_id},
//	krest_kafka_write_errors_total{node_id}, krest_kafka_read_bytes_total{node_id},
//	krest_kafka_read_errors_total{node_id}, krest_kafka_request_duration_e2e_seconds{node_id},
//	krest_kafka_produce_batches_total{node_id}, krest_kafka_produce_records_total{node_id},
//	krest_kafka_produce_uncompressed_bytes_total{node_id}, krest_kafka_produce_compressed_bytes_total{node_id},
//	krest_kafka_fetch_* (the same four; the shared client does not fetch, so they stay absent or zero),
//	krest_kafka_buffered_produce_records_total, krest_kafka_buffered_produce_bytes,
//	krest_kafka_buffered_fetch_records_total, krest_kafka_buffered_fetch_bytes
//
// Consumer instances' clients get ConsumerClientHooks, not kprom: kprom
// registers its collectors per client, which would mean one set per
// instance (and a registration conflict, as they share one client id).
//
// Process:
//
//	krest_build_info{version,go_version}  gauge  always 1
//	go_*, process_*                       the client_golang Go runtime and process collectors
package metrics
