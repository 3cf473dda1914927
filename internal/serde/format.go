// Package serde converts record keys and values between their JSON
// representation in the REST API (the "embedded format") and the bytes
// stored in Kafka.
//
// binary and json need no schema; avro, jsonschema and protobuf are framed in
// the Confluent wire format and need a schema registry. For those, Compile
// turns a registered schema (a SchemaSource, references included) into a
// Codec that converts one value at a time; wire.go reads and writes the
// framing. The package never touches the network: internal/schemaregistry
// fetches schemas and caches codecs. The JSON accepted and written for each
// schema format is specified in docs/schema-formats.md.
package serde

// Format is an embedded format of the Kafka REST API.
type Format uint8

// The embedded formats. Binary is the zero value: a request without an
// embedded format in its Content-Type means binary (Karapace and Confluent).
const (
	Binary Format = iota
	JSON
	Avro
	JSONSchema
	Protobuf
)

var names = [...]string{Binary: "binary", JSON: "json", Avro: "avro", JSONSchema: "jsonschema", Protobuf: "protobuf"}

// String returns the format's name as it appears in media types and in the
// consumer's "format" field.
func (f Format) String() string {
	if int(f) < len(names) {
		return names[f]
	}
	return "unknown"
}

// ParseFormat parses a format name (case-sensitive, as in media types).
func ParseFormat(s string) (Format, bool) {
	for i, n := range names {
		if n == s {
			return Format(i), true
		}
	}
	return 0, false
}

// NeedsSchema reports whether the format is schema-based (avro, jsonschema,
// protobuf).
func (f Format) NeedsSchema() bool { return f >= Avro }

// MediaType is the format's v2 media type, used as the Content-Type of
// consumed records.
func (f Format) MediaType() string { return "application/vnd.kafka." + f.String() + ".v2+json" }
