package serde

import (
	"errors"
	"strings"
	"testing"
)

func TestJSONSchemaDrafts(t *testing.T) {
	// One schema per draft, each using a keyword whose meaning is specific
	// to that draft, with a value it accepts and one it rejects.
	for _, tc := range []struct {
		name, schema, ok, bad, want string
	}{
		{"draft-04 boolean exclusiveMinimum",
			`{"$schema":"http://json-schema.org/draft-04/schema#","type":"number","minimum":5,"exclusiveMinimum":true}`,
			`6`, `5`, "5"},
		{"draft-06 numeric exclusiveMinimum",
			`{"$schema":"http://json-schema.org/draft-06/schema#","type":"number","exclusiveMinimum":5}`,
			`6`, `5`, "5"},
		{"draft-07 if/then",
			`{"$schema":"http://json-schema.org/draft-07/schema#","if":{"properties":{"a":{"const":1}}},"then":{"required":["b"]}}`,
			`{"a":1,"b":2}`, `{"a":1}`, "missing property 'b'"},
		{"draft 2019-09 dependentRequired",
			`{"$schema":"https://json-schema.org/draft/2019-09/schema","dependentRequired":{"a":["b"]}}`,
			`{"a":1,"b":2}`, `{"a":1}`, "'b'"},
		{"draft 2020-12 prefixItems",
			`{"$schema":"https://json-schema.org/draft/2020-12/schema","prefixItems":[{"type":"integer"}],"items":false}`,
			`[1]`, `[1,2]`, ""},
		{"no $schema means draft-07",
			`{"if":{"properties":{"a":{"const":1}}},"then":{"required":["b"]},"prefixItems":[{"type":"string"}]}`,
			`[1]`, `{"a":1}`, "missing property 'b'"}, // prefixItems means nothing in draft-07
	} {
		c := mustCompile(t, SchemaJSON, tc.schema, Options{})
		if got := mustEncode(t, c, tc.ok); string(got) != strings.ReplaceAll(tc.ok, " ", "") {
			t.Errorf("%s: encode %s = %s", tc.name, tc.ok, got)
		}
		wantDataError(t, c, tc.bad, tc.want)
	}
}

func TestJSONSchemaValues(t *testing.T) {
	c := mustCompile(t, SchemaJSON, `{"title":"com.example.Person","type":"object",
	 "properties":{"name":{"type":"string"},"age":{"type":"integer","minimum":0},"email":{"type":"string","format":"email"},
	 "tags":{"type":"array","items":{"type":"string"}},"address":{"type":"object","properties":{"zip":{"type":"string"}}}},
	 "required":["name"]}`, Options{})
	if got := c.RecordName(); got != "com.example.Person" {
		t.Errorf("RecordName = %q", got)
	}
	// Key order as received, numbers spelled as received (exact big
	// integers), whitespace removed; formats not asserted.
	in := `{ "name" : "Ann", "big" : 123456789012345678901234567890, "age": 1.0e1, "email": "not-an-email" }`
	got := mustEncode(t, c, in)
	if want := `{"name":"Ann","big":123456789012345678901234567890,"age":1.0e1,"email":"not-an-email"}`; string(got) != want {
		t.Errorf("payload %s, want %s", got, want)
	}
	if back := mustDecode(t, c, got); back != string(got) {
		t.Errorf("decode %s", back)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"age":3}`, "missing property 'name'"},
		{`{"name":"a","age":-1}`, "field age: minimum: got -1, want 0"},
		{`{"name":"a","tags":["x",2]}`, "field tags[1]: got number, want string"},
		{`{"name":"a","address":{"zip":5}}`, "field address.zip: got number, want string"},
		{`{"name":1,"age":"x"}`, "and 1 more errors"},
		{`{"name":"a"`, "invalid JSON"},
	} {
		wantDataError(t, c, tc.in, tc.want)
	}
}

func TestJSONSchemaDecodeValidation(t *testing.T) {
	const schema = `{"type":"object","properties":{"n":{"type":"integer"}}}`
	lenient := mustCompile(t, SchemaJSON, schema, Options{})
	strict := mustCompile(t, SchemaJSON, schema, Options{ValidateJSONSchemaOnDecode: true})
	bad := []byte(`{"n": "x"}`)
	if got := mustDecode(t, lenient, bad); got != `{"n":"x"}` {
		t.Errorf("lenient decode = %s", got)
	}
	if _, err := strict.AppendDecode(nil, bad); !errors.Is(err, ErrInvalidData) {
		t.Errorf("strict decode = %v", err)
	}
	if _, err := lenient.AppendDecode(nil, []byte("not json")); !errors.Is(err, ErrInvalidData) {
		t.Errorf("decode of non-JSON = %v", err)
	}
}

func TestJSONSchemaReferences(t *testing.T) {
	address := Reference{Name: "address.json", Source: SchemaSource{Type: SchemaJSON,
		Text:       `{"type":"object","properties":{"zip":{"$ref":"zip.json"}},"required":["zip"]}`,
		References: []Reference{{Name: "zip.json", Source: SchemaSource{Type: SchemaJSON, Text: `{"type":"string","pattern":"^[0-9]{5}$"}`}}}}}
	c := mustCompile(t, SchemaJSON, `{"type":"object","properties":{"home":{"$ref":"address.json"}}}`, Options{}, address)
	mustEncode(t, c, `{"home":{"zip":"02100"}}`)
	wantDataError(t, c, `{"home":{"zip":"x"}}`, "field home.zip")
	wantDataError(t, c, `{"home":{}}`, "missing property 'zip'")

	// With an $id, references resolve against it, and absolute names work.
	c = mustCompile(t, SchemaJSON, `{"$id":"https://example.com/schemas/order.json","type":"object",
	 "properties":{"a":{"$ref":"address.json"},"c":{"$ref":"https://example.com/customer.json"}}}`, Options{},
		address, Reference{Name: "https://example.com/customer.json", Source: SchemaSource{Type: SchemaJSON, Text: `{"type":"string"}`}})
	mustEncode(t, c, `{"a":{"zip":"12345"},"c":"x"}`)
	wantDataError(t, c, `{"c":5}`, "field c: got number, want string")
}

func TestJSONSchemaNeverLoads(t *testing.T) {
	for _, ref := range []string{"http://example.com/s.json", "https://example.com/s.json", "file:///etc/passwd", "/etc/passwd", "other.json"} {
		_, err := Compile(SchemaSource{Type: SchemaJSON, Text: `{"$ref":"` + ref + `"}`}, Options{})
		if !errors.Is(err, ErrInvalidSchema) || !strings.Contains(err.Error(), "not a registered reference") {
			t.Errorf("$ref %s: %v", ref, err)
		}
	}
}

func TestJSONSchemaInvalid(t *testing.T) {
	for _, text := range []string{``, `{`, `5`, `{"type":"nope"}`, `{"minimum":"x"}`, `{"$schema":"https://example.com/custom-meta"}`} {
		if _, err := Compile(SchemaSource{Type: SchemaJSON, Text: text}, Options{}); !errors.Is(err, ErrInvalidSchema) {
			t.Errorf("Compile(%q) = %v, want ErrInvalidSchema", text, err)
		}
	}
	// Boolean schemas are schemas.
	c := mustCompile(t, SchemaJSON, `true`, Options{})
	mustEncode(t, c, `[1,{"a":null}]`)
	wantDataError(t, mustCompile(t, SchemaJSON, `false`, Options{}), `1`, "")
}
