package registry

import (
	"errors"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The _schemas topic holds one JSON key and one JSON value per record, in the
// format Confluent Schema Registry defined (storage/*Key.java, *Value.java)
// and Karapace copies (core/key_format.py, core/schema_registry.py). Keys are
// written with their members in Confluent's @JsonPropertyOrder
// ("keytype", "subject", "version", "magic"), which Karapace calls the
// canonical key format: log compaction replaces a record only by a byte-equal
// key, so every writer of the topic must spell a logical key the same way.
// Values are read leniently (unknown members such as Confluent's "md5" are
// ignored) and written in Karapace's member order.
//
// A record whose value is null (a tombstone) permanently deletes what its key
// names. Reading order is the only source of truth: the last record for a
// key wins, exactly as compaction would leave it.

// Key types (SchemaRegistryKeyType.java). CLEAR_SUBJECT, CONTEXT and ASSOC
// (schema contexts and data-contract associations) are read and ignored.
const (
	keyTypeSchema        = "SCHEMA"
	keyTypeConfig        = "CONFIG"
	keyTypeDeleteSubject = "DELETE_SUBJECT"
	keyTypeNoop          = "NOOP"
	keyTypeMode          = "MODE"
)

// recordKey is a decoded _schemas key.
type recordKey struct {
	KeyType string `json:"keytype"`
	// Subject is nil for the global CONFIG and MODE keys: Karapace writes
	// "subject": null, Confluent leaves the member out.
	Subject *string `json:"subject"`
	Version int     `json:"version"`
	Magic   int     `json:"magic"`
}

// logical identifies what a key names, independent of its spelling, so two
// keys that differ only in member order or in "subject": null versus an
// absent subject are recognised as the same thing.
func (k recordKey) logical() string {
	s := "\x01" // global
	if k.Subject != nil {
		s = "\x00" + *k.Subject
	}
	switch k.KeyType {
	case keyTypeSchema:
		return keyTypeSchema + s + "\x00" + strconv.Itoa(k.Version)
	default:
		return k.KeyType + s
	}
}

// lenient are the options for everything read from the topic: other writers
// (Python's json module, Jackson) may repeat members or carry invalid UTF-8
// in a schema's doc string, and one odd record must not stop the registry.
var lenient = json.JoinOptions(jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

// unmarshalLenient decodes a record value with the lenient options.
func unmarshalLenient(b []byte, v any) error { return json.Unmarshal(b, v, lenient) }

// decodeKey parses a record key.
func decodeKey(b []byte) (recordKey, error) {
	var k recordKey
	if err := json.Unmarshal(b, &k, lenient); err != nil {
		return recordKey{}, err
	}
	if k.KeyType == "" {
		return recordKey{}, errors.New("key has no keytype")
	}
	return k, nil
}

// schemaKey encodes {"keytype":"SCHEMA","subject":s,"version":v,"magic":1}.
func schemaKey(subject string, version int) []byte {
	b := []byte(`{"keytype":"SCHEMA","subject":`)
	b, _ = jsontext.AppendQuote(b, subject)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(version), 10)
	return append(b, `,"magic":1}`...)
}

// subjectKey encodes {"keytype":t,"subject":s|null,"magic":0}, the shape of
// CONFIG, MODE and DELETE_SUBJECT keys; global is the null subject.
func subjectKey(keyType, subject string, global bool) []byte {
	b := []byte(`{"keytype":`)
	b, _ = jsontext.AppendQuote(b, keyType)
	b = append(b, `,"subject":`...)
	if global {
		b = append(b, "null"...)
	} else {
		b, _ = jsontext.AppendQuote(b, subject)
	}
	return append(b, `,"magic":0}`...)
}

// noopKey is the key of the barrier records an instance writes to learn
// how far the topic reaches (Confluent's KafkaStore does the same).
func noopKey() []byte { return []byte(`{"keytype":"NOOP","magic":0}`) }

// reference is one entry of a schema's "references", in the registry API and
// in the topic alike.
type reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// schemaValue is the value of a SCHEMA record.
type schemaValue struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
	ID      int    `json:"id"`
	Schema  string `json:"schema"`
	// SchemaType is left out for AVRO, as Karapace writes it; Confluent
	// writes "AVRO", which reads the same.
	SchemaType string      `json:"schemaType,omitzero"`
	References []reference `json:"references,omitzero"`
	// Metadata and RuleSet are Confluent data-contract members. krest does
	// not interpret them but keeps them, so rewriting a record (a soft
	// delete) does not lose what a Confluent registry stored.
	Metadata jsontext.Value `json:"metadata,omitzero"`
	RuleSet  jsontext.Value `json:"ruleSet,omitzero"`
	Deleted  bool           `json:"deleted"`
}

// configValue is the value of a CONFIG record.
type configValue struct {
	CompatibilityLevel string `json:"compatibilityLevel"`
}

// modeValue is the value of a MODE record.
type modeValue struct {
	Subject *string `json:"subject,omitzero"`
	Mode    string  `json:"mode"`
}

// deleteSubjectValue is the value of a DELETE_SUBJECT record: every version
// up to and including Version is soft-deleted.
type deleteSubjectValue struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// marshalValue encodes a record value. It cannot fail for the value types
// above; an error would be a bug, returned rather than hidden.
func marshalValue(v any) ([]byte, error) { return json.Marshal(v, json.Deterministic(true)) }

// present reports whether a passthrough member carries a value.
func present(v jsontext.Value) bool { return len(v) > 0 && string(v) != "null" }
