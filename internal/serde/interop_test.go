package serde

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Interop: what krest writes, franz-go's sr.Serde (the Confluent wire
// format) with twmb/avro or protobuf-go reads, and the other way round.

const interopAvro = `{"type":"record","name":"Payment","namespace":"com.acme","fields":[
 {"name":"id","type":"string"},
 {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
 {"name":"at","type":{"type":"long","logicalType":"timestamp-micros"}},
 {"name":"memo","type":["null","string"],"default":null},
 {"name":"tags","type":{"type":"map","values":"int"}},
 {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["CARD","CASH"]}}]}`

func TestInteropAvro(t *testing.T) {
	schema := avro.MustParse(interopAvro)
	var s sr.Serde
	s.Register(17, map[string]any{},
		sr.EncodeFn(func(v any) ([]byte, error) { return schema.Encode(v) }),
		sr.DecodeFn(func(b []byte, v any) error { _, err := schema.Decode(b, v); return err }))
	c := mustCompile(t, SchemaAvro, interopAvro, Options{})

	// krest → sr.Serde + twmb/avro.
	rec, err := AppendRecord(nil, 17, c, jsontext.Value(`{"id":"p1","amount":12.34,"at":"2024-05-06T07:08:09.123456Z","memo":{"string":"hi"},"tags":{"a":1},"kind":"CASH"}`))
	if err != nil {
		t.Fatal(err)
	}
	var got any
	if err := s.Decode(rec, &got); err != nil {
		t.Fatalf("sr.Serde cannot decode krest's record: %v", err)
	}
	m := got.(map[string]any)
	if m["id"] != "p1" || m["memo"] != "hi" || m["kind"] != "CASH" || m["tags"].(map[string]any)["a"] != int32(1) {
		t.Errorf("sr.Serde read %#v", m)
	}
	if at := m["at"].(time.Time); !at.Equal(time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)) {
		t.Errorf("at = %v", at)
	}

	// sr.Serde + twmb/avro → krest.
	b, err := s.Encode(map[string]any{
		"id": "p2", "amount": "-0.5", "at": time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		"memo": nil, "tags": map[string]any{}, "kind": "CARD",
	})
	if err != nil {
		t.Fatal(err)
	}
	id, payload, err := ParseHeader(b)
	if err != nil || id != 17 {
		t.Fatalf("ParseHeader = %d, %v", id, err)
	}
	want := `{"id":"p2","amount":"-0.50","at":"2000-01-01T00:00:00Z","memo":null,"tags":{},"kind":"CARD"}`
	if got := mustDecode(t, c, payload); got != want {
		t.Errorf("krest read %s, want %s", got, want)
	}
	// And the Avro JSON form agrees with twmb/avro's own JSON encoder.
	std := mustCompile(t, SchemaAvro, interopAvro, standard)
	var native any
	if _, err := avro.MustParse(interopAvro, avro.CustomType{LogicalType: "decimal"}, avro.CustomType{LogicalType: "timestamp-micros"}).Decode(payload, &native, avro.TaggedUnions()); err != nil {
		t.Fatal(err)
	}
	theirs, err := schema.EncodeJSON(native, avro.TaggedUnions())
	if err != nil {
		t.Fatal(err)
	}
	if ours := mustDecode(t, std, payload); canon(t, ours) != canon(t, string(theirs)) {
		t.Errorf("Avro JSON differs:\n krest     %s\n twmb/avro %s", ours, theirs)
	}
}

const interopProto = `syntax = "proto3";
package acme;
import "google/protobuf/timestamp.proto";
message Envelope {
  string id = 1;
  message Inner { repeated int64 vals = 1; map<string, string> attrs = 2; }
  Inner inner = 2;
}
message Event {
  string name = 1;
  google.protobuf.Timestamp at = 2;
  Envelope.Inner inner = 3;
  bytes blob = 4;
}`

