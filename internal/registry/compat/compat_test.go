package compat

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// ruleCase is one rule applied to one schema pair: old is the registered (previous) schema, new
// the candidate. Names read as rules: "<type>/<level>/<rule>".
type ruleCase struct {
	name       string
	level      Level
	old, new   string
	compatible bool
	// want is a substring every failing result must contain in some message (usually the
	// Confluent error type), so a case fails for the reason it claims.
	want string
	// refs are the candidate's and the previous schema's references.
	refs []Reference
}

// runRuleCases checks every case under its level with schemas of type typ, resolving references
// from subjects.
func runRuleCases(t *testing.T, typ string, cases []ruleCase, subjects map[string]Schema) {
	t.Helper()
	seen := make(map[string]bool)
	for _, tc := range cases {
		if seen[tc.name] {
			t.Fatalf("duplicate case name %q", tc.name)
		}
		seen[tc.name] = true
		t.Run(tc.name, func(t *testing.T) {
			res, err := Check(tc.level,
				Schema{Type: typ, Text: tc.new, References: tc.refs},
				[]Schema{{Type: typ, Text: tc.old, References: tc.refs, Version: 1}},
				mapResolver(subjects))
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			if res.Compatible != tc.compatible {
				t.Fatalf("Compatible = %v, want %v; messages:\n%s", res.Compatible, tc.compatible, strings.Join(res.Messages, "\n"))
			}
			if res.Compatible && len(res.Messages) != 0 {
				t.Fatalf("compatible result has messages: %q", res.Messages)
			}
			if !res.Compatible {
				if tc.want != "" && !strings.Contains(strings.Join(res.Messages, "\n"), tc.want) {
					t.Fatalf("messages lack %q:\n%s", tc.want, strings.Join(res.Messages, "\n"))
				}
				last := res.Messages[len(res.Messages)-1]
				if want := fmt.Sprintf("{validateFields: 'false', compatibility: '%s'}", tc.level); last != want {
					t.Fatalf("last message = %q, want %q", last, want)
				}
			}
		})
	}
}

// mapResolver resolves a reference by "subject/version" (or the subject alone) in m.
func mapResolver(m map[string]Schema) Resolver {
	return func(ref Reference) (Schema, error) {
		if s, ok := m[fmt.Sprintf("%s/%d", ref.Subject, ref.Version)]; ok {
			return s, nil
		}
		if s, ok := m[ref.Subject]; ok {
			return s, nil
		}
		return Schema{}, errNotFound
	}
}

var errNotFound = errors.New("subject not found")

func TestParseLevel(t *testing.T) {
	for _, l := range Levels {
		for _, s := range []string{string(l), strings.ToLower(string(l)), title(string(l))} {
			got, ok := ParseLevel(s)
			if !ok || got != l {
				t.Errorf("ParseLevel(%q) = %q, %v; want %q, true", s, got, ok, l)
			}
		}
	}
	for _, s := range []string{"", "BACK", " BACKWARD", "FULL-TRANSITIVE", "NONE "} {
		if got, ok := ParseLevel(s); ok {
			t.Errorf("ParseLevel(%q) = %q, true; want false", s, got)
		}
	}
}

func containsMsg(msgs []string, sub string) bool {
	for _, m := range msgs {
		if strings.Contains(m, sub) {
			return true
		}
	}
	return false
}

// Three Avro versions of one record: v2 adds a field with a default, v3 drops the default, so
// v3 can read v2's data but not v1's.
var (
	avroV1 = Schema{Text: rec("R", `{"name":"a","type":"int"}`), Version: 1}
	avroV2 = Schema{Text: rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"int","default":0}`), Version: 2}
	avroV3 = Schema{Text: rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"int"}`), Version: 3}
)

