package compat

import (
	"errors"
	"testing"
)

// proto3 wraps message bodies in a proto3 file of package p.
func proto3(body string) string { return "syntax = \"proto3\";\npackage p;\n" + body }

func proto2(body string) string { return "syntax = \"proto2\";\npackage p;\n" + body }

// msg is a proto3 file with one message M holding the given fields.
func msg(fields string) string { return proto3("message M {\n" + fields + "\n}\n") }

// protoCases pair each Protobuf rule with a compatible and an incompatible schema pair.
var protoCases = []ruleCase{
	// Fields are matched by number; adding and removing them is compatible, as unknown fields
	// are skipped and missing ones read as defaults.
	{name: "protobuf/backward/field-added", level: Backward,
		old: msg(`int32 a = 1;`), new: msg(`int32 a = 1; string b = 2;`), compatible: true},
	{name: "protobuf/backward/field-removed", level: Backward,
		old: msg(`int32 a = 1; string b = 2;`), new: msg(`int32 a = 1;`), compatible: true},
	{name: "protobuf/forward/field-removed", level: Forward,
		old: msg(`int32 a = 1; string b = 2;`), new: msg(`int32 a = 1;`), compatible: true},
	{name: "protobuf/backward/field-removed-number-reserved", level: Backward,
		old: msg(`int32 a = 1; string b = 2;`), new: msg(`int32 a = 1; reserved 2; reserved "b";`), compatible: true},
	{name: "protobuf/backward/field-renamed", level: Backward,
		old: msg(`int32 a = 1;`), new: msg(`int32 renamed = 1;`), compatible: true},
	{name: "protobuf/backward/field-number-changed", level: Backward,
		old: msg(`int32 a = 1; string b = 2;`), new: msg(`int32 a = 1; int64 b = 3; string c = 2;`), compatible: true},
	{name: "protobuf/backward/field-number-reused-with-other-type", level: Backward,
		old: msg(`int32 a = 1; string b = 2;`), new: msg(`int32 a = 1; double b = 2;`), want: "FIELD_SCALAR_KIND_CHANGED"},
	{name: "protobuf/backward/required-field-added", level: Backward,
		old: proto2(`message M { optional int32 a = 1; }`), new: proto2(`message M { optional int32 a = 1; required int32 b = 2; }`),
		want: "REQUIRED_FIELD_ADDED"},
	{name: "protobuf/backward/optional-field-added-proto2", level: Backward,
		old: proto2(`message M { optional int32 a = 1; }`), new: proto2(`message M { optional int32 a = 1; optional int32 b = 2; }`),
		compatible: true},
	{name: "protobuf/backward/required-field-removed", level: Backward,
		old: proto2(`message M { required int32 a = 1; optional int32 b = 2; }`), new: proto2(`message M { optional int32 b = 2; }`),
		want: "REQUIRED_FIELD_REMOVED"},

	// Scalar types: a change is compatible within a wire-compatible group.
	{name: "protobuf/backward/int32-to-int64", level: Backward,
		old: msg(`int32 a = 1;`), new: msg(`int64 a = 1;`), compatible: true},
	{name: "protobuf/backward/int32-to-uint64", level: Backward,
		old: msg(`int32 a = 1;`), new: msg(`uint64 a = 1;`), compatible: true},
	{name: "protobuf/backward/bool-to-uint32", level: Backward,
		old: msg(`bool a = 1;`), new: msg(`uint32 a = 1;`), compatible: true},
	{name: "protobuf/backward/int32-to-sint32", level: Backward,
		old: msg(`int32 a = 1;`), new: msg(`sint32 a = 1;`), want: "FIELD_SCALAR_KIND_CHANGED"},
	{name: "protobuf/backward/sint32-to-sint64", level: Backward,
		old: msg(`sint32 a = 1;`), new: msg(`sint64 a = 1;`), compatible: true},
	{name: "protobuf/backward/fixed32-to-sfixed32", level: Backward,
		old: msg(`fixed32 a = 1;`), new: msg(`sfixed32 a = 1;`), compatible: true},
	{name: "protobuf/backward/fixed32-to-fixed64", level: Backward,
		old: msg(`fixed32 a = 1;`), new: msg(`fixed64 a = 1;`), want: "FIELD_SCALAR_KIND_CHANGED"},
	{name: "protobuf/backward/fixed64-to-sfixed64", level: Backward,
		old: msg(`fixed64 a = 1;`), new: msg(`sfixed64 a = 1;`), compatible: true},
	{name: "protobuf/backward/string-to-bytes", level: Backward,
		old: msg(`string a = 1;`), new: msg(`bytes a = 1;`), compatible: true},
	{name: "protobuf/backward/string-to-int32", level: Backward,
		old: msg(`string a = 1;`), new: msg(`int32 a = 1;`), want: "FIELD_SCALAR_KIND_CHANGED"},
	{name: "protobuf/backward/float-to-double", level: Backward,
		old: msg(`float a = 1;`), new: msg(`double a = 1;`), want: "FIELD_SCALAR_KIND_CHANGED"},
	{name: "protobuf/backward/enum-to-int32", level: Backward,
		old: proto3(`enum E { E0 = 0; } message M { E a = 1; }`), new: msg(`int32 a = 1;`), compatible: true},
	{name: "protobuf/backward/enum-to-string", level: Backward,
		old: proto3(`enum E { E0 = 0; } message M { E a = 1; }`), new: msg(`string a = 1;`), want: "FIELD_SCALAR_KIND_CHANGED"},
	{name: "protobuf/backward/scalar-to-message", level: Backward,
		old: msg(`int32 a = 1;`), new: proto3(`message N { int32 x = 1; } message M { N a = 1; }`), want: "FIELD_KIND_CHANGED"},
	{name: "protobuf/backward/scalar-to-map", level: Backward,
		old: msg(`string a = 1;`), new: msg(`map<string, string> a = 1;`), want: "FIELD_KIND_CHANGED"},

	// Labels: between explicit labels, a numeric field cannot change (packed encoding); strings
	// and bytes can; message fields are not compared.
	{name: "protobuf/backward/string-optional-to-repeated", level: Backward,
		old: msg(`optional string a = 1;`), new: msg(`repeated string a = 1;`), compatible: true},
	{name: "protobuf/backward/int32-optional-to-repeated", level: Backward,
		old: msg(`optional int32 a = 1;`), new: msg(`repeated int32 a = 1;`), want: "FIELD_NUMERIC_LABEL_CHANGED"},
	{name: "protobuf/backward/int32-implicit-to-optional", level: Backward,
		old: msg(`int32 a = 1;`), new: msg(`optional int32 a = 1;`), compatible: true},
	{name: "protobuf/backward/message-singular-to-repeated", level: Backward,
		old: proto3(`message N {} message M { N a = 1; }`), new: proto3(`message N {} message M { repeated N a = 1; }`), compatible: true},

	// Message-typed fields: the type's name (without package) must stay.
	{name: "protobuf/backward/message-field-type-unchanged", level: Backward,
		old: proto3(`message N { int32 x = 1; } message M { N a = 1; }`), new: proto3(`message N { int32 x = 1; int32 y = 2; } message M { N a = 1; }`),
		compatible: true},
	{name: "protobuf/backward/message-field-type-renamed", level: Backward,
		old: proto3(`message N { int32 x = 1; } message M { N a = 1; }`), new: proto3(`message N { int32 x = 1; } message O { int32 x = 1; } message M { O a = 1; }`),
		want: "FIELD_NAMED_TYPE_CHANGED"},
	{name: "protobuf/backward/well-known-type-unchanged", level: Backward,
		old: proto3(`import "google/protobuf/timestamp.proto"; message M { google.protobuf.Timestamp t = 1; }`),
		new: proto3(`import "google/protobuf/timestamp.proto"; message M { google.protobuf.Timestamp t = 1; int32 b = 2; }`), compatible: true},
	{name: "protobuf/backward/well-known-type-changed", level: Backward,
		old: proto3(`import "google/protobuf/timestamp.proto"; message M { google.protobuf.Timestamp t = 1; }`),
		new: proto3(`import "google/protobuf/duration.proto"; message M { google.protobuf.Duration t = 1; }`), want: "FIELD_NAMED_TYPE_CHANGED"},
	{name: "protobuf/backward/map-value-type-widened", level: Backward,
		old: msg(`map<string, int32> m = 1;`), new: msg(`map<string, int64> m = 1;`), compatible: true},
	{name: "protobuf/backward/map-value-type-changed", level: Backward,
		old: msg(`map<string, int32> m = 1;`), new: msg(`map<string, string> m = 1;`), want: "FIELD_SCALAR_KIND_CHANGED"},
	{name: "protobuf/backward/map-key-type-changed", level: Backward,
		old: msg(`map<int32, string> m = 1;`), new: msg(`map<string, string> m = 1;`), want: "#/M/1"},

	// oneof.
	{name: "protobuf/backward/field-moved-into-new-oneof", level: Backward,
		old: msg(`int32 a = 1; string b = 2;`), new: msg(`string b = 2; oneof o { int32 a = 1; }`), compatible: true},
	{name: "protobuf/backward/fields-moved-into-new-oneof", level: Backward,
		old: msg(`int32 a = 1; string b = 2;`), new: msg(`oneof o { int32 a = 1; string b = 2; }`), want: "MULTIPLE_FIELDS_MOVED_TO_ONEOF"},
	{name: "protobuf/backward/field-moved-into-existing-oneof", level: Backward,
		old: msg(`int32 a = 1; oneof o { string b = 2; }`), new: msg(`oneof o { int32 a = 1; string b = 2; }`), want: "FIELD_MOVED_TO_EXISTING_ONEOF"},
	{name: "protobuf/backward/field-moved-out-of-oneof", level: Backward,
		old: msg(`oneof o { int32 a = 1; string b = 2; }`), new: msg(`int32 a = 1; oneof o { string b = 2; }`), compatible: true},
	{name: "protobuf/backward/oneof-field-added", level: Backward,
		old: msg(`oneof o { int32 a = 1; }`), new: msg(`oneof o { int32 a = 1; string b = 2; }`), compatible: true},
	{name: "protobuf/backward/oneof-field-removed", level: Backward,
		old: msg(`oneof o { int32 a = 1; string b = 2; }`), new: msg(`oneof o { int32 a = 1; }`), want: "ONEOF_FIELD_REMOVED"},
	{name: "protobuf/backward/oneof-removed-entirely", level: Backward,
		old: msg(`int32 x = 9; oneof o { int32 a = 1; string b = 2; }`), new: msg(`int32 x = 9;`), compatible: true},
	{name: "protobuf/backward/oneof-renamed", level: Backward,
		old: msg(`oneof o { int32 a = 1; string b = 2; }`), new: msg(`oneof p { int32 a = 1; string b = 2; }`), compatible: true},

	// Types, packages and enums.
	{name: "protobuf/backward/message-added", level: Backward,
		old: msg(`int32 a = 1;`), new: msg(`int32 a = 1;`) + "message N { int32 x = 1; }\n", compatible: true},
	{name: "protobuf/backward/message-removed", level: Backward,
		old: msg(`int32 a = 1;`) + "message N { int32 x = 1; }\n", new: msg(`int32 a = 1;`), want: "MESSAGE_REMOVED"},
	{name: "protobuf/backward/messages-reordered", level: Backward,
		old: proto3(`message A { int32 x = 1; } message B { int32 y = 1; }`), new: proto3(`message B { int32 y = 1; } message A { int32 x = 1; }`),
		compatible: true},
	{name: "protobuf/backward/nested-message-removed", level: Backward,
		old: msg(`int32 a = 1; message In { int32 x = 1; }`), new: msg(`int32 a = 1;`), want: "#/M/In'"},
	{name: "protobuf/backward/nested-message-field-changed", level: Backward,
		old: msg(`In a = 1; message In { int32 x = 1; }`), new: msg(`In a = 1; message In { string x = 1; }`), want: "#/M/In/1'"},
	{name: "protobuf/backward/package-unchanged", level: Backward,
		old: msg(`int32 a = 1;`), new: msg(`int32 a = 1;`), compatible: true},
	{name: "protobuf/backward/package-changed", level: Backward,
		old: msg(`int32 a = 1;`), new: "syntax = \"proto3\";\npackage q;\nmessage M { int32 a = 1; }", want: "PACKAGE_CHANGED"},
	{name: "protobuf/backward/enum-value-added", level: Backward,
		old: proto3(`enum E { A = 0; } message M { E e = 1; }`), new: proto3(`enum E { A = 0; B = 1; } message M { E e = 1; }`), compatible: true},
	{name: "protobuf/backward/enum-value-removed", level: Backward,
		old: proto3(`enum E { A = 0; B = 1; } message M { E e = 1; }`), new: proto3(`enum E { A = 0; } message M { E e = 1; }`), compatible: true},
	{name: "protobuf/backward/enum-removed", level: Backward,
		old: proto3(`enum E { A = 0; } message M { int32 e = 1; }`), new: msg(`int32 e = 1;`), compatible: true},
	{name: "protobuf/backward/recursive-message-changed", level: Backward,
		old: msg(`int32 v = 1; M next = 2;`), new: msg(`string v = 1; M next = 2;`), want: "#/M/1'"},
	{name: "protobuf/backward/recursive-message-unchanged", level: Backward,
		old: msg(`int32 v = 1; M next = 2;`), new: msg(`int64 v = 1; M next = 2;`), compatible: true},
	{name: "protobuf/backward/confluent-meta-import", level: Backward,
		old: proto3(`import "confluent/meta.proto"; message M { int32 a = 1 [(confluent.field_meta).doc = "x"]; }`),
		new: proto3(`import "confluent/meta.proto"; message M { int64 a = 1 [(confluent.field_meta).doc = "y"]; }`), compatible: true},

	// Levels: the rules are the same both ways, the level picks the directions asked.
	{name: "protobuf/forward/message-removed", level: Forward,
		old: msg(`int32 a = 1;`) + "message N { int32 x = 1; }\n", new: msg(`int32 a = 1;`), compatible: true},
	{name: "protobuf/full/message-removed", level: Full,
		old: msg(`int32 a = 1;`) + "message N { int32 x = 1; }\n", new: msg(`int32 a = 1;`), want: "MESSAGE_REMOVED"},
}

