package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/go-json-experiment/json/jsontext"
)

// produceResult is what a produce response says about its records.
type produceResult struct {
	ok       int    // offsets entries with a null error_code
	failed   int    // entries with an error_code
	firstErr string // the first failed entry's error_code and error, for the report
}

// parser reads response bodies with a reused streaming decoder: the
// generator shares the machine with krest, so it must not spend more CPU
// per response than needed (no tree, no reflection) — but it must still
// check every entry, or errors would hide in the throughput figure.
type parser struct {
	dec jsontext.Decoder
	rd  bytes.Reader
	tmp []byte
}

// parseProduce checks a produce response body: an object whose "offsets"
// member is an array of one entry per record sent. An entry counts as
// produced only when its error_code is null (or absent) and it has an
// offset ≥ 0. krest reports offset -1 only with acks=0, which would make a
// throughput figure meaningless, so here it counts as a failed record.
func (p *parser) parseProduce(body []byte) (produceResult, error) {
	if n, ok := fastProduceOK(body); ok {
		return produceResult{ok: n}, nil
	}
	return p.parseProduceFull(body)
}

// parseProduceFull is parseProduce without the fast path.
func (p *parser) parseProduceFull(body []byte) (produceResult, error) {
	var res produceResult
	p.rd.Reset(body)
	p.dec.Reset(&p.rd)
	if err := p.expect('{'); err != nil {
		return res, err
	}
	sawOffsets := false
	for p.dec.PeekKind() != '}' {
		name, err := p.name()
		if err != nil {
			return res, err
		}
		if name != fieldOffsets {
			if err := p.dec.SkipValue(); err != nil {
				return res, err
			}
			continue
		}
		sawOffsets = true
		if err := p.expect('['); err != nil {
			return res, fmt.Errorf("offsets: %w", err)
		}
		for p.dec.PeekKind() != ']' {
			if err := p.produceEntry(&res); err != nil {
				return res, err
			}
		}
		if _, err := p.dec.ReadToken(); err != nil {
			return res, err
		}
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return res, err
	}
	if !sawOffsets {
		return res, errors.New("no offsets in the produce response")
	}
	return res, nil
}

func (p *parser) produceEntry(res *produceResult) error {
	if err := p.expect('{'); err != nil {
		return fmt.Errorf("offsets entry: %w", err)
	}
	var code, msg []byte
	offset := int64(-1)
	hasOffset := false
	for p.dec.PeekKind() != '}' {
		name, err := p.name()
		if err != nil {
			return err
		}
		v, err := p.dec.ReadValue()
		if err != nil {
			return err
		}
		switch name {
		case fieldErrorCode:
			if v.Kind() != 'n' {
				code = append([]byte(nil), v...)
			}
		case fieldError:
			if v.Kind() != 'n' {
				msg = append([]byte(nil), v...)
			}
		case fieldOffset:
			if n, err := parseNonNegative(v); err == nil {
				offset, hasOffset = n, true
			}
		}
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return err
	}
	switch {
	case code != nil:
		res.failed++
		if res.firstErr == "" {
			res.firstErr = fmt.Sprintf("error_code %s: %s", code, msg)
		}
	case !hasOffset || offset < 0:
		res.failed++
		if res.firstErr == "" {
			res.firstErr = "offsets entry without a valid offset"
		}
	default:
		res.ok++
	}
	return nil
}

// consumedRecord is the part of a records response entry the bench checks.
type consumedRecord struct {
	partition int32
	offset    int64
	size      int // payload bytes of the value: decoded base64 for binary, the JSON text for json
}

// parseRecords reads a records response (a JSON array of objects with
// topic, key, value, partition, offset, timestamp) and calls fn for each.
// A record of another topic, or one without partition or offset, is an
// error: the bench subscribes to one topic.
func (p *parser) parseRecords(body []byte, topic string, binary bool, fn func(consumedRecord)) error {
	p.rd.Reset(body)
	p.dec.Reset(&p.rd)
	if err := p.expect('['); err != nil {
		return err
	}
	for p.dec.PeekKind() != ']' {
		if err := p.expect('{'); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		rec := consumedRecord{partition: -1, offset: -1}
		var sawTopic bool
		for p.dec.PeekKind() != '}' {
			name, err := p.name()
			if err != nil {
				return err
			}
			v, err := p.dec.ReadValue()
			if err != nil {
				return err
			}
			switch name {
			case fieldTopic:
				t, err := p.unquote(v)
				if err != nil {
					return fmt.Errorf("topic: %w", err)
				}
				if string(t) != topic {
					return fmt.Errorf("record of topic %q, want %q", t, topic)
				}
				sawTopic = true
			case fieldValue:
				if rec.size, err = p.valueSize(v, binary); err != nil {
					return fmt.Errorf("value: %w", err)
				}
			case fieldPartition:
				n, err := parseNonNegative(v)
				if err != nil || n > 1<<31-1 {
					return fmt.Errorf("partition %s", v)
				}
				rec.partition = int32(n)
			case fieldOffset:
				n, err := parseNonNegative(v)
				if err != nil {
					return fmt.Errorf("offset %s", v)
				}
				rec.offset = n
			}
		}
		if _, err := p.dec.ReadToken(); err != nil {
			return err
		}
		if !sawTopic || rec.partition < 0 || rec.offset < 0 {
			return errors.New("record without topic, partition or offset")
		}
		fn(rec)
	}
	if _, err := p.dec.ReadToken(); err != nil {
		return err
	}
	if _, err := p.dec.ReadToken(); err != io.EOF {
		return fmt.Errorf("data after the records array: %v", err)
	}
	return nil
}

