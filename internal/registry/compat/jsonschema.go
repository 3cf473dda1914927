package compat

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// JSON Schema compatibility follows Confluent's json-schema-provider (package
// io.confluent.kafka.schemaregistry.json.diff): SchemaDiff walks the old ("original") and the new
// ("update") schema side by side and records a Difference.Type for each change; a pair is
// compatible when every change is in SchemaDiff.COMPATIBLE_CHANGES_STRICT, the set Confluent uses
// unless the subject's compatibilityPolicy is LENIENT. For BACKWARD the previous schema is the
// original and the candidate the update; FORWARD swaps them.
//
// Confluent diffs everit-json-schema objects (ObjectSchema, StringSchema, CombinedSchema, …);
// we compile with santhosh-tekuri/jsonschema, which also validates the schema against its
// metaschema and resolves $ref, and then classify each compiled node the way everit's
// SchemaLoader would (see jview), so the diff sees the same shapes: "type": ["string","null"] is
// an anyOf of two typed schemas, {"type":"string","enum":[…]} an allOf of a string and an enum
// schema, and a schema with "properties" but no "type" an object schema.

// jsonSchema is a compiled JSON Schema and the documents it was compiled from, by URL, for the
// one keyword the compiled form drops that Confluent reads ("connect.type").
type jsonSchema struct {
	root *jsonschema.Schema
	docs map[string]any
	// connect and combined say whether any source document mentions "connect.type" or a
	// combining keyword, so the raw documents are consulted only when they can matter.
	connect, combined bool
}

func (*jsonSchema) kind() string { return TypeJSON }

// jsonRootURL is where a schema being checked lives for the compiler; the sequence number
// keeps the locations of two compiled schemas apart. References are found relative to it (or
// to the schema's own $id), by the loader below.
func jsonRootURL() string {
	return "mem://krest/" + strconv.FormatUint(jsonSeq.Add(1), 10) + "/schema.json"
}

var jsonSeq atomic.Uint64

// parseJSON compiles text with its references. Drafts 4, 6, 7, 2019-09 and
// 2020-12 are accepted ($schema); a schema without $schema is draft-07, Confluent's default.
func parseJSON(text string, refs []refText, _ bool) (parsed, error) {
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(text))
	if err != nil {
		return nil, err
	}
	ld := &jsonLoader{docs: make(map[string]any, len(refs)), loaded: make(map[string]any)}
	for _, r := range refs {
		if _, ok := ld.docs[r.Name]; ok {
			continue
		}
		d, err := jsonschema.UnmarshalJSON(strings.NewReader(r.text))
		if err != nil {
			return nil, fmt.Errorf("reference %q: %w", r.Name, err)
		}
		ld.docs[r.Name] = d
	}
	rootURL := jsonRootURL()
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.UseLoader(ld)
	if err := c.AddResource(rootURL, doc); err != nil {
		return nil, err
	}
	root, err := c.Compile(rootURL)
	if err != nil {
		return nil, err
	}
	ld.loaded[rootURL] = doc
	js := &jsonSchema{root: root, docs: ld.loaded}
	js.connect = strings.Contains(text, `"connect.type"`)
	js.combined = strings.Contains(text, `Of"`)
	for _, r := range refs {
		js.connect = js.connect || strings.Contains(r.text, `"connect.type"`)
		js.combined = js.combined || strings.Contains(r.text, `Of"`)
	}
	return js, nil
}

// jsonLoader serves the referenced schemas to the compiler. Confluent registers each reference
// under its name as a URI (JsonSchema.loadReferences), so "$ref": "address.json" finds the
// reference named "address.json"; a relative name is also matched after it was resolved against
// the referencing schema's base (its $id, or our root URL), by path suffix.
type jsonLoader struct {
	docs   map[string]any // reference name → parsed document
	loaded map[string]any // URL the compiler asked for → document
}

var errJSONRefNotFound = errors.New("no reference provides this schema")

