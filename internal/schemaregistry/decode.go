package schemaregistry

import (
	"context"
	"errors"

	"github.com/krest-dev/krest/internal/serde"
)

// AppendDecode appends the JSON for a consumed key or value in the
// Confluent wire format: header → schema id → cached codec → JSON. The
// codec is chosen by the registry's schema type for the id, whatever the
// consumer's embedded format (an avro consumer reads Protobuf data, as in
// Karapace). Call it only for non-empty data: a Kafka null or empty payload
// is the caller's "null".
//
// Errors: serde.ErrWireFormat (not framed), ErrUnknownSchema,
// ErrInvalidSchema (the registered schema does not compile),
// serde.ErrInvalidData (the payload does not decode with its schema) — all
// client-visible deserialization errors (REST 422) — and
// ErrRegistryUnavailable (REST 408 / 40801 suggested). On error dst is
// returned unchanged.
func (c *Client) AppendDecode(ctx context.Context, dst, data []byte) ([]byte, error) {
	id, rest, err := serde.ParseHeader(data)
	if err != nil {
		return dst, err
	}
	s, err := c.SchemaByID(ctx, id)
	if err != nil {
		return dst, err
	}
	return s.Codec.AppendDecode(dst, rest)
}

// AppendDecodeKey is AppendDecode for record keys, with Karapace's fallback:
// for the avro and protobuf consumer formats, a key that cannot be decoded
// as schema data (not framed, unknown id, does not decode) is written as
// base64 instead, since keys are often plain bytes or strings. jsonschema
// consumers get the error, as in Karapace. Unlike Karapace, a registry that
// cannot be reached is an error, not a silent base64 key.
func (c *Client) AppendDecodeKey(ctx context.Context, dst, data []byte, format serde.Format) ([]byte, error) {
	out, err := c.AppendDecode(ctx, dst, data)
	if err == nil || (format != serde.Avro && format != serde.Protobuf) || errors.Is(err, ErrRegistryUnavailable) {
		return out, err
	}
	return serde.AppendBase64(dst, data), nil
}
