package compat

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/krest-dev/krest/internal/serde"
)

// Protobuf compatibility follows Confluent's protobuf-provider (package
// io.confluent.kafka.schemaregistry.protobuf.diff): SchemaDiff compares the old ("original") and
// the new ("update") file type by type and field by field (by number), and a pair is compatible
// when every change is in SchemaDiff.COMPATIBLE_CHANGES. Unlike Avro and JSON Schema the rules
// are symmetric in spirit (they protect the wire format both ways), but Check still asks in the
// direction(s) the level names, as Confluent does.
//
// Confluent diffs Square Wire's ProtoFileElement, the parsed .proto text. We compile with
// protocompile into protoreflect descriptors, which resolve every type name, and read from them
// what Wire's elements say: labels as written (proto3 "optional" is a label, not a oneof), map
// fields as map types (their synthetic entry messages are not types of their own).

// protoSchema is a compiled .proto file and where each file it imports came from.
type protoSchema struct {
	fd protoreflect.FileDescriptor
	// origin maps an imported file's path to the registry reference that supplied it. The root
	// file and built-in imports (google/protobuf/*, confluent/*) have none.
	origin map[string]refKey
}

func (*protoSchema) kind() string { return TypeProtobuf }

// protoRootFile is the path the candidate is compiled under; references are imported by their
// names, so the root needs a name no import will use.
const protoRootFile = "__krest_schema__.proto"

// parseProtobuf compiles text with its references (imported by reference name), the
// well-known types, and Confluent's built-in imports.
func parseProtobuf(text string, refs []refText, _ bool) (parsed, error) {
	files := map[string]string{protoRootFile: text}
	origin := make(map[string]refKey, len(refs))
	for _, r := range refs {
		if _, ok := files[r.Name]; !ok {
			files[r.Name] = r.text
			origin[r.Name] = refKey{r.Subject, r.Version, r.Name}
		}
	}
	// Confluent's confluent/meta.proto and confluent/type/decimal.proto, as
	// the codecs compile them; google/protobuf/* comes from protocompile.
	serde.AddBuiltinProtos(files)
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(files),
		}),
		MaxParallelism: 1,
	}
	out, err := c.Compile(context.Background(), protoRootFile)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), protoRootFile, "schema.proto"))
	}
	return &protoSchema{fd: out[0], origin: origin}, nil
}

// pdiffType is Confluent's protobuf.diff.Difference.Type.
type pdiffType uint8

const (
	pdPackageChanged pdiffType = iota
	pdMessageAdded
	pdMessageRemoved
	pdMessageMoved
	pdEnumAdded
	pdEnumRemoved
	pdEnumConstAdded
	pdEnumConstChanged
	pdEnumConstRemoved
	pdFieldAdded
	pdFieldRemoved
	pdFieldNameChanged
	pdFieldKindChanged
	pdFieldScalarKindChanged
	pdFieldNamedTypeChanged
	pdFieldNumericLabelChanged
	pdFieldStringOrBytesLabelChanged
	pdRequiredFieldAdded
	pdRequiredFieldRemoved
	pdOneofAdded
	pdOneofRemoved
	pdOneofFieldAdded
	pdOneofFieldRemoved
	pdOneofFieldMovedToTopLevel
	pdMultipleFieldsMovedToOneof
	pdFieldMovedToExistingOneof
	pdCount
)

