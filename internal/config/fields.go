package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// This file turns Config's struct tags into a table of keys, and parses
// values into fields. Everything else (file, environment, flags, --help,
// validation, docs) walks that table, which is why one tagged field is all a
// new key needs.

// kind is the type of a key as users see it.
type kind int

const (
	kindString kind = iota
	kindInt
	kindBool
	kindList
)

// String returns the type name used in --help and the reference table.
func (k kind) String() string {
	return [...]string{"string", "int", "bool", "list"}[k]
}

// field describes one configuration key.
type field struct {
	key    string   // json tag: file key, and KREST_<KEY> upper-cased
	alias  string   // alternative file key, "" if none
	flag   string   // flag name, "" if the key has no flag
	help   string   // description, one or more sentences
	kind   kind     // value type
	index  int      // index of the field in Config
	min    *int64   // smallest accepted int, nil if unbounded
	max    *int64   // largest accepted int, nil if unbounded
	enum   []string // accepted string values, nil if any
	envVar string   // KREST_<KEY>
	secret bool     // a credential: masked by MaskedJSON
}

// fields lists every key in Config's field order.
var fields = mustFields(reflect.TypeFor[Config]())

// fieldByKey finds a field by key or alias.
var fieldByKey = func() map[string]*field {
	m := make(map[string]*field)
	for i := range fields {
		m[fields[i].key] = &fields[i]
		if fields[i].alias != "" {
			m[fields[i].alias] = &fields[i]
		}
	}
	return m
}()

// mustFields builds the key table from t's tags. It panics on a malformed
// tag: that is a programming error, and every test in the package trips it.
func mustFields(t reflect.Type) []field {
	var out []field
	seen := make(map[string]bool)
	for i := range t.NumField() {
		sf := t.Field(i)
		f := field{
			key:    sf.Tag.Get("json"),
			alias:  sf.Tag.Get("alias"),
			flag:   sf.Tag.Get("flag"),
			help:   sf.Tag.Get("help"),
			index:  i,
			envVar: envPrefix + strings.ToUpper(sf.Tag.Get("json")),
			secret: sf.Tag.Get("secret") == "true",
		}
		switch sf.Type {
		case reflect.TypeFor[string]():
			f.kind = kindString
		case reflect.TypeFor[int]():
			f.kind = kindInt
		case reflect.TypeFor[bool]():
			f.kind = kindBool
		case reflect.TypeFor[[]string]():
			f.kind = kindList
		default:
			panic(fmt.Sprintf("config: field %s has unsupported type %s", sf.Name, sf.Type))
		}
		if f.key == "" || f.help == "" {
			panic(fmt.Sprintf("config: field %s needs json and help tags", sf.Name))
		}
		for _, name := range []string{f.key, f.alias} {
			if name != "" && seen[name] {
				panic(fmt.Sprintf("config: key %q is defined twice", name))
			}
			seen[name] = true
		}
		f.min = intTag(sf, "min")
		f.max = intTag(sf, "max")
		if e := sf.Tag.Get("enum"); e != "" {
			f.enum = strings.Split(e, ",")
		}
		if ((f.min != nil || f.max != nil) && f.kind != kindInt) || (f.enum != nil && f.kind != kindString) {
			panic(fmt.Sprintf("config: field %s has a constraint that does not fit its type", sf.Name))
		}
		out = append(out, f)
	}
	return out
}

func intTag(sf reflect.StructField, name string) *int64 {
	s, ok := sf.Tag.Lookup(name)
	if !ok {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(fmt.Sprintf("config: field %s: bad %s tag %q", sf.Name, name, s))
	}
	return &n
}

// value returns the field's settable value in c.
func (f *field) value(c *Config) reflect.Value {
	return reflect.ValueOf(c).Elem().Field(f.index)
}

// setString sets the field from the text of an environment variable or a
// flag. The error describes the value, not the key, because callers know
// where the text came from.
func (f *field) setString(c *Config, s string) error {
	v := f.value(c)
	switch f.kind {
	case kindString:
		if f.enum != nil {
			// Lower-cased so that callers compare with the canonical
			// spelling; Karapace writes log levels in upper case.
			s = strings.ToLower(strings.TrimSpace(s))
		}
		v.SetString(s)
	case kindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil || v.OverflowInt(n) {
			return fmt.Errorf("%q is not an integer", s)
		}
		v.SetInt(n)
	case kindBool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%q is not a boolean (true or false)", s)
		}
		v.SetBool(b)
	case kindList:
		v.Set(reflect.ValueOf(splitList(s)))
	}
	return nil
}

// setJSON sets the field from a JSON value of the config file. Besides the
// natural JSON type it accepts what Karapace files contain in practice:
// numbers and booleans written as strings, numbers for string keys (such as
// producer_acks: 1), and comma-separated strings for lists. null keeps the
// current value, which is what Karapace's "None means default" amounts to.
func (f *field) setJSON(c *Config, raw json.RawMessage) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var x any
	if err := dec.Decode(&x); err != nil {
		return fmt.Errorf("%s is not valid JSON", raw)
	}
	switch x := x.(type) {
	case nil:
		return nil
	case string:
		if f.kind == kindList || f.kind == kindString {
			return f.setString(c, x)
		}
		// A numeric or boolean string: parse it, but name the JSON value
		// in the error as the user wrote it.
		if f.setString(c, x) != nil {
			return fmt.Errorf("%s is not %s", raw, f.kind.article())
		}
		return nil
	case json.Number:
		if f.kind == kindInt || f.kind == kindString {
			if f.setString(c, x.String()) != nil {
				return fmt.Errorf("%s is not an integer", raw)
			}
			return nil
		}
	case bool:
		if f.kind == kindBool {
			f.value(c).SetBool(x)
			return nil
		}
	case []any:
		if f.kind == kindList {
			list := make([]string, 0, len(x))
			for _, e := range x {
				s, ok := e.(string)
				if !ok {
					return fmt.Errorf("%s is not an array of strings", raw)
				}
				if s = strings.TrimSpace(s); s != "" {
					list = append(list, s)
				}
			}
			f.value(c).Set(reflect.ValueOf(list))
			return nil
		}
	}
	return fmt.Errorf("%s is not %s", raw, f.kind.article())
}

// article names the kind with an indefinite article, for error messages.
func (k kind) article() string {
	return [...]string{"a string", "an integer", "a boolean", "a list of strings"}[k]
}

// splitList splits a comma-separated list, dropping blanks so that
// "a, b," means [a b].
func splitList(s string) []string {
	var out []string
	for e := range strings.SplitSeq(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

// format renders the field's value in c the way a user would write it in
// an environment variable.
func (f *field) format(c *Config) string {
	v := f.value(c)
	switch f.kind {
	case kindInt:
		return strconv.FormatInt(v.Int(), 10)
	case kindBool:
		return strconv.FormatBool(v.Bool())
	case kindList:
		return strings.Join(v.Interface().([]string), ",")
	default:
		return v.String()
	}
}
