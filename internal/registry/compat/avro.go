package compat

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/avro"
)

// Avro compatibility is Avro schema resolution: a reader schema can read data written with a
// writer schema when every datum of the writer resolves into the reader (Avro 1.11 specification,
// "Schema Resolution"). Confluent asks Apache Avro's SchemaCompatibility.checkReaderWriterCompatibility
// and reports every Incompatibility it collects; this file walks the two schemas the same way,
// so the verdicts, the error types and the JSON-pointer locations match Confluent's messages.
//
// twmb/avro validates the candidate; its own CheckCompatibility is stricter than Java in two
// places Confluent users would notice (it compares decimal precision and scale, which Java
// ignores, and it resolves a reader union by best branch instead of "any branch"), so we apply
// Java's rules ourselves. The differential test in avro_test.go keeps the two in agreement
// everywhere else.

// avroSchema is a parsed Avro schema: the root of a graph in which every named type is one node,
// so references and recursion share pointers the way Java's Schema objects do.
type avroSchema struct {
	root *anode
}

func (*avroSchema) kind() string { return TypeAvro }

// anode is one Avro schema node after name resolution.
type anode struct {
	kind     string   // null boolean int long float double bytes string record enum fixed array map union
	name     string   // full name of a record, enum or fixed
	short    string   // name without namespace, what Java's Schema.getName returns
	aliases  []string // full names
	fields   []afield
	items    *anode // array
	values   *anode // map
	branches []*anode
	symbols  []string
	// enumDefault is the enum's "default" symbol when hasEnumDefault.
	enumDefault    string
	hasEnumDefault bool
	size           int
}

// afield is one record field.
type afield struct {
	name       string
	aliases    []string
	typ        *anode
	hasDefault bool
}

// parseAvro parses text after its references, dependencies first, so the named types a
// referenced subject defines are known when the referencing text is parsed. This is how Confluent's
// AvroSchemaProvider builds its Parser: it parses every resolved reference into the same Avro
// Schema.Parser before the schema itself.
//
// When validate is set (the candidate), twmb/avro parses the text too and its verdict on
// validity (names, defaults matching their types, …) is final. The comparison itself runs on a
// lighter graph built here from the JSON, which also serves previous schemas: they were
// validated when registered, and twmb's parser, which prepares encoders and decoders, costs
// several times more than the comparison.
func parseAvro(text string, refs []refText, validate bool) (parsed, error) {
	// Each referenced version is parsed once, in dependency order.
	var texts []string
	seen := make(map[refKey]bool, len(refs))
	for _, r := range refs {
		if k := (refKey{r.Subject, r.Version, ""}); !seen[k] {
			seen[k] = true
			texts = append(texts, r.text)
		}
	}
	if validate {
		if err := validateAvro(text, texts); err != nil {
			return nil, err
		}
	}
	b := avroBuilder{named: make(map[string]*anode)}
	for _, r := range texts {
		if _, err := b.parseText(r); err != nil {
			return nil, err
		}
	}
	root, err := b.parseText(text)
	if err != nil {
		return nil, err
	}
	return &avroSchema{root: root}, nil
}

// validateAvro parses text with twmb/avro, after the referenced texts.
func validateAvro(text string, refs []string) error {
	if len(refs) == 0 {
		_, err := avro.Parse(text)
		return err
	}
	var cache avro.SchemaCache
	for i, r := range refs {
		if _, err := cache.Parse(r); err != nil {
			return fmt.Errorf("reference %d: %w", i, err)
		}
	}
	_, err := cache.Parse(text)
	return err
}

// avroBuilder turns Avro schema JSON into an anode graph in which every named type is one node.
// It checks only what the graph needs; full validation is twmb/avro's.
type avroBuilder struct {
	named map[string]*anode
	depth int
}

var (
	errAvroUnknownName = errors.New("avro: unknown type")
	errAvroMalformed   = errors.New("avro: malformed schema")
)

// maxAvroDepth bounds nesting, as twmb/avro's parser does, so hostile input cannot exhaust the
// stack.
const maxAvroDepth = 1000

func (b *avroBuilder) parseText(text string) (*anode, error) {
	// encoding/json is lenient like Java's Jackson parser: the last duplicate key wins and
	// invalid UTF-8 is tolerated (twmb/avro has the final word on validity).
	var v any
	if err := json.Unmarshal([]byte(text), &v); err != nil {
		return nil, err
	}
	return b.build(v, "")
}

