package serde

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// SchemaType is a schema registry schema type: the "schemaType" of a
// registered schema. It, not the consumer's or the request's embedded format,
// picks the codec of a record: Karapace reads Protobuf data with an avro
// consumer, and so does krest.
type SchemaType uint8

// The registry's schema types. The zero value is invalid, so a forgotten
// type is caught instead of silently meaning Avro.
const (
	SchemaAvro SchemaType = iota + 1
	SchemaJSON
	SchemaProtobuf
)

// String returns the registry's name of the type: AVRO, JSON or PROTOBUF.
// Karapace's error messages use these names ("format = JSON").
func (t SchemaType) String() string {
	switch t {
	case SchemaAvro:
		return "AVRO"
	case SchemaJSON:
		return "JSON"
	case SchemaProtobuf:
		return "PROTOBUF"
	}
	return "UNKNOWN"
}

// ParseSchemaType parses a registry "schemaType". An empty string is AVRO,
// as in the registry API, where Avro schemas omit the field.
func ParseSchemaType(s string) (SchemaType, error) {
	switch strings.ToUpper(s) {
	case "", "AVRO":
		return SchemaAvro, nil
	case "JSON":
		return SchemaJSON, nil
	case "PROTOBUF":
		return SchemaProtobuf, nil
	}
	return 0, fmt.Errorf("unknown schema type %q", s)
}

// SchemaType returns the registry schema type that a schema-based embedded
// format registers its key_schema/value_schema texts as: avro → AVRO,
// jsonschema → JSON, protobuf → PROTOBUF. It reports false for binary and
// json.
func (f Format) SchemaType() (SchemaType, bool) {
	switch f {
	case Avro:
		return SchemaAvro, true
	case JSONSchema:
		return SchemaJSON, true
	case Protobuf:
		return SchemaProtobuf, true
	}
	return 0, false
}

// SchemaSource is everything needed to compile a schema: its type, its text
// and the schemas it references, already fetched. It is independent of any
// registry so that serde needs no network access.
type SchemaSource struct {
	Type SchemaType
	Text string
	// References are the schemas this one refers to, in the registry's
	// order. Each Name means what the registry's reference name means for
	// the type: the full name of an Avro named type (informational: Avro
	// resolves by the names defined inside the referenced text), the import
	// path of a Protobuf file, the URL a JSON Schema "$ref" uses.
	References []Reference
}

// Reference is a resolved schema reference: its name and its source, which
// may itself have references.
type Reference struct {
	Name   string
	Source SchemaSource
}

// AvroJSONMode selects the JSON form of consumed Avro data. Produce accepts
// both forms (see docs/schema-formats.md); only the output differs.
type AvroJSONMode uint8

const (
	// AvroJSONKarapace is Karapace's form, the default: union values
	// untagged ("x", not {"string":"x"}), bytes and fixed as base64,
	// logical types rendered (dates, times and timestamps as ISO-8601
	// strings, decimals as decimal strings).
	AvroJSONKarapace AvroJSONMode = iota
	// AvroJSONStandard is the Avro specification's JSON encoding, which
	// Confluent's REST proxy writes: non-null union values tagged with the
	// branch's type name (the full name for named types), bytes and fixed
	// as strings of code points U+0000–U+00FF, logical types as their
	// underlying int, long, bytes or fixed values.
	AvroJSONStandard
)

// ParseAvroJSONMode parses a config value: "karapace" or "avro" (alias
// "confluent").
func ParseAvroJSONMode(s string) (AvroJSONMode, error) {
	switch s {
	case "", "karapace":
		return AvroJSONKarapace, nil
	case "avro", "confluent", "standard":
		return AvroJSONStandard, nil
	}
	return 0, fmt.Errorf("unknown Avro JSON mode %q (want karapace or avro)", s)
}

// Options tune the JSON produced by codecs. The zero value is Karapace's
// behaviour, which krest follows by default.
type Options struct {
	// AvroJSON is the JSON form of consumed Avro data.
	AvroJSON AvroJSONMode
	// ProtobufInt64AsString writes int64, uint64, sint64, fixed64 and
	// sfixed64 fields as JSON strings, as protojson and Confluent do. The
	// default writes numbers, as Karapace does; JavaScript clients lose
	// precision above 2^53 with numbers.
	ProtobufInt64AsString bool
	// ValidateJSONSchemaOnDecode validates consumed JSON Schema data
	// against its schema, as Karapace does. Off by default: one invalid
	// record would fail every fetch that includes it, and Confluent's
	// deserializer does not validate either.
	ValidateJSONSchemaOnDecode bool
}

