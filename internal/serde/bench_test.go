package serde

import (
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/twmb/avro"
)

// Per-record cost of the produce (JSON → framed payload) and consume
// (payload → JSON) paths, with a reused buffer as the REST layer uses them:
//
//	go test ./internal/serde -run '^$' -bench . -benchmem

const benchAvroSchema = `{"type":"record","name":"Order","namespace":"bench","fields":[
 {"name":"id","type":"string"},{"name":"customer","type":"long"},{"name":"amount","type":"double"},
 {"name":"currency","type":{"type":"enum","name":"Cur","symbols":["EUR","USD","SEK"]}},
 {"name":"paid","type":"boolean"},{"name":"note","type":["null","string"],"default":null},
 {"name":"created","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"tags","type":{"type":"array","items":"string"}},
 {"name":"attrs","type":{"type":"map","values":"string"}},
 {"name":"line","type":{"type":"record","name":"Line","fields":[{"name":"sku","type":"string"},{"name":"qty","type":"int"}]}}]}`

const benchAvroValue = `{"id":"ord-000123456","customer":987654321,"amount":1234.5,"currency":"SEK","paid":true,
 "note":{"string":"leave at the door"},"created":1700000000123,"tags":["a","bb","ccc"],
 "attrs":{"channel":"web","campaign":"spring"},"line":{"sku":"SKU-1","qty":3}}`

const benchProtoSchema = `syntax = "proto3";
package bench;
message Order {
  string id = 1; int64 customer = 2; double amount = 3;
  enum Cur { EUR = 0; USD = 1; SEK = 2; } Cur currency = 4;
  bool paid = 5; optional string note = 6; int64 created = 7;
  repeated string tags = 8; map<string, string> attrs = 9;
  message Line { string sku = 1; int32 qty = 2; } Line line = 10;
}`

const benchProtoValue = `{"id":"ord-000123456","customer":987654321,"amount":1234.5,"currency":"SEK","paid":true,
 "note":"leave at the door","created":1700000000123,"tags":["a","bb","ccc"],
 "attrs":{"channel":"web","campaign":"spring"},"line":{"sku":"SKU-1","qty":3}}`

func benchEncode(b *testing.B, c Codec, in string) {
	v := jsontext.Value(in)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		var err error
		if buf, err = AppendRecord(buf[:0], 1, c, v); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecode(b *testing.B, c Codec, in string) {
	payload := mustEncode(b, c, in)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		var err error
		if buf, err = c.AppendDecode(buf[:0], payload); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAvroEncode(b *testing.B) {
	benchEncode(b, mustCompile(b, SchemaAvro, benchAvroSchema, Options{}), benchAvroValue)
}

func BenchmarkAvroDecode(b *testing.B) {
	benchDecode(b, mustCompile(b, SchemaAvro, benchAvroSchema, Options{}), benchAvroValue)
}

func BenchmarkAvroDecodeStandard(b *testing.B) {
	benchDecode(b, mustCompile(b, SchemaAvro, benchAvroSchema, standard), benchAvroValue)
}

// BenchmarkAvroEncodeTwmb is the alternative krest did not take: twmb/avro
// DecodeJSON into a generic value, then Encode.
func BenchmarkAvroEncodeTwmb(b *testing.B) {
	s := avro.MustParse(benchAvroSchema)
	in := []byte(benchAvroValue)
	b.ReportAllocs()
	for b.Loop() {
		var v any
		if err := s.DecodeJSON(in, &v); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Encode(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProtobufEncode(b *testing.B) {
	benchEncode(b, mustCompile(b, SchemaProtobuf, benchProtoSchema, Options{}), benchProtoValue)
}

func BenchmarkProtobufDecode(b *testing.B) {
	benchDecode(b, mustCompile(b, SchemaProtobuf, benchProtoSchema, Options{}), benchProtoValue)
}

func BenchmarkJSONSchemaEncode(b *testing.B) {
	benchEncode(b, mustCompile(b, SchemaJSON, `{"type":"object","properties":{"id":{"type":"string"},"customer":{"type":"integer"},
	 "amount":{"type":"number"},"tags":{"type":"array","items":{"type":"string"}}},"required":["id"]}`, Options{}), benchProtoValue)
}

func BenchmarkProtobufCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		mustCompile(b, SchemaProtobuf, benchProtoSchema, Options{})
	}
}

func BenchmarkAvroCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		mustCompile(b, SchemaAvro, benchAvroSchema, Options{})
	}
}