// pdiffs names each difference and says whether it is in SchemaDiff.COMPATIBLE_CHANGES.
var pdiffs = [pdCount]struct {
	name       string
	compatible bool
}{
	pdPackageChanged:                 {"PACKAGE_CHANGED", false},
	pdMessageAdded:                   {"MESSAGE_ADDED", true},
	pdMessageRemoved:                 {"MESSAGE_REMOVED", false},
	pdMessageMoved:                   {"MESSAGE_MOVED", true},
	pdEnumAdded:                      {"ENUM_ADDED", true},
	pdEnumRemoved:                    {"ENUM_REMOVED", true},
	pdEnumConstAdded:                 {"ENUM_CONST_ADDED", true},
	pdEnumConstChanged:               {"ENUM_CONST_CHANGED", true},
	pdEnumConstRemoved:               {"ENUM_CONST_REMOVED", true},
	pdFieldAdded:                     {"FIELD_ADDED", true},
	pdFieldRemoved:                   {"FIELD_REMOVED", true},
	pdFieldNameChanged:               {"FIELD_NAME_CHANGED", true},
	pdFieldKindChanged:               {"FIELD_KIND_CHANGED", false},
	pdFieldScalarKindChanged:         {"FIELD_SCALAR_KIND_CHANGED", false},
	pdFieldNamedTypeChanged:          {"FIELD_NAMED_TYPE_CHANGED", false},
	pdFieldNumericLabelChanged:       {"FIELD_NUMERIC_LABEL_CHANGED", false},
	pdFieldStringOrBytesLabelChanged: {"FIELD_STRING_OR_BYTES_LABEL_CHANGED", true},
	pdRequiredFieldAdded:             {"REQUIRED_FIELD_ADDED", false},
	pdRequiredFieldRemoved:           {"REQUIRED_FIELD_REMOVED", false},
	pdOneofAdded:                     {"ONEOF_ADDED", true},
	pdOneofRemoved:                   {"ONEOF_REMOVED", true},
	pdOneofFieldAdded:                {"ONEOF_FIELD_ADDED", true},
	pdOneofFieldRemoved:              {"ONEOF_FIELD_REMOVED", false},
	pdOneofFieldMovedToTopLevel:      {"ONEOF_FIELD_MOVED_TO_TOP_LEVEL", true},
	pdMultipleFieldsMovedToOneof:     {"MULTIPLE_FIELDS_MOVED_TO_ONEOF", false},
	pdFieldMovedToExistingOneof:      {"FIELD_MOVED_TO_EXISTING_ONEOF", false},
}

type pdiff struct {
	typ  pdiffType
	path string
}

// pctx is Confluent's protobuf.diff.Context: the path ("#/Outer/Inner/3"), the original
// messages being compared (to stop recursion through message-typed fields), and the findings.
type pctx struct {
	orig, upd *protoSchema
	path      []string
	active    map[protoreflect.MessageDescriptor]bool
	diffs     []pdiff
}

func (c *pctx) add(t pdiffType) {
	c.diffs = append(c.diffs, pdiff{t, "#/" + strings.Join(c.path, "/")})
}

func (c *pctx) enter(p ...string) { c.path = append(c.path, p...) }
func (c *pctx) leave(n int)       { c.path = c.path[:len(c.path)-n] }

func (c *pctx) compatible() bool {
	for _, d := range c.diffs {
		if !pdiffs[d.typ].compatible {
			return false
		}
	}
	return true
}

// protoReadable reports the incompatible differences from writer (Confluent's original) to
// reader (the update).
func protoReadable(reader, writer parsed) []string {
	r, w := reader.(*protoSchema), writer.(*protoSchema)
	c := &pctx{orig: w, upd: r, active: make(map[protoreflect.MessageDescriptor]bool)}
	if w.fd.Package() != r.fd.Package() {
		c.add(pdPackageChanged)
	}
	c.compareTypes(w.fd.Messages(), r.fd.Messages())
	var out []string
	for _, d := range c.diffs {
		if !pdiffs[d.typ].compatible {
			out = append(out, protoMessage(d))
		}
	}
	return out
}

