package serde

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

type avroEncoder struct {
	scratch []byte
	depth   int
}

func appendLong(dst []byte, v int64) []byte { return binary.AppendVarint(dst, v) }

// encode appends the Avro binary encoding of the JSON value v (trimmed,
// valid) for node n.
func (e *avroEncoder) encode(dst []byte, n *avroNode, v []byte) ([]byte, error) {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxAvroDepth {
		return dst, dataErr("value nested too deeply")
	}
	k := jsonKind(v)
	switch n.kind {
	case akNull:
		if k != 'n' {
			return dst, mismatch("null", v)
		}
		return dst, nil

	case akBoolean:
		switch k {
		case 't':
			return append(dst, 1), nil
		case 'f':
			return append(dst, 0), nil
		}
		return dst, mismatch("boolean", v)

	case akInt, akLong:
		return e.integer(dst, n, v)

	case akFloat:
		f, err := e.float(v, 32)
		if err != nil {
			return dst, err
		}
		return binary.LittleEndian.AppendUint32(dst, math.Float32bits(float32(f))), nil

	case akDouble:
		f, err := e.float(v, 64)
		if err != nil {
			return dst, err
		}
		return binary.LittleEndian.AppendUint64(dst, math.Float64bits(f)), nil

	case akString:
		if k != '"' {
			return dst, mismatch("string", v)
		}
		s := unquote(v, &e.scratch)
		dst = appendLong(dst, int64(len(s)))
		return append(dst, s...), nil

	case akBytes, akFixed:
		return e.bytes(dst, n, v)

	case akEnum:
		if k != '"' {
			return dst, mismatch("enum symbol (string)", v)
		}
		s := unquote(v, &e.scratch)
		i, ok := n.symIndex[string(s)]
		if !ok {
			return dst, dataErr("%q is not a symbol of enum %s %v", s, n.fullName, n.symbols)
		}
		return appendLong(dst, int64(i)), nil

	case akArray:
		if k != '[' {
			return dst, mismatch("array", v)
		}
		count := 0
		for it := newElements(v); ; count++ {
			if _, ok := it.next(); !ok {
				break
			}
		}
		if count > 0 {
			dst = appendLong(dst, int64(count))
			it := newElements(v)
			for i := 0; i < count; i++ {
				item, _ := it.next()
				var err error
				if dst, err = e.encode(dst, n.items, item); err != nil {
					return dst, inIndex(err, i)
				}
			}
		}
		return append(dst, 0), nil

	case akMap:
		if k != '{' {
			return dst, mismatch("map (object)", v)
		}
		count := 0
		for it := newMembers(v); ; count++ {
			if _, _, ok := it.next(); !ok {
				break
			}
		}
		if count > 0 {
			dst = appendLong(dst, int64(count))
			it := newMembers(v)
			for i := 0; i < count; i++ {
				name, val, _ := it.next()
				key := unquote(name, &e.scratch)
				dst = appendLong(dst, int64(len(key)))
				dst = append(dst, key...)
				var err error
				if dst, err = e.encode(dst, n.items, val); err != nil {
					return dst, inQuotedField(err, name)
				}
			}
		}
		return append(dst, 0), nil

	case akRecord:
		return e.record(dst, n, v)

	case akUnion:
		return e.union(dst, n, v)
	}
	return dst, dataErr("unsupported Avro type %s", n.kind)
}

func (e *avroEncoder) record(dst []byte, n *avroNode, v []byte) ([]byte, error) {
	if jsonKind(v) != '{' {
		return dst, mismatch("record "+n.fullName+" (object)", v)
	}
	// Members may come in any order; Avro writes fields in schema order.
	var small [16][]byte
	vals := small[:0]
	if len(n.fields) > len(small) {
		vals = make([][]byte, 0, len(n.fields))
	}
	vals = vals[:len(n.fields)]
	for i := range vals {
		vals[i] = nil
	}
	for it := newMembers(v); ; {
		name, val, ok := it.next()
		if !ok {
			break
		}
		key := unquote(name, &e.scratch)
		i, ok := n.byName[string(key)]
		if !ok {
			return dst, inQuotedField(dataErr("not a field of record %s", n.fullName), name)
		}
		vals[i] = val
	}
	for i := range n.fields {
		f := &n.fields[i]
		val := vals[i]
		if val == nil {
			switch {
			case f.hasDef:
				dst = append(dst, f.def...)
			case f.node.kind == akNull:
			case f.node.nullIdx >= 0:
				// Karapace writes a missing field as null; so does krest
				// when the type allows it and there is no default.
				dst = appendLong(dst, int64(f.node.nullIdx))
			default:
				return dst, inField(dataErr("missing (the field has no default and is not nullable)"), f.name)
			}
			continue
		}
		var err error
		if dst, err = e.encode(dst, f.node, val); err != nil {
			return dst, inField(err, f.name)
		}
	}
	return dst, nil
}

