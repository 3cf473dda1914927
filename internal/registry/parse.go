package registry

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/twmb/avro"
)

// Schema types as the registry API spells them in "schemaType".
const (
	typeAvro     = "AVRO"
	typeJSON     = "JSON"
	typeProtobuf = "PROTOBUF"
)

// schemaTypes is GET /schemas/types.
var schemaTypes = []string{typeAvro, typeJSON, typeProtobuf}

// parseType returns the canonical spelling of a request's schemaType ("" is
// AVRO, as in Confluent) and false for a type the registry does not know.
func parseType(t string) (string, bool) {
	switch strings.ToUpper(t) {
	case "", typeAvro:
		return typeAvro, true
	case typeJSON:
		return typeJSON, true
	case typeProtobuf:
		return typeProtobuf, true
	}
	return "", false
}

// schemaDoc is one schema as registered: its type (canonical spelling), its
// text exactly as submitted (or normalised, with normalize=true), its
// references, and the data-contract members kept verbatim.
type schemaDoc struct {
	Type       string
	Text       string
	References []reference
	Metadata   []byte
	RuleSet    []byte
}

// resolveFunc fetches a referenced schema for validation.
type resolveFunc func(ref reference) (schemaDoc, error)

// maxRefDepth bounds how deep references may nest, so a malicious or
// corrupt chain cannot exhaust the stack.
const maxRefDepth = 64

// validateSchema parses doc by its type, with its references resolved through
// resolve, and returns the parser's message when the schema is invalid. It
// never panics: a parser panic (a bug in a dependency) is returned as an
// error, so one bad request cannot take the registry down.
//
// AVRO is parsed by twmb/avro with each reference parsed first into the same
// SchemaCache (dependency order, as Confluent's AvroSchemaProvider does);
// JSON is compiled by santhosh-tekuri/jsonschema with draft 7 as the default
// and every network or file load refused, references being added as
// in-memory resources; PROTOBUF is compiled by protocompile with references
// as import paths and the well-known types built in.
func validateSchema(doc schemaDoc, resolve resolveFunc) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("schema parser panic: %v\n%s", v, debug.Stack())
		}
	}()
	if strings.TrimSpace(doc.Text) == "" {
		return errors.New("empty schema")
	}
	switch doc.Type {
	case typeAvro:
		return validateAvro(doc, resolve)
	case typeJSON:
		return validateJSONSchema(doc, resolve)
	case typeProtobuf:
		return validateProtobuf(doc, resolve)
	}
	return fmt.Errorf("unknown schema type %q", doc.Type)
}

