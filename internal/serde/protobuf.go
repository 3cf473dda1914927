package serde

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/go-json-experiment/json/jsontext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// Protobuf: protocompile compiles the .proto text (and its references,
// named by import path) in memory; values are dynamicpb messages. The JSON
// side is krest's own walk over the descriptors rather than protojson, for
// three reasons: Karapace's JSON differs from protojson (64-bit integers as
// numbers, Timestamp and wrappers also as plain messages on input), protojson
// randomises its whitespace, and field errors should name the field path.
// protojson is still used for the well-known types whose JSON form is
// special (Timestamp and Duration strings, Struct, Value, ListValue, Any,
// FieldMask).

// protoMainFile is the in-memory file name of the schema itself. The
// registry gives the root schema no name; this one cannot clash with a
// reference's import path in practice, and a clash is reported.
const protoMainFile = "krest/registry-schema.proto"

// builtinProtos are imports Confluent's serializers use without
// registering them as references: its metadata options and decimal type.
// Google's well-known types come from the protobuf runtime
// (protocompile.WithStandardImports).
var builtinProtos = map[string]string{
	"confluent/meta.proto": `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
option java_package = "io.confluent.protobuf";
option java_outer_classname = "MetaProto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
	"confluent/type/decimal.proto": `syntax = "proto3";
package confluent.type;
option java_package = "io.confluent.protobuf.type";
option java_outer_classname = "DecimalProto";
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
}

// AddBuiltinProtos adds the source of Confluent's built-in imports to files
// (import path → .proto text), keeping any a reference already supplied.
// The registry's compatibility checker compiles with the same set.
func AddBuiltinProtos(files map[string]string) {
	for name, text := range builtinProtos {
		if _, ok := files[name]; !ok {
			files[name] = text
		}
	}
}

// IsBuiltinProtoImport reports whether a Protobuf import path resolves
// without the registry: Google's well-known types (google/protobuf/*.proto,
// from the protobuf runtime) and Confluent's confluent/meta.proto and
// confluent/type/decimal.proto. A registry client may skip fetching
// references with these names.
func IsBuiltinProtoImport(path string) bool {
	if _, ok := builtinProtos[path]; ok {
		return true
	}
	if strings.HasPrefix(path, "google/protobuf/") {
		_, err := protoregistry.GlobalFiles.FindFileByPath(path)
		return err == nil
	}
	return false
}

type pbCodec struct {
	file  protoreflect.FileDescriptor
	first protoreflect.MessageDescriptor
	name  string
	opts  Options
	types *dynamicpb.Types
	// names holds each message's quoted proto field names (`"name":`),
	// by declaration index, so decoding writes them without allocating.
	names map[protoreflect.FullName][][]byte
	// fields maps each message's proto and JSON field names to fields,
	// for lookups by a []byte key without allocating.
	fields map[protoreflect.FullName]map[string]protoreflect.FieldDescriptor
}

func (c *pbCodec) Type() SchemaType   { return SchemaProtobuf }
func (c *pbCodec) RecordName() string { return c.name }

func compileProtobuf(src SchemaSource, opts Options) (Codec, error) {
	files := map[string]string{}
	var addRefs func(refs []Reference, depth int) error
	addRefs = func(refs []Reference, depth int) error {
		if depth > 32 {
			return errors.New("references nested too deeply")
		}
		for _, r := range refs {
			if r.Source.Type != SchemaProtobuf {
				return fmt.Errorf("reference %q is a %s schema, not PROTOBUF", r.Name, r.Source.Type)
			}
			if prev, ok := files[r.Name]; ok {
				if prev != r.Source.Text {
					return fmt.Errorf("two different references named %q", r.Name)
				}
				continue
			}
			files[r.Name] = r.Source.Text
			if err := addRefs(r.Source.References, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := addRefs(src.References, 0); err != nil {
		return nil, err
	}
	if _, ok := files[protoMainFile]; ok {
		return nil, fmt.Errorf("a reference may not be named %q", protoMainFile)
	}
	files[protoMainFile] = src.Text
	AddBuiltinProtos(files)
	compiler := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			Accessor: protocompile.SourceAccessorFromMap(files),
		}),
		MaxParallelism: 1,
	}
	out, err := compiler.Compile(context.Background(), protoMainFile)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), protoMainFile+":", "line "))
	}
	fd := protoreflect.FileDescriptor(out[0])
	if fd.Messages().Len() == 0 {
		return nil, errors.New("the schema defines no message type")
	}
	c := &pbCodec{file: fd, first: fd.Messages().Get(0), opts: opts,
		names:  map[protoreflect.FullName][][]byte{},
		fields: map[protoreflect.FullName]map[string]protoreflect.FieldDescriptor{}}
	c.name = string(c.first.FullName())

	// A registry of the file and its imports, for Any's type URLs.
	var reg protoregistry.Files
	var register func(f protoreflect.FileDescriptor)
	register = func(f protoreflect.FileDescriptor) {
		if _, err := reg.FindFileByPath(f.Path()); err == nil {
			return
		}
		imports := f.Imports()
		for i := 0; i < imports.Len(); i++ {
			register(imports.Get(i).FileDescriptor)
		}
		_ = reg.RegisterFile(f) // a conflict only hides a type from Any
		c.indexNames(f.Messages())
	}
	register(fd)
	c.types = dynamicpb.NewTypes(&reg)
	return c, nil
}

