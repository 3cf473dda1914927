package serde

import (
	"errors"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

func mustCompile(t testing.TB, typ SchemaType, text string, opts Options, refs ...Reference) Codec {
	t.Helper()
	c, err := Compile(SchemaSource{Type: typ, Text: text, References: refs}, opts)
	if err != nil {
		t.Fatalf("Compile(%s): %v", typ, err)
	}
	return c
}

func mustEncode(t testing.TB, c Codec, in string) []byte {
	t.Helper()
	b, err := c.AppendEncode(nil, jsontext.Value(in))
	if err != nil {
		t.Fatalf("AppendEncode(%s): %v", in, err)
	}
	return b
}

func mustDecode(t testing.TB, c Codec, payload []byte) string {
	t.Helper()
	b, err := c.AppendDecode(nil, payload)
	if err != nil {
		t.Fatalf("AppendDecode(% x): %v", payload, err)
	}
	if !jsontext.Value(b).IsValid(jsontext.AllowDuplicateNames(false)) {
		t.Fatalf("AppendDecode(% x) wrote invalid JSON %s", payload, b)
	}
	return string(b)
}

// wantDataError checks that encoding in fails with ErrInvalidData and a
// message containing want, and leaves dst alone.
func wantDataError(t testing.TB, c Codec, in, want string) {
	t.Helper()
	dst := []byte("prefix")
	out, err := c.AppendEncode(dst, jsontext.Value(in))
	if err == nil {
		t.Errorf("AppendEncode(%s) = % x, want error %q", in, out, want)
		return
	}
	if !errors.Is(err, ErrInvalidData) {
		t.Errorf("AppendEncode(%s) error %v is not ErrInvalidData", in, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("AppendEncode(%s) error %q, want it to contain %q", in, err, want)
	}
	if string(out) != "prefix" {
		t.Errorf("AppendEncode(%s) changed dst to %q on error", in, out)
	}
}
