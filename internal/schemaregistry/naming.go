package schemaregistry

import (
	"errors"
	"fmt"
	"strings"
)

// NameStrategy turns a topic and a schema into the subject a schema is
// registered and validated under (Karapace's name_strategy, Confluent's
// key/value.subject.name.strategy).
type NameStrategy uint8

const (
	// TopicName: "<topic>-key" / "<topic>-value". The default.
	TopicName NameStrategy = iota
	// RecordName: the schema's record name (serde.Codec.RecordName), for
	// keys and values alike.
	RecordName
	// TopicRecordName: "<topic>-<record name>".
	TopicRecordName
)

// String returns the config spelling: topic_name, record_name,
// topic_record_name.
func (s NameStrategy) String() string {
	switch s {
	case TopicName:
		return "topic_name"
	case RecordName:
		return "record_name"
	case TopicRecordName:
		return "topic_record_name"
	}
	return fmt.Sprintf("NameStrategy(%d)", uint8(s))
}

// ParseNameStrategy parses Karapace's spellings (topic_name, record_name,
// topic_record_name) and Confluent's class names (TopicNameStrategy, with
// or without the io.confluent.kafka.serializers.subject. prefix).
func ParseNameStrategy(s string) (NameStrategy, error) {
	switch strings.TrimPrefix(s, "io.confluent.kafka.serializers.subject.") {
	case "", "topic_name", "TopicNameStrategy":
		return TopicName, nil
	case "record_name", "RecordNameStrategy":
		return RecordName, nil
	case "topic_record_name", "TopicRecordNameStrategy":
		return TopicRecordName, nil
	}
	return 0, fmt.Errorf("unknown name strategy %q (want topic_name, record_name or topic_record_name)", s)
}

// errNoRecordName is wrapped in an ErrInvalidSchema error.
var errNoRecordName = errors.New("the subject name strategy needs a record name, and the schema has none (an Avro record, enum or fixed; a JSON Schema \"title\"; a Protobuf message)")

// Subject returns the subject for a topic's keys or values. recordName is
// the schema's (serde.Codec.RecordName); strategies that need it fail when
// it is empty. Karapace crashes with a 500 there; krest reports an invalid
// schema.
func (s NameStrategy) Subject(topic string, isKey bool, recordName string) (string, error) {
	switch s {
	case RecordName, TopicRecordName:
		if recordName == "" {
			return "", errNoRecordName
		}
		if s == RecordName {
			return recordName, nil
		}
		return topic + "-" + recordName, nil
	}
	if isKey {
		return topic + "-key", nil
	}
	return topic + "-value", nil
}
