package compat

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzCheck feeds arbitrary text to Check as a candidate and as a previous schema of each type.
// Invariants: Check never panics or hangs; a parse failure is a *ParseError naming the right schema; a
// compatible result has no messages and an incompatible one ends with Confluent's level line.
func FuzzCheck(f *testing.F) {
	seeds := []struct {
		typ  byte
		text string
	}{
		{0, rec("R", `{"name":"a","type":["null",{"type":"enum","name":"E","symbols":["A"],"default":"A"}],"default":null}`)},
		{0, `{"type":"array","items":{"type":"map","values":{"type":"fixed","name":"F","size":4}}}`},
		{0, rec("N", `{"name":"next","type":["null","N"]}`)},
		{1, obj(`"a":{"type":["string","null"],"maxLength":3},"b":{"$ref":"#/definitions/B"}`, `"definitions":{"B":{"oneOf":[{"type":"integer"},{"enum":[1,2]}]}}`)},
		{1, `{"$schema":"https://json-schema.org/draft/2020-12/schema","type":"array","prefixItems":[{"const":1}],"items":false}`},
		{1, `{"not":{"allOf":[{"minimum":1},{"multipleOf":0.5}]},"dependencies":{"a":["b"]}}`},
		{2, msg(`int32 a = 1; oneof o { string b = 2; M m = 3; } map<string, int64> c = 4;`)},
		{2, proto2(`message M { required int32 a = 1; repeated group G = 2 { optional string s = 3; } }`)},
	}
	for _, s := range seeds {
		f.Add(s.typ, s.text, uint8(1))
	}
	types := []string{TypeAvro, TypeJSON, TypeProtobuf}
	prev := []Schema{{Text: seeds[0].text}, {Type: TypeJSON, Text: seeds[3].text}, {Type: TypeProtobuf, Text: seeds[6].text}}
	f.Fuzz(func(t *testing.T, typ byte, text string, lvl uint8) {
		// A check that hangs on a short input is a denial of service; crash the worker so the
		// fuzzer keeps the input.
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("HANG typ=%d lvl=%d %q", typ, lvl, text)) })
		defer watchdog.Stop()
		ti := int(typ) % len(types)
		level := Levels[int(lvl)%len(Levels)]
		s := Schema{Type: types[ti], Text: text}

		res, err := Check(level, s, []Schema{prev[ti]}, nil)
		var pe *ParseError
		switch {
		case err != nil && !errors.As(err, &pe):
			t.Fatalf("error is not a *ParseError: %v", err)
		case err != nil && !pe.Candidate:
			t.Fatalf("valid previous schema reported invalid: %v", err)
		case err == nil:
			checkResult(t, res, level)
		}

		// The same text as a registered schema: it is parsed without validation.
		res, err = Check(level, prev[ti], []Schema{s}, nil)
		switch {
		case err != nil && !errors.As(err, &pe):
			t.Fatalf("error is not a *ParseError: %v", err)
		case err != nil && pe.Candidate:
			t.Fatalf("valid candidate reported invalid: %v", err)
		case err == nil:
			checkResult(t, res, level)
		}
	})
}

func checkResult(t *testing.T, res Result, level Level) {
	t.Helper()
	if res.Compatible {
		if len(res.Messages) != 0 {
			t.Fatalf("compatible with messages: %q", res.Messages)
		}
		return
	}
	if len(res.Messages) == 0 || !strings.HasSuffix(res.Messages[len(res.Messages)-1], "compatibility: '"+string(level)+"'}") {
		t.Fatalf("incompatible without the level line: %q", res.Messages)
	}
}
