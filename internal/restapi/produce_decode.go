package restapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/serde"
)

// produceRequest is a decoded produce body. For binary and json the records'
// key and value are already the bytes to write; for schema formats raw keeps
// the JSON for the schema step.
type produceRequest struct {
	keySchema, valueSchema     *string
	keySchemaID, valueSchemaID *int32
	records                    []produceRecord

	// arena holds the decoded keys and values of the fast path and the
	// compacted ones of json (nil until needed; see produce_pool.go).
	arena []byte
	// out is the kafka.Record slice built from records, kept for reuse.
	out []kafka.Record
}

type produceRecord struct {
	key, value       []byte // nil = no key / Kafka null value
	rawKey, rawValue jsontext.Value
	hasKey, hasValue bool  // present and not null
	partition        int32 // -1 = not given
	headers          []kafka.Header
}

// decodeProduce decodes and validates a produce body in one pass, so the
// common formats (binary, json) never materialise an intermediate tree. The
// error classes follow decisions.md: malformed JSON, a body that is not an
// object, records that are not a list of objects, invalid base64 → 400;
// records missing or empty, unknown fields, values of the wrong type → 422.
// Messages name the record index and the field.
func decodeProduce(body []byte, format serde.Format) (*produceRequest, error) {
	req := new(produceRequest)
	if err := req.decode(body, format); err != nil {
		return nil, err
	}
	return req, nil
}

// decode fills an empty req from body. The keys and values it decodes
// may share memory with req.arena but never with body, so body may be
// reused once decode returns.
func (req *produceRequest) decode(body []byte, format serde.Format) error {
	if format == serde.Binary {
		if req.decodeBinaryFast(body) {
			return nil
		}
		req.reset()
	}
	return req.decodeFull(body, format)
}

// decodeFull is decode without the fast path: the reference decoder,
// which every body the fast path does not take goes through.
func (req *produceRequest) decodeFull(body []byte, format serde.Format) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return apierr.New(apierr.BadRequest, "Missing request JSON body")
	}
	d := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true))
	pd := produceDecoder{d: d, format: format, req: req}
	if format != serde.Binary && req.arena == nil {
		// The values it keeps (compacted for json) are never longer than
		// the body.
		req.arena = getBuf(len(body))
	}
	if err := pd.request(); err != nil {
		return err
	}
	// Exactly one value: trailing garbage is malformed JSON.
	if _, err := d.ReadToken(); err != io.EOF {
		return apierr.New(apierr.BadRequest, "Invalid request JSON body: unexpected data after the top-level object")
	}
	return nil
}

type produceDecoder struct {
	d      *jsontext.Decoder
	format serde.Format
	req    *produceRequest
}

// syntax converts a jsontext error into the 400 that malformed JSON gets.
func syntax(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return apierr.New(apierr.BadRequest, "Invalid request JSON body: unexpected end of input")
	}
	return apierr.Wrap(apierr.BadRequest, err, "Invalid request JSON body: %v", err)
}

