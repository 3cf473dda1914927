package serde

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// pbEncoder fills a dynamic message from JSON. It accepts what protojson
// accepts (proto and JSON field names, enums by name or number, 64-bit
// integers as numbers or strings, bytes as standard or URL-safe base64,
// with or without padding) plus Karapace's spellings of well-known types:
// Timestamp and Duration as {"seconds": .., "nanos": ..}, wrappers as
// {"value": ..}. Unknown fields are errors.
type pbEncoder struct {
	c       *pbCodec
	scratch []byte
	depth   int
}

const maxProtoDepth = 100

// messageValue fills m from v, handling the well-known types.
func (e *pbEncoder) messageValue(m protoreflect.Message, v []byte) error {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > maxProtoDepth {
		return dataErr("value nested too deeply")
	}
	md := m.Descriptor()
	k := jsonKind(v)
	switch name := md.FullName(); name {
	case "google.protobuf.Timestamp", "google.protobuf.Duration":
		if k == '"' {
			return e.protojson(m, v)
		}
	case "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
		"google.protobuf.Any", "google.protobuf.FieldMask":
		return e.protojson(m, v)
	default:
		if isWrapper(name) && k != '{' {
			fd := md.Fields().ByNumber(1)
			val, err := e.scalar(fd, v)
			if err != nil {
				return err
			}
			m.Set(fd, val)
			return nil
		}
	}
	return e.message(m, v)
}

func isWrapper(name protoreflect.FullName) bool {
	switch name {
	case "google.protobuf.DoubleValue", "google.protobuf.FloatValue", "google.protobuf.Int64Value",
		"google.protobuf.UInt64Value", "google.protobuf.Int32Value", "google.protobuf.UInt32Value",
		"google.protobuf.BoolValue", "google.protobuf.StringValue", "google.protobuf.BytesValue":
		return true
	}
	return false
}

func (e *pbEncoder) protojson(m protoreflect.Message, v []byte) error {
	err := protojson.UnmarshalOptions{Resolver: e.c.types}.Unmarshal(v, m.Interface())
	if err != nil {
		// protojson's messages start with "proto: (line 1:2): "; the
		// position is meaningless to the client, whose value was cut out
		// of a larger body.
		msg := err.Error()
		if i := strings.Index(msg, "): "); i >= 0 && strings.HasPrefix(msg, "proto:") {
			msg = msg[i+3:]
		}
		return dataErr("%s: %s", m.Descriptor().FullName(), msg)
	}
	return nil
}

func (e *pbEncoder) message(m protoreflect.Message, v []byte) error {
	md := m.Descriptor()
	if jsonKind(v) != '{' {
		return mismatch("object (message "+string(md.FullName())+")", v)
	}
	fields := md.Fields()
	byName := e.c.fields[md.FullName()]
	for it := newMembers(v); ; {
		name, val, ok := it.next()
		if !ok {
			return nil
		}
		key := unquote(name, &e.scratch)
		fd, ok := byName[string(key)]
		if !ok && byName == nil { // a message outside the schema's files
			if fd = fields.ByName(protoreflect.Name(key)); fd == nil {
				fd = fields.ByJSONName(string(key))
			}
		}
		if fd == nil {
			return inQuotedField(dataErr("not a field of message %s", md.FullName()), name)
		}
		if err := e.field(m, fd, val); err != nil {
			return inField(err, string(fd.Name()))
		}
	}
}

func (e *pbEncoder) field(m protoreflect.Message, fd protoreflect.FieldDescriptor, v []byte) error {
	k := jsonKind(v)
	if k == 'n' {
		// null leaves the field unset (protojson), except in a Value,
		// where it is the null value.
		if fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Value" && !fd.IsList() && !fd.IsMap() {
			return e.messageValue(m.Mutable(fd).Message(), v)
		}
		return nil
	}
	if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
		if other := m.WhichOneof(od); other != nil {
			return dataErr("oneof %s already has %s set", od.Name(), other.Name())
		}
	}
	switch {
	case fd.IsMap():
		if k != '{' {
			return mismatch("object (map)", v)
		}
		mp := m.Mutable(fd).Map()
		kd, vd := fd.MapKey(), fd.MapValue()
		for it := newMembers(v); ; {
			name, val, ok := it.next()
			if !ok {
				return nil
			}
			if err := e.mapEntry(mp, kd, vd, name, val); err != nil {
				return inQuotedField(err, name)
			}
		}
	case fd.IsList():
		if k != '[' {
			return mismatch("array (repeated field)", v)
		}
		list := m.Mutable(fd).List()
		i := 0
		for it := newElements(v); ; i++ {
			item, ok := it.next()
			if !ok {
				return nil
			}
			if err := e.element(list, fd, item); err != nil {
				return inIndex(err, i)
			}
		}
	case fd.Message() != nil:
		return e.messageValue(m.Mutable(fd).Message(), v)
	default:
		sv, err := e.scalar(fd, v)
		if err != nil {
			return err
		}
		m.Set(fd, sv)
		return nil
	}
}

