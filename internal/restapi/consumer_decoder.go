package restapi

import (
	"context"
	"errors"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/schemaregistry"
	"github.com/krest-dev/krest/internal/serde"
)

// recordPart says which part of a record a decoder renders; schema-based
// decoders treat keys and values differently (Karapace falls back to base64
// for keys an avro or protobuf consumer cannot decode).
type recordPart uint8

const (
	partKey recordPart = iota
	partValue
)

func (p recordPart) String() string {
	if p == partKey {
		return "key"
	}
	return "value"
}

// embeddedDecoder renders the stored bytes of a record key or value as JSON
// in a consumer's embedded format. appendJSON appends exactly one JSON value
// to dst, or returns dst unchanged and an error whose text the client sees.
// data is never nil (records.go writes Kafka nulls itself) but may be empty.
// Implementations are safe for concurrent use.
//
// This is the seam for the schema formats: an avro, jsonschema or protobuf
// decoder reads the Confluent wire header, fetches the schema through the
// registry (bounded by ctx) and renders with serde's codec of the schema's
// type. decoderFor is the one place that chooses the decoder.
type embeddedDecoder interface {
	appendJSON(ctx context.Context, dst []byte, topic string, part recordPart, data []byte) ([]byte, error)
}

// decoderFor returns the decoder of a consumer's format; its error
// (422/42204) also refuses creating a consumer of that format. Schema-based
// formats need a schema registry.
func (s *Server) decoderFor(f serde.Format) (embeddedDecoder, error) {
	switch f {
	case serde.Binary:
		return binaryDecoder{}, nil
	case serde.JSON:
		return jsonDecoder{}, nil
	}
	if s.registry == nil {
		return nil, apierr.New(apierr.InvalidConsumerConfig, "format %s needs a schema registry, and krest has none configured", f)
	}
	return schemaDecoder{reg: s.registry, format: f}, nil
}

// schemaDecoder renders Confluent-framed records of any schema type: the
// schema id in each record picks the codec, whatever the consumer's format
// (an avro consumer reads protobuf data, as in Karapace). Keys that are not
// in the wire format fall back to base64 for avro and protobuf consumers
// (Karapace); empty bytes are null.
type schemaDecoder struct {
	reg    *schemaregistry.Client
	format serde.Format
}

func (d schemaDecoder) appendJSON(ctx context.Context, dst []byte, _ string, part recordPart, data []byte) ([]byte, error) {
	if len(data) == 0 {
		return append(dst, "null"...), nil
	}
	var out []byte
	var err error
	if part == partKey {
		out, err = d.reg.AppendDecodeKey(ctx, dst, data, d.format)
	} else {
		out, err = d.reg.AppendDecode(ctx, dst, data)
	}
	if err == nil {
		return out, nil
	}
	if errors.Is(err, schemaregistry.ErrRegistryUnavailable) {
		// Not the record's fault: the client should retry, not skip it.
		return dst, apierr.Wrap(apierr.SchemaRegistryTimeout, err, "the schema registry did not answer while decoding the records; retry the request")
	}
	return dst, err
}

// binaryDecoder writes base64: empty bytes are "".
type binaryDecoder struct{}

func (binaryDecoder) appendJSON(_ context.Context, dst []byte, _ string, _ recordPart, data []byte) ([]byte, error) {
	return serde.AppendBase64(dst, data), nil
}

// jsonDecoder writes the stored JSON, compacted. Empty bytes are null, as
// Confluent's JSON deserializer and Karapace return them; anything else
// that is not exactly one JSON value is an error.
type jsonDecoder struct{}

func (jsonDecoder) appendJSON(_ context.Context, dst []byte, _ string, _ recordPart, data []byte) ([]byte, error) {
	if len(data) == 0 {
		return append(dst, "null"...), nil
	}
	return serde.AppendJSON(dst, data)
}
