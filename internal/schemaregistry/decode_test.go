package schemaregistry

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/krest-dev/krest/internal/serde"
)

func TestReferences(t *testing.T) {
	f := newFake(t)
	var refFetches []string
	f.Intercept(func(_ http.ResponseWriter, r *http.Request) bool {
		if strings.HasPrefix(r.URL.Path, "/subjects/") && r.Method == http.MethodGet {
			refFetches = append(refFetches, r.URL.Path)
		}
		return false
	})

	// Avro: a record type from another subject.
	f.SeedSchema("address", 1, 50, sr.Schema{Schema: `{"type":"record","name":"Address","namespace":"com.x","fields":[{"name":"city","type":"string"}]}`})
	avroID, _, err := f.RegisterSchema("users-value", sr.Schema{
		Schema:     `{"type":"record","name":"User","namespace":"com.y","fields":[{"name":"home","type":"com.x.Address"}]}`,
		References: []sr.SchemaReference{{Name: "com.x.Address", Subject: "address", Version: 1}},
	})
	if err != nil {
		t.Fatal(err)
	}

	// Protobuf: an import of a registered file that imports another, plus
	// a well-known type some clients register as a reference too. Its
	// subject holds junk here: krest must not fetch it.
	f.SeedSchema("currency", 1, 60, sr.Schema{Type: sr.TypeProtobuf, Schema: `syntax = "proto3"; package common; enum Currency { EUR = 0; USD = 1; }`})
	f.SeedSchema("money", 1, 61, sr.Schema{Type: sr.TypeProtobuf,
		Schema:     `syntax = "proto3"; package common; import "common/currency.proto"; message Money { int64 units = 1; Currency currency = 2; }`,
		References: []sr.SchemaReference{{Name: "common/currency.proto", Subject: "currency", Version: 1}}})
	f.SeedSchema("google/protobuf/timestamp.proto", 1, 62, sr.Schema{Type: sr.TypeProtobuf, Schema: `junk that does not compile`})
	pbID, _, err := f.RegisterSchema("orders-value", sr.Schema{Type: sr.TypeProtobuf,
		Schema: `syntax = "proto3"; package shop; import "common/money.proto"; import "google/protobuf/timestamp.proto";
message Order { common.Money total = 1; google.protobuf.Timestamp at = 2; }`,
		References: []sr.SchemaReference{
			{Name: "common/money.proto", Subject: "money", Version: 1},
			{Name: "google/protobuf/timestamp.proto", Subject: "google/protobuf/timestamp.proto", Version: 1},
		}})
	if err != nil {
		t.Fatal(err)
	}

	// JSON Schema: a $ref by name.
	f.SeedSchema("address-json", 1, 70, sr.Schema{Type: sr.TypeJSON, Schema: `{"type":"object","properties":{"zip":{"type":"string"}},"required":["zip"]}`})
	jsID, _, err := f.RegisterSchema("people-value", sr.Schema{Type: sr.TypeJSON,
		Schema:     `{"type":"object","properties":{"address":{"$ref":"address.json"}}}`,
		References: []sr.SchemaReference{{Name: "address.json", Subject: "address-json", Version: 1}}})
	if err != nil {
		t.Fatal(err)
	}

	c := newClient(t, f.URL(), Options{})
	for _, tc := range []struct {
		topic string
		id    int
		in    string
		out   string
	}{
		{"users", avroID, `{"home":{"city":"Espoo"}}`, `{"home":{"city":"Espoo"}}`},
		{"orders", pbID, `{"total":{"units":5,"currency":"USD"},"at":"2024-01-01T00:00:00Z"}`, `{"total":{"units":5,"currency":"USD"},"at":"2024-01-01T00:00:00Z"}`},
		{"people", jsID, `{"address":{"zip":"02100"}}`, `{"address":{"zip":"02100"}}`},
	} {
		s, err := c.ResolveByID(ctx, tc.topic, false, tc.id)
		if err != nil {
			t.Errorf("%s: %v", tc.topic, err)
			continue
		}
		rec, err := s.AppendEncode(nil, []byte(tc.in))
		if err != nil {
			t.Errorf("%s: encode: %v", tc.topic, err)
			continue
		}
		got, err := c.AppendDecode(ctx, nil, rec)
		if err != nil || string(got) != tc.out {
			t.Errorf("%s: decode %s, %v; want %s", tc.topic, got, err, tc.out)
		}
	}
	if _, err := (func() ([]byte, error) {
		s, _ := c.SchemaByID(ctx, jsID)
		return s.AppendEncode(nil, []byte(`{"address":{}}`))
	})(); !errors.Is(err, serde.ErrInvalidData) {
		t.Errorf("JSON Schema reference not enforced: %v", err)
	}
	for _, p := range refFetches {
		if strings.Contains(p, "google") {
			t.Errorf("fetched a well-known type from the registry: %s", p)
		}
	}
}

