package compat

import (
	"testing"

	"github.com/twmb/avro"
)

// rec builds a record schema named name with the given field JSON.
func rec(name string, fields ...string) string {
	s := `{"type":"record","name":"` + name + `","fields":[`
	for i, f := range fields {
		if i > 0 {
			s += ","
		}
		s += f
	}
	return s + "]}"
}

// avroCases pair each Avro resolution rule with a compatible and an incompatible schema pair.
var avroCases = []ruleCase{
	// Fields: a reader field missing from the writer needs a default; extra writer fields are
	// skipped (Avro 1.11 specification, "Schema Resolution", records).
	{name: "avro/backward/added-field-with-default", level: Backward,
		old: rec("R", `{"name":"a","type":"int"}`),
		new: rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"string","default":"x"}`), compatible: true},
	{name: "avro/backward/added-field-without-default", level: Backward,
		old:  rec("R", `{"name":"a","type":"int"}`),
		new:  rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"string"}`),
		want: "READER_FIELD_MISSING_DEFAULT_VALUE"},
	{name: "avro/backward/added-nullable-field-with-null-default", level: Backward,
		old: rec("R", `{"name":"a","type":"int"}`),
		new: rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":["null","string"],"default":null}`), compatible: true},
	{name: "avro/backward/removed-field", level: Backward,
		old: rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"string"}`),
		new: rec("R", `{"name":"a","type":"int"}`), compatible: true},
	{name: "avro/forward/added-field-without-default", level: Forward,
		old: rec("R", `{"name":"a","type":"int"}`),
		new: rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"string"}`), compatible: true},
	{name: "avro/forward/removed-field-without-default", level: Forward,
		old:  rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"string"}`),
		new:  rec("R", `{"name":"a","type":"int"}`),
		want: "READER_FIELD_MISSING_DEFAULT_VALUE"},
	{name: "avro/forward/removed-field-with-default", level: Forward,
		old: rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"string","default":""}`),
		new: rec("R", `{"name":"a","type":"int"}`), compatible: true},
	{name: "avro/full/added-field-with-default", level: Full,
		old: rec("R", `{"name":"a","type":"int"}`),
		new: rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"int","default":0}`), compatible: true},
	{name: "avro/full/added-field-without-default", level: Full,
		old:  rec("R", `{"name":"a","type":"int"}`),
		new:  rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"int"}`),
		want: "READER_FIELD_MISSING_DEFAULT_VALUE"},
	{name: "avro/full/removed-field-without-default", level: Full,
		old:  rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"int"}`),
		new:  rec("R", `{"name":"a","type":"int"}`),
		want: "READER_FIELD_MISSING_DEFAULT_VALUE"},
	{name: "avro/backward/field-renamed-with-alias", level: Backward,
		old: rec("R", `{"name":"a","type":"int"}`),
		new: rec("R", `{"name":"b","type":"int","aliases":["a"]}`), compatible: true},
	{name: "avro/backward/field-renamed-without-alias", level: Backward,
		old:  rec("R", `{"name":"a","type":"int"}`),
		new:  rec("R", `{"name":"b","type":"int"}`),
		want: "READER_FIELD_MISSING_DEFAULT_VALUE"},

	// Promotions: int→long/float/double, long→float/double, float→double, string↔bytes.
	{name: "avro/backward/promote-int-to-long", level: Backward,
		old: rec("R", `{"name":"a","type":"int"}`), new: rec("R", `{"name":"a","type":"long"}`), compatible: true},
	{name: "avro/backward/promote-int-to-float", level: Backward,
		old: rec("R", `{"name":"a","type":"int"}`), new: rec("R", `{"name":"a","type":"float"}`), compatible: true},
	{name: "avro/backward/promote-int-to-double", level: Backward,
		old: rec("R", `{"name":"a","type":"int"}`), new: rec("R", `{"name":"a","type":"double"}`), compatible: true},
	{name: "avro/backward/promote-long-to-float", level: Backward,
		old: `"long"`, new: `"float"`, compatible: true},
	{name: "avro/backward/promote-long-to-double", level: Backward,
		old: `"long"`, new: `"double"`, compatible: true},
	{name: "avro/backward/promote-float-to-double", level: Backward,
		old: `"float"`, new: `"double"`, compatible: true},
	{name: "avro/backward/promote-string-to-bytes", level: Backward,
		old: `"string"`, new: `"bytes"`, compatible: true},
	{name: "avro/backward/promote-bytes-to-string", level: Backward,
		old: `"bytes"`, new: `"string"`, compatible: true},
	{name: "avro/full/string-bytes-both-ways", level: Full,
		old: `"string"`, new: `"bytes"`, compatible: true},
	{name: "avro/backward/demote-long-to-int", level: Backward,
		old: rec("R", `{"name":"a","type":"long"}`), new: rec("R", `{"name":"a","type":"int"}`),
		want: "reader type: INT not compatible with writer type: LONG"},
	{name: "avro/backward/demote-double-to-float", level: Backward,
		old: `"double"`, new: `"float"`, want: "TYPE_MISMATCH"},
	{name: "avro/backward/demote-float-to-long", level: Backward,
		old: `"float"`, new: `"long"`, want: "TYPE_MISMATCH"},
	{name: "avro/forward/promote-int-to-long", level: Forward,
		old: `"int"`, new: `"long"`, want: "TYPE_MISMATCH"},
	{name: "avro/forward/demote-long-to-int", level: Forward,
		old: `"long"`, new: `"int"`, compatible: true},
	{name: "avro/full/promote-int-to-long", level: Full,
		old: `"int"`, new: `"long"`, want: "TYPE_MISMATCH"},
	{name: "avro/backward/string-to-int", level: Backward,
		old: `"string"`, new: `"int"`, want: "TYPE_MISMATCH"},
	{name: "avro/backward/boolean-unchanged", level: Backward,
		old: `"boolean"`, new: `"boolean"`, compatible: true},

	// Unions.
	{name: "avro/backward/non-union-to-union-containing-it", level: Backward,
		old: `"int"`, new: `["null","int"]`, compatible: true},
	{name: "avro/backward/non-union-to-union-with-promotion", level: Backward,
		old: `"int"`, new: `["null","long"]`, compatible: true},
	{name: "avro/backward/non-union-to-union-lacking-it", level: Backward,
		old: `"int"`, new: `["null","string"]`, want: "MISSING_UNION_BRANCH"},
	{name: "avro/backward/union-to-non-union-covering-all-branches", level: Backward,
		old: `["int","long"]`, new: `"long"`, compatible: true},
	{name: "avro/backward/union-to-non-union", level: Backward,
		old: `["null","int"]`, new: `"int"`, want: "reader type: INT not compatible with writer type: NULL"},
	{name: "avro/backward/union-branch-added", level: Backward,
		old: `["null","int"]`, new: `["null","int","string"]`, compatible: true},
	{name: "avro/backward/union-branch-removed", level: Backward,
		old: `["null","int","string"]`, new: `["null","int"]`, want: "MISSING_UNION_BRANCH"},
	{name: "avro/forward/union-branch-added", level: Forward,
		old: `["null","int"]`, new: `["null","int","string"]`, want: "MISSING_UNION_BRANCH"},
	{name: "avro/forward/union-branch-removed", level: Forward,
		old: `["null","int","string"]`, new: `["null","int"]`, compatible: true},
	{name: "avro/backward/union-branches-reordered", level: Backward,
		old: `["null","int","string"]`, new: `["string","null","int"]`, compatible: true},
	{name: "avro/backward/union-branch-promoted", level: Backward,
		old: `["null","int"]`, new: `["null","long"]`, compatible: true},
	{name: "avro/backward/union-branch-record-changed", level: Backward,
		old:  `["null",` + rec("A", `{"name":"x","type":"int"}`) + `]`,
		new:  `["null",` + rec("A", `{"name":"x","type":"int"}`, `{"name":"y","type":"int"}`) + `]`,
		want: "MISSING_UNION_BRANCH"},
	{name: "avro/backward/union-branch-record-added-field-with-default", level: Backward,
		old:        `["null",` + rec("A", `{"name":"x","type":"int"}`) + `]`,
		new:        `["null",` + rec("A", `{"name":"x","type":"int"}`, `{"name":"y","type":"int","default":1}`) + `]`,
		compatible: true},

	// Enums: the reader must hold every writer symbol unless it has a default (Avro ≥ 1.9).
	{name: "avro/backward/enum-symbol-added", level: Backward,
		old: `{"type":"enum","name":"E","symbols":["A","B"]}`,
		new: `{"type":"enum","name":"E","symbols":["A","B","C"]}`, compatible: true},
	{name: "avro/backward/enum-symbol-removed", level: Backward,
		old:  `{"type":"enum","name":"E","symbols":["A","B","C"]}`,
		new:  `{"type":"enum","name":"E","symbols":["A","B"]}`,
		want: "missing enum symbols '[C]'"},
	{name: "avro/backward/enum-symbol-removed-reader-has-default", level: Backward,
		old: `{"type":"enum","name":"E","symbols":["A","B","C"]}`,
		new: `{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}`, compatible: true},
	{name: "avro/forward/enum-symbol-added", level: Forward,
		old: `{"type":"enum","name":"E","symbols":["A","B"]}`,
		new: `{"type":"enum","name":"E","symbols":["A","B","C"]}`, want: "MISSING_ENUM_SYMBOLS"},
	{name: "avro/forward/enum-symbol-added-old-reader-has-default", level: Forward,
		old: `{"type":"enum","name":"E","symbols":["U","A","B"],"default":"U"}`,
		new: `{"type":"enum","name":"E","symbols":["U","A","B","C"],"default":"U"}`, compatible: true},
	{name: "avro/full/enum-symbols-reordered", level: Full,
		old: `{"type":"enum","name":"E","symbols":["A","B"]}`,
		new: `{"type":"enum","name":"E","symbols":["B","A"]}`, compatible: true},

	// Named types: names must match by unqualified name or a reader alias of the writer's full name.
	{name: "avro/backward/record-renamed-with-alias", level: Backward,
		old: `{"type":"record","name":"Old","namespace":"n","fields":[{"name":"a","type":"int"}]}`,
		new: `{"type":"record","name":"New","namespace":"n","aliases":["Old"],"fields":[{"name":"a","type":"int"}]}`, compatible: true},
	{name: "avro/backward/record-renamed-without-alias", level: Backward,
		old: rec("Old", `{"name":"a","type":"int"}`), new: rec("New", `{"name":"a","type":"int"}`),
		want: "NAME_MISMATCH"},
	{name: "avro/forward/record-renamed-with-alias", level: Forward,
		old:  `{"type":"record","name":"Old","fields":[{"name":"a","type":"int"}]}`,
		new:  `{"type":"record","name":"New","aliases":["Old"],"fields":[{"name":"a","type":"int"}]}`,
		want: "expected: New"},
	{name: "avro/backward/record-namespace-changed", level: Backward,
		old: `{"type":"record","name":"R","namespace":"a","fields":[{"name":"x","type":"int"}]}`,
		new: `{"type":"record","name":"R","namespace":"b","fields":[{"name":"x","type":"int"}]}`, compatible: true},
	{name: "avro/backward/enum-renamed-with-alias", level: Backward,
		old: `{"type":"enum","name":"E1","symbols":["A"]}`,
		new: `{"type":"enum","name":"E2","aliases":["E1"],"symbols":["A"]}`, compatible: true},
	{name: "avro/backward/enum-renamed-without-alias", level: Backward,
		old: `{"type":"enum","name":"E1","symbols":["A"]}`,
		new: `{"type":"enum","name":"E2","symbols":["A"]}`, want: "NAME_MISMATCH"},
	{name: "avro/backward/fixed-renamed-with-alias", level: Backward,
		old: `{"type":"fixed","name":"F1","size":4}`,
		new: `{"type":"fixed","name":"F2","aliases":["F1"],"size":4}`, compatible: true},
	{name: "avro/backward/fixed-renamed-without-alias", level: Backward,
		old: `{"type":"fixed","name":"F1","size":4}`,
		new: `{"type":"fixed","name":"F2","size":4}`, want: "NAME_MISMATCH"},
	{name: "avro/backward/fixed-size-unchanged", level: Backward,
		old: `{"type":"fixed","name":"F","size":16}`, new: `{"type":"fixed","name":"F","size":16}`, compatible: true},
	{name: "avro/backward/fixed-size-changed", level: Backward,
		old: `{"type":"fixed","name":"F","size":16}`, new: `{"type":"fixed","name":"F","size":8}`,
		want: "expected: 16, found: 8"},
	{name: "avro/backward/named-type-reference-changed", level: Backward,
		old:        rec("R", `{"name":"a","type":{"type":"enum","name":"E","symbols":["X","Y"]}}`, `{"name":"b","type":"E"}`),
		new:        rec("R", `{"name":"a","type":{"type":"enum","name":"E","symbols":["X","Y","Z"]}}`, `{"name":"b","type":"E"}`),
		compatible: true},
	{name: "avro/forward/named-type-reference-changed", level: Forward,
		old:  rec("R", `{"name":"a","type":{"type":"enum","name":"E","symbols":["X","Y"]}}`, `{"name":"b","type":"E"}`),
		new:  rec("R", `{"name":"a","type":{"type":"enum","name":"E","symbols":["X","Y","Z"]}}`, `{"name":"b","type":"E"}`),
		want: "/fields/0/type/symbols"},
	{name: "avro/backward/record-to-other-kind", level: Backward,
		old: rec("R", `{"name":"a","type":"int"}`), new: `{"type":"enum","name":"R","symbols":["A"]}`,
		want: "reader type: ENUM not compatible with writer type: RECORD"},

	// Arrays and maps: item and value types resolve recursively.
	{name: "avro/backward/array-items-promoted", level: Backward,
		old: `{"type":"array","items":"int"}`, new: `{"type":"array","items":"long"}`, compatible: true},
	{name: "avro/backward/array-items-changed", level: Backward,
		old: `{"type":"array","items":"int"}`, new: `{"type":"array","items":"string"}`,
		want: "path '/items'"},
	{name: "avro/backward/map-values-promoted", level: Backward,
		old: `{"type":"map","values":"float"}`, new: `{"type":"map","values":"double"}`, compatible: true},
	{name: "avro/backward/map-values-changed", level: Backward,
		old: `{"type":"map","values":"double"}`, new: `{"type":"map","values":"float"}`,
		want: "path '/values'"},
	{name: "avro/backward/array-to-map", level: Backward,
		old: `{"type":"array","items":"int"}`, new: `{"type":"map","values":"int"}`, want: "TYPE_MISMATCH"},

	// Nested and recursive records.
	{name: "avro/backward/nested-record-added-field-with-default", level: Backward,
		old:        rec("R", `{"name":"in","type":`+rec("In", `{"name":"a","type":"int"}`)+`}`),
		new:        rec("R", `{"name":"in","type":`+rec("In", `{"name":"a","type":"int"}`, `{"name":"b","type":"int","default":0}`)+`}`),
		compatible: true},
	{name: "avro/backward/nested-record-added-field-without-default", level: Backward,
		old:  rec("R", `{"name":"in","type":`+rec("In", `{"name":"a","type":"int"}`)+`}`),
		new:  rec("R", `{"name":"in","type":`+rec("In", `{"name":"a","type":"int"}`, `{"name":"b","type":"int"}`)+`}`),
		want: "at path '/fields/0/type/fields/1'"},
	{name: "avro/backward/recursive-record-added-field-with-default", level: Backward,
		old:        rec("Node", `{"name":"v","type":"int"}`, `{"name":"next","type":["null","Node"],"default":null}`),
		new:        rec("Node", `{"name":"v","type":"int"}`, `{"name":"next","type":["null","Node"],"default":null}`, `{"name":"w","type":"int","default":0}`),
		compatible: true},
	{name: "avro/backward/recursive-record-field-demoted", level: Backward,
		old:  rec("Node", `{"name":"v","type":"long"}`, `{"name":"next","type":["null","Node"],"default":null}`),
		new:  rec("Node", `{"name":"v","type":"int"}`, `{"name":"next","type":["null","Node"],"default":null}`),
		want: "TYPE_MISMATCH"},

	// Logical types do not take part in resolution (Java's SchemaCompatibility ignores them; twmb
	// compares decimal parameters, Confluent does not).
	{name: "avro/backward/decimal-precision-changed", level: Backward,
		old: `{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}`,
		new: `{"type":"bytes","logicalType":"decimal","precision":8,"scale":2}`, compatible: true},
	{name: "avro/backward/timestamp-to-string", level: Backward,
		old: `{"type":"long","logicalType":"timestamp-millis"}`, new: `"string"`, want: "TYPE_MISMATCH"},

	// A reader field whose name and alias both name writer fields is ambiguous; Java throws and
	// Confluent reports the exception.
	{name: "avro/backward/field-alias-ambiguous", level: Backward,
		old:  rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"int"}`),
		new:  rec("R", `{"name":"a","type":"int","aliases":["b"]}`),
		want: "Unexpected exception during compatibility check: Reader record field a matches multiple fields"},
	{name: "avro/backward/field-alias-unambiguous", level: Backward,
		old: rec("R", `{"name":"b","type":"int"}`),
		new: rec("R", `{"name":"a","type":"int","aliases":["b"]}`), compatible: true},

	// Levels.
	{name: "avro/none/anything", level: None,
		old: `"int"`, new: rec("R", `{"name":"a","type":"int"}`), compatible: true},
}

func TestAvroRules(t *testing.T) { runRuleCases(t, TypeAvro, avroCases, nil) }

// TestAvroAgreesWithTwmb cross-checks every rule case against twmb/avro's independent
// CheckCompatibility, which is differential-tested against Java Avro. The only pair where
// they may disagree is a decimal parameter change, which Java (and so Confluent) ignores.
func TestAvroAgreesWithTwmb(t *testing.T) {
	for _, tc := range avroCases {
		if tc.level != Backward && tc.level != Forward {
			continue
		}
		if tc.name == "avro/backward/decimal-precision-changed" {
			continue
		}
		oldS, err1 := avro.Parse(tc.old)
		newS, err2 := avro.Parse(tc.new)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: parse: %v %v", tc.name, err1, err2)
		}
		reader, writer := newS, oldS
		if tc.level == Forward {
			reader, writer = oldS, newS
		}
		got := avro.CheckCompatibility(writer, reader) == nil
		if got != tc.compatible {
			t.Errorf("%s: twmb says compatible=%v, we want %v", tc.name, got, tc.compatible)
		}
	}
}