// Codec converts values of one compiled schema between the REST API's JSON
// and the payload of the Confluent wire format. A Codec is immutable and
// safe for concurrent use; compile it once per schema id and cache it.
type Codec interface {
	// Type is the schema's registry type.
	Type() SchemaType
	// RecordName is the name the record_name and topic_record_name subject
	// strategies use: an Avro named type's full name, a JSON Schema's
	// "title", a Protobuf schema's "<package>.<first message>". It is ""
	// when the schema has none.
	RecordName() string
	// AppendEncode appends the payload for one JSON value: everything after
	// the 5-byte header, including Protobuf's message indexes. Errors wrap
	// ErrInvalidData and name the field. On error dst is returned
	// unchanged (truncated to its original length).
	AppendEncode(dst []byte, value jsontext.Value) ([]byte, error)
	// AppendDecode appends the compact JSON for a payload (everything after
	// the 5-byte header). Errors wrap ErrInvalidData (or ErrWireFormat for
	// bad Protobuf message indexes). On error dst is returned unchanged.
	AppendDecode(dst, payload []byte) ([]byte, error)
}

// Errors. Each is matched with errors.Is; the concrete errors carry detail.
var (
	// ErrInvalidSchema: a schema text does not parse or compile, or uses a
	// feature krest refuses (a remote JSON Schema $ref). REST: 422 42205.
	ErrInvalidSchema = errors.New("invalid schema")
	// ErrInvalidData: a JSON value does not fit its schema (produce, REST
	// 422 42205), or a payload cannot be decoded with its schema (consume,
	// REST 422 deserialization error).
	ErrInvalidData = errors.New("data does not fit the schema")
	// ErrWireFormat: bytes are not in the Confluent wire format (too short,
	// wrong magic byte, bad Protobuf message indexes).
	ErrWireFormat = errors.New("not in the schema registry wire format")
)

// SchemaError is a schema that does not compile. It matches ErrInvalidSchema.
type SchemaError struct {
	Type SchemaType
	Err  error
}

// Error returns "invalid <TYPE> schema: <cause>".
func (e *SchemaError) Error() string {
	return "invalid " + e.Type.String() + " schema: " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *SchemaError) Unwrap() error { return e.Err }

// Is reports whether target is ErrInvalidSchema.
func (e *SchemaError) Is(target error) bool { return target == ErrInvalidSchema }

// DataError is a value that does not fit its schema, or a payload that does
// not decode. It matches ErrInvalidData.
type DataError struct {
	// Path locates the offending value: "user.address.zip", "tags[2]",
	// empty for the top-level value.
	Path string
	// Reason says what is wrong: "expected int, got string".
	Reason string
}

// Error returns "field <path>: <reason>", or the reason alone at the top
// level.
func (e *DataError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return "field " + e.Path + ": " + e.Reason
}

// Is reports whether target is ErrInvalidData.
func (e *DataError) Is(target error) bool { return target == ErrInvalidData }

// AppendRecord appends a complete framed record: magic byte, schema id and
// the codec's payload for value. On error dst is returned unchanged.
func AppendRecord(dst []byte, id int, c Codec, value jsontext.Value) ([]byte, error) {
	start := len(dst)
	dst = AppendHeader(dst, id)
	out, err := c.AppendEncode(dst, value)
	if err != nil {
		return dst[:start], err
	}
	return out, nil
}

// Compile compiles a schema source into a codec. Errors match
// ErrInvalidSchema. It never touches the network or the file system:
// references must be in src.
func Compile(src SchemaSource, opts Options) (Codec, error) {
	var (
		c   Codec
		err error
	)
	switch src.Type {
	case SchemaAvro:
		c, err = compileAvro(src, opts)
	case SchemaJSON:
		c, err = compileJSONSchema(src, opts)
	case SchemaProtobuf:
		c, err = compileProtobuf(src, opts)
	default:
		return nil, &SchemaError{Type: src.Type, Err: fmt.Errorf("unknown schema type %d", src.Type)}
	}
	if err != nil {
		var se *SchemaError
		if errors.As(err, &se) {
			return nil, err
		}
		return nil, &SchemaError{Type: src.Type, Err: err}
	}
	return c, nil
}

// NormalizeText returns a canonical spelling of a schema text for cache keys
// (it is not sent to the registry): JSON texts (Avro, JSON Schema) are
// compacted, so whitespace does not split the cache; Protobuf texts are
// trimmed. Semantically different spellings ({"type":"string"} and
// "string") stay different keys: that only costs a registry round trip,
// while merging different schemas would be a bug.
func NormalizeText(t SchemaType, text string) string {
	if t == SchemaProtobuf {
		return strings.TrimSpace(text)
	}
	v := jsontext.Value(text)
	if err := v.Compact(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)); err != nil {
		return strings.TrimSpace(text)
	}
	return string(v)
}
