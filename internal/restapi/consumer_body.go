package restapi

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/consumer"
)

// consumerBody is a decoded consumer request body: its members as raw JSON,
// read field by field so each mistake gets a message naming the field.
// Unknown members are ignored, as in Karapace. A nil consumerBody is an
// empty body.
type consumerBody map[string]jsontext.Value

// readConsumerBody reads a JSON object body. An empty body gives nil.
// Malformed JSON or a body that is not an object → 400 (as produce).
func readConsumerBody(r *http.Request) (consumerBody, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err // 413 from MaxBytesReader, or the client went away
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	d := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true))
	v, err := d.ReadValue()
	if err != nil {
		return nil, apierr.Wrap(apierr.BadRequest, err, "Invalid request JSON body: %v", err)
	}
	v = v.Clone() // valid only until the decoder's next read
	if _, err := d.ReadToken(); err != io.EOF {
		return nil, apierr.New(apierr.BadRequest, "Invalid request JSON body: unexpected data after the top-level value")
	}
	if v.Kind() != '{' {
		return nil, apierr.New(apierr.BadRequest, "Malformed request: the body must be a JSON object")
	}
	m := consumerBody{}
	if err := json.Unmarshal(v, &m, jsontext.AllowDuplicateNames(true)); err != nil {
		return nil, apierr.Wrap(apierr.BadRequest, err, "Invalid request JSON body: %v", err)
	}
	return m, nil
}

// requireConsumerBody is readConsumerBody for requests that need a body;
// what names the expected shape in the 400 message.
func requireConsumerBody(r *http.Request, what string) (consumerBody, error) {
	b, err := readConsumerBody(r)
	if err == nil && b == nil {
		err = apierr.New(apierr.BadRequest, "Missing request JSON body: expected %s", what)
	}
	return b, err
}

// has reports whether a member is present and not null.
func (b consumerBody) has(name string) bool {
	v, ok := b[name]
	return ok && v.Kind() != 'n'
}

// unquote returns the text of a JSON string value.
func unquote(v jsontext.Value) (string, bool) {
	if v.Kind() != '"' {
		return "", false
	}
	s, err := jsontext.AppendUnquote(nil, v)
	if err != nil {
		return "", false
	}
	return string(s), true
}

// parseJSONInt parses an integer given as a JSON number or, as Confluent's
// config parser and Karapace's int() allow, a string of digits.
func parseJSONInt(v jsontext.Value) (int64, bool) {
	var text string
	switch v.Kind() {
	case '0':
		text = string(v)
	case '"':
		s, ok := unquote(v)
		if !ok {
			return 0, false
		}
		text = strings.TrimSpace(s)
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(text, 10, 64)
	return n, err == nil
}

// unprocessable is the 422 of a consumer request member.
func unprocessable(format string, args ...any) *apierr.Error {
	return apierr.New(apierr.UnprocessableEntity, format, args...)
}

// partitionsMember reads a required list of {"topic", "partition"}.
func (b consumerBody) partitionsMember(name string) ([]consumer.TopicPartition, error) {
	items, err := b.objectList(name)
	if err != nil {
		return nil, err
	}
	out := make([]consumer.TopicPartition, len(items))
	for k, item := range items {
		if out[k], err = item.topicPartition(name + "[" + strconv.Itoa(k) + "]"); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// topicPartition reads the "topic" and "partition" members of an element at.
func (b consumerBody) topicPartition(at string) (consumer.TopicPartition, error) {
	topic, err := b.topicMember(at)
	if err != nil {
		return consumer.TopicPartition{}, err
	}
	p, err := b.partitionMember(at)
	if err != nil {
		return consumer.TopicPartition{}, err
	}
	return consumer.TopicPartition{Topic: topic, Partition: p}, nil
}

// offsetsMember reads a list of {"topic", "partition", "offset"}; the
// offsets must not be negative.
func (b consumerBody) offsetsMember(name string) ([]consumer.PartitionOffset, error) {
	items, err := b.objectList(name)
	if err != nil {
		return nil, err
	}
	out := make([]consumer.PartitionOffset, len(items))
	for k, item := range items {
		at := name + "[" + strconv.Itoa(k) + "]"
		tp, err := item.topicPartition(at)
		if err != nil {
			return nil, err
		}
		if !item.has("offset") {
			return nil, unprocessable("%s.offset is missing", at)
		}
		o, ok := parseJSONInt(item["offset"])
		if !ok {
			return nil, unprocessable("%s.offset: %s is not an integer", at, item["offset"])
		}
		if o < 0 {
			return nil, unprocessable("%s.offset: %d must not be negative", at, o)
		}
		out[k] = consumer.PartitionOffset{Topic: tp.Topic, Partition: tp.Partition, Offset: o}
	}
	return out, nil
}

// objectList reads a required member that is a list of objects.
func (b consumerBody) objectList(name string) ([]consumerBody, error) {
	if !b.has(name) {
		return nil, unprocessable("%s is missing", name)
	}
	var raw []jsontext.Value
	if b[name].Kind() != '[' || json.Unmarshal(b[name], &raw) != nil {
		return nil, unprocessable("%s must be a list of objects", name)
	}
	out := make([]consumerBody, len(raw))
	for k, v := range raw {
		if v.Kind() != '{' {
			return nil, unprocessable("%s[%d] must be an object", name, k)
		}
		m := consumerBody{}
		if err := json.Unmarshal(v, &m, jsontext.AllowDuplicateNames(true)); err != nil {
			return nil, unprocessable("%s[%d] must be an object", name, k)
		}
		out[k] = m
	}
	return out, nil
}

func (b consumerBody) topicMember(at string) (string, error) {
	if !b.has("topic") {
		return "", unprocessable("%s.topic is missing", at)
	}
	t, ok := unquote(b["topic"])
	if !ok || t == "" {
		return "", unprocessable("%s.topic must be a non-empty string", at)
	}
	return t, nil
}

func (b consumerBody) partitionMember(at string) (int32, error) {
	if !b.has("partition") {
		return 0, unprocessable("%s.partition is missing", at)
	}
	p, ok := parseJSONInt(b["partition"])
	if !ok || p < 0 || p > math.MaxInt32 {
		return 0, unprocessable("%s.partition: %s is not a partition number", at, b["partition"])
	}
	return int32(p), nil
}
