package serde

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

const pbSchema = `syntax = "proto3";
package shop.v1;

import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/any.proto";
import "common/money.proto";

message Order {
  string order_id = 1;
  int64 big = 2;
  uint64 ubig = 3;
  int32 small = 4;
  bytes raw = 5;
  double price = 6;
  float ratio = 7;
  bool paid = 8;
  enum Status { STATUS_UNKNOWN = 0; STATUS_NEW = 1; STATUS_DONE = 2; }
  Status status = 9;
  message Line {
    string sku = 1;
    int32 qty = 2;
    message Note { string text = 1; }
    Note note = 3;
  }
  repeated Line lines = 10;
  map<string, int32> counts = 11;
  map<int64, string> by_id = 12;
  google.protobuf.Timestamp created_at = 13;
  google.protobuf.Int64Value maybe = 14;
  google.protobuf.Struct extra = 15;
  common.Money total = 16;
  optional string note = 17;
  oneof payment {
    string card = 18;
    int32 voucher = 19;
  }
  google.protobuf.Any any = 20;
  repeated int32 nums = 21;
}

message Refund {
  string order_id = 1;
  Order.Line line = 2;
}
`

var moneyRef = Reference{Name: "common/money.proto", Source: SchemaSource{Type: SchemaProtobuf, Text: `syntax = "proto3";
package common;
import "common/currency.proto";
message Money { int64 units = 1; Currency currency = 2; }
`, References: []Reference{{Name: "common/currency.proto", Source: SchemaSource{Type: SchemaProtobuf,
	Text: `syntax = "proto3"; package common; enum Currency { EUR = 0; USD = 1; }`}}}}}

func TestProtobufRoundTrip(t *testing.T) {
	c := mustCompile(t, SchemaProtobuf, pbSchema, Options{}, moneyRef)
	if got := c.RecordName(); got != "shop.v1.Order" {
		t.Errorf("RecordName = %q", got)
	}
	in := `{"order_id":"o-1","big":"9223372036854775807","ubig":18446744073709551615,"small":-5,
	 "raw":"AAH/","price":1.25,"ratio":0.5,"paid":true,"status":"STATUS_DONE",
	 "lines":[{"sku":"a","qty":2,"note":{"text":"x"}},{"sku":"b"}],"counts":{"z":1,"a":2},"by_id":{"-3":"m","10":"t"},
	 "created_at":"2024-01-02T03:04:05.5Z","maybe":7,"extra":{"k":[1,"s",null]},
	 "total":{"units":100,"currency":"USD"},"note":"","card":"visa",
	 "any":{"@type":"type.googleapis.com/shop.v1.Refund","order_id":"o-0"},"nums":[1,2,3]}`
	bin := mustEncode(t, c, in)
	if bin[0] != 0 {
		t.Fatalf("message indexes % x, want the [0] shortcut", bin[:1])
	}
	want := `{"order_id":"o-1","big":9223372036854775807,"ubig":18446744073709551615,"small":-5,` +
		`"raw":"AAH/","price":1.25,"ratio":0.5,"paid":true,"status":"STATUS_DONE",` +
		`"lines":[{"sku":"a","qty":2,"note":{"text":"x"}},{"sku":"b","qty":0}],"counts":{"a":2,"z":1},"by_id":{"-3":"m","10":"t"},` +
		`"created_at":"2024-01-02T03:04:05.500Z","maybe":7,"extra":{"k":[1,"s",null]},` +
		`"total":{"units":100,"currency":"USD"},"note":"","card":"visa",` +
		`"any":{"@type":"type.googleapis.com/shop.v1.Refund","order_id":"o-0"},"nums":[1,2,3]}`
	if got := mustDecode(t, c, bin); got != want {
		t.Errorf("decode:\n got %s\nwant %s", got, want)
	}
	// Re-encoding the output gives the same bytes (deterministic marshal).
	if again := mustEncode(t, c, want); !bytes.Equal(again, bin) {
		t.Errorf("re-encode differs:\n% x\n% x", again, bin)
	}

	// Defaults are written for fields without presence; unset messages,
	// optionals and oneofs are not.
	empty := mustEncode(t, c, `{}`)
	if !bytes.Equal(empty, []byte{0}) {
		t.Errorf("empty message = % x", empty)
	}
	wantEmpty := `{"order_id":"","big":0,"ubig":0,"small":0,"raw":"","price":0,"ratio":0,"paid":false,` +
		`"status":"STATUS_UNKNOWN","lines":[],"counts":{},"by_id":{},"nums":[]}`
	if got := mustDecode(t, c, empty); got != wantEmpty {
		t.Errorf("empty:\n got %s\nwant %s", got, wantEmpty)
	}

	// protojson's int64-as-string, on request.
	cs := mustCompile(t, SchemaProtobuf, pbSchema, Options{ProtobufInt64AsString: true}, moneyRef)
	got := mustDecode(t, cs, bin)
	for _, frag := range []string{`"big":"9223372036854775807"`, `"ubig":"18446744073709551615"`, `"small":-5`, `"maybe":"7"`, `"units":"100"`} {
		if !strings.Contains(got, frag) {
			t.Errorf("Int64AsString output lacks %s: %s", frag, got)
		}
	}
}