func (c *pbCodec) indexNames(msgs protoreflect.MessageDescriptors) {
	for i := 0; i < msgs.Len(); i++ {
		md := msgs.Get(i)
		c.names[md.FullName()] = quotedFieldNames(md)
		fields := md.Fields()
		byName := make(map[string]protoreflect.FieldDescriptor, 2*fields.Len())
		for j := 0; j < fields.Len(); j++ {
			fd := fields.Get(j)
			byName[fd.JSONName()] = fd
		}
		for j := 0; j < fields.Len(); j++ { // proto names win over JSON names
			fd := fields.Get(j)
			byName[string(fd.Name())] = fd
		}
		c.fields[md.FullName()] = byName
		c.indexNames(md.Messages())
	}
}

func quotedFieldNames(md protoreflect.MessageDescriptor) [][]byte {
	fields := md.Fields()
	names := make([][]byte, fields.Len())
	for j := range names {
		names[j] = append(appendQuoted(string(fields.Get(j).Name())), ':')
	}
	return names
}

// messageAt resolves message indexes to a message type: the first index
// picks a top-level message, each further one a message nested in it.
func (c *pbCodec) messageAt(idx []int) (protoreflect.MessageDescriptor, error) {
	msgs := c.file.Messages()
	var md protoreflect.MessageDescriptor
	for _, i := range idx {
		if i < 0 || i >= msgs.Len() {
			return nil, &DataError{Reason: fmt.Sprintf("message indexes %v do not name a message type of the schema", idx)}
		}
		md = msgs.Get(i)
		msgs = md.Messages()
	}
	return md, nil
}

// AppendEncode encodes the value as the schema's first top-level message
// (what Karapace and Confluent's REST proxy do), prefixed by its message
// index [0].
func (c *pbCodec) AppendEncode(dst []byte, value jsontext.Value) ([]byte, error) {
	v := trimJSON(value)
	if err := validJSON(v); err != nil {
		return dst, err
	}
	msg := dynamicpb.NewMessage(c.first)
	e := pbEncoder{c: c}
	if err := e.messageValue(msg, v); err != nil {
		return dst, err
	}
	out := AppendMessageIndexes(dst, nil)
	out, err := proto.MarshalOptions{Deterministic: true}.MarshalAppend(out, msg)
	if err != nil {
		return dst, &DataError{Reason: err.Error()}
	}
	return out, nil
}

// AppendDecode reads the message indexes, then the message, and writes it
// as JSON keyed by proto field names. Fields without presence are written
// even when they hold their default (Karapace and protojson's
// EmitUnpopulated); unset message fields, oneof members and optional
// fields are left out.
func (c *pbCodec) AppendDecode(dst, payload []byte) ([]byte, error) {
	idx, rest, err := ParseMessageIndexes(payload)
	if err != nil {
		return dst, err
	}
	md, err := c.messageAt(idx)
	if err != nil {
		return dst, err
	}
	msg := dynamicpb.NewMessage(md)
	if err := unmarshal(rest, msg); err != nil {
		return dst, err
	}
	w := pbWriter{c: c}
	out, err := w.message(dst, msg)
	if err != nil {
		return dst, err
	}
	return out, nil
}

var _ Codec = (*pbCodec)(nil)

// unmarshal parses a payload into msg. AllowPartial: a missing proto2
// required field is the writer's problem, and refusing the record would
// block the consumer.
//
// protobuf-go v1.36 panics on some malformed input (a map entry whose key
// field appears twice, the second time with the wrong wire type: found by
// FuzzDecodeProtobuf), so a panic from the library is turned into a data
// error: one bad record must not take the server down.
func unmarshal(b []byte, msg *dynamicpb.Message) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &DataError{Reason: fmt.Sprintf("data does not contain a valid message: %v", r)}
		}
	}()
	if err := (proto.UnmarshalOptions{AllowPartial: true}).Unmarshal(b, msg); err != nil {
		return &DataError{Reason: "data does not contain a valid message: " + err.Error()}
	}
	return nil
}
