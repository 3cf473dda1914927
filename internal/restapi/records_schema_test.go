package restapi

import (
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sr/srfake"
)

const (
	acceptAvro     = "Accept: application/vnd.kafka.avro.v2+json"
	acceptProtobuf = "Accept: application/vnd.kafka.protobuf.v2+json"
)

func newSchemaConsumerEnv(t *testing.T) (*cenv, *srfake.Registry) {
	t.Helper()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	return newConsumerEnv(t, nil, withRegistry(t, reg.URL())), reg
}

// TestConsumeAvroRoundTrip: records produced as Avro through krest come
// back as the same JSON; a key that is not in the wire format falls back to
// base64 (Karapace); a value that cannot be decoded is a 422 naming the
// record, and seeking past it moves on.
func TestConsumeAvroRoundTrip(t *testing.T) {
	c, _ := newSchemaConsumerEnv(t)
	c.topic("users", 1)

	r := c.do("POST", "/topics/users", produceBody(t, map[string]any{"value_schema": avroUser},
		`{"value":{"name":"Ada","age":36}}`, `{"value":{"name":"Bob","age":null}}`, `{"value":null}`), ctAvro)
	r.expectAllProduced(t, 3)
	// A raw key (not Confluent-framed) next to an Avro value.
	framed := c.read("users", 3)[0].Value
	c.produceRecords(&kgo.Record{Topic: "users", Partition: 0, Key: []byte("abc"), Value: framed})

	inst := c.createConsumer("g-avro", `{"format":"avro"}`)
	c.assign(inst, "users", 0)
	recs := c.fetchUntil(inst, "timeout=2000", func(all []gotRecord) bool { return len(all) >= 4 })
	got := make([]string, len(recs))
	for i, rec := range recs {
		got[i] = string(rec.Key) + " " + string(rec.Value)
	}
	want := []string{`null {"name":"Ada","age":36}`, `null {"name":"Bob","age":null}`, `null null`, `"YWJj" {"name":"Ada","age":36}`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("avro records:\n got %q\nwant %q", got, want)
	}

	// An undecodable value.
	c.produceTo("users", 0, "test")
	msg := c.call("GET", inst+"/records?timeout=2000", "", acceptAvro).expectError(t, 422, 422)
	if !strings.Contains(msg, "value deserialization error for format avro") || !strings.Contains(msg, "offset 4") {
		t.Fatalf("message %q", msg)
	}
	c.call("POST", inst+"/positions", `{"offsets":[{"topic":"users","partition":0,"offset":5}]}`).expectStatus(t, 204)
	c.produceTo("users", 0, string(framed))
	recs = c.fetchUntil(inst, "timeout=2000", func(all []gotRecord) bool { return len(all) >= 1 })
	if recs[0].Offset != 5 || string(recs[0].Value) != `{"name":"Ada","age":36}` {
		t.Fatalf("after seeking past the bad record: %+v", recs[0])
	}
}

// TestConsumeProtobufWithAnAvroConsumer: the schema id in each record picks
// the decoder, whatever the consumer's format (Karapace does the same).
func TestConsumeProtobufWithAnAvroConsumer(t *testing.T) {
	c, _ := newSchemaConsumerEnv(t)
	c.topic("pb", 1)
	c.do("POST", "/topics/pb", produceBody(t, map[string]any{"value_schema": protoUser},
		`{"value":{"name":"Ada","id":42,"blob":"AAEC"}}`), ctProtobuf).expectAllProduced(t, 1)

	for _, format := range []string{"protobuf", "avro"} {
		inst := c.createConsumer("g-"+format, `{"format":"`+format+`"}`)
		c.assign(inst, "pb", 0)
		recs := c.fetchUntil(inst, "timeout=2000", func(all []gotRecord) bool { return len(all) >= 1 })
		if string(recs[0].Value) != `{"name":"Ada","id":42,"blob":"AAEC"}` {
			t.Fatalf("%s consumer read %s", format, recs[0].Value)
		}
	}
}

// TestConsumeSchemaIDUnknownToTheRegistry is a 422 for that record.
func TestConsumeSchemaIDUnknownToTheRegistry(t *testing.T) {
	c, _ := newSchemaConsumerEnv(t)
	c.topic("t", 1)
	c.produceTo("t", 0, "\x00\x00\x00\x03\xe7payload")
	inst := c.createConsumer("g", `{"format":"avro"}`)
	c.assign(inst, "t", 0)
	var r reply
	for range 20 {
		if r = c.call("GET", inst+"/records?timeout=1000", "", acceptAvro); r.status != 200 || string(r.body) != "[]" {
			break
		}
	}
	if msg := r.expectError(t, 422, 422); !strings.Contains(msg, "value deserialization error") {
		t.Fatalf("message %q", msg)
	}
}

// TestConsumeJSONSchemaRoundTrip: keys and values produced with JSON Schema
// come back as the JSON that was sent, big integers exact.
func TestConsumeJSONSchemaRoundTrip(t *testing.T) {
	c, _ := newSchemaConsumerEnv(t)
	c.topic("js", 1)
	c.do("POST", "/topics/js", produceBody(t, map[string]any{"value_schema": jsonSchema, "key_schema": `{"type":"string"}`},
		`{"key":"k1","value":{"n":12345678901234567890}}`, `{"key":"k2","value":{"n":-1}}`), ctJSONSchema).expectAllProduced(t, 2)

	inst := c.createConsumer("g-js", `{"format":"jsonschema"}`)
	c.subscribe(inst, "js")
	recs := c.fetchUntil(inst, "timeout=2000", func(all []gotRecord) bool { return len(all) >= 2 })
	got := string(recs[0].Key) + " " + string(recs[0].Value) + " | " + string(recs[1].Key) + " " + string(recs[1].Value)
	if want := `"k1" {"n":12345678901234567890} | "k2" {"n":-1}`; got != want {
		t.Fatalf("jsonschema records: got %s, want %s", got, want)
	}
	// The Accept header may name the consumer's format, and no other.
	c.call("GET", inst+"/records?timeout=0", "", acceptAvro).expectError(t, 406, 40601)
}