func (p *produceDecoder) request() error {
	d := p.d
	if k := d.PeekKind(); k != '{' {
		if _, err := d.ReadValue(); err != nil {
			return syntax(err)
		}
		return apierr.New(apierr.BadRequest, "Malformed request: the body must be a JSON object")
	}
	if _, err := d.ReadToken(); err != nil {
		return syntax(err)
	}
	req := p.req
	sawRecords := false
	for d.PeekKind() != '}' {
		field, err := readName(d)
		if err != nil {
			return syntax(err)
		}
		switch field {
		case "records":
			sawRecords = true
			if req.records, err = p.records(req.records[:0]); err != nil {
				return err
			}
		case "key_schema", "value_schema":
			s, err := p.optionalString(field)
			if err != nil {
				return err
			}
			if field == "key_schema" {
				req.keySchema = s
			} else {
				req.valueSchema = s
			}
		case "key_schema_id", "value_schema_id":
			id, err := p.optionalInt(field)
			if err != nil {
				return err
			}
			if field == "key_schema_id" {
				req.keySchemaID = id
			} else {
				req.valueSchemaID = id
			}
		default:
			if _, err := d.ReadValue(); err != nil {
				return syntax(err)
			}
			return apierr.New(apierr.UnprocessableEntity, "Invalid request format: unknown field %q", field)
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return syntax(err)
	}
	if !sawRecords || len(req.records) == 0 {
		return apierr.New(apierr.UnprocessableEntity, "Invalid request format: 'records' is missing or empty")
	}
	return nil
}

// records decodes the records array, appending to recs (an empty slice
// whose capacity is reused).
func (p *produceDecoder) records(recs []produceRecord) ([]produceRecord, error) {
	d := p.d
	switch d.PeekKind() {
	case '[':
	case 'n':
		_, _ = d.ReadToken()
		return nil, nil // reported as missing
	default:
		if _, err := d.ReadValue(); err != nil {
			return nil, syntax(err)
		}
		return nil, apierr.New(apierr.BadRequest, "'records' must be an array")
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, syntax(err)
	}
	for i := 0; d.PeekKind() != ']'; i++ {
		rec, err := p.record(i)
		if err != nil {
			return nil, err
		}
		recs = append(recs, rec)
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, syntax(err)
	}
	return recs, nil
}

func (p *produceDecoder) record(i int) (produceRecord, error) {
	d := p.d
	rec := produceRecord{partition: -1}
	if d.PeekKind() != '{' {
		if _, err := d.ReadValue(); err != nil {
			return rec, syntax(err)
		}
		return rec, apierr.New(apierr.BadRequest, "records[%d]: a produce record must be an object", i)
	}
	if _, err := d.ReadToken(); err != nil {
		return rec, syntax(err)
	}
	for d.PeekKind() != '}' {
		field, err := readName(d)
		if err != nil {
			return rec, syntax(err)
		}
		switch field {
		case "key", "value":
			raw, err := d.ReadValue()
			if err != nil {
				return rec, syntax(err)
			}
			if raw.Kind() == 'n' {
				continue // null: no key / Kafka null value
			}
			var b []byte
			var keep jsontext.Value
			switch p.format {
			case serde.Binary:
				b, err = decodeBase64Value(raw)
				if err != nil {
					return rec, apierr.New(apierr.BadRequest, "records[%d].%s: %v", i, field, err)
				}
			case serde.JSON:
				// Compacted while copied into the request's arena (one
				// buffer, not one per value). ReadValue has validated it,
				// so removing whitespace outside strings is all
				// jsontext's Compact would do, without its second parse.
				b = p.req.arenaCompact(raw)
			default:
				// Kept for the schema step, in the arena.
				keep = p.req.arenaCopy(raw)
			}
			if field == "key" {
				rec.key, rec.rawKey, rec.hasKey = b, keep, true
			} else {
				rec.value, rec.rawValue, rec.hasValue = b, keep, true
			}
		case "partition":
			n, err := p.optionalInt(fmt.Sprintf("records[%d].partition", i))
			if err != nil {
				return rec, err
			}
			if n != nil {
				if *n < -1 {
					return rec, apierr.New(apierr.UnprocessableEntity, "records[%d].partition: %d is not a partition", i, *n)
				}
				rec.partition = *n
			}
		case "headers":
			if rec.headers, err = p.headers(i); err != nil {
				return rec, err
			}
		default:
			if _, err := d.ReadValue(); err != nil {
				return rec, syntax(err)
			}
			return rec, apierr.New(apierr.UnprocessableEntity, "Invalid request format: records[%d]: unknown field %q", i, field)
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return rec, syntax(err)
	}
	return rec, nil
}

// headers decodes [{"key": "<string>", "value": "<base64>" | null}, ...]
// (Karapace's format, PR #1360); null means no headers.
func (p *produceDecoder) headers(i int) ([]kafka.Header, error) {
	d := p.d
	raw, err := d.ReadValue()
	if err != nil {
		return nil, syntax(err)
	}
	if raw.Kind() == 'n' {
		return nil, nil
	}
	bad := func(format string, args ...any) error {
		return apierr.New(apierr.UnprocessableEntity, "records[%d].headers"+format, append([]any{i}, args...)...)
	}
	if raw.Kind() != '[' {
		return nil, bad(": must be a list of {\"key\": string, \"value\": base64 string or null}")
	}
	hd := jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowDuplicateNames(true))
	_, _ = hd.ReadToken()
	var out []kafka.Header
	for j := 0; hd.PeekKind() != ']'; j++ {
		if hd.PeekKind() != '{' {
			return nil, bad("[%d]: must be an object", j)
		}
		_, _ = hd.ReadToken()
		var h kafka.Header
		sawKey := false
		for hd.PeekKind() != '}' {
			tok, _ := hd.ReadToken()
			name := tok.String() // before the next read voids the token
			v, err := hd.ReadValue()
			if err != nil {
				return nil, syntax(err)
			}
			switch name {
			case "key":
				if v.Kind() != '"' {
					return nil, bad("[%d].key: must be a string", j)
				}
				k, err := jsontext.AppendUnquote(nil, v)
				if err != nil {
					return nil, bad("[%d].key: %v", j, err)
				}
				h.Key, sawKey = string(k), true
			case "value":
				if v.Kind() == 'n' {
					h.Value = nil
					continue
				}
				if v.Kind() != '"' {
					return nil, bad("[%d].value: must be a base64 string or null", j)
				}
				b, err := decodeBase64Value(v)
				if err != nil {
					// Invalid base64 is a 400 wherever it is (decisions.md),
					// though Karapace's PR #1360 answers 422 for headers.
					return nil, apierr.New(apierr.BadRequest, "records[%d].headers[%d].value: %v", i, j, err)
				}
				h.Value = b
			default:
				return nil, bad("[%d]: unknown field %q", j, name)
			}
		}
		_, _ = hd.ReadToken()
		if !sawKey {
			return nil, bad("[%d]: missing \"key\"", j)
		}
		out = append(out, h)
	}
	return out, nil
}

// readName reads an object member name. The names the decoder knows come
// back as constants: Token.String allocated a string per member, one per
// record and field.
func readName(d *jsontext.Decoder) (string, error) {
	raw, err := d.ReadValue()
	if err != nil {
		return "", err
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') >= 0 {
		u, err := jsontext.AppendUnquote(nil, raw)
		return string(u), err
	}
	switch string(inner) {
	case "key":
		return "key", nil
	case "value":
		return "value", nil
	case "partition":
		return "partition", nil
	case "headers":
		return "headers", nil
	case "records":
		return "records", nil
	case "key_schema":
		return "key_schema", nil
	case "value_schema":
		return "value_schema", nil
	case "key_schema_id":
		return "key_schema_id", nil
	case "value_schema_id":
		return "value_schema_id", nil
	}
	return string(inner), nil
}

// decodeBase64Value decodes a JSON string of base64; anything else is an error.
func decodeBase64Value(raw jsontext.Value) ([]byte, error) {
	if raw.Kind() != '"' {
		return nil, fmt.Errorf("%s is not a base64 string", raw)
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') >= 0 {
		u, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			return nil, err
		}
		inner = u
	}
	b, err := serde.DecodeBase64(inner)
	if err != nil {
		return nil, fmt.Errorf("%s is not a base64 string", raw)
	}
	return b, nil
}

