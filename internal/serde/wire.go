package serde

import (
	"encoding/binary"
	"fmt"
)

// The Confluent wire format frames every avro, jsonschema and protobuf key
// and value as:
//
//	byte 0     magic byte 0x00
//	bytes 1–4  schema id, big-endian unsigned
//	bytes 5–   Protobuf only: message indexes (see AppendMessageIndexes)
//	           then the serialized data
//
// https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format
const (
	// MagicByte is the first byte of every framed payload.
	MagicByte = 0x00
	// HeaderLen is the length of the magic byte and the schema id.
	HeaderLen = 5
	// MaxMessageIndexes caps the number of Protobuf message indexes (the
	// nesting depth of the message type). protoc itself nests far less;
	// the cap stops a hostile count from allocating gigabytes.
	MaxMessageIndexes = 100
)

// WireError is a payload that is not in the Confluent wire format. It
// matches ErrWireFormat.
type WireError struct {
	Reason string
}

// Error returns the reason.
func (e *WireError) Error() string { return e.Reason }

// Is reports whether target is ErrWireFormat.
func (e *WireError) Is(target error) bool { return target == ErrWireFormat }

// AppendHeader appends the magic byte and the schema id.
func AppendHeader(dst []byte, id int) []byte {
	return append(dst, MagicByte, byte(id>>24), byte(id>>16), byte(id>>8), byte(id))
}

// ParseHeader splits a framed payload into its schema id and the rest. It
// fails with a *WireError when b is shorter than the header ("payload too
// short") or does not start with the magic byte ("unknown magic byte 0x74").
func ParseHeader(b []byte) (id int, rest []byte, err error) {
	if len(b) < HeaderLen {
		return 0, nil, &WireError{Reason: fmt.Sprintf("payload too short: %d bytes, the schema registry wire format needs at least %d", len(b), HeaderLen)}
	}
	if b[0] != MagicByte {
		return 0, nil, &WireError{Reason: fmt.Sprintf("unknown magic byte 0x%02x", b[0])}
	}
	return int(binary.BigEndian.Uint32(b[1:5])), b[HeaderLen:], nil
}

// AppendMessageIndexes appends the Protobuf message-index list that says
// which message type of the schema the data is: the path of indexes from a
// top-level message down through nested messages. Confluent writes the
// common case [0] (the first top-level message) as the single byte 0x00, and
// anything else as a zig-zag varint count followed by zig-zag varint
// indexes; so does this function. An empty list is written like [0].
func AppendMessageIndexes(dst []byte, idx []int) []byte {
	if len(idx) == 0 || (len(idx) == 1 && idx[0] == 0) {
		return append(dst, 0)
	}
	dst = binary.AppendVarint(dst, int64(len(idx)))
	for _, i := range idx {
		dst = binary.AppendVarint(dst, int64(i))
	}
	return dst
}

// ParseMessageIndexes reads a message-index list from the start of b (the
// bytes after the header) and returns it with the rest. A single 0x00 is
// [0]. Counts above MaxMessageIndexes, negative counts or indexes, and
// truncated varints are *WireErrors.
//
// Karapace reads these varints unsigned, which agrees with Confluent only
// for [0]; krest reads the zig-zag form Confluent's serializers write.
func ParseMessageIndexes(b []byte) (idx []int, rest []byte, err error) {
	n, k := binary.Varint(b)
	if k <= 0 {
		return nil, nil, &WireError{Reason: "truncated protobuf message indexes"}
	}
	b = b[k:]
	if n == 0 {
		return []int{0}, b, nil
	}
	if n < 0 || n > MaxMessageIndexes {
		return nil, nil, &WireError{Reason: fmt.Sprintf("invalid protobuf message index count %d", n)}
	}
	idx = make([]int, n)
	for i := range idx {
		v, k := binary.Varint(b)
		if k <= 0 {
			return nil, nil, &WireError{Reason: "truncated protobuf message indexes"}
		}
		if v < 0 || v > 1<<31-1 {
			return nil, nil, &WireError{Reason: fmt.Sprintf("invalid protobuf message index %d", v)}
		}
		idx[i] = int(v)
		b = b[k:]
	}
	return idx, b, nil
}