func (e *pbEncoder) mapEntry(mp protoreflect.Map, kd, vd protoreflect.FieldDescriptor, name, val []byte) error {
	key, err := e.mapKey(kd, unquote(name, &e.scratch))
	if err != nil {
		return err
	}
	if vd.Message() != nil {
		if jsonKind(val) == 'n' {
			return dataErr("null is not a map value")
		}
		return e.messageValue(mp.Mutable(key).Message(), val)
	}
	sv, err := e.scalar(vd, val)
	if err != nil {
		return err
	}
	mp.Set(key, sv)
	return nil
}

func (e *pbEncoder) element(list protoreflect.List, fd protoreflect.FieldDescriptor, item []byte) error {
	if jsonKind(item) == 'n' {
		return dataErr("null is not a repeated element")
	}
	if fd.Message() != nil {
		el := list.NewElement()
		if err := e.messageValue(el.Message(), item); err != nil {
			return err
		}
		list.Append(el)
		return nil
	}
	sv, err := e.scalar(fd, item)
	if err != nil {
		return err
	}
	list.Append(sv)
	return nil
}

// numberText returns the digits of a JSON number, or of a string that holds
// one (protojson accepts quoted numbers for every numeric type).
func (e *pbEncoder) numberText(v []byte) ([]byte, bool) {
	switch jsonKind(v) {
	case '0':
		return v, true
	case '"':
		s := unquote(v, &e.scratch)
		if len(s) > 0 && jsonKind(s) == '0' && len(trimJSON(s)) == len(s) {
			return s, true
		}
	}
	return nil, false
}

// notNumber reports a value that is not an acceptable number: numbers and
// strings get "<v> is not <what>", other kinds a type mismatch.
func (e *pbEncoder) notNumber(v []byte, what, kind string) error {
	if k := jsonKind(v); k == '0' || k == '"' {
		return dataErr("%s is not %s", v, what)
	}
	return mismatch(kind, v)
}