// compareTypes is SchemaDiff.compareTypeElements for messages, matched by simple name within
// one scope. Enum changes (added, removed, values) are all compatible in Confluent, and moving a
// message is too, so only removals and message contents are looked at.
func (c *pctx) compareTypes(orig, upd protoreflect.MessageDescriptors) {
	names := make([]string, 0, orig.Len()+upd.Len())
	for i := range orig.Len() {
		if m := orig.Get(i); !m.IsMapEntry() {
			names = append(names, string(m.Name()))
		}
	}
	for i := range upd.Len() {
		if m := upd.Get(i); !m.IsMapEntry() {
			names = append(names, string(m.Name()))
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	for _, name := range names {
		om, um := orig.ByName(protoreflect.Name(name)), upd.ByName(protoreflect.Name(name))
		c.enter(name)
		switch {
		case um == nil || um.IsMapEntry():
			c.add(pdMessageRemoved)
		case om == nil || om.IsMapEntry():
			c.add(pdMessageAdded)
		default:
			c.compareMessage(om, um)
		}
		c.leave(1)
	}
}

// oneofOf returns the name of the real oneof fd belongs to, or "". proto3 "optional" fields
// sit in a synthetic oneof that Wire, and so Confluent, does not see.
func oneofOf(fd protoreflect.FieldDescriptor) string {
	if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() {
		return string(o.Name())
	}
	return ""
}

// compareMessage is MessageSchemaDiff.compare: fields are matched by number across the whole
// message, wherever their oneof.
func (c *pctx) compareMessage(om, um protoreflect.MessageDescriptor) {
	if !c.active[om] {
		c.active[om] = true
		c.compareFields(om, um)
		delete(c.active, om)
	}
	c.compareTypes(om.Messages(), um.Messages())
}

func (c *pctx) compareFields(om, um protoreflect.MessageDescriptor) {
	of, uf := om.Fields(), um.Fields()
	// A oneof removed with none of its fields surviving anywhere was deleted as a whole, which
	// Confluent accepts; a oneof that lost only some members lost data.
	deleted := make(map[string]bool)
	for i := range om.Oneofs().Len() {
		o := om.Oneofs().Get(i)
		if o.IsSynthetic() || um.Oneofs().ByName(o.Name()) != nil {
			continue
		}
		survives := false
		for j := range o.Fields().Len() {
			if uf.ByNumber(o.Fields().Get(j).Number()) != nil {
				survives = true
				break
			}
		}
		if !survives {
			deleted[string(o.Name())] = true
		}
	}

	// Fields that were independent and are now in one oneof became mutually exclusive: old
	// data may set several of them (Confluent: MULTIPLE_FIELDS_MOVED_TO_ONEOF when more than
	// one top-level field moved in, FIELD_MOVED_TO_EXISTING_ONEOF otherwise).
	for i := range um.Oneofs().Len() {
		o := um.Oneofs().Get(i)
		if o.IsSynthetic() {
			continue
		}
		groups := make(map[string]bool)
		movedIn := 0
		for j := range o.Fields().Len() {
			f := of.ByNumber(o.Fields().Get(j).Number())
			if f == nil {
				continue // a new field: old data never set it
			}
			if g := oneofOf(f); g != "" {
				groups["oneof:"+g] = true
			} else {
				groups["field:"+strconv.Itoa(int(f.Number()))] = true
				movedIn++
			}
		}
		if len(groups) > 1 {
			c.enter(string(o.Name()))
			if movedIn > 1 {
				c.add(pdMultipleFieldsMovedToOneof)
			} else {
				c.add(pdFieldMovedToExistingOneof)
			}
			c.leave(1)
		}
	}

	numbers := make([]int, 0, of.Len()+uf.Len())
	for i := range of.Len() {
		numbers = append(numbers, int(of.Get(i).Number()))
	}
	for i := range uf.Len() {
		numbers = append(numbers, int(uf.Get(i).Number()))
	}
	slices.Sort(numbers)
	numbers = slices.Compact(numbers)
	for _, n := range numbers {
		num := protoreflect.FieldNumber(n)
		tag := strconv.Itoa(n)
		o, u := of.ByNumber(num), uf.ByNumber(num)
		switch {
		case u == nil:
			if g := oneofOf(o); g != "" {
				if !deleted[g] {
					c.enter(g, tag)
					c.add(pdOneofFieldRemoved)
					c.leave(2)
				}
			} else {
				c.enter(tag)
				if o.Cardinality() == protoreflect.Required {
					c.add(pdRequiredFieldRemoved)
				} else {
					c.add(pdFieldRemoved)
				}
				c.leave(1)
			}
		case o == nil:
			if g := oneofOf(u); g != "" {
				c.enter(g, tag)
				c.add(pdOneofFieldAdded)
				c.leave(2)
			} else {
				c.enter(tag)
				if u.Cardinality() == protoreflect.Required {
					c.add(pdRequiredFieldAdded)
				} else {
					c.add(pdFieldAdded)
				}
				c.leave(1)
			}
		default:
			og, ug := oneofOf(o), oneofOf(u)
			if og != "" && ug == "" {
				c.enter(tag)
				c.add(pdOneofFieldMovedToTopLevel)
				c.leave(1)
			}
			depth := 1
			if ug != "" {
				c.enter(ug)
				depth++
			}
			c.enter(tag)
			c.compareField(o, u)
			c.leave(depth)
		}
	}
}

// label is the field's label as written in the .proto text, which is what Confluent compares:
// "" for a proto3 field without one, a oneof member or a map.
func label(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsMap() || oneofOf(fd) != "":
		return ""
	case fd.Cardinality() == protoreflect.Repeated:
		return "repeated"
	case fd.Cardinality() == protoreflect.Required:
		return "required"
	case fd.HasOptionalKeyword():
		return "optional"
	case fd.ParentFile().Syntax() == protoreflect.Proto2:
		return "optional"
	}
	return ""
}

// compareField is FieldSchemaDiff.compare. A renamed field is compatible: the wire format
// carries numbers, not names.
func (c *pctx) compareField(o, u protoreflect.FieldDescriptor) {
	if o.Name() != u.Name() {
		c.add(pdFieldNameChanged)
	}
	c.compareLabelsAndTypes(label(o), label(u), o, u)
}

// Kinds of field type, FieldSchemaDiff.Kind; enums count as scalars.
const (
	pkScalar = iota
	pkMap
	pkMessage
)

func protoKind(fd protoreflect.FieldDescriptor) int {
	switch {
	case fd.IsMap():
		return pkMap
	case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
		return pkMessage
	}
	return pkScalar
}

// scalarGroup is FieldSchemaDiff.ScalarKind: scalars in one group share a wire encoding and may
// replace each other ("Updating A Message Type" in the protobuf language guide): int32, uint32,
// int64, uint64, bool and enums (varint); sint32 and sint64 (zigzag); fixed32 and sfixed32;
// fixed64 and sfixed64; string and bytes; float; double.
func scalarGroup(fd protoreflect.FieldDescriptor) string {
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind,
		protoreflect.BoolKind, protoreflect.EnumKind:
		return "GENERAL_NUMBER"
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return "SIGNED_NUMBER"
	case protoreflect.StringKind, protoreflect.BytesKind:
		return "STRING_OR_BYTES"
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return "FIXED32"
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return "FIXED64"
	case protoreflect.FloatKind:
		return "FLOAT"
	case protoreflect.DoubleKind:
		return "DOUBLE"
	}
	return "ANY"
}

