package restapi

import (
	"context"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/twmb/franz-go/pkg/sr"
	"github.com/twmb/franz-go/pkg/sr/srfake"

	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/schemaregistry"
)

const (
	ctJSONSchema = "Content-Type: application/vnd.kafka.jsonschema.v2+json"
	ctProtobuf   = "Content-Type: application/vnd.kafka.protobuf.v2+json"

	avroUser   = `{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"name","type":"string"},{"name":"age","type":["null","int"],"default":null}]}`
	avroOther  = `{"type":"record","name":"Other","fields":[{"name":"x","type":"long"}]}`
	jsonSchema = `{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}`
	protoUser  = `syntax = "proto3"; package demo; message User { string name = 1; int64 id = 2; bytes blob = 3; }`
)

// withRegistry points the server at a registry URL.
func withRegistry(t *testing.T, url string, opts ...func(*schemaregistry.Options)) envOpt {
	return func(_ *kafka.Options, _ *Options, d *Deps) {
		if d == nil {
			return
		}
		o := schemaregistry.Options{URL: url}
		for _, f := range opts {
			f(&o)
		}
		c, err := schemaregistry.New(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		d.Registry = c
	}
}

func newSchemaEnv(t *testing.T, opts ...func(*schemaregistry.Options)) (*env, *srfake.Registry) {
	t.Helper()
	reg := srfake.New()
	t.Cleanup(reg.Close)
	return newEnv(t, withRegistry(t, reg.URL(), opts...)), reg
}

func produceBody(t *testing.T, fields map[string]any, records ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{`)
	for k, v := range fields {
		enc, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(strconv.Quote(k) + ":" + string(enc) + ",")
	}
	b.WriteString(`"records":[` + strings.Join(records, ",") + `]}`)
	return b.String()
}

// wireID checks the Confluent framing of a stored value and returns its id.
func wireID(t *testing.T, b []byte) int {
	t.Helper()
	if len(b) < 5 || b[0] != 0 {
		t.Fatalf("stored bytes %x are not in the Confluent wire format", b)
	}
	return int(binary.BigEndian.Uint32(b[1:5]))
}

func TestProduceAvroRegistersThenReusesTheID(t *testing.T) {
	e, reg := newSchemaEnv(t)
	e.topic("users", 1)

	r := e.do("POST", "/topics/users", produceBody(t, map[string]any{"value_schema": avroUser},
		`{"value":{"name":"Ada","age":{"int":36}}}`, `{"value":{"name":"Bob","age":null}}`), ctAvro)
	resp := r.expectAllProduced(t, 2)
	if resp.ValueSchemaID == nil || resp.KeySchemaID != nil {
		t.Fatalf("schema ids in response: key %v value %v (%s)", resp.KeySchemaID, resp.ValueSchemaID, r.body)
	}
	id := *resp.ValueSchemaID

	// The schema is registered under the topic_name subject.
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	ss, err := cl.SchemaByVersion(context.Background(), "users-value", -1)
	if err != nil || ss.ID != id {
		t.Fatalf("users-value latest = %+v, %v; want id %d", ss, err, id)
	}

	// By id, as clients do after the first request.
	r = e.do("POST", "/topics/users/partitions/0", produceBody(t, map[string]any{"value_schema_id": id},
		`{"value":{"name":"Cy","age":7}}`), ctAvro)
	if got := r.expectAllProduced(t, 1); got.ValueSchemaID == nil || *got.ValueSchemaID != id {
		t.Fatalf("by id: %s", r.body)
	}

	recs := e.read("users", 3)
	for _, rec := range recs {
		if got := wireID(t, rec.Value); got != id {
			t.Fatalf("record framed with id %d, want %d", got, id)
		}
	}
	// The bytes decode back to the values with krest's registry client.
	dec, err := schemaregistry.New(schemaregistry.Options{URL: reg.URL()})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var got []string
	for _, rec := range recs {
		out, err := dec.AppendDecode(context.Background(), nil, rec.Value)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, string(out))
	}
	want := []string{`{"name":"Ada","age":36}`, `{"name":"Bob","age":null}`, `{"name":"Cy","age":7}`}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("decoded %v, want %v", got, want)
	}
}

func TestProduceJSONSchemaAndProtobuf(t *testing.T) {
	e, _ := newSchemaEnv(t)
	e.topic("js", 1)
	e.topic("pb", 1)

	r := e.do("POST", "/topics/js", produceBody(t, map[string]any{"value_schema": jsonSchema, "key_schema": `{"type":"string"}`},
		`{"key":"k1","value":{"n":12345678901234567890}}`), ctJSONSchema)
	resp := r.expectAllProduced(t, 1)
	if resp.KeySchemaID == nil || resp.ValueSchemaID == nil {
		t.Fatalf("ids missing: %s", r.body)
	}
	rec := e.read("js", 1)[0]
	if wireID(t, rec.Value) != *resp.ValueSchemaID || string(rec.Value[5:]) != `{"n":12345678901234567890}` {
		t.Fatalf("jsonschema value stored as %q", rec.Value)
	}
	if wireID(t, rec.Key) != *resp.KeySchemaID || string(rec.Key[5:]) != `"k1"` {
		t.Fatalf("jsonschema key stored as %q", rec.Key)
	}

	r = e.do("POST", "/topics/pb", produceBody(t, map[string]any{"value_schema": protoUser},
		`{"value":{"name":"Ada","id":"42","blob":"AAEC"}}`), ctProtobuf)
	resp = r.expectAllProduced(t, 1)
	rec = e.read("pb", 1)[0]
	if wireID(t, rec.Value) != *resp.ValueSchemaID || rec.Value[5] != 0 {
		t.Fatalf("protobuf value %x: want id %d and message index [0]", rec.Value, *resp.ValueSchemaID)
	}
}

func TestProduceSchemaErrors(t *testing.T) {
	e, reg := newSchemaEnv(t)
	e.topic("users", 1)
	e.topic("other", 1)
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	otherID, err := cl.CreateSchema(context.Background(), "other-value", sr.Schema{Schema: avroOther})
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   int
		msg    string
	}{
		{"keys-without-key-schema", produceBody(t, map[string]any{"value_schema": avroUser}, `{"key":"k","value":{"name":"a"}}`), 422, 42201, "key_schema"},
		{"values-without-value-schema", produceBody(t, nil, `{"value":{"name":"a"}}`), 422, 42202, "value_schema"},
		{"schema-id-zero-is-absent", produceBody(t, map[string]any{"value_schema_id": 0}, `{"value":{"name":"a"}}`), 422, 42202, "value_schema"},
		{"invalid-schema-text", produceBody(t, map[string]any{"value_schema": `{"type":"record"}`}, `{"value":{"name":"a"}}`), 422, 42205, "Invalid schema. format = AVRO, schema = "},
		{"unknown-schema-id", produceBody(t, map[string]any{"value_schema_id": 999}, `{"value":{"name":"a"}}`), 422, 42205, "Invalid schema. format = AVRO, schema_id = 999"},
		{"schema-id-of-another-subject", produceBody(t, map[string]any{"value_schema_id": otherID.ID}, `{"value":{"x":1}}`), 422, 42205, "schema_id = " + strconv.Itoa(otherID.ID)},
		{"data-does-not-fit", produceBody(t, map[string]any{"value_schema": avroUser}, `{"value":{"name":"a"}}`, `{"value":{"name":5}}`), 422, 42205, "Object does not fit to stored schema: records[1].value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := e.do("POST", "/topics/users", tc.body, ctAvro).expectError(t, tc.status, tc.code)
			if !strings.Contains(msg, tc.msg) {
				t.Fatalf("message %q does not contain %q", msg, tc.msg)
			}
			e.expectRecords("users", 0)
		})
	}
}

func TestProduceSchemaIDOfAnotherSubjectWithoutValidation(t *testing.T) {
	e, reg := newSchemaEnv(t, func(o *schemaregistry.Options) { o.DisableNameStrategyValidation = true })
	e.topic("users", 1)
	cl, err := sr.NewClient(sr.URLs(reg.URL()))
	if err != nil {
		t.Fatal(err)
	}
	other, err := cl.CreateSchema(context.Background(), "other-value", sr.Schema{Schema: avroOther})
	if err != nil {
		t.Fatal(err)
	}
	e.do("POST", "/topics/users", produceBody(t, map[string]any{"value_schema_id": other.ID}, `{"value":{"x":1}}`), ctAvro).expectAllProduced(t, 1)
}

func TestProduceRegistryUnreachableIs40801(t *testing.T) {
	e := newEnv(t, withRegistry(t, "http://"+closedAddr(t), func(o *schemaregistry.Options) { o.Timeout = 2e9 }))
	e.topic("users", 1)
	msg := e.do("POST", "/topics/users", produceBody(t, map[string]any{"value_schema": avroUser}, `{"value":{"name":"a"}}`), ctAvro).expectError(t, 408, 40801)
	if !strings.Contains(msg, "Error when registering schema") {
		t.Fatalf("message %q", msg)
	}
	e.expectRecords("users", 0)
}

func TestProduceSchemaFormatWithoutRegistryIs415(t *testing.T) {
	e := newEnv(t)
	e.topic("users", 1)
	e.do("POST", "/topics/users", produceBody(t, map[string]any{"value_schema": avroUser}, `{"value":{"name":"a"}}`), ctAvro).expectError(t, 415, 415)
}