func (e *pbEncoder) scalar(fd protoreflect.FieldDescriptor, v []byte) (protoreflect.Value, error) {
	k := jsonKind(v)
	switch fd.Kind() {
	case protoreflect.BoolKind:
		switch k {
		case 't':
			return protoreflect.ValueOfBool(true), nil
		case 'f':
			return protoreflect.ValueOfBool(false), nil
		}
		return protoreflect.Value{}, mismatch("boolean", v)

	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		n, ok := e.numberText(v)
		if ok {
			if x, ok := parseInt(n, math.MinInt32, math.MaxInt32); ok {
				return protoreflect.ValueOfInt32(int32(x)), nil
			}
		}
		return protoreflect.Value{}, e.notNumber(v, "a 32-bit integer", "integer")

	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n, ok := e.numberText(v)
		if ok {
			if x, ok := parseInt(n, math.MinInt64, math.MaxInt64); ok {
				return protoreflect.ValueOfInt64(x), nil
			}
		}
		return protoreflect.Value{}, e.notNumber(v, "a 64-bit integer", "integer (number or string)")

	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		n, ok := e.numberText(v)
		if ok {
			if x, ok := parseUint(n); ok && x <= math.MaxUint32 {
				return protoreflect.ValueOfUint32(uint32(x)), nil
			}
		}
		return protoreflect.Value{}, e.notNumber(v, "an unsigned 32-bit integer", "unsigned integer")

	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		n, ok := e.numberText(v)
		if ok {
			if x, ok := parseUint(n); ok {
				return protoreflect.ValueOfUint64(x), nil
			}
		}
		return protoreflect.Value{}, e.notNumber(v, "an unsigned 64-bit integer", "unsigned integer (number or string)")

	case protoreflect.FloatKind, protoreflect.DoubleKind:
		bits := 64
		if fd.Kind() == protoreflect.FloatKind {
			bits = 32
		}
		var f float64
		if n, ok := e.numberText(v); ok {
			var err error
			if f, err = strconv.ParseFloat(string(n), bits); err != nil {
				return protoreflect.Value{}, dataErr("%s is out of range for %s", v, fd.Kind())
			}
		} else if k == '"' {
			var ok bool
			if f, ok = parseSpecialFloat(unquote(v, &e.scratch)); !ok {
				return protoreflect.Value{}, dataErr("%s is not a number", v)
			}
		} else {
			return protoreflect.Value{}, mismatch("number", v)
		}
		if bits == 32 {
			return protoreflect.ValueOfFloat32(float32(f)), nil
		}
		return protoreflect.ValueOfFloat64(f), nil

	case protoreflect.StringKind:
		if k != '"' {
			return protoreflect.Value{}, mismatch("string", v)
		}
		return protoreflect.ValueOfString(string(unquote(v, &e.scratch))), nil

	case protoreflect.BytesKind:
		if k != '"' {
			return protoreflect.Value{}, mismatch("base64 string", v)
		}
		b, ok := decodeAnyBase64(unquote(v, &e.scratch))
		if !ok {
			return protoreflect.Value{}, dataErr("%s is not base64", v)
		}
		return protoreflect.ValueOfBytes(b), nil

	case protoreflect.EnumKind:
		ed := fd.Enum()
		switch k {
		case '"':
			s := unquote(v, &e.scratch)
			if ev := ed.Values().ByName(protoreflect.Name(s)); ev != nil {
				return protoreflect.ValueOfEnum(ev.Number()), nil
			}
			return protoreflect.Value{}, dataErr("%s is not a value of enum %s", v, ed.FullName())
		case '0':
			x, ok := parseInt(v, math.MinInt32, math.MaxInt32)
			if !ok {
				return protoreflect.Value{}, dataErr("%s is not an enum number", v)
			}
			if ed.IsClosed() && ed.Values().ByNumber(protoreflect.EnumNumber(x)) == nil {
				return protoreflect.Value{}, dataErr("%s is not a value of closed enum %s", v, ed.FullName())
			}
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(x)), nil
		}
		return protoreflect.Value{}, mismatch("enum name or number", v)
	}
	return protoreflect.Value{}, dataErr("unsupported field kind %s", fd.Kind())
}

func (e *pbEncoder) mapKey(kd protoreflect.FieldDescriptor, s []byte) (protoreflect.MapKey, error) {
	switch kd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(string(s)).MapKey(), nil
	case protoreflect.BoolKind:
		switch string(s) {
		case "true":
			return protoreflect.ValueOfBool(true).MapKey(), nil
		case "false":
			return protoreflect.ValueOfBool(false).MapKey(), nil
		}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if x, err := strconv.ParseInt(string(s), 10, 32); err == nil {
			return protoreflect.ValueOfInt32(int32(x)).MapKey(), nil
		}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if x, err := strconv.ParseInt(string(s), 10, 64); err == nil {
			return protoreflect.ValueOfInt64(x).MapKey(), nil
		}
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if x, err := strconv.ParseUint(string(s), 10, 32); err == nil {
			return protoreflect.ValueOfUint32(uint32(x)).MapKey(), nil
		}
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if x, err := strconv.ParseUint(string(s), 10, 64); err == nil {
			return protoreflect.ValueOfUint64(x).MapKey(), nil
		}
	}
	return protoreflect.MapKey{}, dataErr("%q is not a %s map key", s, kd.Kind())
}

// decodeAnyBase64 decodes standard or URL-safe base64, padded or not, as
// protojson does.
func decodeAnyBase64(s []byte) ([]byte, bool) {
	enc := base64.StdEncoding
	if strings.ContainsAny(string(s), "-_") {
		enc = base64.URLEncoding
	}
	if len(s)%4 != 0 {
		enc = enc.WithPadding(base64.NoPadding)
	}
	b := make([]byte, enc.DecodedLen(len(s)))
	n, err := enc.Decode(b, s)
	if err != nil {
		return nil, false
	}
	return b[:n], true
}
