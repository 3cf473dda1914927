package registry

import (
	"strconv"
	"strings"
	"testing"
)

// TestSchemaTypesAndReferences registers each schema type with references,
// respelled duplicates and invalid texts.
func TestSchemaTypesAndReferences(t *testing.T) {
	reg := startRegistry(t, newCluster(t), nil)
	reg.waitPrimary(true)

	t.Run("avro", func(t *testing.T) {
		addr := `{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"street","type":"string"}]}`
		aid := reg.register(t, "address", avroBody(addr))
		person := `{"type":"record","name":"Person","namespace":"com.acme","fields":[{"name":"home","type":"Address"}]}`
		body := `{"schema":` + quote(person) + `,"references":[{"name":"com.acme.Address","subject":"address","version":1}]}`
		pid := reg.register(t, "person", body)
		if pid == aid {
			t.Fatal("referencing schema got the referenced id")
		}
		reg.do(t, "GET", "/subjects/address/versions/1/referencedby", "").expect(t, 200, `[`+itoa(pid)+`]`)
		reg.do(t, "GET", "/schemas/ids/"+itoa(pid), "").expect(t, 200,
			`{"schema":`+quote(person)+`,"references":[{"name":"com.acme.Address","subject":"address","version":1}]}`)
		// latest (-1) pins the reference to the current version.
		latest := `{"schema":` + quote(person) + `,"references":[{"name":"com.acme.Address","subject":"address","version":-1}]}`
		if id := reg.register(t, "person", latest); id != pid {
			t.Fatalf("reference by latest: id %d, want %d", id, pid)
		}
		// Without the reference the name is unknown.
		reg.do(t, "POST", "/subjects/person2/versions", avroBody(person)).expectError(t, CodeInvalidSchema)
		reg.do(t, "POST", "/subjects/person2/versions", `{"schema":`+quote(person)+`,"references":[{"name":"x","subject":"nope","version":1}]}`).
			expectError(t, CodeInvalidSchema)
		reg.do(t, "DELETE", "/subjects/address/versions/1", "").expectError(t, CodeReferenceExists)
	})

	t.Run("json", func(t *testing.T) {
		item := `{"type":"object","properties":{"sku":{"type":"string"}},"required":["sku"]}`
		iid := reg.register(t, "item", typedBody("JSON", item))
		order := `{"type":"object","properties":{"item":{"$ref":"item.json"}}}`
		body := `{"schemaType":"JSON","schema":` + quote(order) + `,"references":[{"name":"item.json","subject":"item","version":1}]}`
		oid := reg.register(t, "order", body)
		reg.do(t, "GET", "/subjects/item/versions/1/referencedby", "").expect(t, 200, `[`+itoa(oid)+`]`)
		// Member order and whitespace do not make a new schema.
		respelled := "{ \"properties\": {\"sku\": {\"type\": \"string\"}}, \"required\": [\"sku\"],\n \"type\": \"object\" }"
		if id := reg.register(t, "item", typedBody("JSON", respelled)); id != iid {
			t.Fatalf("respelled JSON schema: id %d, want %d", id, iid)
		}
		reg.do(t, "GET", "/subjects/item/versions", "").expect(t, 200, `[1]`)
		// Remote references are never fetched; unresolvable $refs fail.
		reg.do(t, "POST", "/subjects/j2/versions", typedBody("JSON", `{"$ref":"https://example.com/x.json"}`)).expectError(t, CodeInvalidSchema)
		reg.do(t, "POST", "/subjects/j2/versions", typedBody("JSON", `{"$ref":"file:///etc/passwd"}`)).expectError(t, CodeInvalidSchema)
		reg.do(t, "POST", "/subjects/j2/versions", typedBody("JSON", `{"type":12}`)).expectError(t, CodeInvalidSchema)
		reg.do(t, "POST", "/subjects/j2/versions", typedBody("JSON", `{"type":`)).expectError(t, CodeInvalidSchema)
		// Drafts other than the default 7 are honoured when named.
		reg.register(t, "j3", typedBody("JSON", `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"string"}`))
		reg.register(t, "j4", typedBody("JSON", `true`))
	})

	t.Run("protobuf", func(t *testing.T) {
		cid := reg.register(t, "common", typedBody("PROTOBUF", commonProto))
		body := `{"schemaType":"PROTOBUF","schema":` + quote(orderProto) + `,"references":[{"name":"common.proto","subject":"common","version":1}]}`
		oid := reg.register(t, "orders", body)
		if oid == cid {
			t.Fatal("same id")
		}
		// Comments and formatting do not make a new schema.
		respelled := "// the order\n" + strings.ReplaceAll(orderProto, "\n", "\n\n  ")
		if id := reg.register(t, "orders", `{"schemaType":"PROTOBUF","schema":`+quote(respelled)+`,"references":[{"name":"common.proto","subject":"common","version":1}]}`); id != oid {
			t.Fatalf("respelled protobuf id %d, want %d", id, oid)
		}
		// Well-known types need no reference.
		wk := "syntax = \"proto3\";\nimport \"google/protobuf/timestamp.proto\";\nmessage E { google.protobuf.Timestamp at = 1; }\n"
		reg.register(t, "wk", typedBody("PROTOBUF", wk))
		reg.do(t, "POST", "/subjects/p2/versions", typedBody("PROTOBUF", orderProto)).expectError(t, CodeInvalidSchema)
		reg.do(t, "POST", "/subjects/p2/versions", typedBody("PROTOBUF", `message {`)).expectError(t, CodeInvalidSchema)
	})

	t.Run("normalize", func(t *testing.T) {
		spaced := "{ \"type\" : \"record\", \"namespace\": \"n\", \"name\" : \"N\",\n \"fields\" : [ {\"name\":\"x\", \"type\":{\"type\":\"int\"}} ] }"
		id := reg.register(t, "norm", avroBody(spaced))
		if r := reg.do(t, "GET", "/subjects/norm/versions/1/schema", ""); r.body != spaced {
			t.Fatalf("without normalize the text is kept: %q", r.body)
		}
		reg.do(t, "POST", "/subjects/norm2/versions?normalize=true", avroBody(spaced)).expect(t, 200, `{"id":`+itoa(id)+`}`)
		want := `{"name":"n.N","type":"record","fields":[{"name":"x","type":"int"}]}`
		if r := reg.do(t, "GET", "/subjects/norm2/versions/1/schema", ""); r.body != want {
			t.Fatalf("normalized text %q, want %q", r.body, want)
		}
		js := `{"b":1,"a":{"type":"string"}}`
		reg.do(t, "POST", "/subjects/normj/versions?normalize=true", typedBody("JSON", js)).expect(t, 200, "")
		if r := reg.do(t, "GET", "/subjects/normj/versions/1/schema", ""); r.body != `{"a":{"type":"string"},"b":1}` {
			t.Fatalf("normalized JSON %q", r.body)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestCanonicalText pins the canonical forms that decide id reuse.
func TestCanonicalText(t *testing.T) {
	for _, c := range []struct{ typ, a, b string }{
		{typeAvro, `"int"`, `{"type":"int"}`},
		{typeAvro, `{"type":"record","name":"a.B","fields":[]}`, `{"fields":[],"namespace":"a","name":"B","type":"record"}`},
		{typeAvro, `{"type":"array","items":{"type":"string"}}`, `{"items":"string","type":"array"}`},
		{typeAvro, `{"type":"record","name":"R","namespace":"n","fields":[{"name":"f","type":{"type":"enum","name":"E","symbols":["A"]}},{"name":"g","type":"E"}]}`,
			`{"type":"record","name":"n.R","fields":[{"name":"f","type":{"type":"enum","name":"n.E","symbols":["A"]}},{"name":"g","type":"n.E"}]}`},
		{typeJSON, `{"a":1,"b":[true,null]}`, ` { "b" : [ true , null ] , "a" : 1 } `},
		{typeProtobuf, "syntax=\"proto3\";message A{int32 x=1;}", "syntax = \"proto3\"; // c\n/* d */ message A {\n int32 x = 1;\n}\n"},
	} {
		ca, err1 := canonicalText(c.typ, c.a)
		cb, err2 := canonicalText(c.typ, c.b)
		if err1 != nil || err2 != nil || ca != cb {
			t.Errorf("%s: %q → %q (%v) and %q → %q (%v) differ", c.typ, c.a, ca, err1, c.b, cb, err2)
		}
	}
	for _, c := range []struct{ typ, a, b string }{
		// A default, a doc or a field order is part of the schema.
		{typeAvro, `{"type":"record","name":"R","fields":[{"name":"f","type":"int","default":1}]}`, `{"type":"record","name":"R","fields":[{"name":"f","type":"int","default":2}]}`},
		{typeAvro, `{"type":"record","name":"R","doc":"x","fields":[]}`, `{"type":"record","name":"R","fields":[]}`},
		{typeAvro, `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int"}]}`, `{"type":"record","name":"R","fields":[{"name":"b","type":"int"},{"name":"a","type":"int"}]}`},
		{typeJSON, `{"a":1}`, `{"a":1.0}`},
		{typeProtobuf, `message A{int32 x=1;}`, `message A{int32 x=2;}`},
	} {
		ca, _ := canonicalText(c.typ, c.a)
		cb, _ := canonicalText(c.typ, c.b)
		if ca == cb {
			t.Errorf("%s: %q and %q should differ, both are %q", c.typ, c.a, c.b, ca)
		}
	}
}