// TestLevels checks direction and transitivity once, with Avro schemas; the level logic is
// shared by all three types.
func TestLevels(t *testing.T) {
	// v3 (reader) has b without a default: it reads v2 (which has b) but not v1.
	// v1 (reader) reads v3 (extra field b skipped); v2 reads v3 too.
	prev := []Schema{avroV1, avroV2}
	cases := []struct {
		level      Level
		cand       Schema
		compatible bool
		oldVersion string // the version the failure names
	}{
		{None, avroV3, true, ""},
		{Backward, avroV3, true, ""},
		{BackwardTransitive, avroV3, false, "{oldSchemaVersion: 1}"},
		{Forward, avroV3, true, ""},
		{ForwardTransitive, avroV3, true, ""},
		{Full, avroV3, true, ""},
		{FullTransitive, avroV3, false, "{oldSchemaVersion: 1}"},
		// v1 as a candidate after v1, v2: forward needs v2 to read v1 data (b has a default).
		{Forward, avroV1, true, ""},
		{Backward, avroV1, true, ""},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("levels/%s/v%d", strings.ToLower(string(tc.level)), tc.cand.Version), func(t *testing.T) {
			res, err := Check(tc.level, tc.cand, prev, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Compatible != tc.compatible {
				t.Fatalf("Compatible = %v, want %v: %q", res.Compatible, tc.compatible, res.Messages)
			}
			if tc.oldVersion != "" && !containsMsg(res.Messages, tc.oldVersion) {
				t.Fatalf("messages lack %s: %q", tc.oldVersion, res.Messages)
			}
		})
	}
}

