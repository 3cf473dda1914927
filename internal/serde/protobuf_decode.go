package serde

import (
	"sort"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// pbWriter writes a dynamic message as compact JSON with stable output:
// fields in declaration order, map keys sorted.
type pbWriter struct {
	c     *pbCodec
	depth int
}

func (w *pbWriter) message(dst []byte, m protoreflect.Message) ([]byte, error) {
	w.depth++
	defer func() { w.depth-- }()
	if w.depth > maxProtoDepth {
		return dst, dataErr("message nested too deeply")
	}
	md := m.Descriptor()
	switch name := md.FullName(); name {
	case "google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.Struct",
		"google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Any",
		"google.protobuf.FieldMask", "google.protobuf.Empty":
		return w.protojson(dst, m)
	default:
		if isWrapper(name) {
			fd := md.Fields().ByNumber(1)
			return w.singular(dst, fd, m.Get(fd))
		}
	}
	names, ok := w.c.names[md.FullName()]
	if !ok {
		names = quotedFieldNames(md)
	}
	fields := md.Fields()
	dst = append(dst, '{')
	first := true
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.HasPresence() && !m.Has(fd) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, names[i]...)
		var err error
		v := m.Get(fd)
		switch {
		case fd.IsList():
			dst, err = w.list(dst, fd, v.List())
		case fd.IsMap():
			dst, err = w.mapValue(dst, fd, v.Map())
		default:
			dst, err = w.singular(dst, fd, v)
		}
		if err != nil {
			return dst, inField(err, string(fd.Name()))
		}
	}
	return append(dst, '}'), nil
}

func (w *pbWriter) list(dst []byte, fd protoreflect.FieldDescriptor, l protoreflect.List) ([]byte, error) {
	dst = append(dst, '[')
	for i := 0; i < l.Len(); i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = w.singular(dst, fd, l.Get(i)); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

func (w *pbWriter) mapValue(dst []byte, fd protoreflect.FieldDescriptor, m protoreflect.Map) ([]byte, error) {
	keys := make([]protoreflect.MapKey, 0, m.Len())
	m.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		keys = append(keys, k)
		return true
	})
	kd := fd.MapKey()
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i].Value(), keys[j].Value()
		switch kd.Kind() {
		case protoreflect.StringKind:
			return a.String() < b.String()
		case protoreflect.BoolKind:
			return !a.Bool() && b.Bool()
		case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
			return a.Uint() < b.Uint()
		}
		return a.Int() < b.Int()
	})
	vd := fd.MapValue()
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		switch kd.Kind() {
		case protoreflect.StringKind:
			dst = appendString(dst, k.String())
		case protoreflect.BoolKind:
			dst = strconv.AppendQuote(dst, strconv.FormatBool(k.Bool()))
		case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
			dst = append(dst, '"')
			dst = strconv.AppendUint(dst, k.Uint(), 10)
			dst = append(dst, '"')
		default:
			dst = append(dst, '"')
			dst = strconv.AppendInt(dst, k.Int(), 10)
			dst = append(dst, '"')
		}
		dst = append(dst, ':')
		var err error
		if dst, err = w.singular(dst, vd, m.Get(k)); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

func (w *pbWriter) singular(dst []byte, fd protoreflect.FieldDescriptor, v protoreflect.Value) ([]byte, error) {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return strconv.AppendBool(dst, v.Bool()), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return strconv.AppendInt(dst, v.Int(), 10), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return strconv.AppendUint(dst, v.Uint(), 10), nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if w.c.opts.ProtobufInt64AsString {
			dst = append(dst, '"')
			dst = strconv.AppendInt(dst, v.Int(), 10)
			return append(dst, '"'), nil
		}
		return strconv.AppendInt(dst, v.Int(), 10), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if w.c.opts.ProtobufInt64AsString {
			dst = append(dst, '"')
			dst = strconv.AppendUint(dst, v.Uint(), 10)
			return append(dst, '"'), nil
		}
		return strconv.AppendUint(dst, v.Uint(), 10), nil
	case protoreflect.FloatKind:
		return appendFloat(dst, v.Float(), 32), nil
	case protoreflect.DoubleKind:
		return appendFloat(dst, v.Float(), 64), nil
	case protoreflect.StringKind:
		return appendString(dst, v.String()), nil
	case protoreflect.BytesKind:
		return AppendBase64(dst, v.Bytes()), nil
	case protoreflect.EnumKind:
		ed := fd.Enum()
		if ed.FullName() == "google.protobuf.NullValue" {
			return append(dst, "null"...), nil
		}
		if ev := ed.Values().ByNumber(v.Enum()); ev != nil {
			return appendString(dst, string(ev.Name())), nil
		}
		return strconv.AppendInt(dst, int64(v.Enum()), 10), nil
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return w.message(dst, v.Message())
	}
	return dst, dataErr("unsupported field kind %s", fd.Kind())
}

// protojson writes a well-known type in its protojson form (RFC 3339
// timestamps, "1.5s" durations, Struct as a plain object), compacted:
// protojson randomises its whitespace.
func (w *pbWriter) protojson(dst []byte, m protoreflect.Message) ([]byte, error) {
	b, err := protojson.MarshalOptions{Resolver: w.c.types, UseProtoNames: true}.Marshal(m.Interface())
	if err != nil {
		return dst, dataErr("%s: %v", m.Descriptor().FullName(), err)
	}
	v := jsontext.Value(b)
	if err := v.Compact(); err != nil {
		return dst, dataErr("%s: %v", m.Descriptor().FullName(), err)
	}
	return append(dst, v...), nil
}