// compareLabelsAndTypes is FieldSchemaDiff.compareLabelsAndTypes. Labels matter only between
// two explicit labels on a numeric scalar: a repeated numeric field is packed on the wire, so
// it cannot trade places with a single one (strings and bytes are never packed).
func (c *pctx) compareLabelsAndTypes(ol, ul string, o, u protoreflect.FieldDescriptor) {
	ok, uk := protoKind(o), protoKind(u)
	if ok != uk {
		c.add(pdFieldKindChanged)
		return
	}
	switch ok {
	case pkScalar:
		og, ug := scalarGroup(o), scalarGroup(u)
		if og != ug {
			c.add(pdFieldScalarKindChanged)
			return
		}
		if ol != "" && ul != "" && ol != ul {
			if og == "STRING_OR_BYTES" {
				c.add(pdFieldStringOrBytesLabelChanged)
			} else {
				c.add(pdFieldNumericLabelChanged)
			}
		}
	case pkMessage:
		c.compareMessageTypes(o.Message(), u.Message())
	case pkMap:
		c.compareLabelsAndTypes("", "", o.MapKey(), u.MapKey())
		c.compareLabelsAndTypes("", "", o.MapValue(), u.MapValue())
	}
}

// localName is a message's name within its package ("Outer.Inner").
func localName(m protoreflect.MessageDescriptor) string {
	full, pkg := string(m.FullName()), string(m.ParentFile().Package())
	if pkg != "" && strings.HasPrefix(full, pkg+".") {
		return full[len(pkg)+1:]
	}
	return full
}