// optionalString reads a string or null.
func (p *produceDecoder) optionalString(field string) (*string, error) {
	raw, err := p.d.ReadValue()
	if err != nil {
		return nil, syntax(err)
	}
	switch raw.Kind() {
	case 'n':
		return nil, nil
	case '"':
		b, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			return nil, apierr.New(apierr.UnprocessableEntity, "%s: %v", field, err)
		}
		s := string(b)
		return &s, nil
	}
	return nil, apierr.New(apierr.UnprocessableEntity, "%s: must be a string", field)
}

// optionalInt reads an int32, an int-like string ("5", as Karapace accepts),
// or null.
func (p *produceDecoder) optionalInt(field string) (*int32, error) {
	raw, err := p.d.ReadValue()
	if err != nil {
		return nil, syntax(err)
	}
	var text []byte
	switch raw.Kind() {
	case 'n':
		return nil, nil
	case '0':
		text = raw
	case '"':
		text, _ = jsontext.AppendUnquote(nil, raw)
	default:
		return nil, apierr.New(apierr.UnprocessableEntity, "%s: %s is not an integer", field, raw)
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(text)), 10, 32)
	if err != nil {
		return nil, apierr.New(apierr.UnprocessableEntity, "%s: %s is not an integer", field, raw)
	}
	v := int32(n)
	return &v, nil
}
