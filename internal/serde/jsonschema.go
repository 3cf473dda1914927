package serde

import (
	"bytes"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// JSON Schema: santhosh-tekuri/jsonschema validates; the payload is the
// value's compact JSON, key order and number spelling as received (so big
// integers stay exact: the validator sees them as json.Number).
//
// Three library defaults are changed, for safety and Karapace parity:
//   - a schema without "$schema" is draft-07 (the library's default is the
//     latest draft; Confluent and Karapace assume draft-07);
//   - "format" is not asserted (the library asserts it for drafts 4–7;
//     Karapace's Draft7Validator has no format checker). "regex" is the
//     exception: the library always checks it;
//   - "$ref" is never loaded from the network or the file system (the
//     library's default loader reads file: URLs). References come from the
//     registry's "references" only.

// jsonSchemaBase is the base URL of schemas without an "$id". It is never
// fetched: the loader refuses every URL it is asked for.
const jsonSchemaBase = "https://krest.invalid/schemas/"

// jsonSchemaPrinter renders validation messages (the library's own default
// printer is English too, but unexported).
var jsonSchemaPrinter = message.NewPrinter(language.English)

type jsonSchemaCodec struct {
	schema *jsonschema.Schema
	name   string
	opts   Options
}

func (c *jsonSchemaCodec) Type() SchemaType   { return SchemaJSON }
func (c *jsonSchemaCodec) RecordName() string { return c.name }

// refusingLoader is the compiler's URL loader: every resource must have been
// added from the schema's references, so a load is a $ref to something the
// schema did not declare.
type refusingLoader struct{}

func (refusingLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("$ref %q is not a registered reference: krest never loads schemas from URLs or files", u)
}

// formatNames are the formats the library asserts; each is replaced by a
// no-op (see above).
var formatNames = []string{
	"json-pointer", "relative-json-pointer", "uuid", "duration", "period", "ipv4", "ipv6",
	"hostname", "email", "date", "time", "date-time", "uri", "iri", "uri-reference",
	"iri-reference", "uri-template", "semver", "idn-email", "idn-hostname",
}

func compileJSONSchema(src SchemaSource, opts Options) (Codec, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.UseLoader(refusingLoader{})
	for _, f := range formatNames {
		c.RegisterFormat(&jsonschema.Format{Name: f, Validate: func(any) error { return nil }})
	}
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(src.Text))
	if err != nil {
		return nil, fmt.Errorf("not JSON: %w", err)
	}
	switch doc.(type) {
	case map[string]any, bool:
	default:
		return nil, errors.New("a JSON Schema is an object or a boolean")
	}
	mainURL := jsonSchemaBase + "schema.json"
	bases := []string{mainURL}
	if m, ok := doc.(map[string]any); ok {
		if id, ok := m["$id"].(string); ok && id != "" {
			bases = append(bases, id)
		} else if id, ok := m["id"].(string); ok && id != "" { // draft-04
			bases = append(bases, id)
		}
	}
	if err := c.AddResource(mainURL, doc); err != nil {
		return nil, err
	}
	added := map[string]bool{mainURL: true}
	var addRefs func(refs []Reference, bases []string, depth int) error
	addRefs = func(refs []Reference, bases []string, depth int) error {
		if depth > 32 {
			return errors.New("references nested too deeply")
		}
		for _, r := range refs {
			if r.Source.Type != SchemaJSON {
				return fmt.Errorf("reference %q is a %s schema, not JSON", r.Name, r.Source.Type)
			}
			rdoc, err := jsonschema.UnmarshalJSON(strings.NewReader(r.Source.Text))
			if err != nil {
				return fmt.Errorf("reference %q is not JSON: %w", r.Name, err)
			}
			// A reference name is resolved the way the $ref that uses it
			// is: against the referring schema's base URL(s).
			var refBases []string
			for _, base := range bases {
				u, err := resolveURL(base, r.Name)
				if err != nil {
					return fmt.Errorf("reference %q: %w", r.Name, err)
				}
				refBases = append(refBases, u)
				if !added[u] {
					if err := c.AddResource(u, rdoc); err != nil {
						return fmt.Errorf("reference %q: %w", r.Name, err)
					}
					added[u] = true
				}
			}
			if err := addRefs(r.Source.References, refBases, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := addRefs(src.References, bases, 0); err != nil {
		return nil, err
	}
	sch, err := c.Compile(mainURL)
	if err != nil {
		return nil, err
	}
	jc := &jsonSchemaCodec{schema: sch, opts: opts}
	if m, ok := doc.(map[string]any); ok {
		if t, ok := m["title"].(string); ok {
			jc.name = t
		}
	}
	return jc, nil
}

func resolveURL(base, ref string) (string, error) {
	b, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return "", err
	}
	u := b.ResolveReference(r)
	u.Fragment = ""
	return u.String(), nil
}

// AppendEncode validates the value and appends its compact JSON.
func (c *jsonSchemaCodec) AppendEncode(dst []byte, value jsontext.Value) ([]byte, error) {
	v := trimJSON(value)
	if err := validJSON(v); err != nil {
		return dst, err
	}
	if err := c.validate(v); err != nil {
		return dst, err
	}
	return appendCompact(dst, v)
}

// AppendDecode appends the stored JSON, compacted; it validates it only
// with Options.ValidateJSONSchemaOnDecode.
func (c *jsonSchemaCodec) AppendDecode(dst, payload []byte) ([]byte, error) {
	start := len(dst)
	out, err := AppendJSON(dst, payload)
	if err != nil {
		return dst[:start], &DataError{Reason: "payload is not valid JSON"}
	}
	if c.opts.ValidateJSONSchemaOnDecode {
		if err := c.validate(out[start:]); err != nil {
			return dst[:start], err
		}
	}
	return out, nil
}

func appendCompact(dst, v []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, v...)
	out := jsontext.Value(dst[start:])
	if err := out.Compact(); err != nil {
		return dst[:start], &DataError{Reason: "invalid JSON: " + err.Error()}
	}
	return append(dst[:start], out...), nil
}

func (c *jsonSchemaCodec) validate(v []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(v))
	if err != nil {
		return &DataError{Reason: "invalid JSON: " + err.Error()}
	}
	err = c.schema.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return &DataError{Reason: err.Error()}
	}
	return jsonSchemaDataError(ve)
}

// jsonSchemaDataError reports the first leaf of the validation error tree,
// the most specific cause, with its instance location as the path:
// "field user.age: got string, want integer".
func jsonSchemaDataError(ve *jsonschema.ValidationError) error {
	leaf := ve
	for len(leaf.Causes) > 0 {
		leaf = leaf.Causes[0]
	}
	var sb strings.Builder
	for _, tok := range leaf.InstanceLocation {
		if _, err := strconv.Atoi(tok); err == nil {
			sb.WriteString("[" + tok + "]")
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(tok)
	}
	msg := leaf.ErrorKind.LocalizedString(jsonSchemaPrinter)
	if n := countLeaves(ve); n > 1 {
		msg += fmt.Sprintf(" (and %d more errors)", n-1)
	}
	return &DataError{Path: sb.String(), Reason: msg}
}

func countLeaves(ve *jsonschema.ValidationError) int {
	if len(ve.Causes) == 0 {
		return 1
	}
	n := 0
	for _, c := range ve.Causes {
		n += countLeaves(c)
	}
	return n
}

var _ Codec = (*jsonSchemaCodec)(nil)