// TestReferenceCycle uses a hand-made registry: srfake refuses cycles.
func TestReferenceCycle(t *testing.T) {
	schemas := map[string]sr.SubjectSchema{
		"/schemas/ids/1": {Schema: sr.Schema{Schema: `{"type":"record","name":"A","fields":[]}`,
			References: []sr.SchemaReference{{Name: "B", Subject: "b", Version: 1}}}},
		"/subjects/b/versions/1": {Subject: "b", Version: 1, ID: 2, Schema: sr.Schema{Schema: `{"type":"record","name":"B","fields":[]}`,
			References: []sr.SchemaReference{{Name: "C", Subject: "c", Version: 1}}}},
		"/subjects/c/versions/1": {Subject: "c", Version: 1, ID: 3, Schema: sr.Schema{Schema: `{"type":"record","name":"C","fields":[]}`,
			References: []sr.SchemaReference{{Name: "B", Subject: "b", Version: 1}}}},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := schemas[r.URL.Path]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error_code":40401,"message":"Subject not found"}`))
			return
		}
		json.NewEncoder(w).Encode(s)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL, Options{})
	_, err := c.SchemaByID(ctx, 1)
	if !errors.Is(err, ErrInvalidSchema) || !strings.Contains(err.Error(), "cycle") {
		t.Errorf("cycle: %v", err)
	}
	// A reference the registry does not have is an invalid schema too.
	schemas["/schemas/ids/4"] = sr.SubjectSchema{Schema: sr.Schema{Schema: `"int"`,
		References: []sr.SchemaReference{{Name: "X", Subject: "x", Version: 9}}}}
	if _, err := c.SchemaByID(ctx, 4); !errors.Is(err, ErrInvalidSchema) || !strings.Contains(err.Error(), "x version 9 not found") {
		t.Errorf("missing reference: %v", err)
	}
}

func TestAppendDecode(t *testing.T) {
	f := newFake(t)
	avroID, _, _ := f.RegisterSchema("t-value", sr.Schema{Schema: userV1})
	pbID, _, _ := f.RegisterSchema("t-key", sr.Schema{Type: sr.TypeProtobuf, Schema: `syntax = "proto3"; message K { int64 id = 1; }`})
	c := newClient(t, f.URL(), Options{})
	av, _ := c.SchemaByID(ctx, avroID)
	pb, _ := c.SchemaByID(ctx, pbID)
	value, _ := av.AppendEncode(nil, []byte(`{"name":"Ann"}`))
	key, _ := pb.AppendEncode(nil, []byte(`{"id":"7"}`))

	got, err := c.AppendDecode(ctx, []byte("["), value)
	if err != nil || string(got) != `[{"name":"Ann"}` {
		t.Errorf("value: %s %v", got, err)
	}
	// The registry's type decides, whatever the consumer's format: an
	// avro consumer reads a Protobuf key.
	got, err = c.AppendDecodeKey(ctx, nil, key, serde.Avro)
	if err != nil || string(got) != `{"id":7}` {
		t.Errorf("protobuf key, avro consumer: %s %v", got, err)
	}

	for _, tc := range []struct {
		data []byte
		want error
	}{
		{[]byte("plain"), serde.ErrWireFormat},
		{[]byte{0, 0, 0, 0x30, 0x39, 2}, ErrUnknownSchema},
		{append(value[:5:5], 0x09), serde.ErrInvalidData}, // string length -5
	} {
		out, err := c.AppendDecode(ctx, []byte("x"), tc.data)
		if !errors.Is(err, tc.want) || string(out) != "x" {
			t.Errorf("AppendDecode(% x) = %q, %v; want %v", tc.data, out, err, tc.want)
		}
		// Keys of avro and protobuf consumers fall back to base64...
		for _, format := range []serde.Format{serde.Avro, serde.Protobuf} {
			out, err := c.AppendDecodeKey(ctx, nil, tc.data, format)
			if err != nil || string(out) != string(serde.AppendBase64(nil, tc.data)) {
				t.Errorf("key % x, %s consumer: %s %v; want base64", tc.data, format, out, err)
			}
		}
		// ...jsonschema consumers' do not.
		if _, err := c.AppendDecodeKey(ctx, nil, tc.data, serde.JSONSchema); !errors.Is(err, tc.want) {
			t.Errorf("key % x, jsonschema consumer: %v; want %v", tc.data, err, tc.want)
		}
	}
	// A registry that cannot be reached is not papered over with base64.
	down := newClient(t, closedURL(t), Options{})
	if _, err := down.AppendDecodeKey(ctx, nil, key, serde.Avro); !errors.Is(err, ErrRegistryUnavailable) {
		t.Errorf("key with registry down: %v", err)
	}
}
