package serde

import (
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"
)

// maxZeroSizeItems caps the item count of an array or map whose items may
// encode to zero bytes (nulls, empty records). Any other count is bounded by
// the payload length; these are not, and a 10-byte payload could otherwise
// claim 2^62 nulls.
const maxZeroSizeItems = 1 << 16

type avroDecoder struct {
	b     []byte
	i     int
	mode  AvroJSONMode
	depth int
}

func (d *avroDecoder) truncated(what string) error {
	return dataErr("payload truncated reading %s", what)
}

func (d *avroDecoder) long(what string) (int64, error) {
	v, n := binary.Varint(d.b[d.i:])
	if n <= 0 {
		if n == 0 {
			return 0, d.truncated(what)
		}
		return 0, dataErr("invalid varint for %s", what)
	}
	d.i += n
	return v, nil
}

func (d *avroDecoder) length(what string) (int, error) {
	n, k := binary.Varint(d.b[d.i:])
	if k <= 0 {
		if k == 0 {
			return 0, d.truncated(what + " length")
		}
		return 0, dataErr("invalid varint for %s length", what)
	}
	d.i += k
	if n < 0 {
		return 0, dataErr("negative %s length %d", what, n)
	}
	if n > int64(len(d.b)-d.i) {
		return 0, d.truncated(what)
	}
	return int(n), nil
}

func (d *avroDecoder) take(n int, what string) ([]byte, error) {
	if n > len(d.b)-d.i {
		return nil, d.truncated(what)
	}
	b := d.b[d.i : d.i+n]
	d.i += n
	return b, nil
}

// value appends the JSON for one value of node n read from the payload.
func (d *avroDecoder) value(dst []byte, n *avroNode) ([]byte, error) {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxAvroDepth {
		return dst, dataErr("value nested too deeply")
	}
	standard := d.mode == AvroJSONStandard
	switch n.kind {
	case akNull:
		return append(dst, "null"...), nil

	case akBoolean:
		b, err := d.take(1, "boolean")
		if err != nil {
			return dst, err
		}
		switch b[0] {
		case 0:
			return append(dst, "false"...), nil
		case 1:
			return append(dst, "true"...), nil
		}
		return dst, dataErr("invalid boolean byte 0x%02x", b[0])

	case akInt, akLong:
		v, err := d.long(n.kind.String())
		if err != nil {
			return dst, err
		}
		if n.kind == akInt && (v < math.MinInt32 || v > math.MaxInt32) {
			return dst, dataErr("int %d out of 32-bit range", v)
		}
		if n.logical != alNone && !standard {
			return appendLogicalLong(dst, n.logical, v), nil
		}
		return strconv.AppendInt(dst, v, 10), nil

	case akFloat:
		b, err := d.take(4, "float")
		if err != nil {
			return dst, err
		}
		return appendFloat(dst, float64(math.Float32frombits(binary.LittleEndian.Uint32(b))), 32), nil

	case akDouble:
		b, err := d.take(8, "double")
		if err != nil {
			return dst, err
		}
		return appendFloat(dst, math.Float64frombits(binary.LittleEndian.Uint64(b)), 64), nil

	case akString:
		l, err := d.length("string")
		if err != nil {
			return dst, err
		}
		s, _ := d.take(l, "string")
		return appendString(dst, s), nil

	case akBytes, akFixed:
		var b []byte
		if n.kind == akFixed {
			var err error
			if b, err = d.take(n.size, "fixed"); err != nil {
				return dst, err
			}
		} else {
			l, err := d.length("bytes")
			if err != nil {
				return dst, err
			}
			b, _ = d.take(l, "bytes")
		}
		switch {
		case standard:
			return appendLatin1(dst, b), nil
		case n.logical == alDecimal:
			return appendDecimal(dst, b, n.scale)
		case n.logical == alUUID:
			return appendUUIDFixed(dst, b), nil
		}
		return AppendBase64(dst, b), nil

	case akEnum:
		i, err := d.long("enum index")
		if err != nil {
			return dst, err
		}
		if i < 0 || i >= int64(len(n.symbols)) {
			return dst, dataErr("enum index %d out of range for %s", i, n.fullName)
		}
		return append(dst, n.quoted[i]...), nil

	case akArray, akMap:
		return d.blocks(dst, n)

	case akRecord:
		dst = append(dst, '{')
		for i := range n.fields {
			f := &n.fields[i]
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, f.quoted...)
			var err error
			if dst, err = d.value(dst, f.node); err != nil {
				return dst, inField(err, f.name)
			}
		}
		return append(dst, '}'), nil

	case akUnion:
		i, err := d.long("union index")
		if err != nil {
			return dst, err
		}
		if i < 0 || i >= int64(len(n.branches)) {
			return dst, dataErr("union index %d out of range (%d branches)", i, len(n.branches))
		}
		b := n.branches[i]
		if !standard || b.kind == akNull {
			return d.value(dst, b)
		}
		dst = append(dst, n.tagOut[i]...)
		if dst, err = d.value(dst, b); err != nil {
			return dst, err
		}
		return append(dst, '}'), nil
	}
	return dst, dataErr("unsupported Avro type %s", n.kind)
}

// blocks decodes an array or a map: blocks of items, each block a count (a
// negative count is followed by the block's byte size), ending with a zero
// count.
func (d *avroDecoder) blocks(dst []byte, n *avroNode) ([]byte, error) {
	isMap := n.kind == akMap
	open, close := byte('['), byte(']')
	if isMap {
		open, close = '{', '}'
	}
	dst = append(dst, open)
	total := 0
	for {
		count, err := d.long("block count")
		if err != nil {
			return dst, err
		}
		if count == 0 {
			break
		}
		if count < 0 {
			if count == math.MinInt64 {
				return dst, dataErr("invalid block count")
			}
			count = -count
			if _, err := d.long("block size"); err != nil {
				return dst, err
			}
		}
		// Every item of a non-zero-size type takes at least one byte.
		if n.items.zeroSize && !isMap {
			if count > int64(maxZeroSizeItems-total) {
				return dst, dataErr("array of more than %d empty items", maxZeroSizeItems)
			}
		} else if count > int64(len(d.b)-d.i) {
			return dst, d.truncated("block")
		}
		for j := int64(0); j < count; j++ {
			if total > 0 {
				dst = append(dst, ',')
			}
			if isMap {
				l, err := d.length("map key")
				if err != nil {
					return dst, err
				}
				key, _ := d.take(l, "map key")
				dst = appendString(dst, key)
				dst = append(dst, ':')
				if dst, err = d.value(dst, n.items); err != nil {
					return dst, inField(err, string(key))
				}
			} else if dst, err = d.value(dst, n.items); err != nil {
				return dst, inIndex(err, total)
			}
			total++
		}
	}
	return append(dst, close), nil
}

// appendLatin1 writes bytes the Avro JSON way: a string whose code points
// U+0000–U+00FF are the bytes.
func appendLatin1(dst, b []byte) []byte {
	ascii := true
	for _, c := range b {
		if c >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return appendString(dst, b)
	}
	buf := make([]byte, 0, 2*len(b))
	for _, c := range b {
		buf = utf8.AppendRune(buf, rune(c))
	}
	return appendString(dst, buf)
}