func TestProtobufInputForms(t *testing.T) {
	c := mustCompile(t, SchemaProtobuf, pbSchema, Options{}, moneyRef)
	// Each pair must encode identically.
	for _, pair := range [][2]string{
		{`{"order_id":"x"}`, `{"orderId":"x"}`},     // JSON name
		{`{"status":"STATUS_NEW"}`, `{"status":1}`}, // enum by number
		{`{"big":"12"}`, `{"big":12}`},              // int64 as string
		{`{"small":"12"}`, `{"small":12.0}`},        // int32 as string, integral float
		{`{"raw":"-_8="}`, `{"raw":"+/8"}`},         // URL-safe, unpadded base64
		{`{"created_at":{"seconds":1,"nanos":5}}`, `{"created_at":"1970-01-01T00:00:01.000000005Z"}`}, // Karapace's Timestamp form
		{`{"maybe":{"value":"3"}}`, `{"maybe":3}`},                                                    // Karapace's wrapper form
		{`{"price":"NaN"}`, `{"price":"NaN"}`},
		{`{"order_id":null,"lines":[]}`, `{}`}, // null = unset
	} {
		a, b := mustEncode(t, c, pair[0]), mustEncode(t, c, pair[1])
		if !bytes.Equal(a, b) {
			t.Errorf("%s → % x but %s → % x", pair[0], a, pair[1], b)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`{"nope":1}`, "field nope: not a field of message shop.v1.Order"},
		{`{"lines":[{"sku":"a","qty":"many"}]}`, `field lines[0].qty: "many" is not a 32-bit integer`},
		{`{"lines":[{"note":{"txt":"x"}}]}`, "field lines[0].note.txt: not a field of message shop.v1.Order.Line.Note"},
		{`{"status":"DONE"}`, `field status: "DONE" is not a value of enum shop.v1.Order.Status`},
		{`{"small":2147483648}`, "field small: 2147483648 is not a 32-bit integer"},
		{`{"ubig":-1}`, "field ubig: -1 is not an unsigned 64-bit integer"},
		{`{"raw":"not base64!"}`, "field raw: \"not base64!\" is not base64"},
		{`{"paid":"yes"}`, "field paid: expected boolean, got string"},
		{`{"card":"visa","voucher":1}`, "field voucher: oneof payment already has card set"},
		{`{"lines":{"sku":"a"}}`, "field lines: expected array (repeated field), got object"},
		{`{"lines":[null]}`, "field lines[0]: null is not a repeated element"},
		{`{"counts":{"a":"b"}}`, `field counts.a: "b" is not a 32-bit integer`},
		{`{"by_id":{"x":"y"}}`, `field by_id.x: "x" is not a int64 map key`},
		{`{"created_at":"yesterday"}`, "field created_at: google.protobuf.Timestamp:"},
		{`{"total":{"currency":"GBP"}}`, `field total.currency: "GBP" is not a value of enum common.Currency`},
		{`[]`, "expected object (message shop.v1.Order), got array"},
	} {
		wantDataError(t, c, tc.in, tc.want)
	}
}

