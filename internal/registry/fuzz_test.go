package registry

import (
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// FuzzValidateSchema feeds arbitrary schema text (and one arbitrary
// referenced schema) of every type to the parsing entry point and to the
// canonicaliser. Invariants: nothing panics; a parser panic, which
// validateSchema turns into an error, is reported as a failure too, since it
// would be a bug in a dependency worth knowing about; the canonical text of
// a schema is a fixed point (canonicalising it again changes nothing) for
// the JSON-based types.
func FuzzValidateSchema(f *testing.F) {
	for _, s := range []string{userV1, userV2, recordG, `"int"`, `{"type":"array","items":"Address"}`} {
		f.Add(uint8(0), s, `{"type":"record","name":"Address","fields":[]}`)
	}
	for _, s := range []string{`{"type":"object","properties":{"a":{"$ref":"item.json"}}}`, `true`, `{"$schema":"http://json-schema.org/draft-04/schema#"}`} {
		f.Add(uint8(1), s, `{"type":"string"}`)
	}
	for _, s := range []string{protoSchema, orderProto, "syntax = \"proto2\";\nmessage A { optional int32 x = 1; extensions 10 to 20; }"} {
		f.Add(uint8(2), s, commonProto)
	}
	f.Fuzz(func(t *testing.T, kind uint8, text, refText string) {
		typ := schemaTypes[int(kind)%len(schemaTypes)]
		refName := map[string]string{typeAvro: "Address", typeJSON: "item.json", typeProtobuf: "common.proto"}[typ]
		doc := schemaDoc{Type: typ, Text: text, References: []reference{{Name: refName, Subject: "ref", Version: 1}}}
		resolve := func(ref reference) (schemaDoc, error) {
			if ref.Subject != "ref" {
				return schemaDoc{}, errors.New("unknown")
			}
			return schemaDoc{Type: typ, Text: refText}, nil
		}
		if err := validateSchema(doc, resolve); err != nil && strings.HasPrefix(err.Error(), "schema parser panic") {
			t.Fatalf("%s parser panicked on %q (reference %q): %v", typ, text, refText, err)
		}
		c, err := canonicalText(typ, text)
		if err == nil && typ != typeProtobuf {
			if again, err := canonicalText(typ, c); err != nil || again != c {
				t.Fatalf("%s canonical form is not stable: %q → %q → %q (%v)", typ, text, c, again, err)
			}
		}
		_ = identityOf(doc)
	})
}

// FuzzApplyRecord feeds arbitrary keys and values to the store, as a
// corrupt or foreign _schemas topic could. Invariant: nothing panics, and
// every query still answers.
func FuzzApplyRecord(f *testing.F) {
	f.Add(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, `{"subject":"s","version":1,"id":1,"schema":"\"int\"","deleted":false}`)
	f.Add(`{"keytype":"CONFIG","magic":0}`, `{"compatibilityLevel":"FULL"}`)
	f.Add(`{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}`, `{"subject":"s","version":1}`)
	f.Add(`{"keytype":"MODE","subject":null,"magic":0}`, `{"mode":"IMPORT"}`)
	f.Add(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`, ``)
	f.Fuzz(func(t *testing.T, key, value string) {
		s := newStore(slog.New(slog.DiscardHandler))
		_ = s.apply([]byte(`{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}`),
			[]byte(`{"subject":"s","version":1,"id":1,"schema":"\"int\"","deleted":false}`))
		var v []byte
		if value != "" {
			v = []byte(value)
		}
		_ = s.apply([]byte(key), v)
		_ = s.apply([]byte(key), nil)
		s.subjectNames("", withDeleted)
		s.versions("s", withDeleted)
		s.usages(1, withDeleted)
		s.referencedBy("s", 1, withDeleted)
		s.compat("s")
		s.mode("s")
	})
}