func (b *avroBuilder) build(v any, ns string) (*anode, error) {
	b.depth++
	defer func() { b.depth-- }()
	if b.depth > maxAvroDepth {
		return nil, fmt.Errorf("%w: nested too deeply", errAvroMalformed)
	}
	switch v := v.(type) {
	case string:
		return b.lookup(v, ns)
	case []any:
		u := &anode{kind: "union", branches: make([]*anode, 0, len(v))}
		for _, br := range v {
			n, err := b.build(br, ns)
			if err != nil {
				return nil, err
			}
			u.branches = append(u.branches, n)
		}
		return u, nil
	case map[string]any:
		switch t := v["type"].(type) {
		case string:
			switch t {
			case "record", "error", "enum", "fixed":
				return b.buildNamed(v, t, ns)
			case "array":
				items, err := b.build(v["items"], ns)
				if err != nil {
					return nil, err
				}
				return &anode{kind: "array", items: items}, nil
			case "map":
				values, err := b.build(v["values"], ns)
				if err != nil {
					return nil, err
				}
				return &anode{kind: "map", values: values}, nil
			}
			// A primitive with attributes (logicalType, …) or a reference to a named type.
			return b.lookup(t, ns)
		case map[string]any, []any:
			return b.build(t, ns)
		}
	}
	return nil, fmt.Errorf("%w: not a schema: %.40v", errAvroMalformed, v)
}

// lookup resolves a type name: a primitive, or a named type defined earlier. Qualified names are
// absolute; a short name is looked up in the enclosing namespace and then in the null namespace,
// as Java's Schema.Names.get does.
func (b *avroBuilder) lookup(name, ns string) (*anode, error) {
	switch name {
	case "null", "boolean", "int", "long", "float", "double", "bytes", "string":
		return &anode{kind: name}, nil
	}
	if !strings.Contains(name, ".") && ns != "" {
		if a, ok := b.named[ns+"."+name]; ok {
			return a, nil
		}
	}
	if a, ok := b.named[name]; ok {
		return a, nil
	}
	return nil, fmt.Errorf("%w %q", errAvroUnknownName, name)
}

func (b *avroBuilder) buildNamed(v map[string]any, kind, ns string) (*anode, error) {
	name, _ := v["name"].(string)
	if name == "" {
		return nil, fmt.Errorf("%w: %s without a name", errAvroMalformed, kind)
	}
	// Avro specification, "Names": a dotted name is a full name; otherwise the namespace
	// attribute (even "", the null namespace) or else the enclosing namespace qualifies it.
	full, space := name, ns
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		space = name[:i]
	} else {
		if nsAttr, ok := v["namespace"].(string); ok {
			space = nsAttr
		}
		if space != "" {
			full = space + "." + name
		}
	}
	if kind == "error" {
		kind = "record"
	}
	a := &anode{kind: kind, name: full, short: unqualified(full)}
	if als, ok := v["aliases"].([]any); ok {
		for _, al := range als {
			if s, ok := al.(string); ok {
				a.aliases = append(a.aliases, qualify(s, space))
			}
		}
	}
	// Register before descending so a recursive reference finds the node being built.
	b.named[full] = a
	switch kind {
	case "fixed":
		size, _ := v["size"].(float64)
		a.size = int(size)
	case "enum":
		syms, _ := v["symbols"].([]any)
		for _, s := range syms {
			if s, ok := s.(string); ok {
				a.symbols = append(a.symbols, s)
			}
		}
		a.enumDefault, a.hasEnumDefault = v["default"].(string)
	case "record":
		fields, _ := v["fields"].([]any)
		a.fields = make([]afield, 0, len(fields))
		for _, f := range fields {
			fm, ok := f.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%w: field of %s is not an object", errAvroMalformed, full)
			}
			t, err := b.build(fm["type"], space)
			if err != nil {
				return nil, err
			}
			fname, _ := fm["name"].(string)
			_, hasDefault := fm["default"]
			af := afield{name: fname, typ: t, hasDefault: hasDefault}
			if als, ok := fm["aliases"].([]any); ok {
				for _, al := range als {
					if s, ok := al.(string); ok {
						af.aliases = append(af.aliases, s)
					}
				}
			}
			a.fields = append(a.fields, af)
		}
	}
	return a, nil
}