// The member names the parser looks at; any other is skipped.
const (
	fieldOther = iota
	fieldOffsets
	fieldOffset
	fieldPartition
	fieldErrorCode
	fieldError
	fieldTopic
	fieldValue
)

// name reads an object member name. It returns a code, not the text: the
// decoder voids a name token or value at its next call, and a code needs
// no copy.
func (p *parser) name() (int, error) {
	v, err := p.dec.ReadValue()
	if err != nil {
		return 0, err
	}
	n, err := p.unquote(v)
	if err != nil {
		return 0, err
	}
	switch string(n) {
	case "offsets":
		return fieldOffsets, nil
	case "offset":
		return fieldOffset, nil
	case "partition":
		return fieldPartition, nil
	case "error_code":
		return fieldErrorCode, nil
	case "error":
		return fieldError, nil
	case "topic":
		return fieldTopic, nil
	case "value":
		return fieldValue, nil
	}
	return fieldOther, nil
}

func (p *parser) expect(k jsontext.Kind) error {
	tok, err := p.dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != k {
		return fmt.Errorf("got %v, want %v", tok.Kind(), k)
	}
	return nil
}

// unquote returns a JSON string's text; the common case (no escapes) does
// not copy.
func (p *parser) unquote(v jsontext.Value) ([]byte, error) {
	if v.Kind() != '"' {
		return nil, fmt.Errorf("want a string, got %s", v.Kind())
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return v[1 : len(v)-1], nil
	}
	var err error
	p.tmp, err = jsontext.AppendUnquote(p.tmp[:0], v)
	return p.tmp, err
}

// valueSize is the payload size of a record value: the decoded length of
// base64 text for binary, the JSON text for json; null is 0.
func (p *parser) valueSize(v jsontext.Value, binary bool) (int, error) {
	if v.Kind() == 'n' {
		return 0, nil
	}
	if !binary {
		return len(v), nil
	}
	s, err := p.unquote(v)
	if err != nil {
		return 0, err
	}
	return base64Len(s)
}

// base64Len is the decoded length of padded standard base64 text, checked
// for shape but not decoded: decoding a megabyte per response would make
// the generator, not krest, the bottleneck.
func base64Len(s []byte) (int, error) {
	if len(s)%4 != 0 {
		return 0, fmt.Errorf("base64 length %d is not a multiple of 4", len(s))
	}
	n := len(s) / 4 * 3
	if len(s) > 0 && s[len(s)-1] == '=' {
		n--
		if s[len(s)-2] == '=' {
			n--
		}
	}
	return n, nil
}

func parseNonNegative(v jsontext.Value) (int64, error) {
	if v.Kind() != '0' || len(v) == 0 || len(v) > 19 {
		return 0, fmt.Errorf("not a non-negative integer: %s", v)
	}
	var n int64
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("not a non-negative integer: %s", v)
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// fastProduceOK recognises the one produce response that needs no further
// thought, byte for byte as krest writes it: every entry a success,
//
//	{"key_schema_id":null,"value_schema_id":null,"offsets":[{"partition":0,"offset":5,"error_code":null,"error":null},...]}
//
// (each schema id null or, for the schema formats, a number) and returns the
// number of entries. Anything else — another order, spaces, an error entry —
// gives false and goes through the full parser, which decides. Parsing a
// 100-entry response token by token cost the tool about 60 µs, CPU it took
// from krest on a shared machine.
func fastProduceOK(b []byte) (int, bool) {
	b, ok := bytes.CutPrefix(b, []byte(`{"key_schema_id":`))
	if !ok {
		return 0, false
	}
	if b, ok = skipNullOrDigits(b); !ok {
		return 0, false
	}
	if b, ok = bytes.CutPrefix(b, []byte(`,"value_schema_id":`)); !ok {
		return 0, false
	}
	if b, ok = skipNullOrDigits(b); !ok {
		return 0, false
	}
	if b, ok = bytes.CutPrefix(b, []byte(`,"offsets":[`)); !ok {
		return 0, false
	}
	n := 0
	for {
		if b, ok = bytes.CutPrefix(b, []byte(`{"partition":`)); !ok {
			return 0, false
		}
		if b, ok = skipDigits(b); !ok {
			return 0, false
		}
		if b, ok = bytes.CutPrefix(b, []byte(`,"offset":`)); !ok {
			return 0, false
		}
		if b, ok = skipDigits(b); !ok {
			return 0, false
		}
		if b, ok = bytes.CutPrefix(b, []byte(`,"error_code":null,"error":null}`)); !ok {
			return 0, false
		}
		n++
		if len(b) > 0 && b[0] == ',' {
			b = b[1:]
			continue
		}
		if string(b) != "]}" {
			return 0, false
		}
		return n, true
	}
}

// skipNullOrDigits skips a null or a non-negative JSON integer.
func skipNullOrDigits(b []byte) ([]byte, bool) {
	if rest, ok := bytes.CutPrefix(b, []byte("null")); ok {
		return rest, true
	}
	return skipDigits(b)
}

// skipDigits skips a non-negative JSON integer (no sign, no leading zero).
func skipDigits(b []byte) ([]byte, bool) {
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	if i == 0 || i > 19 || (i > 1 && b[0] == '0') {
		return b, false
	}
	return b[i:], true
}
