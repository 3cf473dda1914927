package serde

import (
	"bytes"
	"errors"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// Fuzz targets. Invariants, for any input bytes:
//   - no panic, and no unbounded allocation or recursion;
//   - an error matches one of the package's classes (ErrWireFormat,
//     ErrInvalidData) and leaves dst unchanged;
//   - a successful decode appends exactly one valid JSON value (object
//     names may repeat: an Avro map or a stored JSON document can hold a
//     key twice, and the output keeps both, as the json format does), and
//     the standard Avro JSON form of duplicate-free data encodes back to a
//     payload that decodes to the same JSON (a round trip through krest's
//     own dialect).

func FuzzWireHeader(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 1, 0})
	f.Add([]byte{0, 0, 0, 0, 1, 4, 2, 2})
	f.Add([]byte("test"))
	f.Add([]byte{0, 1, 2, 3, 4, 0xca, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		id, rest, err := ParseHeader(b)
		if err != nil {
			if !errors.Is(err, ErrWireFormat) {
				t.Fatalf("ParseHeader error %v is not ErrWireFormat", err)
			}
			return
		}
		if !bytes.Equal(AppendHeader(nil, id), b[:HeaderLen]) {
			t.Fatalf("header does not round-trip: % x", b[:HeaderLen])
		}
		idx, _, err := ParseMessageIndexes(rest)
		if err != nil {
			if !errors.Is(err, ErrWireFormat) {
				t.Fatalf("ParseMessageIndexes error %v is not ErrWireFormat", err)
			}
			return
		}
		if len(idx) == 0 || len(idx) > MaxMessageIndexes {
			t.Fatalf("%d indexes", len(idx))
		}
		again, _, err := ParseMessageIndexes(AppendMessageIndexes(nil, idx))
		if err != nil || len(again) != len(idx) {
			t.Fatalf("indexes %v do not round-trip: %v %v", idx, again, err)
		}
	})
}

const fuzzAvroSchema = `{"type":"record","name":"F","fields":[
 {"name":"i","type":"int"},{"name":"l","type":"long"},{"name":"f","type":"float"},{"name":"d","type":"double"},
 {"name":"b","type":"boolean"},{"name":"s","type":"string"},{"name":"by","type":"bytes"},
 {"name":"fx","type":{"type":"fixed","name":"FX","size":3}},
 {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},
 {"name":"a","type":{"type":"array","items":["null","int","string"]}},
 {"name":"m","type":{"type":"map","values":{"type":"array","items":"null"}}},
 {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":20,"scale":3}},
 {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
 {"name":"dt","type":{"type":"int","logicalType":"date"}},
 {"name":"t","type":{"type":"long","logicalType":"time-micros"}},
 {"name":"next","type":["null","F"]}]}`

func FuzzDecodeAvro(f *testing.F) {
	k := mustCompile(f, SchemaAvro, fuzzAvroSchema, Options{})
	s := mustCompile(f, SchemaAvro, fuzzAvroSchema, standard)
	f.Add(mustEncode(f, k, `{"i":1,"l":-2,"f":1.5,"d":"NaN","b":true,"s":"x","by":"\u00ff","fx":"abc","e":"C",
	 "a":[null,1,"s"],"m":{"k":[null,null]},"dec":1.5,"ts":"2020-01-01T00:00:00Z","dt":-1,"t":5,
	 "next":{"i":0,"l":0,"f":0,"d":0,"b":false,"s":"","by":"","fx":"\u0000\u0000\u0000","e":"A","a":[],"m":{},"dec":0,"ts":0,"dt":0,"t":0}}`))
	f.Add([]byte{0x02, 0x04, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		dst := []byte("[")
		out, err := k.AppendDecode(dst, payload)
		if err != nil {
			if !errors.Is(err, ErrInvalidData) || string(out) != "[" {
				t.Fatalf("error %v (dst %q)", err, out)
			}
			if _, err2 := s.AppendDecode(nil, payload); err2 == nil {
				t.Fatalf("karapace mode failed (%v), standard mode did not", err)
			}
			return
		}
		if !jsontext.Value(out[1:]).IsValid(jsontext.AllowDuplicateNames(true)) {
			t.Fatalf("invalid JSON %s", out[1:])
		}
		js, err := s.AppendDecode(nil, payload)
		if err != nil {
			t.Fatalf("standard mode failed: %v", err)
		}
		if !jsontext.Value(js).IsValid() {
			return // duplicate map keys: encoding refuses them
		}
		bin, err := k.AppendEncode(nil, js)
		if err != nil {
			t.Fatalf("standard JSON %s does not encode: %v", js, err)
		}
		js2, err := s.AppendDecode(nil, bin)
		if err != nil || !bytes.Equal(js, js2) {
			t.Fatalf("round trip: %s → % x → %s (%v)", js, bin, js2, err)
		}
	})
}

