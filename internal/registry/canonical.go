package registry

import (
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// A JSON tree for canonicalisation: map[string]any, []any, string, bool,
// nil, and number (the literal text, so no precision is lost to float64).
type number string

// maxTreeDepth bounds nesting so a hostile schema cannot exhaust the stack.
const maxTreeDepth = 10000

// decodeTree parses exactly one JSON value. Duplicate members are allowed
// and the last one wins, as in Jackson and Python, which wrote the records
// we may be reading.
func decodeTree(text string) (any, error) {
	d := jsontext.NewDecoder(strings.NewReader(text), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	v, err := readTree(d, 0)
	if err != nil {
		return nil, err
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func readTree(d *jsontext.Decoder, depth int) (any, error) {
	if depth > maxTreeDepth {
		return nil, errors.New("JSON nests too deeply")
	}
	tok, err := d.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '{':
		m := map[string]any{}
		for d.PeekKind() != '}' {
			k, err := d.ReadToken()
			if err != nil {
				return nil, err
			}
			name := k.String() // before the next read voids the token
			v, err := readTree(d, depth+1)
			if err != nil {
				return nil, err
			}
			m[name] = v
		}
		_, err := d.ReadToken()
		return m, err
	case '[':
		a := []any{}
		for d.PeekKind() != ']' {
			v, err := readTree(d, depth+1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := d.ReadToken()
		return a, err
	case '"':
		return tok.String(), nil
	case '0':
		return number(tok.String()), nil
	case 't', 'f':
		return tok.Bool(), nil
	case 'n':
		return nil, nil
	}
	return nil, errors.New("unexpected JSON token")
}

// appendTree writes v as compact JSON. Object members come in the order
// order returns for their names, or sorted by name when order is nil.
func appendTree(b []byte, v any, order func(names []string) []string) []byte {
	switch v := v.(type) {
	case map[string]any:
		names := make([]string, 0, len(v))
		for k := range v {
			names = append(names, k)
		}
		if order != nil {
			names = order(names)
		} else {
			slices.Sort(names)
		}
		b = append(b, '{')
		for i, k := range names {
			if i > 0 {
				b = append(b, ',')
			}
			b, _ = jsontext.AppendQuote(b, k)
			b = append(b, ':')
			b = appendTree(b, v[k], order)
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for i, e := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendTree(b, e, order)
		}
		return append(b, ']')
	case string:
		b, _ = jsontext.AppendQuote(b, v)
		return b
	case number:
		return append(b, v...)
	case bool:
		if v {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	}
	return append(b, "null"...)
}

// avroFirst is the member order of normalised Avro, after Confluent's
// toNormalizedString: the members that define the type come first, every
// other attribute (doc, default, aliases, custom properties) after them,
// sorted by name.
var avroFirst = []string{"name", "type", "fields", "symbols", "items", "values", "size", "logicalType", "precision", "scale"}

func avroOrder(names []string) []string {
	rank := func(n string) int {
		if i := slices.Index(avroFirst, n); i >= 0 {
			return i
		}
		return len(avroFirst)
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return names
}

var avroPrimitives = map[string]bool{
	"null": true, "boolean": true, "int": true, "long": true,
	"float": true, "double": true, "bytes": true, "string": true,
}

// avroFullName applies the Avro specification's name resolution: a dotted
// name is already full; otherwise the explicit namespace, or else the
// enclosing one, qualifies it.
func avroFullName(name, ns string, hasNS bool, enclosing string) string {
	if strings.Contains(name, ".") {
		return name
	}
	if hasNS {
		if ns == "" {
			return name
		}
		return ns + "." + name
	}
	if enclosing == "" {
		return name
	}
	return enclosing + "." + name
}

func namespaceOf(full string) string {
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		return full[:i]
	}
	return ""
}

// avroNormalize rewrites an Avro schema tree so that equivalent spellings
// become one: {"type":"int"} is "int", names are full names without a
// "namespace" member, and references to named types are full names. The
// result still carries every attribute, so schemas that differ in a default
// or a doc stay different, as in Confluent.
func avroNormalize(v any, enclosing string) any {
	switch v := v.(type) {
	case string:
		if avroPrimitives[v] {
			return v
		}
		return avroFullName(v, "", false, enclosing)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = avroNormalize(e, enclosing)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = e
		}
		t, _ := v["type"].(string)
		switch t {
		case "record", "error", "enum", "fixed":
			name, _ := v["name"].(string)
			ns, hasNS := v["namespace"].(string)
			full := avroFullName(name, ns, hasNS, enclosing)
			delete(out, "namespace")
			out["name"] = full
			if fields, ok := v["fields"].([]any); ok {
				child := namespaceOf(full)
				nf := make([]any, len(fields))
				for i, f := range fields {
					if fm, ok := f.(map[string]any); ok {
						c := make(map[string]any, len(fm))
						for k, e := range fm {
							c[k] = e
						}
						if ft, ok := fm["type"]; ok {
							c["type"] = avroNormalize(ft, child)
						}
						f = c
					}
					nf[i] = f
				}
				out["fields"] = nf
			}
			return out
		case "array":
			if items, ok := v["items"]; ok {
				out["items"] = avroNormalize(items, enclosing)
			}
			return out
		case "map":
			if values, ok := v["values"]; ok {
				out["values"] = avroNormalize(values, enclosing)
			}
			return out
		}
		if avroPrimitives[t] {
			if len(v) == 1 {
				return t
			}
			return out
		}
		// The type is a named-type reference or a nested schema.
		if inner, ok := v["type"]; ok {
			inner = avroNormalize(inner, enclosing)
			if len(v) == 1 {
				return inner
			}
			out["type"] = inner
		}
		return out
	}
	return v
}

// protoTokens returns the tokens of a .proto source separated by single
// spaces, without comments: formatting and comments do not change what a
// Protobuf schema means.
func protoTokens(src string) string {
	var b strings.Builder
	emit := func(tok string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
	}
	isWord := func(c byte) bool {
		return c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
	}
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case strings.HasPrefix(src[i:], "//"):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				i = len(src)
			} else {
				i += j + 1
			}
		case strings.HasPrefix(src[i:], "/*"):
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				i = len(src)
			} else {
				i += j + 4
			}
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(src))
			emit(src[i:j])
			i = j
		case isWord(c):
			j := i
			for j < len(src) && isWord(src[j]) {
				j++
			}
			emit(src[i:j])
			i = j
		default:
			emit(src[i : i+1])
			i++
		}
	}
	return b.String()
}