func TestProtobufMessageIndexes(t *testing.T) {
	c := mustCompile(t, SchemaProtobuf, pbSchema, Options{}, moneyRef)
	// A Refund (second top-level message, indexes [1]) and a Line (first
	// message nested in the first, [0, 0]) written by another producer.
	refund := protowire.AppendTag(nil, 1, protowire.BytesType)
	refund = protowire.AppendString(refund, "r-1")
	line := protowire.AppendTag(nil, 1, protowire.BytesType)
	line = protowire.AppendString(line, "sku")
	for _, tc := range []struct {
		idx  []int
		data []byte
		want string
	}{
		{[]int{1}, refund, `{"order_id":"r-1"}`},
		{[]int{0, 0}, line, `{"sku":"sku","qty":0}`},
		{[]int{0, 0, 0}, protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "n"), `{"text":"n"}`},
	} {
		payload := append(AppendMessageIndexes(nil, tc.idx), tc.data...)
		if got := mustDecode(t, c, payload); got != tc.want {
			t.Errorf("indexes %v: %s, want %s", tc.idx, got, tc.want)
		}
	}
	for _, bad := range [][]int{{2}, {0, 5}, {1, 0}} {
		payload := AppendMessageIndexes(nil, bad)
		if _, err := c.AppendDecode(nil, payload); !errors.Is(err, ErrInvalidData) {
			t.Errorf("indexes %v: %v, want ErrInvalidData", bad, err)
		}
	}
	if _, err := c.AppendDecode(nil, []byte{0x80}); !errors.Is(err, ErrWireFormat) {
		t.Errorf("truncated indexes: %v", err)
	}
	if _, err := c.AppendDecode(nil, []byte{0, 0x0a, 0x05, 'a'}); !errors.Is(err, ErrInvalidData) {
		t.Errorf("truncated message: %v", err)
	}
}

func TestProtobufProto2AndNames(t *testing.T) {
	c := mustCompile(t, SchemaProtobuf, `syntax = "proto2";
message Thing {
  required string id = 1;
  optional int32 n = 2 [default = 5];
  enum Kind { A = 1; B = 2; }
  optional Kind kind = 3;
}`, Options{})
	if got := c.RecordName(); got != "Thing" {
		t.Errorf("RecordName without package = %q", got)
	}
	wantDataError(t, c, `{"n":1}`, "required field Thing.id not set")
	wantDataError(t, c, `{"id":"x","kind":7}`, "is not a value of closed enum Thing.Kind")
	bin := mustEncode(t, c, `{"id":"x","kind":"B"}`)
	if got, want := mustDecode(t, c, bin), `{"id":"x","kind":"B"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	// A record missing a required field is still readable.
	if got, want := mustDecode(t, c, []byte{0, 0x10, 0x01}), `{"n":1}`; got != want {
		t.Errorf("partial: got %s, want %s", got, want)
	}
}

func TestProtobufConfluentImports(t *testing.T) {
	// Confluent's serializers import these without registering them.
	c := mustCompile(t, SchemaProtobuf, `syntax = "proto3";
package p;
import "confluent/meta.proto";
import "confluent/type/decimal.proto";
message M {
  confluent.type.Decimal amount = 1 [(confluent.field_meta) = { params: [{key: "precision", value: "8"}] }];
}`, Options{})
	bin := mustEncode(t, c, `{"amount":{"value":"AQ==","precision":8,"scale":2}}`)
	if got, want := mustDecode(t, c, bin), `{"amount":{"value":"AQ==","precision":8,"scale":2}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	for _, p := range []string{"google/protobuf/timestamp.proto", "google/protobuf/struct.proto", "confluent/meta.proto"} {
		if !IsBuiltinProtoImport(p) {
			t.Errorf("IsBuiltinProtoImport(%q) = false", p)
		}
	}
	if IsBuiltinProtoImport("google/protobuf/nope.proto") || IsBuiltinProtoImport("common/money.proto") {
		t.Error("IsBuiltinProtoImport too broad")
	}
}

func TestProtobufInvalidSchemas(t *testing.T) {
	for _, tc := range []struct {
		text string
		refs []Reference
		want string
	}{
		{`syntax = "proto3"; message M { strin a = 1; }`, nil, "unknown type strin"},
		{`syntax = "proto3"; package p;`, nil, "defines no message type"},
		{`syntax = "proto3"; import "missing.proto"; message M {}`, nil, "missing.proto"},
		{`message M {`, nil, "line 1"},
		{`syntax = "proto3"; import "a.proto"; message M {}`, []Reference{{Name: "a.proto", Source: SchemaSource{Type: SchemaAvro, Text: `"int"`}}}, "not PROTOBUF"},
	} {
		_, err := Compile(SchemaSource{Type: SchemaProtobuf, Text: tc.text, References: tc.refs}, Options{})
		if !errors.Is(err, ErrInvalidSchema) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Compile(%q) = %v, want %q", tc.text, err, tc.want)
		}
	}
}
