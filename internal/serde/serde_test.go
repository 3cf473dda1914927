package serde

import (
	"bytes"
	"testing"
)

func TestDecodeBase64(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"Zm9v", "foo", true},
		{"Zm9vCg==", "foo\n", true},
		{"Zm9vCg", "foo\n", true},      // padding optional, as Java
		{"Zm9v\nYmFy", "foobar", true}, // line breaks from base64(1)
		{"", "", true},                 // empty bytes, not null
		{"Zm9v!!", "", false},          // Karapace drops '!', krest refuses
		{"Zm9v-_", "", false},          // URL-safe alphabet is not base64
		{"Z", "", false},
	} {
		got, err := DecodeBase64([]byte(tc.in))
		if (err == nil) != tc.ok {
			t.Errorf("DecodeBase64(%q) err = %v, want ok=%v", tc.in, err, tc.ok)
			continue
		}
		if tc.ok && string(got) != tc.want {
			t.Errorf("DecodeBase64(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestAppendBase64(t *testing.T) {
	if got := string(AppendBase64([]byte("x"), []byte("foo\n"))); got != `x"Zm9vCg=="` {
		t.Fatalf("got %s", got)
	}
}

func TestAppendJSON(t *testing.T) {
	got, err := AppendJSON([]byte("["), []byte(" { \"a\" : [1, 2] ,\"a\":3} "))
	if err != nil || string(got) != `[{"a":[1,2],"a":3}` {
		t.Fatalf("got %s, %v", got, err)
	}
	for _, bad := range []string{"test", "{", "1 2", "\"\xff\"", ""} {
		dst := []byte("prefix")
		got, err := AppendJSON(dst, []byte(bad))
		if err == nil || !bytes.Equal(got, []byte("prefix")) {
			t.Errorf("AppendJSON(%q) = %q, %v; want error and dst unchanged", bad, got, err)
		}
	}
}

func TestParseFormat(t *testing.T) {
	for _, n := range []string{"binary", "json", "avro", "jsonschema", "protobuf"} {
		f, ok := ParseFormat(n)
		if !ok || f.String() != n {
			t.Errorf("ParseFormat(%q) = %v, %v", n, f, ok)
		}
	}
	if _, ok := ParseFormat("JSON"); ok {
		t.Error("format names are case-sensitive")
	}
	if Binary.NeedsSchema() || JSON.NeedsSchema() || !Avro.NeedsSchema() || !Protobuf.NeedsSchema() || !JSONSchema.NeedsSchema() {
		t.Error("NeedsSchema wrong")
	}
}
