package restapi

import (
	"bytes"
	"encoding/base64"
	"math"
)

// decodeBinaryFast decodes the common shape of a binary produce body in one
// pass, without the jsontext decoder and without a copy per value:
//
//	{"records":[{"key":"<base64>"|null,"value":"<base64>"|null,"partition":N|null}, ...]}
//
// with any JSON whitespace, any order and repetition of those three fields,
// base64 strings without escapes, and partitions written as plain
// non-negative integers. The keys and values are decoded straight from the
// body into req.arena, one buffer for the whole request.
//
// It reports false for anything else — other fields (headers, schemas),
// escapes, invalid base64 (including what the full decoder's lenient
// base64 would accept), malformed JSON — and then req must be reset and
// decoded by the full decoder, which alone decides what such a body means.
// So the fast path changes neither what is accepted nor any error message:
// for a body it accepts, the full decoder yields the same records (tested by
// FuzzDecodeBinaryFast).
//
// Why: on the produce hot path the full decoder cost about 1 µs per 100 B
// record (a token stream, a copy of every value, one allocation per value);
// this costs a fraction of it (docs/performance.md).
func (req *produceRequest) decodeBinaryFast(body []byte) bool {
	s := fastScanner{b: body}
	if !s.byte('{') {
		return false
	}
	if name, ok := s.name(); !ok || string(name) != "records" {
		return false
	}
	if !s.byte('[') {
		return false
	}
	// Decoded base64 is at most 3/4 of its text, so one buffer of 3/4 of
	// the body holds every key and value.
	req.arena = getBuf(len(body)/4*3 + 3)
	for {
		if !s.record(req) {
			return false
		}
		if s.byte(',') {
			continue
		}
		if !s.byte(']') {
			return false
		}
		break
	}
	if !s.byte('}') {
		return false
	}
	s.ws()
	return s.i == len(s.b)
}

// fastScanner reads the subset of JSON decodeBinaryFast accepts; every
// method reports false on anything outside it.
type fastScanner struct {
	b []byte
	i int
}

// ws skips JSON whitespace.
func (s *fastScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// byte consumes c after optional whitespace.
func (s *fastScanner) byte(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// peek returns the next byte after whitespace, 0 at the end.
func (s *fastScanner) peek() byte {
	s.ws()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// str reads a string and returns its raw contents. A backslash makes it
// fail only where the caller cannot tell: names are compared with plain
// ASCII names, and base64 decoding rejects a backslash (and a string that
// ended at an escaped quote ends in one).
func (s *fastScanner) str() ([]byte, bool) {
	if !s.byte('"') {
		return nil, false
	}
	j := bytes.IndexByte(s.b[s.i:], '"')
	if j < 0 {
		return nil, false
	}
	v := s.b[s.i : s.i+j]
	s.i += j + 1
	return v, true
}

// name reads an object member name and the colon after it.
func (s *fastScanner) name() ([]byte, bool) {
	n, ok := s.str()
	if !ok || !s.byte(':') {
		return nil, false
	}
	return n, true
}

// null consumes the literal null; what follows is checked by the caller's
// next delimiter.
func (s *fastScanner) null() bool {
	if s.peek() == 'n' && bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return true
	}
	return false
}

// record reads one record object into a new entry of req.records.
func (s *fastScanner) record(req *produceRequest) bool {
	if !s.byte('{') {
		return false
	}
	req.records = append(req.records, produceRecord{partition: -1})
	rec := &req.records[len(req.records)-1]
	if s.byte('}') {
		return true
	}
	for {
		name, ok := s.name()
		if !ok {
			return false
		}
		switch string(name) {
		case "key", "value":
			// null keeps what an earlier duplicate member set, as the
			// full decoder does.
			if !s.null() {
				b, ok := s.base64(req)
				if !ok {
					return false
				}
				if name[0] == 'k' {
					rec.key, rec.hasKey = b, true
				} else {
					rec.value, rec.hasValue = b, true
				}
			}
		case "partition":
			if !s.null() {
				p, ok := s.partition()
				if !ok {
					return false
				}
				rec.partition = p
			}
		default:
			return false
		}
		if s.byte(',') {
			continue
		}
		return s.byte('}')
	}
}

// base64 decodes a string of strict standard base64 into the arena. The
// result is never nil: "" is an empty value, not a Kafka null.
func (s *fastScanner) base64(req *produceRequest) ([]byte, bool) {
	text, ok := s.str()
	if !ok {
		return nil, false
	}
	// The decoder skips CR and LF, which JSON forbids raw in a string; every
	// other byte outside the alphabet (a backslash, a control character,
	// non-ASCII) fails the decode.
	if bytes.IndexByte(text, '\n') >= 0 || bytes.IndexByte(text, '\r') >= 0 {
		return nil, false
	}
	off := len(req.arena)
	dst := req.arena[off : off+base64.StdEncoding.DecodedLen(len(text))]
	n, err := base64.StdEncoding.Decode(dst, text)
	if err != nil {
		return nil, false
	}
	req.arena = req.arena[:off+n]
	return req.arena[off : off+n : off+n], true
}

// partition reads a non-negative int32 without sign, fraction, exponent or
// leading zeros; anything else is left to the full decoder.
func (s *fastScanner) partition() (int32, bool) {
	s.ws()
	start := s.i
	var n int64
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		n = n*10 + int64(s.b[s.i]-'0')
		if n > math.MaxInt32 {
			return 0, false
		}
		s.i++
	}
	switch digits := s.i - start; {
	case digits == 0:
		return 0, false
	case digits > 1 && s.b[start] == '0':
		return 0, false // not JSON
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	return int32(n), true
}