func TestLevelsForwardTransitive(t *testing.T) {
	// v1 has c without default; v2 gives it a default. A candidate without c can be read by v2
	// (FORWARD) but not by v1 (FORWARD_TRANSITIVE).
	v1 := Schema{Text: rec("R", `{"name":"a","type":"int"}`, `{"name":"c","type":"int"}`), Version: 1}
	v2 := Schema{Text: rec("R", `{"name":"a","type":"int"}`, `{"name":"c","type":"int","default":1}`), Version: 2}
	cand := Schema{Text: rec("R", `{"name":"a","type":"int"}`)}
	for _, tc := range []struct {
		level      Level
		compatible bool
	}{{Forward, true}, {ForwardTransitive, false}, {Backward, true}, {BackwardTransitive, true}, {Full, true}, {FullTransitive, false}} {
		t.Run("levels/"+strings.ToLower(string(tc.level)), func(t *testing.T) {
			res, err := Check(tc.level, cand, []Schema{v1, v2}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Compatible != tc.compatible {
				t.Fatalf("Compatible = %v, want %v: %q", res.Compatible, tc.compatible, res.Messages)
			}
		})
	}
}

// TestMessages pins the shape of Confluent's 409 messages.
func TestMessages(t *testing.T) {
	old := Schema{Text: rec("R", `{"name":"a","type":"long"}`), Version: 7}
	cand := Schema{Text: rec("R", `{"name":"a","type":"int"}`, `{"name":"b","type":"int"}`)}
	t.Run("messages/backward", func(t *testing.T) {
		res, err := Check(Backward, cand, []Schema{old}, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			`{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: INT not compatible with writer type: LONG'}`,
			`{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'b'}`,
			`{oldSchemaVersion: 7}`,
			`{oldSchema: '` + old.Text + `'}`,
			`{validateFields: 'false', compatibility: 'BACKWARD'}`,
		}
		if strings.Join(res.Messages, "\n") != strings.Join(want, "\n") {
			t.Fatalf("messages:\n%s\nwant:\n%s", strings.Join(res.Messages, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("messages/full-forward-first-without-trailer", func(t *testing.T) {
		// Make the forward direction fail too: the old schema needs a field the candidate lacks.
		old := Schema{Text: rec("R", `{"name":"a","type":"long"}`, `{"name":"z","type":"int"}`), Version: 2}
		res, err := Check(Full, cand, []Schema{old}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Messages) < 5 || !strings.Contains(res.Messages[0], "'z'") || !strings.Contains(res.Messages[0], "in the old schema has no default value and is missing in the new schema") {
			t.Fatalf("forward message not first: %q", res.Messages)
		}
		n := 0
		for _, m := range res.Messages {
			if strings.HasPrefix(m, "{oldSchema: ") {
				n++
			}
		}
		if n != 1 || res.Messages[len(res.Messages)-1] != "{validateFields: 'false', compatibility: 'FULL'}" {
			t.Fatalf("trailers: %q", res.Messages)
		}
	})
	t.Run("messages/percent-in-names-is-literal", func(t *testing.T) {
		res, err := Check(Backward, Schema{Type: TypeJSON, Text: `{"type":"object","properties":{"a%s%d":{"type":"string"}}}`},
			[]Schema{{Type: TypeJSON, Text: `{"type":"object","properties":{"a%s%d":{"type":"integer"}}}`}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !containsMsg(res.Messages, "#/properties/a%s%d'") {
			t.Fatalf("path mangled: %q", res.Messages)
		}
	})
	t.Run("messages/long-old-schema-truncated", func(t *testing.T) {
		long := Schema{Type: TypeJSON, Text: `{"type":"string","description":"` + strings.Repeat("x", 11000) + `"}`}
		res, err := Check(Backward, Schema{Type: TypeJSON, Text: `{"type":"integer"}`}, []Schema{long}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !containsMsg(res.Messages, "{oldSchema: <truncated> '") {
			t.Fatalf("not truncated: %d messages", len(res.Messages))
		}
	})
}

func TestDifferentTypes(t *testing.T) {
	jsonOld := Schema{Type: TypeJSON, Text: `{"type":"string"}`}
	for _, tc := range []struct {
		level      Level
		compatible bool
	}{{Backward, false}, {ForwardTransitive, false}, {None, true}} {
		t.Run("types/avro-after-json/"+strings.ToLower(string(tc.level)), func(t *testing.T) {
			res, err := Check(tc.level, Schema{Text: `"string"`}, []Schema{jsonOld}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Compatible != tc.compatible {
				t.Fatalf("Compatible = %v, want %v", res.Compatible, tc.compatible)
			}
			if !tc.compatible && res.Messages[0] != differentTypeMsg {
				t.Fatalf("messages = %q", res.Messages)
			}
		})
	}
	t.Run("types/spelling", func(t *testing.T) {
		for _, typ := range []string{"", "avro", "AVRO", "Avro"} {
			res, err := Check(Backward, Schema{Type: typ, Text: `"long"`}, []Schema{{Text: `"int"`}}, nil)
			if err != nil || !res.Compatible {
				t.Fatalf("type %q: %v %v", typ, res, err)
			}
		}
	})
}

func TestErrors(t *testing.T) {
	valid := Schema{Text: `"int"`}
	t.Run("errors/invalid-candidate", func(t *testing.T) {
		for _, typ := range []string{TypeAvro, TypeJSON, TypeProtobuf} {
			for _, level := range []Level{None, Backward} {
				_, err := Check(level, Schema{Type: typ, Text: `{"type":`}, nil, nil)
				var pe *ParseError
				if !errors.As(err, &pe) || !pe.Candidate {
					t.Errorf("%s/%s: err = %v, want a candidate *ParseError", typ, level, err)
				}
			}
		}
	})
	t.Run("errors/invalid-json-schema-keyword", func(t *testing.T) {
		_, err := Check(Backward, Schema{Type: TypeJSON, Text: `{"type":5}`}, nil, nil)
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("err = %v, want *ParseError", err)
		}
	})
	t.Run("errors/invalid-previous", func(t *testing.T) {
		_, err := Check(Backward, valid, []Schema{{Text: `{"type":"nope"}`}}, nil)
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Candidate || pe.Index != 0 {
			t.Fatalf("err = %v, want a previous *ParseError at 0", err)
		}
	})
	t.Run("errors/previous-not-parsed-under-none", func(t *testing.T) {
		if _, err := Check(None, valid, []Schema{{Text: `{`}}, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("errors/unknown-level", func(t *testing.T) {
		if _, err := Check("SIDEWAYS", valid, nil, nil); !errors.Is(err, ErrUnknownLevel) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("errors/lowercase-level", func(t *testing.T) {
		if _, err := Check("backward", valid, []Schema{valid}, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("errors/unknown-type", func(t *testing.T) {
		if _, err := Check(Backward, Schema{Type: "XML", Text: "<a/>"}, nil, nil); !errors.Is(err, ErrUnknownType) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("errors/resolver-error-passes-through", func(t *testing.T) {
		for _, typ := range []string{TypeAvro, TypeJSON, TypeProtobuf} {
			s := Schema{Type: typ, Text: `"int"`, References: []Reference{{Name: "x", Subject: "missing", Version: 1}}}
			_, err := Check(Backward, s, nil, mapResolver(nil))
			var re *ResolveError
			if !errors.Is(err, errNotFound) || !errors.As(err, &re) || re.Ref.Subject != "missing" {
				t.Errorf("%s: err = %v, want a *ResolveError wrapping errNotFound", typ, err)
			}
		}
	})
	t.Run("errors/nil-resolver", func(t *testing.T) {
		s := Schema{Text: `"int"`, References: []Reference{{Name: "x", Subject: "s", Version: 1}}}
		if _, err := Check(Backward, s, nil, nil); !errors.Is(err, ErrNoResolver) {
			t.Fatalf("err = %v, want ErrNoResolver", err)
		}
	})
	t.Run("errors/reference-cycle", func(t *testing.T) {
		// a → b → a: each version is fetched once, so the cycle ends; b's text needs a's
		// type, which is not defined yet, so the parse fails cleanly.
		subjects := map[string]Schema{
			"a/1": {Text: `{"type":"record","name":"A","fields":[{"name":"b","type":"B"}]}`, References: []Reference{{Name: "B", Subject: "b", Version: 1}}},
			"b/1": {Text: `{"type":"record","name":"B","fields":[{"name":"a","type":"A"}]}`, References: []Reference{{Name: "A", Subject: "a", Version: 1}}},
		}
		s := Schema{Text: `{"type":"record","name":"C","fields":[{"name":"a","type":"A"}]}`, References: []Reference{{Name: "A", Subject: "a", Version: 1}}}
		if _, err := Check(Backward, s, nil, mapResolver(subjects)); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestAvroReferences(t *testing.T) {
	subjects := map[string]Schema{
		"addr/1": {Text: `{"type":"record","name":"Address","namespace":"com.x","fields":[{"name":"zip","type":"string"}]}`},
		"addr/2": {Text: `{"type":"record","name":"Address","namespace":"com.x","fields":[{"name":"zip","type":"string"},{"name":"city","type":"string","default":""}]}`},
		"addr/3": {Text: `{"type":"record","name":"Address","namespace":"com.x","fields":[{"name":"zip","type":"int"}]}`},
		// geo/1 refers to addr/1: references resolve recursively.
		"geo/1": {Text: `{"type":"record","name":"Geo","namespace":"com.x","fields":[{"name":"addr","type":"com.x.Address"}]}`,
			References: []Reference{{Name: "com.x.Address", Subject: "addr", Version: 1}}},
	}
	person := `{"type":"record","name":"Person","namespace":"com.y","fields":[{"name":"home","type":"com.x.Address"}]}`
	ref := func(v int) []Reference { return []Reference{{Name: "com.x.Address", Subject: "addr", Version: v}} }
	for _, tc := range []struct {
		name       string
		old, new   int
		compatible bool
	}{
		{"avro/backward/reference-version-compatible", 1, 2, true},
		{"avro/backward/reference-version-incompatible", 1, 3, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Check(Backward, Schema{Text: person, References: ref(tc.new)},
				[]Schema{{Text: person, References: ref(tc.old)}}, mapResolver(subjects))
			if err != nil {
				t.Fatal(err)
			}
			if res.Compatible != tc.compatible {
				t.Fatalf("Compatible = %v, want %v: %q", res.Compatible, tc.compatible, res.Messages)
			}
		})
	}
	t.Run("avro/reference-of-reference", func(t *testing.T) {
		s := Schema{Text: `{"type":"record","name":"P","fields":[{"name":"g","type":"com.x.Geo"},{"name":"a","type":"com.x.Address"}]}`,
			References: []Reference{{Name: "com.x.Geo", Subject: "geo", Version: 1}}}
		if _, err := Check(Backward, s, nil, mapResolver(subjects)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("avro/unknown-named-type-is-invalid", func(t *testing.T) {
		_, err := Check(Backward, Schema{Text: person}, nil, nil)
		var pe *ParseError
		if !errors.As(err, &pe) || !pe.Candidate {
			t.Fatalf("err = %v, want a candidate *ParseError", err)
		}
	})
}

// title upper-cases the first letter and lower-cases the rest ("Backward").
func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}