// compareMessageTypes is FieldSchemaDiff.compareMessageTypes: a message field may not change to
// a message of another name (package aside). Messages defined in the schema itself are compared
// where they are declared; a message from a reference is compared here unless both sides import
// the same subject version, and incompatible contents make the field incompatible too.
func (c *pctx) compareMessageTypes(om, um protoreflect.MessageDescriptor) {
	oln, uln := localName(om), localName(um)
	if oln != uln {
		c.add(pdFieldNamedTypeChanged)
		return
	}
	oRef, oHas := c.orig.origin[om.ParentFile().Path()]
	uRef, uHas := c.upd.origin[um.ParentFile().Path()]
	oLocal, uLocal := om.ParentFile().Path() == protoRootFile, um.ParentFile().Path() == protoRootFile
	if (oLocal && uLocal) || (oHas && uHas && oRef.subject == uRef.subject && oRef.version == uRef.version) {
		return
	}
	sub := &pctx{orig: c.orig, upd: c.upd, path: strings.Split(oln, "."), active: c.active}
	sub.compareMessage(om, um)
	c.diffs = append(c.diffs, sub.diffs...)
	if !sub.compatible() {
		c.add(pdFieldNamedTypeChanged)
	}
}

// protoMessage renders a difference as Confluent's protobuf.diff.Difference.toString does.
func protoMessage(d pdiff) string {
	p := escapePct(d.path)
	var desc string
	switch d.typ {
	case pdPackageChanged:
		desc = "The package at '" + p + "' in the %s schema does not match the package in the %s schema"
	case pdMessageRemoved:
		desc = "The %s schema is missing a MESSAGE type at path '" + p + "' in the %s schema"
	case pdFieldKindChanged:
		desc = "The type of a field at path '" + p + "' in the %s schema does not match the %s schema"
	case pdFieldScalarKindChanged:
		desc = "The kind of a SCALAR field at path '" + p + "' in the %s schema does not match its kind in the %s schema"
	case pdFieldNamedTypeChanged:
		desc = "The type of a MESSAGE field at path '" + p + "' in the %s schema does not match its type in the %s schema"
	case pdFieldNumericLabelChanged:
		desc = "The label for a NUMERIC field at path '" + p + "' in the %s schema does not match its label in the %s schema"
	case pdRequiredFieldAdded:
		desc = "A required field  at path '" + p + "' in the %s schema is missing in the %s schema"
	case pdRequiredFieldRemoved:
		desc = "The %s schema is missing a required field at path: '" + p + "' in the %s schema"
	case pdOneofFieldRemoved:
		desc = "The %s schema is missing a oneof field at path '" + p + "' in the %s schema"
	case pdMultipleFieldsMovedToOneof:
		desc = "Multiple fields in the oneof at path '" + p + "' in the %s schema are outside a oneof in the %s schema"
	case pdFieldMovedToExistingOneof:
		desc = "A field in the oneof at path '" + p + "' in the %s schema is outside an existing oneof in the %s schema"
	}
	return `{errorType:"` + pdiffs[d.typ].name + `", description:"` + desc + `"}`
}