// walkRefs calls visit for every schema doc references, depth first, each
// (subject, version) once, dependencies before dependents.
func walkRefs(refs []reference, resolve resolveFunc, wantType string, visit func(ref reference, d schemaDoc) error) error {
	seen := map[string]bool{}
	var walk func(refs []reference, depth int) error
	walk = func(refs []reference, depth int) error {
		if depth > maxRefDepth {
			return fmt.Errorf("references nest deeper than %d levels", maxRefDepth)
		}
		for _, r := range refs {
			id := r.Subject + "\x00" + strconv.Itoa(r.Version) + "\x00" + r.Name
			if seen[id] {
				continue
			}
			seen[id] = true
			if resolve == nil {
				return fmt.Errorf("reference %q cannot be resolved", r.Name)
			}
			d, err := resolve(r)
			if err != nil {
				return fmt.Errorf("reference %q (subject %q version %d): %w", r.Name, r.Subject, r.Version, err)
			}
			if d.Type != wantType {
				return fmt.Errorf("reference %q is a %s schema, not %s", r.Name, d.Type, wantType)
			}
			if err := walk(d.References, depth+1); err != nil {
				return err
			}
			if err := visit(r, d); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(refs, 0)
}

func validateAvro(doc schemaDoc, resolve resolveFunc) error {
	var cache avro.SchemaCache
	err := walkRefs(doc.References, resolve, typeAvro, func(r reference, d schemaDoc) error {
		if _, err := cache.Parse(d.Text); err != nil {
			return fmt.Errorf("reference %q: %w", r.Name, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = cache.Parse(doc.Text)
	return err
}

// jsonRoot is the URL the submitted JSON Schema is compiled under. It is
// never fetched; it only gives relative $refs ("other.json") a base to
// resolve against, so a reference named "other.json" is found at
// jsonBase + "other.json".
const (
	jsonBase = "https://schema-registry.krest.invalid/schemas/"
	jsonRoot = jsonBase + "schema.json"
)

// noLoader refuses every URL: a registry must never fetch schemas from the
// network or read local files on behalf of a client (SSRF, file disclosure).
// Remote schemas are supplied as registry references instead.
type noLoader struct{}

func (noLoader) Load(u string) (any, error) {
	return nil, fmt.Errorf("loading %s is not allowed: supply it as a schema reference", u)
}

func validateJSONSchema(doc schemaDoc, resolve resolveFunc) error {
	root, err := jsonschema.UnmarshalJSON(strings.NewReader(doc.Text))
	if err != nil {
		return fmt.Errorf("not valid JSON: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.UseLoader(noLoader{})
	if err := c.AddResource(jsonRoot, root); err != nil {
		return err
	}
	// A referenced document is reachable under its own name (an absolute
	// URL, or relative to our root) and relative to the root's $id, the two
	// ways a $ref in the referencing schema can spell it.
	var idBase *url.URL
	if m, ok := root.(map[string]any); ok {
		if id, ok := m["$id"].(string); ok {
			if u, err := url.Parse(id); err == nil && u.IsAbs() {
				idBase = u
			}
		}
	}
	added := map[string]bool{jsonRoot: true}
	err = walkRefs(doc.References, resolve, typeJSON, func(r reference, d schemaDoc) error {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(d.Text))
		if err != nil {
			return fmt.Errorf("reference %q is not valid JSON: %w", r.Name, err)
		}
		ref, err := url.Parse(r.Name)
		if err != nil {
			return fmt.Errorf("reference name %q is not a URL: %w", r.Name, err)
		}
		base, _ := url.Parse(jsonRoot)
		for _, u := range []*url.URL{base.ResolveReference(ref), resolveAgainst(idBase, ref)} {
			if u == nil {
				continue
			}
			s := u.String()
			if added[s] {
				continue
			}
			added[s] = true
			if err := c.AddResource(s, v); err != nil {
				return fmt.Errorf("reference %q: %w", r.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = c.Compile(jsonRoot)
	return err
}

func resolveAgainst(base, ref *url.URL) *url.URL {
	if base == nil {
		return nil
	}
	return base.ResolveReference(ref)
}

func validateProtobuf(doc schemaDoc, resolve resolveFunc) error {
	files := map[string]string{}
	err := walkRefs(doc.References, resolve, typeProtobuf, func(r reference, d schemaDoc) error {
		files[r.Name] = d.Text
		return nil
	})
	if err != nil {
		return err
	}
	// The submitted file needs a name; error messages start with it.
	name := "schema.proto"
	for i := 0; files[name] != ""; i++ {
		name = "schema_" + strconv.Itoa(i) + ".proto"
	}
	files[name] = doc.Text
	comp := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(files),
		}),
		// One schema is small; parallel compilation would only add
		// goroutines per request.
		MaxParallelism: 1,
	}
	_, err = comp.Compile(context.Background(), name)
	return err
}

// canonicalText returns the normalised form of a schema's text: the same
// schema written differently (whitespace, member order, namespace
// spelling, comments) has one canonical text. It identifies a schema for id
// reuse, and is what normalize=true stores.
//
//   - AVRO: compact JSON with full names and a fixed member order, keeping
//     doc, defaults, aliases and custom properties (like Confluent's
//     AvroSchemaUtils.toNormalizedString, and Java's Schema.toString, which
//     Confluent compares without normalize).
//   - JSON: compact JSON with members sorted by name.
//   - PROTOBUF: the token stream without comments and with single spaces.
//     This is for matching only; normalize=true keeps the submitted text,
//     since krest has no .proto printer.
//
// It needs no references, so it is a pure function of one record and every
// instance computes the same value for it.
func canonicalText(schemaType, text string) (string, error) {
	switch schemaType {
	case typeAvro:
		t, err := decodeTree(text)
		if err != nil {
			return "", err
		}
		return string(appendTree(nil, avroNormalize(t, ""), avroOrder)), nil
	case typeJSON:
		t, err := decodeTree(text)
		if err != nil {
			return "", err
		}
		return string(appendTree(nil, t, nil)), nil
	case typeProtobuf:
		return protoTokens(text), nil
	}
	return "", fmt.Errorf("unknown schema type %q", schemaType)
}

// normalizedText is the text stored for normalize=true.
func normalizedText(doc schemaDoc) string {
	if doc.Type == typeProtobuf {
		return doc.Text
	}
	if c, err := canonicalText(doc.Type, doc.Text); err == nil {
		return c
	}
	return doc.Text
}

// identity identifies a schema for id reuse: two registrations with the
// same key get the same id, in any subject (Confluent's MD5.ofSchema hashes
// the canonical string, the references and the data-contract members). The
// type is part of it too, so a JSON and an Avro schema with equal text never
// share an id.
type identity [sha256.Size]byte

// identityOf computes doc's identity. A text that does not parse (possible
// only for records another registry wrote) is identified by its raw text.
func identityOf(doc schemaDoc) identity {
	canon, err := canonicalText(doc.Type, doc.Text)
	if err != nil {
		canon = doc.Text
	}
	h := sha256.New()
	w := func(s string) {
		h.Write([]byte(strconv.Itoa(len(s))))
		h.Write([]byte{':'})
		h.Write([]byte(s))
	}
	w(doc.Type)
	w(canon)
	for _, r := range doc.References {
		w(r.Name)
		w(r.Subject)
		w(strconv.Itoa(r.Version))
	}
	w(string(doc.Metadata))
	w(string(doc.RuleSet))
	var id identity
	h.Sum(id[:0])
	return id
}