func TestInteropProtobuf(t *testing.T) {
	comp := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
		Accessor: protocompile.SourceAccessorFromMap(map[string]string{"e.proto": interopProto})})}
	files, err := comp.Compile(context.Background(), "e.proto")
	if err != nil {
		t.Fatal(err)
	}
	fd := protoreflect.FileDescriptor(files[0])
	envelope, event := fd.Messages().Get(0), fd.Messages().Get(1)
	inner := envelope.Messages().Get(0)
	c := mustCompile(t, SchemaProtobuf, interopProto, Options{})
	marshal := func(v any) ([]byte, error) { return proto.Marshal(v.(proto.Message)) }

	// sr.Serde writes a non-first message ([1]) and a nested one ([0, 0])
	// with full zig-zag index lists; krest reads them.
	ev := dynamicpb.NewMessage(event)
	if err := (protoUnmarshalJSON{}).into(ev, `{"name":"boot","at":"2024-01-01T00:00:00Z","inner":{"vals":["1","-2"]},"blob":"AQI="}`); err != nil {
		t.Fatal(err)
	}
	b, err := sr.Encode(ev, new(sr.ConfluentHeader), 9, []int{1}, marshal)
	if err != nil {
		t.Fatal(err)
	}
	_, payload, _ := ParseHeader(b)
	if got, want := mustDecode(t, c, payload), `{"name":"boot","at":"2024-01-01T00:00:00Z","inner":{"vals":[1,-2],"attrs":{}},"blob":"AQI="}`; got != want {
		t.Errorf("[1]: %s, want %s", got, want)
	}
	in := dynamicpb.NewMessage(inner)
	in.Set(inner.Fields().ByName("vals"), protoreflect.ValueOfList(in.NewField(inner.Fields().ByName("vals")).List()))
	in.Mutable(inner.Fields().ByName("attrs")).Map().Set(protoreflect.ValueOfString("k").MapKey(), protoreflect.ValueOfString("v"))
	b, err = sr.Encode(in, new(sr.ConfluentHeader), 9, []int{0, 0}, marshal)
	if err != nil {
		t.Fatal(err)
	}
	_, payload, _ = ParseHeader(b)
	if got, want := mustDecode(t, c, payload), `{"vals":[],"attrs":{"k":"v"}}`; got != want {
		t.Errorf("[0 0]: %s, want %s", got, want)
	}

	// krest writes [0] + Envelope; sr.Serde with a DecodeFn reads it.
	var s sr.Serde
	s.Register(9, &dynamicpb.Message{}, sr.Index(0), sr.DecodeFn(func(b []byte, v any) error {
		return proto.Unmarshal(b, v.(*dynamicpb.Message))
	}))
	rec, err := AppendRecord(nil, 9, c, jsontext.Value(`{"id":"e1","inner":{"vals":[5],"attrs":{"x":"y"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	out := dynamicpb.NewMessage(envelope)
	if err := s.Decode(rec, out); err != nil {
		t.Fatalf("sr.Serde cannot decode krest's record: %v", err)
	}
	if got := out.Get(envelope.Fields().ByName("id")).String(); got != "e1" {
		t.Errorf("id = %q", got)
	}
	innerMsg := out.Get(envelope.Fields().ByName("inner")).Message()
	if got := innerMsg.Get(inner.Fields().ByName("vals")).List().Get(0).Int(); got != 5 {
		t.Errorf("vals[0] = %d", got)
	}
	// Byte-identical to a deterministic marshal of the same message.
	want, _ := proto.MarshalOptions{Deterministic: true}.Marshal(out)
	if !bytes.Equal(rec[6:], want) {
		t.Errorf("krest payload % x, protobuf-go % x", rec[6:], want)
	}
}

// protoUnmarshalJSON fills a dynamic message through krest's own encoder
// (the test wants a populated message; how is not under test here).
type protoUnmarshalJSON struct{}

func (protoUnmarshalJSON) into(m *dynamicpb.Message, js string) error {
	c := &pbCodec{opts: Options{}}
	e := pbEncoder{c: c}
	return e.messageValue(m, []byte(js))
}
