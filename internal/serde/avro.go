package serde

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/twmb/avro"
)

// Avro: twmb/avro parses and validates the schema (names, defaults, logical
// type parameters, references through avro.SchemaCache). krest then compiles
// the parsed tree into its own small node graph and walks it to convert
// between the REST API's JSON and Avro binary directly. Going through
// twmb/avro's generic values (DecodeJSON into any, then Encode) would cost
// two passes and an allocation per value, and would leave the accepted JSON
// dialect, the union rules and the error messages to the library; the REST
// API needs them fixed and documented (docs/schema-formats.md). The
// interop tests check the two against each other.

type avroKind uint8

const (
	akNull avroKind = iota
	akBoolean
	akInt
	akLong
	akFloat
	akDouble
	akBytes
	akString
	akRecord
	akEnum
	akArray
	akMap
	akUnion
	akFixed
)

var avroKindNames = [...]string{"null", "boolean", "int", "long", "float", "double", "bytes", "string", "record", "enum", "array", "map", "union", "fixed"}

func (k avroKind) String() string { return avroKindNames[k] }

// avroLogical is a logical type krest understands. Logical types on the
// wrong underlying type are ignored, as the Avro specification requires.
type avroLogical uint8

const (
	alNone avroLogical = iota
	alDate
	alTimeMillis
	alTimeMicros
	alTimestampMillis
	alTimestampMicros
	alTimestampNanos
	alLocalTimestampMillis
	alLocalTimestampMicros
	alLocalTimestampNanos
	alDecimal
	alUUID
)

type avroNode struct {
	kind    avroKind
	logical avroLogical
	// decimal parameters
	precision, scale int
	// named types
	fullName string
	// record
	fields []avroField
	byName map[string]int
	// enum
	symbols  []string
	quoted   [][]byte // quoted symbols
	symIndex map[string]int
	// array items, map values
	items *avroNode
	// union
	branches []*avroNode
	tags     map[string]int // branch tag names (input)
	tagOut   [][]byte       // `{"<tag>":` per branch (standard output)
	nullIdx  int            // index of the null branch, -1 if none
	// fixed
	size int
	// zeroSize: the encoding of every value may be empty (null, records of
	// such), so a block count of such items is not bounded by the input.
	zeroSize bool
}

type avroField struct {
	name   string
	quoted []byte // `"name":`
	node   *avroNode
	def    []byte // binary encoding of the default, when hasDef
	hasDef bool
}

type avroCodec struct {
	root *avroNode
	name string
	opts Options
}

func (c *avroCodec) Type() SchemaType   { return SchemaAvro }
func (c *avroCodec) RecordName() string { return c.name }

