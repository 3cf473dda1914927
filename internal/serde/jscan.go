package serde

import (
	"bytes"
	"math"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// A tiny navigator over JSON that jsontext has already validated. The
// encoders walk the produce body by schema: a record's members may come in
// any order but must be written in schema order, and an untagged union is
// encoded by trying branches. Both want random access to sub-values, which a
// streaming decoder does not give without copying; slicing the validated
// input does, with no allocation. Every function here assumes valid JSON
// (checked once by validJSON at the codec's entry point).

// validJSON checks that v is exactly one valid JSON value: valid UTF-8 and
// no duplicate object names (a duplicate would make "which one wins"
// ambiguous, and JSON Schema validation and encoding must see the same
// value).
func validJSON(v []byte) error {
	val := jsontext.Value(v)
	if !val.IsValid() {
		// Re-run through a decoder for a precise message.
		d := jsontext.NewDecoder(bytes.NewReader(v))
		if _, err := d.ReadValue(); err != nil {
			return &DataError{Reason: "invalid JSON: " + err.Error()}
		}
		if _, err := d.ReadToken(); err == nil {
			return &DataError{Reason: "invalid JSON: more than one value"}
		}
		return &DataError{Reason: "invalid JSON"}
	}
	return nil
}

// trimJSON removes surrounding whitespace.
func trimJSON(v []byte) []byte {
	i, j := 0, len(v)
	for i < j && isWS(v[i]) {
		i++
	}
	for j > i && isWS(v[j-1]) {
		j--
	}
	return v[i:j]
}

func isWS(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

// jsonKind classifies a trimmed value by its first byte, as jsontext.Kind
// does: '"' string, '0' number, '{' object, '[' array, 't'/'f' booleans,
// 'n' null.
func jsonKind(v []byte) byte {
	if len(v) == 0 {
		return 0
	}
	switch c := v[0]; c {
	case '"', '{', '[', 't', 'f', 'n':
		return c
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return '0'
	}
	return 0
}

// kindName names a JSON kind for error messages.
func kindName(k byte) string {
	switch k {
	case '"':
		return "string"
	case '0':
		return "number"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "nothing"
}

// valueEnd returns the index just past the value starting at b[i].
func valueEnd(b []byte, i int) int {
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = stringEnd(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	case 't':
		return i + 4
	case 'f':
		return i + 5
	case 'n':
		return i + 4
	}
	for i < len(b) {
		switch b[i] {
		case '-', '+', '.', 'e', 'E', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the string starting at b[i] == '"'.
func stringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// members iterates over an object's members.
type members struct {
	b []byte
	i int
}

func newMembers(obj []byte) members { return members{b: obj, i: 1} }

// next returns the next member's quoted name and trimmed value.
func (m *members) next() (name, val []byte, ok bool) {
	i := skipWS(m.b, m.i)
	if i >= len(m.b) || m.b[i] == '}' {
		return nil, nil, false
	}
	if m.b[i] == ',' {
		i = skipWS(m.b, i+1)
	}
	e := stringEnd(m.b, i)
	name = m.b[i:e]
	i = skipWS(m.b, e)
	i = skipWS(m.b, i+1) // ':'
	e = valueEnd(m.b, i)
	val = m.b[i:e]
	m.i = e
	return name, val, true
}

// elements iterates over an array's elements.
type elements struct {
	b []byte
	i int
}

func newElements(arr []byte) elements { return elements{b: arr, i: 1} }

func (a *elements) next() (val []byte, ok bool) {
	i := skipWS(a.b, a.i)
	if i >= len(a.b) || a.b[i] == ']' {
		return nil, false
	}
	if a.b[i] == ',' {
		i = skipWS(a.b, i+1)
	}
	e := valueEnd(a.b, i)
	a.i = e
	return a.b[i:e], true
}

// unquote returns the contents of a quoted JSON string. Without escapes it
// slices q; otherwise it decodes into scratch (which it may grow).
func unquote(q []byte, scratch *[]byte) []byte {
	inner := q[1 : len(q)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return inner
	}
	out, _ := jsontext.AppendUnquote((*scratch)[:0], q)
	*scratch = out
	return out
}

// parseInt parses a JSON number that must be an integer in [min, max]. It
// accepts integral values written with a fraction or exponent (1.0, 1e3),
// as JavaScript clients produce them, when they are exact.
func parseInt(v []byte, min, max int64) (int64, bool) {
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err == nil {
		return n, n >= min && n <= max
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f != float64(int64(f)) || f < -(1<<53) || f > 1<<53 {
		return 0, false
	}
	n = int64(f)
	return n, n >= min && n <= max
}

// parseUint is parseInt for unsigned 64-bit values.
func parseUint(v []byte) (uint64, bool) {
	n, err := strconv.ParseUint(string(v), 10, 64)
	if err == nil {
		return n, true
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || f < 0 || f > 1<<53 || f != float64(uint64(f)) {
		return 0, false
	}
	return uint64(f), true
}

// appendFloat appends a finite float as a JSON number, or NaN and the
// infinities as the strings "NaN", "Infinity" and "-Infinity" (the Java and
// protojson convention; JSON has no literal for them).
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(dst, `"-Infinity"`...)
	}
	return strconv.AppendFloat(dst, f, 'g', -1, bits)
}

// parseSpecialFloat recognises the string spellings of NaN and infinities.
func parseSpecialFloat(s []byte) (float64, bool) {
	switch string(s) {
	case "NaN":
		// Java's canonical quiet NaN (math.NaN() has a different payload),
		// so that the bytes match what a Java producer writes.
		return math.Float64frombits(0x7ff8000000000000), true
	case "Infinity", "+Infinity", "Inf":
		return math.Inf(1), true
	case "-Infinity", "-Inf":
		return math.Inf(-1), true
	}
	return 0, false
}

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD:
// JSON cannot carry it, and failing the whole fetch for it would be worse
// (Java and twmb/avro do the same).
func appendString[B ~[]byte | ~string](dst []byte, s B) []byte {
	out, _ := jsontext.AppendQuote(dst, s)
	return out
}

// appendQuoted returns the JSON string for s (for precomputed names).
func appendQuoted(s string) []byte { return appendString(nil, s) }