// Load implements jsonschema.URLLoader. It never touches the network or the file system.
func (l *jsonLoader) Load(u string) (any, error) {
	d, ok := l.docs[u]
	if !ok {
		if pu, err := url.Parse(u); err == nil {
			for _, name := range sortedKeys(l.docs) {
				if strings.HasSuffix(pu.Path, "/"+strings.TrimPrefix(name, "./")) || pu.Opaque == name {
					d, ok = l.docs[name], true
					break
				}
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("%w: %s", errJSONRefNotFound, u)
	}
	l.loaded[u] = d
	return d, nil
}

// jclass is the everit-json-schema class a node maps to. Confluent's SchemaDiff treats two nodes
// as the same type when their classes are equal (SchemaDiff.schemaTypesEqual).
type jclass uint8

const (
	jEmpty    jclass = iota // EmptySchema: {} or annotations only
	jTrue                   // TrueSchema: true (a subclass of EmptySchema)
	jFalse                  // FalseSchema: false
	jObject                 // ObjectSchema
	jArray                  // ArraySchema
	jString                 // StringSchema
	jNumber                 // NumberSchema (integer when requiresInteger)
	jBoolean                // BooleanSchema
	jNull                   // NullSchema
	jEnum                   // EnumSchema
	jConst                  // ConstSchema
	jCombined               // CombinedSchema (allOf, anyOf, oneOf; also several keywords at once)
	jNot                    // NotSchema
)

// isEmpty reports everit's "instanceof EmptySchema", which TrueSchema satisfies.
func (c jclass) isEmpty() bool { return c == jEmpty || c == jTrue }

// Combination criteria, spelled as everit's ValidationCriterion.toString (used in paths).
const (
	critAll = "allOf"
	critAny = "anyOf"
	critOne = "oneOf"
)

// jnode is one compiled schema as everit would classify it. Keyword values are read from src;
// typed parts of one schema ("type": ["string","null"]) share src.
type jnode struct {
	cls     jclass
	src     *jsonschema.Schema
	integer bool     // jNumber: "integer"
	crit    string   // jCombined
	subs    []*jnode // jCombined
	// shared marks a node reached through a $ref: only such nodes can be met again on another
	// path or recur, so only pairs involving one are memoised.
	shared bool
}

// jview classifies compiled schemas, once per node, so that recursion through $ref reaches the
// same jnode and the pair memo can detect cycles.
type jview struct {
	nodes map[*jsonschema.Schema]*jnode
	// docs are both compared schemas' source documents by URL.
	docs []map[string]any
	// connect is set when both schemas mention "connect.type"; combined when either has a
	// combining keyword whose duplicates must be collapsed.
	connect, combined bool
}

// keyword returns a keyword of s's source object that the compiled form does not keep.
func (v *jview) keyword(s *jsonschema.Schema, name string) any {
	u, ptr, _ := strings.Cut(s.Location, "#")
	for _, docs := range v.docs {
		d, ok := docs[u]
		if !ok {
			continue
		}
		for tok := range strings.SplitSeq(strings.TrimPrefix(ptr, "/"), "/") {
			if tok == "" && ptr == "" {
				break
			}
			if t, err := url.PathUnescape(tok); err == nil {
				tok = t
			}
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			switch x := d.(type) {
			case map[string]any:
				d = x[tok]
			case []any:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(x) {
					return nil
				}
				d = x[i]
			default:
				return nil
			}
		}
		if m, ok := d.(map[string]any); ok {
			return m[name]
		}
		return nil
	}
	return nil
}

// maxRefChain bounds chains of $ref-only schemas, which a schema can make circular
// ({"$ref": "#"} at the root).
const maxRefChain = 64

// view returns s's node, following $ref the way Confluent's SchemaDiff.normalizeSchema does:
// before draft 2019-09 a $ref replaces its siblings, so the node is the referenced schema.
func (v *jview) view(s *jsonschema.Schema) *jnode {
	if s == nil {
		return nil
	}
	viaRef := false
	for i := 0; s.Ref != nil && (s.DraftVersion < 2019 || onlyRef(s)); i++ {
		if i == maxRefChain {
			return &jnode{cls: jEmpty, src: s}
		}
		s, viaRef = s.Ref, true
	}
	n, ok := v.nodes[s]
	if !ok {
		n = &jnode{src: s}
		v.nodes[s] = n
		v.classify(n, s)
	}
	if viaRef {
		n.shared = true
	}
	return n
}

// onlyRef reports whether a 2019+ schema carries nothing but $ref (and annotations).
func onlyRef(s *jsonschema.Schema) bool {
	c := *s
	c.Ref = nil
	return c.Bool == nil && !hasAssertions(&c)
}

// classify mirrors everit's SchemaLoader: each keyword family found yields one schema (enum,
// allOf, anyOf, oneOf, not, const, $ref in 2019+, the declared types or, without "type", the
// types whose keywords appear); none is an EmptySchema, one is that schema, several are
// combined into a synthetic allOf.
func (v *jview) classify(n *jnode, s *jsonschema.Schema) {
	if s.Bool != nil {
		if *s.Bool {
			n.cls = jTrue
		} else {
			n.cls = jFalse
		}
		return
	}
	// Parts are built as values and moved to the heap only when there are several, which is
	// rare: most schemas are one keyword family.
	var buf [6]jnode
	parts := buf[:0]
	if s.Enum != nil {
		parts = append(parts, jnode{cls: jEnum, src: s})
	}
	if s.AllOf != nil {
		parts = append(parts, v.combinedPart(s, critAll, s.AllOf))
	}
	if s.AnyOf != nil {
		parts = append(parts, v.combinedPart(s, critAny, s.AnyOf))
	}
	if s.OneOf != nil {
		parts = append(parts, v.combinedPart(s, critOne, s.OneOf))
	}
	if s.Not != nil {
		parts = append(parts, jnode{cls: jNot, src: s})
	}
	if s.Const != nil {
		parts = append(parts, jnode{cls: jConst, src: s})
	}
	if s.Types != nil {
		types := typeNames[int(*s.Types)&255]
		if len(types) == 1 {
			parts = append(parts, typedNode(types[0], s))
		} else {
			typed := make([]jnode, len(types))
			subs := make([]*jnode, len(types))
			for i, t := range types {
				typed[i] = typedNode(t, s)
				subs[i] = &typed[i]
			}
			parts = append(parts, jnode{cls: jCombined, src: s, crit: critAny, subs: subs})
		}
	} else {
		// everit's PropertySnifferSchemaExtractor: keywords imply their type without "type".
		if hasObjectKeywords(s) {
			parts = append(parts, jnode{cls: jObject, src: s})
		}
		if hasArrayKeywords(s) {
			parts = append(parts, jnode{cls: jArray, src: s})
		}
		if hasNumberKeywords(s) {
			parts = append(parts, jnode{cls: jNumber, src: s})
		}
		if hasStringKeywords(s) {
			parts = append(parts, jnode{cls: jString, src: s})
		}
	}
	// A 2019+ $ref beside other keywords is one more part; it keeps its node, which recursion
	// through it must find again.
	var ref *jnode
	if s.Ref != nil {
		ref = v.view(s.Ref)
		ref.shared = true
	}
	switch total := len(parts) + btoi(ref != nil); {
	case total == 0:
		n.cls = jEmpty
	case total == 1 && ref != nil:
		*n = *ref
	case total == 1:
		*n = parts[0]
	default:
		heap := slices.Clone(parts)
		subs := make([]*jnode, 0, total)
		for i := range heap {
			subs = append(subs, &heap[i])
		}
		if ref != nil {
			subs = append(subs, ref)
		}
		n.cls, n.crit, n.subs = jCombined, critAll, subs
	}
}

// typeNames maps every set of JSON types to their names, so classifying a node does not
// allocate for it.
var typeNames = func() (t [256][]string) {
	for i := range t {
		t[i] = jsonschema.Types(i).ToStrings()
	}
	return t
}()

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// combinedPart is the CombinedSchema for one of allOf, anyOf or oneOf. Confluent collects the
// subschemas into a set, so duplicates count once (CombinedSchemaDiff: "Use sets to collapse
// duplicate entries"); duplicates are found by their source text.
func (v *jview) combinedPart(s *jsonschema.Schema, crit string, subs []*jsonschema.Schema) jnode {
	cn := jnode{cls: jCombined, src: s, crit: crit, subs: make([]*jnode, 0, len(subs))}
	var raw []any
	if v.combined {
		raw, _ = v.keyword(s, crit).([]any)
	}
	var seen map[string]bool
	if len(raw) == len(subs) && len(subs) > 1 {
		seen = make(map[string]bool, len(subs))
	}
	for i, sub := range subs {
		if seen != nil {
			k := canonicalJSON(raw[i])
			if seen[k] {
				continue
			}
			seen[k] = true
		}
		cn.subs = append(cn.subs, v.view(sub))
	}
	return cn
}

func typedNode(t string, s *jsonschema.Schema) jnode {
	switch t {
	case "object":
		return jnode{cls: jObject, src: s}
	case "array":
		return jnode{cls: jArray, src: s}
	case "string":
		return jnode{cls: jString, src: s}
	case "number":
		return jnode{cls: jNumber, src: s}
	case "integer":
		return jnode{cls: jNumber, src: s, integer: true}
	case "boolean":
		return jnode{cls: jBoolean, src: s}
	}
	return jnode{cls: jNull, src: s}
}

func hasObjectKeywords(s *jsonschema.Schema) bool {
	return s.Properties != nil || s.Required != nil || s.AdditionalProperties != nil ||
		s.PatternProperties != nil || s.MinProperties != nil || s.MaxProperties != nil ||
		s.Dependencies != nil || s.DependentRequired != nil || s.DependentSchemas != nil ||
		s.PropertyNames != nil || s.UnevaluatedProperties != nil
}

func hasArrayKeywords(s *jsonschema.Schema) bool {
	return s.Items != nil || s.AdditionalItems != nil || s.PrefixItems != nil || s.Items2020 != nil ||
		s.MinItems != nil || s.MaxItems != nil || s.UniqueItems || s.Contains != nil ||
		s.UnevaluatedItems != nil
}

func hasNumberKeywords(s *jsonschema.Schema) bool {
	return s.Minimum != nil || s.Maximum != nil || s.ExclusiveMinimum != nil ||
		s.ExclusiveMaximum != nil || s.MultipleOf != nil
}

func hasStringKeywords(s *jsonschema.Schema) bool {
	return s.MinLength != nil || s.MaxLength != nil || s.Pattern != nil || s.Format != nil
}

// hasAssertions reports whether s constrains instances at all.
func hasAssertions(s *jsonschema.Schema) bool {
	return s.Ref != nil || s.Types != nil || s.Enum != nil || s.Const != nil || s.Not != nil ||
		s.AllOf != nil || s.AnyOf != nil || s.OneOf != nil || s.If != nil ||
		hasObjectKeywords(s) || hasArrayKeywords(s) || hasNumberKeywords(s) || hasStringKeywords(s) ||
		s.DynamicRef != nil || s.RecursiveRef != nil
}
