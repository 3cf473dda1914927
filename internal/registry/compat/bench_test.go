package compat

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// fiftyFields returns an old and a new schema of each type with 50 fields, the new one adding a
// compatible field, so a check walks every field and finds nothing.
func fiftyFields(typ string) (old, cand Schema) {
	var o, n strings.Builder
	switch typ {
	case TypeAvro:
		for i := range 50 {
			fmt.Fprintf(&o, `{"name":"f%d","type":["null","long"],"default":null},`, i)
		}
		f := o.String()
		old = Schema{Text: `{"type":"record","name":"R","namespace":"bench","fields":[` + strings.TrimSuffix(f, ",") + `]}`}
		cand = Schema{Text: `{"type":"record","name":"R","namespace":"bench","fields":[` + f + `{"name":"extra","type":"string","default":""}]}`}
	case TypeJSON:
		for i := range 50 {
			fmt.Fprintf(&o, `"f%d":{"type":["integer","null"],"minimum":0},`, i)
		}
		f := o.String()
		old = Schema{Type: typ, Text: `{"type":"object","additionalProperties":false,"properties":{` + strings.TrimSuffix(f, ",") + `}}`}
		cand = Schema{Type: typ, Text: `{"type":"object","additionalProperties":false,"properties":{` + f + `"extra":{"type":"string"}}}`}
	case TypeProtobuf:
		for i := range 50 {
			fmt.Fprintf(&o, "  int64 f%d = %d;\n", i, i+1)
		}
		n.WriteString(o.String())
		n.WriteString("  string extra = 51;\n")
		old = Schema{Type: typ, Text: "syntax = \"proto3\";\npackage bench;\nmessage R {\n" + o.String() + "}\n"}
		cand = Schema{Type: typ, Text: "syntax = \"proto3\";\npackage bench;\nmessage R {\n" + n.String() + "}\n"}
	}
	return old, cand
}

// BenchmarkCheck measures one BACKWARD check of two 50-field schemas per type, the registry's
// per-request cost. "cold" parses both schemas every time (the parse cache is off); "warm" finds
// the registered schema in the cache and parses only the candidate, the steady state of a
// registry; "cached" finds both (a client re-posting the same schema).
func BenchmarkCheck(b *testing.B) {
	defer parseCache.setMax(256)
	for _, typ := range []string{TypeAvro, TypeJSON, TypeProtobuf} {
		old, cand := fiftyFields(typ)
		for _, mode := range []string{"cold", "warm", "cached"} {
			b.Run(strings.ToLower(typ)+"/"+mode, func(b *testing.B) {
				b.ReportAllocs()
				parseCache.setMax(256)
				if mode == "cold" {
					parseCache.setMax(0)
				}
				i := 0
				for b.Loop() {
					c := cand
					if mode == "warm" {
						// A new candidate each time; the comment keeps it the same schema.
						i++
						c.Text = uniqueText(typ, cand.Text, i)
					}
					res, err := Check(Backward, c, []Schema{old}, nil)
					if err != nil || !res.Compatible {
						b.Fatal(res, err)
					}
				}
			})
		}
	}
}

// uniqueText makes text differ from every other call's without changing the schema.
func uniqueText(typ, text string, i int) string {
	switch typ {
	case TypeProtobuf:
		return text + "// " + strconv.Itoa(i) + "\n"
	default:
		return text + strings.Repeat(" ", i%4096) + "\n" + strings.Repeat("\t", i/4096)
	}
}

// BenchmarkCompare measures the comparison alone, with both schemas already parsed.
func BenchmarkCompare(b *testing.B) {
	for _, typ := range []string{TypeAvro, TypeJSON, TypeProtobuf} {
		old, cand := fiftyFields(typ)
		ck := checkers[typ]
		po, err1 := ck.parse(old.Text, nil, false)
		pc, err2 := ck.parse(cand.Text, nil, false)
		if err1 != nil || err2 != nil {
			b.Fatal(err1, err2)
		}
		b.Run(strings.ToLower(typ), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(ck.readable(pc, po)) != 0 {
					b.Fatal("incompatible")
				}
			}
		})
	}
}

func TestBenchSchemasCompatible(t *testing.T) {
	for _, typ := range []string{TypeAvro, TypeJSON, TypeProtobuf} {
		old, cand := fiftyFields(typ)
		res, err := Check(Backward, cand, []Schema{old}, nil)
		if err != nil || !res.Compatible {
			t.Fatalf("%s: %v %v", typ, res, err)
		}
	}
}