// qualify makes an alias a full name: an alias without a dot lives in the namespace of the
// type that declares it (Avro specification, "Aliases").
func qualify(name, space string) string {
	if space == "" || strings.Contains(name, ".") {
		return name
	}
	return space + "." + name
}

func unqualified(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// Avro incompatibility types, Apache Avro's SchemaCompatibility.SchemaIncompatibilityType.
const (
	avroNameMismatch          = "NAME_MISMATCH"
	avroFixedSizeMismatch     = "FIXED_SIZE_MISMATCH"
	avroMissingEnumSymbols    = "MISSING_ENUM_SYMBOLS"
	avroReaderFieldNoDefault  = "READER_FIELD_MISSING_DEFAULT_VALUE"
	avroTypeMismatch          = "TYPE_MISMATCH"
	avroMissingUnionBranch    = "MISSING_UNION_BRANCH"
	avroLocationRootReference = ""
)

// avroIncompat is one Incompatibility: its type, Avro's message, and its location, a JSON
// pointer.
type avroIncompat struct {
	typ      string
	msg      avroMsg
	location string
}

// avroResult is a memoised pair result. inProgress marks a pair on the stack: Java's
// RECURSION_IN_PROGRESS, which a re-entry treats as compatible ("schemas are compatible unless
// proven incompatible").
type avroResult struct {
	inProgress bool
	probed     bool
	incompat   []avroIncompat
}

type avroPair struct{ r, w *anode }

// avroChecker mirrors Java's ReaderWriterCompatibilityChecker, including its memo.
type avroChecker struct {
	memo       map[avroPair]avroResult
	bufs       [][]string
	freshDepth int
	probe      int    // > 0 while only the emptiness of results matters
	abort      string // set when Java would have thrown: Confluent's only message
}

// avroReadable reports every way reader fails to read writer's data.
func avroReadable(reader, writer parsed) []string {
	r, w := reader.(*avroSchema), writer.(*avroSchema)
	c := avroChecker{memo: make(map[avroPair]avroResult)}
	loc := make([]string, 0, 16)
	found := c.compat(avroLocationRootReference, r.root, w.root, loc)
	if c.abort != "" {
		return []string{escapePct(c.abort)}
	}
	if len(found) == 0 {
		return nil
	}
	out := make([]string, len(found))
	for i, in := range found {
		out[i] = avroMessage(in)
	}
	return out
}

// compat is getCompatibility(referenceToken, reader, writer, location). Pairs involving a
// named type are memoised, as in Java; other nodes are distinct per occurrence (Java's parser
// creates a Schema object for each), so a memo entry for them could never be hit again.
func (c *avroChecker) compat(token string, r, w *anode, loc []string) []avroIncompat {
	loc = append(loc, token)
	if r.name == "" && w.name == "" {
		return c.calculate(r, w, loc)
	}
	p := avroPair{r, w}
	if res, ok := c.memo[p]; ok {
		if res.inProgress {
			return nil
		}
		// A result found while probing has no messages; recompute it when they are needed.
		if !res.probed || c.probe > 0 || len(res.incompat) == 0 {
			return res.incompat
		}
	}
	c.memo[p] = avroResult{inProgress: true}
	found := c.calculate(r, w, loc)
	c.memo[p] = avroResult{incompat: found, probed: c.probe > 0}
	return found
}

// fails reports whether fresh(r, w) finds anything, without rendering what it finds.
func (c *avroChecker) fails(r, w *anode) bool {
	c.probe++
	found := c.fresh(r, w)
	c.probe--
	return len(found) > 0
}

// fresh is Java's two-argument getCompatibility(reader, writer), which starts a new location
// stack: incompatibilities found under it are reported relative to the root, a quirk kept so the
// messages match Confluent's.
func (c *avroChecker) fresh(r, w *anode) []avroIncompat {
	// One location buffer per nesting level of fresh stacks, reused across calls.
	d := c.freshDepth
	if d == len(c.bufs) {
		c.bufs = append(c.bufs, make([]string, 0, 16))
	}
	c.freshDepth++
	found := c.compat(avroLocationRootReference, r, w, c.bufs[d][:0])
	c.freshDepth--
	return found
}

func (c *avroChecker) calculate(r, w *anode, loc []string) []avroIncompat {
	if r.kind == w.kind {
		switch r.kind {
		case "array":
			return c.compat("items", r.items, w.items, loc)
		case "map":
			return c.compat("values", r.values, w.values, loc)
		case "fixed":
			out := c.checkNames(r, w, loc)
			if r.size != w.size {
				out = append(out, c.at(avroFixedSizeMismatch, fixedSizeMsg{w.size, r.size}, loc, "size"))
			}
			return out
		case "enum":
			out := c.checkNames(r, w, loc)
			return append(out, c.checkEnumSymbols(r, w, loc)...)
		case "record":
			out := c.checkNames(r, w, loc)
			return append(out, c.checkFields(r, w, loc)...)
		case "union":
			// Every writer branch must be readable by the reader union.
			var out []avroIncompat
			for i, wb := range w.branches {
				if c.fails(r, wb) {
					out = append(out, c.at(avroMissingUnionBranch, unionLackingMsg{wb.kind}, loc, strconv.Itoa(i)))
				}
			}
			return out
		}
		return nil // same primitive
	}
	// A writer union is readable when every branch is (the reader is not a union here).
	if w.kind == "union" {
		var out []avroIncompat
		for _, wb := range w.branches {
			out = append(out, c.fresh(r, wb)...)
		}
		return out
	}
	switch r.kind {
	case "union":
		// A non-union writer is readable when any reader branch reads it (Avro 1.11
		// SchemaCompatibility; the specification's "first match" is a decode-time choice).
		for _, rb := range r.branches {
			if !c.fails(rb, w) {
				return nil
			}
		}
		return c.one(c.at(avroMissingUnionBranch, unionLackingMsg{w.kind}, loc))
	case "long":
		if w.kind == "int" {
			return nil
		}
	case "float":
		if w.kind == "int" || w.kind == "long" {
			return nil
		}
	case "double":
		if w.kind == "int" || w.kind == "long" || w.kind == "float" {
			return nil
		}
	case "bytes":
		if w.kind == "string" {
			return nil
		}
	case "string":
		if w.kind == "bytes" {
			return nil
		}
	}
	return c.one(c.at(avroTypeMismatch, typeMismatchMsg{r.kind, w.kind}, loc))
}

// checkNames is schemaNameEquals: the unqualified names match (a namespace change is allowed), or
// a reader alias names the writer's full name.
func (c *avroChecker) checkNames(r, w *anode, loc []string) []avroIncompat {
	if r.short == w.short || slices.Contains(r.aliases, w.name) {
		return nil
	}
	return c.one(c.at(avroNameMismatch, expectedNameMsg(w.name), loc, "name"))
}

// checkEnumSymbols requires every writer symbol in the reader, unless the reader declares a
// default symbol (Avro ≥ 1.9: unknown symbols resolve to the default).
func (c *avroChecker) checkEnumSymbols(r, w *anode, loc []string) []avroIncompat {
	var missing []string
	for _, s := range w.symbols {
		if !slices.Contains(r.symbols, s) {
			missing = append(missing, s)
		}
	}
	if len(missing) == 0 || (r.hasEnumDefault && slices.Contains(r.symbols, r.enumDefault)) {
		return nil
	}
	return c.one(c.at(avroMissingEnumSymbols, symbolsMsg(missing), loc, "symbols"))
}

// checkFields requires every reader field to be in the writer (by name or a reader alias) with a
// readable type, or to have a default. Writer fields the reader lacks are skipped.
func (c *avroChecker) checkFields(r, w *anode, loc []string) []avroIncompat {
	var out []avroIncompat
	loc = append(loc, "fields")
	for i := range r.fields {
		rf := &r.fields[i]
		floc := append(loc, strconv.Itoa(i))
		wf, ambiguous := lookupWriterField(w, rf)
		if ambiguous && c.abort == "" {
			// Java's exception ends the whole check; Confluent reports it as the only message.
			c.abort = "Unexpected exception during compatibility check: Reader record field " + rf.name +
				" matches multiple fields in writer record schema " + w.name
		}
		switch {
		case wf != nil:
			out = append(out, c.compat("type", rf.typ, wf.typ, floc)...)
		case rf.hasDefault:
		case rf.typ.kind == "enum" && rf.typ.hasEnumDefault:
			// Java 1.11 compares the enum with the writer record here, which always fails with
			// TYPE_MISMATCH; kept for identical verdicts and messages.
			out = append(out, c.compat("type", rf.typ, w, floc)...)
		default:
			out = append(out, c.at(avroReaderFieldNoDefault, plainMsg(rf.name), floc))
		}
	}
	return out
}

// lookupWriterField finds the writer field for a reader field by name and by the reader field's
// aliases. More than one match is ambiguous: ambiguous reports it, as Java throws
// ("Reader record field … matches multiple fields in writer record schema …").
func lookupWriterField(w *anode, rf *afield) (found *afield, ambiguous bool) {
	for i := range w.fields {
		wf := &w.fields[i]
		if wf.name == rf.name || slices.Contains(rf.aliases, wf.name) {
			if found != nil {
				return found, true
			}
			found = wf
		}
	}
	return found, false
}

// at records an incompatibility at loc plus extra tokens. While probing (the result is only
// tested for emptiness) nothing is rendered.
func (c *avroChecker) at(typ string, msg avroMsg, loc []string, extra ...string) avroIncompat {
	if c.probe > 0 {
		return avroIncompat{typ: typ}
	}
	return avroIncompat{typ: typ, msg: msg, location: jsonPointer(loc[1:], extra)}
}

// one returns a single incompatibility. While probing it returns a shared, unrendered one:
// callers only test the result's length or append it to their own slice.
func (c *avroChecker) one(in avroIncompat) []avroIncompat {
	if c.probe > 0 {
		return probeFailure
	}
	return []avroIncompat{in}
}

var probeFailure = []avroIncompat{{typ: "PROBE"}}

// jsonPointer renders location tokens as Java's Incompatibility.getLocation does: the root
// token dropped, "~" and "/" escaped.
func jsonPointer(toks, extra []string) string {
	var sb strings.Builder
	sb.WriteByte('/')
	n := 0
	for _, list := range [2][]string{toks, extra} {
		for _, t := range list {
			if n > 0 {
				sb.WriteByte('/')
			}
			n++
			t = strings.ReplaceAll(t, "~", "~0")
			sb.WriteString(strings.ReplaceAll(t, "/", "~1"))
		}
	}
	return sb.String()
}

// avroMsg renders an Incompatibility's message (its "additionalInfo") when needed.
type avroMsg interface{ text() string }

type plainMsg string

func (m plainMsg) text() string { return string(m) }

type expectedNameMsg string

func (m expectedNameMsg) text() string { return "expected: " + string(m) }

type symbolsMsg []string

// text prints a Java TreeSet: sorted, deduplicated, "[A, B]".
func (m symbolsMsg) text() string {
	s := slices.Clone([]string(m))
	slices.Sort(s)
	return "[" + strings.Join(slices.Compact(s), ", ") + "]"
}

type fixedSizeMsg struct{ expected, found int }

func (m fixedSizeMsg) text() string {
	return fmt.Sprintf("expected: %d, found: %d", m.expected, m.found)
}

type unionLackingMsg struct{ writer string }

func (m unionLackingMsg) text() string {
	return "reader union lacking writer type: " + strings.ToUpper(m.writer)
}

type typeMismatchMsg struct{ reader, writer string }

func (m typeMismatchMsg) text() string {
	return "reader type: " + strings.ToUpper(m.reader) + " not compatible with writer type: " + strings.ToUpper(m.writer)
}

// avroMessage renders an incompatibility as Confluent's avro.Difference.toString does. The
// description's %s placeholders are filled by Check with the reader and writer roles.
func avroMessage(in avroIncompat) string {
	path := escapePct(in.location)
	info := escapePct(in.msg.text())
	var desc string
	switch in.typ {
	case avroFixedSizeMismatch:
		desc = "The size of FIXED type field at path '" + path + "' in the %s schema does not match with the %s schema"
	case avroTypeMismatch:
		desc = "The type (path '" + path + "') of a field in the %s schema does not match with the %s schema"
	case avroNameMismatch:
		desc = "The name of the schema has changed (path '" + path + "')"
	case avroMissingEnumSymbols:
		desc = "The %s schema is missing enum symbols '" + info + "' at path '" + path + "' in the %s schema"
	case avroMissingUnionBranch:
		desc = "The %s schema is missing a type inside a union field at path '" + path + "' in the %s schema"
	case avroReaderFieldNoDefault:
		desc = "The field '" + info + "' at path '" + path + "' in the %s schema has no default value and is missing in the %s schema"
	}
	return "{errorType:'" + in.typ + "', description:'" + desc + "', additionalInfo:'" + info + "'}"
}
