package restapi

import (
	"net/http"
	"strings"
	"testing"

	"github.com/krest-dev/krest/internal/testutil"
)

// rejected is one request krest must refuse as a whole.
type rejected struct {
	name    string
	method  string // "" = POST
	path    string // "" = /topics/t
	body    string
	headers []string
	status  int
	code    int
	// message, when set, must be contained in the error message.
	message []string
}

// rejectedProduces lists produce requests that must be refused before
// anything is written. They post to topic "t" (3 partitions) unless the
// path says otherwise. The fuzz seed corpus reuses the bodies.
var rejectedProduces = []rejected{
	// Malformed JSON → 400.
	{name: "malformed-json/truncated", body: `{"records":[`, status: 400, code: 400},
	{name: "malformed-json/unterminated-object", body: `{"records":[{"value":"YQ=="}]`, status: 400, code: 400},
	{name: "malformed-json/not-json", body: `records=YQ==`, status: 400, code: 400},
	{name: "malformed-json/single-quotes", body: `{'records':[{'value':'YQ=='}]}`, status: 400, code: 400},
	{name: "malformed-json/trailing-garbage", body: `{"records":[{"value":"YQ=="}]} x`, status: 400, code: 400},
	{name: "malformed-json/two-objects", body: `{"records":[{"value":"YQ=="}]}{}`, status: 400, code: 400},
	{name: "malformed-json/trailing-comma", body: `{"records":[{"value":"YQ=="},]}`, status: 400, code: 400},
	{name: "malformed-json/invalid-utf8", body: "{\"records\":[{\"value\":\"\xff\"}]}", status: 400, code: 400},
	{name: "malformed-json/nan", body: `{"records":[{"value":NaN}]}`, headers: []string{ctJSON}, status: 400, code: 400},
	{name: "empty-body", body: ``, status: 400, code: 400},
	{name: "blank-body", body: " \n\t ", status: 400, code: 400},
	// A body that is not an object → 400.
	{name: "body-not-object/array", body: `[{"value":"YQ=="}]`, status: 400, code: 400},
	{name: "body-not-object/string", body: `"records"`, status: 400, code: 400},
	{name: "body-not-object/number", body: `1`, status: 400, code: 400},
	{name: "body-not-object/null", body: `null`, status: 400, code: 400},
	// records not a list → 400.
	{name: "records-not-list/string", body: `{"records":"YQ=="}`, status: 400, code: 400, message: []string{"records"}},
	{name: "records-not-list/object", body: `{"records":{"value":"YQ=="}}`, status: 400, code: 400, message: []string{"records"}},
	{name: "records-not-list/number", body: `{"records":5}`, status: 400, code: 400, message: []string{"records"}},
	// A record that is not an object → 400, naming the index.
	{name: "record-not-object/number", body: `{"records":[1]}`, status: 400, code: 400, message: []string{"records[0]"}},
	{name: "record-not-object/string", body: `{"records":["YQ=="]}`, status: 400, code: 400, message: []string{"records[0]"}},
	{name: "record-not-object/null", body: `{"records":[{"value":"YQ=="},null]}`, status: 400, code: 400, message: []string{"records[1]"}},
	{name: "record-not-object/array", body: `{"records":[{"value":"YQ=="},[]]}`, status: 400, code: 400, message: []string{"records[1]"}},
	// Invalid base64 → 400, naming the index and the field.
	{name: "invalid-base64/value", body: `{"records":[{"value":"!!!"}]}`, status: 400, code: 400, message: []string{"records[0]", "value"}},
	{name: "invalid-base64/key-of-second-record", body: `{"records":[{"value":"YQ=="},{"key":"a","value":"YQ=="}]}`, status: 400, code: 400, message: []string{"records[1]", "key"}},
	{name: "invalid-base64/url-safe-alphabet", body: `{"records":[{"value":"-_-_"}]}`, status: 400, code: 400, message: []string{"records[0]", "value"}},
	{name: "invalid-base64/number", body: `{"records":[{"value":5}]}`, status: 400, code: 400, message: []string{"records[0]", "value"}},
	{name: "invalid-base64/object", body: `{"records":[{"value":{"a":1}}]}`, status: 400, code: 400, message: []string{"records[0]", "value"}},
	{name: "invalid-base64/true", body: `{"records":[{"key":true,"value":"YQ=="}]}`, status: 400, code: 400, message: []string{"records[0]", "key"}},
	{name: "invalid-base64/octet-stream-is-binary", body: `{"records":[{"value":{"a":1}}]}`, headers: []string{"Content-Type: application/octet-stream"}, status: 400, code: 400},
	{name: "invalid-base64/application-json-is-binary", body: `{"records":[{"value":{"a":1}}]}`, headers: []string{"Content-Type: application/json"}, status: 400, code: 400},
	// records missing or empty → 422.
	{name: "records-missing/empty-object", body: `{}`, status: 422, code: 422, message: []string{"records"}},
	{name: "records-missing/only-schema-id", body: `{"value_schema_id":1}`, status: 422, code: 422, message: []string{"records"}},
	{name: "records-empty/list", body: `{"records":[]}`, status: 422, code: 422, message: []string{"records"}},
	{name: "records-empty/null", body: `{"records":null}`, status: 422, code: 422, message: []string{"records"}},
	// Unknown fields → 422, naming the field.
	{name: "unknown-field/top-level-after", body: `{"records":[{"value":"YQ=="}],"foo":1}`, status: 422, code: 422, message: []string{"foo"}},
	{name: "unknown-field/top-level-before", body: `{"foo":1,"records":[{"value":"YQ=="}]}`, status: 422, code: 422, message: []string{"foo"}},
	{name: "unknown-field/top-level-case", body: `{"Records":[{"value":"YQ=="}]}`, status: 422, code: 422, message: []string{"Records"}},
	{name: "unknown-field/record-typo-valur", body: `{"records":[{"valur":"YQ=="}]}`, status: 422, code: 422, message: []string{"records[0]", "valur"}},
	{name: "unknown-field/record-timestamp", body: `{"records":[{"value":"YQ=="},{"value":"YQ==","timestamp":1}]}`, status: 422, code: 422, message: []string{"records[1]", "timestamp"}},
	// Malformed headers → 422, naming the record.
	{name: "headers-malformed/string", body: `{"records":[{"value":"YQ==","headers":"h"}]}`, status: 422, code: 422, message: []string{"records[0].headers"}},
	{name: "headers-malformed/object", body: `{"records":[{"value":"YQ==","headers":{"h":"YQ=="}}]}`, status: 422, code: 422, message: []string{"records[0].headers"}},
	{name: "headers-malformed/entry-not-object", body: `{"records":[{"value":"YQ==","headers":["h"]}]}`, status: 422, code: 422, message: []string{"records[0].headers"}},
	{name: "headers-malformed/missing-key", body: `{"records":[{"value":"YQ==","headers":[{"value":"YQ=="}]}]}`, status: 422, code: 422, message: []string{"records[0].headers"}},
	{name: "headers-malformed/key-not-string", body: `{"records":[{"value":"YQ==","headers":[{"key":1,"value":null}]}]}`, status: 422, code: 422, message: []string{"records[0].headers"}},
	{name: "headers-malformed/value-not-string", body: `{"records":[{"value":"YQ==","headers":[{"key":"h","value":5}]}]}`, status: 422, code: 422, message: []string{"records[0].headers"}},
	{name: "invalid-base64/header-value", body: `{"records":[{"value":"YQ==","headers":[{"key":"h","value":"!!"}]}]}`, status: 400, code: 400, message: []string{"records[0].headers[0].value"}},
	{name: "headers-malformed/unknown-member", body: `{"records":[{"value":"YQ=="},{"value":"YQ==","headers":[{"key":"h","value":null,"x":1}]}]}`, status: 422, code: 422, message: []string{"records[1].headers"}},
	// A record partition that is not a partition number → 422.
	{name: "record-partition/not-a-number", body: `{"records":[{"value":"YQ==","partition":"x"}]}`, status: 422, code: 422, message: []string{"records[0].partition"}},
	{name: "record-partition/fraction", body: `{"records":[{"value":"YQ==","partition":1.5}]}`, status: 422, code: 422, message: []string{"records[0].partition"}},
	{name: "record-partition/boolean", body: `{"records":[{"value":"YQ==","partition":true}]}`, status: 422, code: 422, message: []string{"records[0].partition"}},
	{name: "record-partition/below-minus-one", body: `{"records":[{"value":"YQ==","partition":-2}]}`, status: 422, code: 422, message: []string{"records[0].partition"}},
	{name: "record-partition/beyond-int32", body: `{"records":[{"value":"YQ==","partition":4294967296}]}`, status: 422, code: 422, message: []string{"records[0].partition"}},
	// Unsupported Content-Type on a POST → 415.
	{name: "content-type/text-plain", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: text/plain"}, status: 415, code: 415},
	{name: "content-type/v3", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: application/vnd.kafka.v3+json"}, status: 415, code: 415},
	{name: "content-type/binary-v1-foo", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: application/vnd.kafka.binary.v1+foo"}, status: 415, code: 415},
	{name: "content-type/avro-v0", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: application/vnd.kafka.avro.v0+json"}, status: 415, code: 415},
	{name: "content-type/json-plus-avro", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: application/vnd.kafka.json+avro"}, status: 415, code: 415},
	{name: "content-type/vnd-kafka-bare", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: application/vnd.kafka"}, status: 415, code: 415},
	{name: "content-type/vnd-kafka-plus-binary", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: application/vnd.kafka+binary"}, status: 415, code: 415},
	{name: "content-type/unknown-format", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: application/vnd.kafka.xml.v2+json"}, status: 415, code: 415},
	{name: "content-type/application-text", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: application/text"}, status: 415, code: 415},
	{name: "content-type/bar-baz", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: bar/baz"}, status: 415, code: 415},
	{name: "content-type/malformed", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: ;;;"}, status: 415, code: 415},
	// Accept naming nothing krest produces → 406, on produce too.
	{name: "accept/octet-stream", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Accept: application/octet-stream"}, status: 406, code: 406},
	{name: "accept/text-html", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Accept: text/html"}, status: 406, code: 406},
	// Schema formats without a schema → 42201 (keys) / 42202 (values).
	{name: "avro/keys-without-key-schema", body: `{"records":[{"key":{"a":1},"value":{"b":2}}]}`, headers: []string{ctAvro}, status: 422, code: 42201, message: []string{"key_schema"}},
	{name: "avro/values-without-value-schema", body: `{"records":[{"value":{"b":2}}]}`, headers: []string{ctAvro}, status: 422, code: 42202, message: []string{"value_schema"}},
	{name: "avro/key-schema-but-no-value-schema", body: `{"key_schema":"\"string\"","records":[{"key":"k","value":{"b":2}}]}`, headers: []string{ctAvro}, status: 422, code: 42202},
	{name: "jsonschema/values-without-value-schema", body: `{"records":[{"value":{"b":2}}]}`, headers: []string{"Content-Type: application/vnd.kafka.jsonschema.v2+json"}, status: 422, code: 42202},
	{name: "protobuf/keys-without-key-schema", body: `{"records":[{"key":{"a":1}}]}`, headers: []string{"Content-Type: application/vnd.kafka.protobuf.v2+json"}, status: 422, code: 42201},
	// Unknown topic / partition on the produce routes.
	{name: "unknown-topic/topic-route", path: "/topics/nope", body: `{"records":[{"value":"YQ=="}]}`, status: 404, code: 40401, message: []string{"nope"}},
	{name: "unknown-topic/partition-route", path: "/topics/nope/partitions/0", body: `{"records":[{"value":"YQ=="}]}`, status: 404, code: 40401, message: []string{"nope"}},
	{name: "unknown-partition/partition-route", path: "/topics/t/partitions/3", body: `{"records":[{"value":"YQ=="}]}`, status: 404, code: 40402, message: []string{"3"}},
	{name: "unknown-partition/negative", path: "/topics/t/partitions/-1", body: `{"records":[{"value":"YQ=="}]}`, status: 404, code: 40402},
	{name: "unknown-partition/record-partition-does-not-save-it", path: "/topics/t/partitions/9", body: `{"records":[{"value":"YQ==","partition":0}]}`, status: 404, code: 40402},
	{name: "non-integer-partition", path: "/topics/t/partitions/abc", body: `{"records":[{"value":"YQ=="}]}`, status: 404, code: 404},
	{name: "non-integer-partition/fraction", path: "/topics/t/partitions/1.0", body: `{"records":[{"value":"YQ=="}]}`, status: 404, code: 404},
}

// TestProduceRejected sends every request of rejectedProduces and checks
// its status, error_code, JSON error body and message, and that nothing
// reached Kafka after each one.
func TestProduceRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.topic("t", 3)
	for _, tc := range rejectedProduces {
		t.Run(tc.name, func(t *testing.T) {
			e := e.sub(t)
			method, path := tc.method, tc.path
			if method == "" {
				method = "POST"
			}
			if path == "" {
				path = "/topics/t"
			}
			msg := e.do(method, path, tc.body, tc.headers...).expectError(t, tc.status, tc.code)
			for _, m := range tc.message {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q does not mention %q", msg, m)
				}
			}
			e.expectRecords("t", 0)
		})
	}
	e.do("GET", "/topics/nope", "").expectError(t, 404, 40401) // not auto-created
}

// TestProduceSchemaFormatsNeedRegistry checks that a schema-format produce
// with its schemas is refused with a clear client error while krest has no
// schema registry, and writes nothing.
func TestProduceSchemaFormatsNeedRegistry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.topic("t", 1)
	for _, tc := range []struct{ name, ctype, body string }{
		{"avro/value-schema", ctAvro, `{"value_schema":"{\"type\":\"string\"}","records":[{"value":"x"}]}`},
		{"avro/value-schema-id", ctAvro, `{"value_schema_id":1,"records":[{"value":"x"}]}`},
		{"avro/both-schemas", ctAvro, `{"key_schema":"\"string\"","value_schema_id":"7","records":[{"key":"k","value":"x"}]}`},
		{"jsonschema/value-schema", "Content-Type: application/vnd.kafka.jsonschema.v2+json", `{"value_schema":"{\"type\":\"object\"}","records":[{"value":{}}]}`},
		{"protobuf/value-schema", "Content-Type: application/vnd.kafka.protobuf.v2+json", `{"value_schema":"syntax = \"proto3\"; message M { string s = 1; }","records":[{"value":{"s":"x"}}]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.sub(t).do("POST", "/topics/t", tc.body, tc.ctype)
			if r.status < 400 || r.status >= 500 {
				t.Fatalf("status %d, want a 4xx; body %s", r.status, r.body)
			}
			code, msg := r.errorCode(t)
			if code/100 != r.status && code != r.status {
				t.Errorf("error_code %d does not match status %d", code, r.status)
			}
			if !strings.Contains(msg, "schema registry") {
				t.Errorf("message %q does not say a schema registry is needed", msg)
			}
		})
	}
	e.expectRecords("t", 0)
}

// TestBodyLimit checks that a body over http_request_max_size is refused
// with 413 and writes nothing, while one at the limit is produced.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	const limit = 100
	e := newEnv(t, withServer(func(o *Options) { o.MaxBodyBytes = limit }))
	e.topic("t", 1)
	body := `{"records":[{"value":"YQ=="}]}`
	atLimit := body + strings.Repeat(" ", limit-len(body))
	e.do("POST", "/topics/t", atLimit).expectAllProduced(t, 1)
	e.do("POST", "/topics/t", atLimit+" ").expectError(t, 413, 413)
	big := `{"records":[{"value":"` + strings.Repeat("QUFB", 1000) + `"}]}`
	e.do("POST", "/topics/t", big).expectError(t, 413, 413)
	e.do("POST", "/topics/t/partitions/0", big).expectError(t, 413, 413)
	e.expectRecords("t", 1)
}

// TestMetadataErrors checks the errors of the GET endpoints.
func TestMetadataErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.topic("t", 2)
	for _, tc := range []rejected{
		{name: "unknown-topic/topic", path: "/topics/nope", status: 404, code: 40401, message: []string{"nope"}},
		{name: "unknown-topic/partitions", path: "/topics/nope/partitions", status: 404, code: 40401, message: []string{"nope"}},
		{name: "unknown-topic/partition", path: "/topics/nope/partitions/0", status: 404, code: 40401, message: []string{"nope"}},
		{name: "unknown-topic/offsets", path: "/topics/nope/partitions/0/offsets", status: 404, code: 40401, message: []string{"nope"}},
		{name: "unknown-topic/encoded-slash", path: "/topics/a%2Fb", status: 404, code: 40401},
		{name: "unknown-topic/name-too-long", path: "/topics/" + strings.Repeat("x", 300), status: 404, code: 40401},
		{name: "unknown-topic/illegal-characters", path: "/topics/a%20b/partitions", status: 404, code: 40401},
		{name: "unknown-partition/partition", path: "/topics/t/partitions/2", status: 404, code: 40402, message: []string{"2"}},
		{name: "unknown-partition/offsets", path: "/topics/t/partitions/2/offsets", status: 404, code: 40402, message: []string{"2"}},
		{name: "unknown-partition/negative", path: "/topics/t/partitions/-1", status: 404, code: 40402},
		{name: "unknown-partition/negative-offsets", path: "/topics/t/partitions/-1/offsets", status: 404, code: 40402},
		{name: "non-integer-partition/partition", path: "/topics/t/partitions/abc", status: 404, code: 404, message: []string{"abc"}},
		{name: "non-integer-partition/offsets", path: "/topics/t/partitions/abc/offsets", status: 404, code: 404},
		{name: "non-integer-partition/beyond-int32", path: "/topics/t/partitions/4294967296", status: 404, code: 404},
		{name: "non-integer-partition/exponent", path: "/topics/t/partitions/1e0", status: 404, code: 404},
		{name: "unknown-route/root-child", path: "/nope", status: 404, code: 404},
		{name: "unknown-route/v3", path: "/v3/clusters", status: 404, code: 404},
		{name: "unknown-route/below-offsets", path: "/topics/t/partitions/0/offsets/x", status: 404, code: 404},
		{name: "unknown-route/consumer-free", path: "/topic/t", status: 404, code: 404},
		{name: "accept/octet-stream", path: "/topics", headers: []string{"Accept: application/octet-stream"}, status: 406, code: 406},
		{name: "accept/text-html", path: "/topics/t", headers: []string{"Accept: text/html"}, status: 406, code: 406},
		{name: "accept/vnd-kafka-plus-foo", path: "/brokers", headers: []string{"Accept: application/vnd.kafka+foo"}, status: 406, code: 406},
		{name: "accept/application-text", path: "/topics/t/partitions", headers: []string{"Accept: application/text"}, status: 406, code: 406},
		{name: "accept/foo-star", path: "/topics", headers: []string{"Accept: foo/*"}, status: 406, code: 406},
		{name: "accept/bar-json", path: "/topics", headers: []string{"Accept: bar/json"}, status: 406, code: 406},
		{name: "accept/star-baz", path: "/topics", headers: []string{"Accept: */baz"}, status: 406, code: 406},
		{name: "accept/refused-with-q0", path: "/topics", headers: []string{"Accept: application/json;q=0"}, status: 406, code: 406},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			method := tc.method
			if method == "" {
				method = "GET"
			}
			msg := e.sub(t).do(method, tc.path, tc.body, tc.headers...).expectError(t, tc.status, tc.code)
			for _, m := range tc.message {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q does not mention %q", msg, m)
				}
			}
		})
	}
}

// TestWrongMethod checks that a known path with a method it does not take
// answers a JSON 405 with an Allow header listing the methods it takes.
func TestWrongMethod(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.topic("t", 1)
	for _, tc := range []struct {
		method, path string
		allow        []string
	}{
		{"DELETE", "/topics/t", []string{"GET", "POST"}},
		{"PUT", "/topics/t", []string{"GET", "POST"}},
		{"PUT", "/brokers", []string{"GET"}},
		{"POST", "/brokers", []string{"GET"}},
		{"POST", "/topics", []string{"GET"}},
		{"DELETE", "/topics/t/partitions", []string{"GET"}},
		{"DELETE", "/topics/t/partitions/0", []string{"GET", "POST"}},
		{"PATCH", "/topics/t/partitions/0/offsets", []string{"GET"}},
		{"POST", "/topics/t/partitions/0/offsets", []string{"GET"}},
		{"DELETE", "/topics/t/", []string{"GET", "POST"}},
		{"POST", "/", []string{"GET"}},
	} {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			r := e.sub(t).do(tc.method, tc.path, `{"records":[{"value":"YQ=="}]}`)
			r.expectError(t, http.StatusMethodNotAllowed, 405)
			allow := r.header.Get("Allow")
			for _, m := range tc.allow {
				if !strings.Contains(allow, m) {
					t.Errorf("Allow %q lacks %s", allow, m)
				}
			}
			if strings.Contains(allow, tc.method) {
				t.Errorf("Allow %q contains the refused method %s", allow, tc.method)
			}
		})
	}
	e.expectRecords("t", 0)
}

// TestErrorBodiesGolden pins the exact error bodies of the common failures
// (testdata/golden/error_<name>.json): clients match on codes and messages.
func TestErrorBodiesGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.topic("t", 1)
	for _, tc := range []rejected{
		{name: "topic_not_found", method: "GET", path: "/topics/nope", status: 404, code: 40401},
		{name: "topic_not_found_on_produce", path: "/topics/nope", body: `{"records":[{"value":"YQ=="}]}`, status: 404, code: 40401},
		{name: "partition_not_found", method: "GET", path: "/topics/t/partitions/1", status: 404, code: 40402},
		{name: "partition_not_an_integer", method: "GET", path: "/topics/t/partitions/x/offsets", status: 404, code: 404},
		{name: "route_not_found", method: "GET", path: "/nope", status: 404, code: 404},
		{name: "method_not_allowed", method: "DELETE", path: "/topics/t", status: 405, code: 405},
		{name: "unsupported_media_type", body: `{"records":[{"value":"YQ=="}]}`, headers: []string{"Content-Type: text/plain"}, status: 415, code: 415},
		{name: "not_acceptable", method: "GET", path: "/topics", headers: []string{"Accept: text/html"}, status: 406, code: 406},
		{name: "malformed_json", body: `{"records":`, status: 400, code: 400},
		{name: "body_not_an_object", body: `[]`, status: 400, code: 400},
		{name: "records_not_a_list", body: `{"records":"x"}`, status: 400, code: 400},
		{name: "record_not_an_object", body: `{"records":[1]}`, status: 400, code: 400},
		{name: "invalid_base64", body: `{"records":[{"value":"YQ=="},{"value":"!"}]}`, status: 400, code: 400},
		{name: "records_missing", body: `{}`, status: 422, code: 422},
		{name: "unknown_record_field", body: `{"records":[{"valur":"YQ=="}]}`, status: 422, code: 422},
		{name: "key_schema_missing", body: `{"records":[{"key":1,"value":2}]}`, headers: []string{ctAvro}, status: 422, code: 42201},
		{name: "value_schema_missing", body: `{"records":[{"value":2}]}`, headers: []string{ctAvro}, status: 422, code: 42202},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.sub(t)
			method, path := tc.method, tc.path
			if method == "" {
				method = "POST"
			}
			if path == "" {
				path = "/topics/t"
			}
			r := e.do(method, path, tc.body, tc.headers...)
			r.expectError(t, tc.status, tc.code)
			testutil.Golden(t, "error_"+tc.name, r.body)
		})
	}
}