func FuzzEncodeAvro(f *testing.F) {
	k := mustCompile(f, SchemaAvro, fuzzAvroSchema, Options{})
	f.Add(`{"i":1}`)
	f.Add(`{"a":[{"int":1},{"string":"x"},null],"next":{"F":{}}}`)
	f.Add(`{"dec":"1e-3","ts":"2020-01-01T00:00:00+02:00"}`)
	f.Fuzz(func(t *testing.T, in string) {
		out, err := k.AppendEncode([]byte("x"), jsontext.Value(in))
		if err != nil {
			if !errors.Is(err, ErrInvalidData) || string(out) != "x" {
				t.Fatalf("error %v (dst %q)", err, out)
			}
			return
		}
		if _, err := k.AppendDecode(nil, out[1:]); err != nil {
			t.Fatalf("encoded % x does not decode: %v", out[1:], err)
		}
	})
}

func FuzzDecodeProtobuf(f *testing.F) {
	c := mustCompile(f, SchemaProtobuf, pbSchema, Options{}, moneyRef)
	f.Add(mustEncode(f, c, `{"order_id":"o","big":1,"lines":[{"sku":"a","note":{"text":"t"}}],"counts":{"a":1},
	 "created_at":"2024-01-01T00:00:00Z","maybe":1,"extra":{"a":[1]},"total":{"units":1},"card":"x","nums":[1,2]}`))
	f.Add([]byte{2, 2, 0x0a, 0x01, 'x'})
	f.Add([]byte{4, 0, 0, 0x0a, 0x00})
	f.Fuzz(func(t *testing.T, payload []byte) {
		out, err := c.AppendDecode([]byte("["), payload)
		if err != nil {
			if !(errors.Is(err, ErrInvalidData) || errors.Is(err, ErrWireFormat)) || string(out) != "[" {
				t.Fatalf("error %v (dst %q)", err, out)
			}
			return
		}
		if !jsontext.Value(out[1:]).IsValid() {
			t.Fatalf("invalid JSON %s", out[1:])
		}
	})
}

func FuzzDecodeJSONSchema(f *testing.F) {
	c := mustCompile(f, SchemaJSON, `{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"array","items":{"$ref":"#"}}}}`,
		Options{ValidateJSONSchemaOnDecode: true})
	f.Add([]byte(`{"a":1,"b":[{"a":2}]}`))
	f.Add([]byte(`{"a":"x"}`))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		out, err := c.AppendDecode([]byte("["), payload)
		if err != nil {
			if !errors.Is(err, ErrInvalidData) || string(out) != "[" {
				t.Fatalf("error %v (dst %q)", err, out)
			}
			return
		}
		if !jsontext.Value(out[1:]).IsValid(jsontext.AllowDuplicateNames(true)) {
			t.Fatalf("invalid JSON %s", out[1:])
		}
		if !jsontext.Value(out[1:]).IsValid() {
			return // duplicate names: encoding refuses them
		}
		// What decodes also encodes (it validated), to the same bytes.
		again, err := c.AppendEncode(nil, out[1:])
		if err != nil || !bytes.Equal(again, out[1:]) {
			t.Fatalf("re-encode %s: %s %v", out[1:], again, err)
		}
	})
}