// AppendEncode implements Codec.
func (c *avroCodec) AppendEncode(dst []byte, value jsontext.Value) ([]byte, error) {
	v := trimJSON(value)
	if err := validJSON(v); err != nil {
		return dst, err
	}
	e := avroEncoder{}
	out, err := e.encode(dst, c.root, v)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// AppendDecode implements Codec.
func (c *avroCodec) AppendDecode(dst, payload []byte) ([]byte, error) {
	d := avroDecoder{b: payload, mode: c.opts.AvroJSON}
	out, err := d.value(dst, c.root)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// maxAvroDepth bounds schema nesting at compile time and value nesting at
// encode and decode time, so a recursive schema and a hostile payload
// cannot exhaust the stack.
const maxAvroDepth = 256

func compileAvro(src SchemaSource, opts Options) (Codec, error) {
	// A fresh cache per compile: named types are global within one cache,
	// and two unrelated schemas may define the same name differently.
	var cache avro.SchemaCache
	parsed := map[string]bool{}
	var addRefs func(refs []Reference, depth int) error
	addRefs = func(refs []Reference, depth int) error {
		if depth > 32 {
			return errors.New("references nested too deeply")
		}
		for _, r := range refs {
			if r.Source.Type != SchemaAvro {
				return fmt.Errorf("reference %q is a %s schema, not AVRO", r.Name, r.Source.Type)
			}
			// Dependencies first: SchemaCache resolves names defined by
			// earlier parses only.
			if err := addRefs(r.Source.References, depth+1); err != nil {
				return err
			}
			if parsed[r.Source.Text] {
				continue
			}
			if _, err := cache.Parse(r.Source.Text); err != nil {
				return fmt.Errorf("reference %q: %w", r.Name, err)
			}
			parsed[r.Source.Text] = true
		}
		return nil
	}
	if err := addRefs(src.References, 0); err != nil {
		return nil, err
	}
	s, err := cache.Parse(src.Text)
	if err != nil {
		return nil, err
	}
	b := avroBuilder{defs: map[string]*avroNode{}}
	root := s.Root()
	n, err := b.build(root, "", 0)
	if err != nil {
		return nil, err
	}
	for _, n := range b.all {
		n.zeroSize = avroZeroSize(n, map[*avroNode]bool{})
	}
	c := &avroCodec{root: n, opts: opts}
	switch n.kind {
	case akRecord, akEnum, akFixed:
		c.name = n.fullName
	}
	return c, nil
}

type avroBuilder struct {
	defs map[string]*avroNode
	all  []*avroNode
}

func avroFullName(name, ns string) string {
	if strings.Contains(name, ".") || ns == "" {
		return name
	}
	return ns + "." + name
}

func (b *avroBuilder) build(sn *avro.SchemaNode, ns string, depth int) (*avroNode, error) {
	if depth > maxAvroDepth {
		return nil, errors.New("schema nested too deeply")
	}
	n := &avroNode{nullIdx: -1}
	switch sn.Type {
	case "null":
		n.kind = akNull
	case "boolean":
		n.kind = akBoolean
	case "int":
		n.kind = akInt
	case "long":
		n.kind = akLong
	case "float":
		n.kind = akFloat
	case "double":
		n.kind = akDouble
	case "bytes":
		n.kind = akBytes
	case "string":
		n.kind = akString
	case "record", "error":
		n.kind = akRecord
		n.fullName = avroFullName(sn.Name, sn.Namespace)
		// Register before the fields: a field may refer to the record
		// itself (linked lists, trees).
		b.defs[n.fullName] = n
		inner := namespaceOf(n.fullName)
		n.byName = make(map[string]int, len(sn.Fields))
		for i := range sn.Fields {
			f := &sn.Fields[i]
			fn, err := b.build(&f.Type, inner, depth+1)
			if err != nil {
				return nil, err
			}
			af := avroField{name: f.Name, node: fn}
			af.quoted = append(appendQuoted(f.Name), ':')
			if f.HasDefault {
				af.def, af.hasDef = avroDefault(f)
			}
			n.byName[f.Name] = len(n.fields)
			n.fields = append(n.fields, af)
		}
	case "enum":
		n.kind = akEnum
		n.fullName = avroFullName(sn.Name, sn.Namespace)
		b.defs[n.fullName] = n
		n.symbols = sn.Symbols
		n.symIndex = make(map[string]int, len(sn.Symbols))
		for i, s := range sn.Symbols {
			n.symIndex[s] = i
			n.quoted = append(n.quoted, appendQuoted(s))
		}
	case "fixed":
		n.kind = akFixed
		n.fullName = avroFullName(sn.Name, sn.Namespace)
		b.defs[n.fullName] = n
		n.size = sn.Size
	case "array", "map":
		n.kind = akArray
		child := sn.Items
		if sn.Type == "map" {
			n.kind = akMap
			child = sn.Values
		}
		if child == nil {
			return nil, fmt.Errorf("%s without its element schema", sn.Type)
		}
		items, err := b.build(child, ns, depth+1)
		if err != nil {
			return nil, err
		}
		n.items = items
	case "union":
		n.kind = akUnion
		n.tags = map[string]int{}
		for i := range sn.Branches {
			bn, err := b.build(&sn.Branches[i], ns, depth+1)
			if err != nil {
				return nil, err
			}
			n.branches = append(n.branches, bn)
		}
		n.indexUnion()
	default:
		// A reference to a named type defined earlier (in this schema or
		// a referenced one): resolve it in the enclosing namespace first,
		// then as written.
		if d, ok := b.defs[avroFullName(sn.Type, ns)]; ok {
			return d, nil
		}
		if d, ok := b.defs[sn.Type]; ok {
			return d, nil
		}
		return nil, fmt.Errorf("unknown type %q", sn.Type)
	}
	n.setLogical(sn)
	b.all = append(b.all, n)
	return n, nil
}

func namespaceOf(fullName string) string {
	if i := strings.LastIndexByte(fullName, '.'); i >= 0 {
		return fullName[:i]
	}
	return ""
}

func shortName(fullName string) string {
	return fullName[strings.LastIndexByte(fullName, '.')+1:]
}

func (n *avroNode) setLogical(sn *avro.SchemaNode) {
	k := n.kind
	switch sn.LogicalType {
	case "date":
		if k == akInt {
			n.logical = alDate
		}
	case "time-millis":
		if k == akInt {
			n.logical = alTimeMillis
		}
	case "time-micros":
		if k == akLong {
			n.logical = alTimeMicros
		}
	case "timestamp-millis", "timestamp-micros", "timestamp-nanos",
		"local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos":
		if k == akLong {
			n.logical = map[string]avroLogical{
				"timestamp-millis":       alTimestampMillis,
				"timestamp-micros":       alTimestampMicros,
				"timestamp-nanos":        alTimestampNanos,
				"local-timestamp-millis": alLocalTimestampMillis,
				"local-timestamp-micros": alLocalTimestampMicros,
				"local-timestamp-nanos":  alLocalTimestampNanos,
			}[sn.LogicalType]
		}
	case "decimal":
		// twmb/avro validated precision and scale, and keeps them only
		// when the decimal is valid on this type.
		if (k == akBytes || k == akFixed) && sn.Precision > 0 {
			n.logical = alDecimal
			n.precision, n.scale = sn.Precision, sn.Scale
		}
	case "uuid":
		if k == akString || (k == akFixed && n.size == 16) {
			n.logical = alUUID
		}
	}
}

// branchTag is the Avro JSON name of a union branch: the type name of a
// primitive, "array" or "map", or the full name of a named type.
func (n *avroNode) branchTag() string {
	switch n.kind {
	case akRecord, akEnum, akFixed:
		return n.fullName
	}
	return n.kind.String()
}

func (n *avroNode) indexUnion() {
	for i, b := range n.branches {
		if b.kind == akNull && n.nullIdx < 0 {
			n.nullIdx = i
		}
		tag := b.branchTag()
		n.tags[tag] = i
		n.tagOut = append(n.tagOut, append(append([]byte{'{'}, appendQuoted(tag)...), ':'))
	}
	// Short names of named types, and goavro's "long.timestamp-millis"
	// spelling, where they do not clash with a full name.
	for i, b := range n.branches {
		switch b.kind {
		case akRecord, akEnum, akFixed:
			if s := shortName(b.fullName); s != b.fullName {
				if _, taken := n.tags[s]; !taken {
					n.tags[s] = i
				}
			}
		}
		if b.logical != alNone {
			if _, taken := n.tags[b.kind.String()+"."+logicalName(b.logical)]; !taken {
				n.tags[b.kind.String()+"."+logicalName(b.logical)] = i
			}
		}
	}
}

func logicalName(l avroLogical) string {
	return [...]string{"", "date", "time-millis", "time-micros", "timestamp-millis", "timestamp-micros",
		"timestamp-nanos", "local-timestamp-millis", "local-timestamp-micros", "local-timestamp-nanos",
		"decimal", "uuid"}[l]
}

// avroDefault pre-encodes a field default with twmb/avro, which parsed and
// type-checked it. A default it cannot encode is treated as absent rather
// than failing the schema: the registry accepted it.
func avroDefault(f *avro.SchemaField) ([]byte, bool) {
	s, err := f.Type.Schema()
	if err != nil {
		return nil, false
	}
	b, err := s.Encode(f.Default)
	if err != nil {
		return nil, false
	}
	return b, true
}

// avroZeroSize reports whether a value of n can encode to zero bytes.
func avroZeroSize(n *avroNode, seen map[*avroNode]bool) bool {
	switch n.kind {
	case akNull:
		return true
	case akFixed:
		return n.size == 0
	case akRecord:
		if seen[n] {
			return false // a record that contains itself is never empty
		}
		seen[n] = true
		for _, f := range n.fields {
			if !avroZeroSize(f.node, seen) {
				return false
			}
		}
		return true
	}
	return false
}

var _ Codec = (*avroCodec)(nil)