// union picks a branch: a one-member object whose name is a branch tag is
// Avro JSON's tagged form ({"string": "x"}), anything else is tried against
// the branches that can take its JSON kind, in declaration order (the
// untagged form Karapace accepts and writes). Tagged is tried first, then
// untagged, so a record or map branch still takes an object that merely
// looks tagged.
func (e *avroEncoder) union(dst []byte, n *avroNode, v []byte) ([]byte, error) {
	k := jsonKind(v)
	if k == 'n' {
		if n.nullIdx < 0 {
			return dst, dataErr("null is not allowed (the union has no null branch)")
		}
		return appendLong(dst, int64(n.nullIdx)), nil
	}
	start := len(dst)
	var taggedErr error
	if k == '{' {
		it := newMembers(v)
		if name, val, ok := it.next(); ok {
			if _, _, more := it.next(); !more {
				if i, ok := n.tags[string(unquote(name, &e.scratch))]; ok {
					out, err := e.encode(appendLong(dst, int64(i)), n.branches[i], val)
					if err == nil {
						return out, nil
					}
					taggedErr = err
					dst = dst[:start]
				}
			}
		}
	}
	var firstErr error
	candidates := 0
	for i, b := range n.branches {
		if !avroAccepts(b, k) {
			continue
		}
		candidates++
		out, err := e.encode(appendLong(dst, int64(i)), b, v)
		if err == nil {
			return out, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		dst = dst[:start]
	}
	switch {
	case taggedErr != nil:
		return dst, taggedErr
	case candidates == 1:
		return dst, firstErr
	}
	names := make([]string, len(n.branches))
	for i, b := range n.branches {
		names[i] = b.branchTag()
	}
	if firstErr != nil {
		return dst, dataErr("%s matches no branch of union [%s] (first error: %v)", kindName(k), strings.Join(names, ", "), firstErr)
	}
	return dst, dataErr("%s matches no branch of union [%s]", kindName(k), strings.Join(names, ", "))
}

// avroAccepts reports whether a value of JSON kind k may be encoded as n,
// for trying untagged union branches.
func avroAccepts(n *avroNode, k byte) bool {
	switch n.kind {
	case akNull:
		return k == 'n'
	case akBoolean:
		return k == 't' || k == 'f'
	case akInt, akLong:
		return k == '0' || (k == '"' && n.logical != alNone)
	case akFloat, akDouble:
		return k == '0' || k == '"'
	case akBytes, akFixed:
		return k == '"' || (k == '0' && n.logical == alDecimal)
	case akString, akEnum:
		return k == '"'
	case akArray:
		return k == '['
	case akMap, akRecord:
		return k == '{'
	}
	return false
}

func (e *avroEncoder) integer(dst []byte, n *avroNode, v []byte) ([]byte, error) {
	min, max, what := int64(math.MinInt32), int64(math.MaxInt32), "int"
	if n.kind == akLong {
		min, max, what = math.MinInt64, math.MaxInt64, "long"
	}
	switch jsonKind(v) {
	case '0':
		x, ok := parseInt(v, min, max)
		if !ok {
			return dst, dataErr("%s is not an %s", v, what)
		}
		return appendLong(dst, x), nil
	case '"':
		if n.logical != alNone {
			x, err := parseLogicalString(n.logical, unquote(v, &e.scratch))
			if err != nil {
				return dst, dataErr("%v", err)
			}
			if x < min || x > max {
				return dst, dataErr("%s is out of range for %s", v, logicalName(n.logical))
			}
			return appendLong(dst, x), nil
		}
	}
	if n.logical != alNone {
		return dst, mismatch(what+" or "+logicalName(n.logical)+" string", v)
	}
	return dst, mismatch(what, v)
}

func (e *avroEncoder) float(v []byte, bits int) (float64, error) {
	what := "float"
	if bits == 64 {
		what = "double"
	}
	switch jsonKind(v) {
	case '0':
		f, err := strconv.ParseFloat(string(v), bits)
		if err != nil {
			return 0, dataErr("%s is out of range for %s", v, what)
		}
		return f, nil
	case '"':
		if f, ok := parseSpecialFloat(unquote(v, &e.scratch)); ok {
			return f, nil
		}
		return 0, dataErr("%s is not a %s (strings allowed: \"NaN\", \"Infinity\", \"-Infinity\")", v, what)
	}
	return 0, mismatch(what, v)
}

// bytes encodes bytes and fixed. Their JSON form is the Avro
// specification's: a string whose code points U+0000–U+00FF are the bytes
// (ISO-8859-1). Base64 is not accepted: "AAAA" is valid in both spellings,
// so accepting both would silently corrupt data. A decimal also takes a
// JSON number, which cannot be mistaken for bytes.
func (e *avroEncoder) bytes(dst []byte, n *avroNode, v []byte) ([]byte, error) {
	what := n.kind.String()
	if n.logical == alDecimal {
		what = "decimal"
	}
	var raw []byte
	switch jsonKind(v) {
	case '"':
		s := unquote(v, &e.scratch)
		if n.logical == alUUID && len(s) == 36 {
			// A fixed(16) uuid also takes its hex-dash form: 36 characters
			// cannot be the 16 code points of the Avro JSON form.
			u, ok := parseUUID(s)
			if !ok {
				return dst, dataErr("%s is not a UUID", v)
			}
			return append(dst, u[:]...), nil
		}
		var err error
		raw, err = latin1(s, e.scratch[len(e.scratch):])
		if err != nil {
			return dst, dataErr("%v", err)
		}
	case '0':
		if n.logical != alDecimal {
			return dst, mismatch(what+" (string of code points U+0000–U+00FF)", v)
		}
		unscaled, err := parseDecimal(v, n.scale, n.precision)
		if err != nil {
			return dst, dataErr("%v", err)
		}
		if n.kind == akFixed {
			raw, err = twosComplementFixed(unscaled, n.size)
			if err != nil {
				return dst, dataErr("%v", err)
			}
		} else {
			raw = twosComplement(unscaled)
		}
	default:
		if n.logical == alDecimal {
			return dst, mismatch("decimal (number, or string of code points U+0000–U+00FF)", v)
		}
		return dst, mismatch(what+" (string of code points U+0000–U+00FF)", v)
	}
	if n.kind == akFixed {
		if len(raw) != n.size {
			return dst, dataErr("fixed %s needs %d bytes, got %d", n.fullName, n.size, len(raw))
		}
		return append(dst, raw...), nil
	}
	dst = appendLong(dst, int64(len(raw)))
	return append(dst, raw...), nil
}

// latin1 converts the UTF-8 text of an Avro JSON bytes string to the bytes
// it spells: each code point must be U+0000–U+00FF.
func latin1(s, buf []byte) ([]byte, error) {
	ascii := true
	for _, c := range s {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s, nil
	}
	out := buf[:0]
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		if r > 0xFF {
			return nil, fmt.Errorf("bytes are written as a string of code points U+0000–U+00FF, and %q is U+%04X", r, r)
		}
		out = append(out, byte(r))
		s = s[size:]
	}
	return out, nil
}

// parseUUID parses the canonical 8-4-4-4-12 hex form.
func parseUUID(s []byte) (u [16]byte, ok bool) {
	j := 0
	for i := 0; i < len(s); {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return u, false
			}
			i++
			continue
		}
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 || j >= 16 {
			return u, false
		}
		u[j] = hi<<4 | lo
		j++
		i += 2
	}
	return u, j == 16
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