func TestProtobufRules(t *testing.T) { runRuleCases(t, TypeProtobuf, protoCases, nil) }

func TestProtobufReferences(t *testing.T) {
	dep := func(zip string) Schema {
		return Schema{Type: TypeProtobuf, Text: "syntax = \"proto3\";\npackage addr;\nmessage Address { " + zip + " zip = 1; }\n"}
	}
	subjects := map[string]Schema{"addr/1": dep("string"), "addr/2": dep("int32"), "addr/3": dep("bytes")}
	person := proto3(`import "addr.proto"; message Person { addr.Address home = 1; }`)
	ref := func(v int) []Reference { return []Reference{{Name: "addr.proto", Subject: "addr", Version: v}} }
	for _, tc := range []struct {
		name       string
		old, new   int
		compatible bool
	}{
		{"protobuf/backward/reference-same-version", 1, 1, true},
		{"protobuf/backward/reference-version-compatible", 1, 3, true},
		{"protobuf/backward/reference-version-incompatible", 1, 2, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Check(Backward,
				Schema{Type: TypeProtobuf, Text: person, References: ref(tc.new)},
				[]Schema{{Type: TypeProtobuf, Text: person, References: ref(tc.old)}}, mapResolver(subjects))
			if err != nil {
				t.Fatal(err)
			}
			if res.Compatible != tc.compatible {
				t.Fatalf("Compatible = %v, want %v: %q", res.Compatible, tc.compatible, res.Messages)
			}
			if !tc.compatible && !containsMsg(res.Messages, "FIELD_NAMED_TYPE_CHANGED") {
				t.Fatalf("messages lack FIELD_NAMED_TYPE_CHANGED: %q", res.Messages)
			}
		})
	}
	t.Run("protobuf/missing-import-is-invalid", func(t *testing.T) {
		_, err := Check(Backward, Schema{Type: TypeProtobuf, Text: person}, nil, nil)
		var pe *ParseError
		if !errors.As(err, &pe) || !pe.Candidate {
			t.Fatalf("err = %v, want a candidate *ParseError", err)
		}
	})
	t.Run("protobuf/field-uses-reserved-number-is-invalid", func(t *testing.T) {
		_, err := Check(Backward, Schema{Type: TypeProtobuf, Text: msg(`reserved 2; int32 a = 2;`)}, nil, nil)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("err = %v, want a *ParseError", err)
		}
	})
}
