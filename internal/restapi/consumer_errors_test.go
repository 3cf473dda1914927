package restapi

import (
	"strings"
	"testing"
	"time"

	"github.com/krest-dev/krest/internal/consumer"
)

type consumerErrorCase struct {
	name         string
	method, path string // path relative to the instance when it starts with "/+"
	body         string
	headers      []string
	status, code int
	message      string // a substring of the message, if not ""
}

func TestConsumerErrors(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.RequestTimeout = 50 * time.Millisecond })
	c.topic("errs", 2)
	c.createConsumer("gerr", `{"name": "taken"}`)
	fresh := c.createConsumer("gerr", `{"name": "fresh"}`)
	subscribed := c.createConsumer("gerr", `{"name": "subscribed"}`)
	c.subscribe(subscribed, "errs")
	assigned := c.createConsumer("gerr", `{"name": "assigned"}`)
	c.assign(assigned, "errs", 0)

	const create = "/consumers/gerr"
	for _, tc := range []consumerErrorCase{
		{"create-bad-content-type", "POST", create, `{}`, []string{"Content-Type: text/plain"}, 415, 415, ""},
		{"create-malformed-json", "POST", create, `{"name":`, nil, 400, 400, "Invalid request JSON body"},
		{"create-not-an-object", "POST", create, `["a"]`, nil, 400, 400, "must be a JSON object"},
		{"create-duplicate", "POST", create, `{"name": "taken"}`, nil, 409, 40902, "Consumer taken already exists"},
		{"create-duplicate-wins-over-invalid", "POST", create, `{"name": "taken", "format": "xml"}`, nil, 409, 40902, ""},
		{"create-name-not-string", "POST", create, `{"name": 5}`, nil, 422, 42204, "name"},
		{"create-unknown-format", "POST", create, `{"format": "xml"}`, nil, 422, 42204, "Invalid format type"},
		{"create-format-not-string", "POST", create, `{"format": 1}`, nil, 422, 42204, "format"},
		{"create-avro-without-registry", "POST", create, `{"format": "avro"}`, nil, 422, 42204, "format avro needs a schema registry"},
		{"create-jsonschema-without-registry", "POST", create, `{"format": "jsonschema"}`, nil, 422, 42204, "format jsonschema needs a schema registry"},
		{"create-protobuf-without-registry", "POST", create, `{"format": "protobuf"}`, nil, 422, 42204, "format protobuf needs a schema registry"},
		{"create-offset-reset-none", "POST", create, `{"auto.offset.reset": "none"}`, nil, 422, 42204, "auto.offset.reset"},
		{"create-offset-reset-number", "POST", create, `{"auto.offset.reset": 1}`, nil, 422, 42204, "auto.offset.reset"},
		{"create-auto-commit-yes", "POST", create, `{"auto.commit.enable": "yes"}`, nil, 422, 42204, "auto.commit.enable"},
		{"create-auto-commit-number", "POST", create, `{"auto.commit.enable": 1}`, nil, 422, 42204, "auto.commit.enable"},
		{"create-fetch-min-bytes-below-minus-one", "POST", create, `{"fetch.min.bytes": -10}`, nil, 422, 42204, "fetch.min.bytes"},
		{"create-fetch-min-bytes-not-integer", "POST", create, `{"fetch.min.bytes": 1.5}`, nil, 422, 42204, "fetch.min.bytes"},
		{"create-fetch-min-bytes-text", "POST", create, `{"fetch.min.bytes": "many"}`, nil, 422, 42204, "fetch.min.bytes"},
		{"create-request-timeout-negative", "POST", create, `{"consumer.request.timeout.ms": -1}`, nil, 422, 42204, "consumer.request.timeout.ms"},
		{"create-request-timeout-text", "POST", create, `{"consumer.request.timeout.ms": "soon"}`, nil, 422, 42204, "consumer.request.timeout.ms"},
		{"instance-path-is-not-create", "POST", "/consumers/gerr/instances/fresh", `{}`, nil, 405, 405, ""},
		{"wrong-method", "PUT", "/+/subscription", `{}`, nil, 405, 405, ""},

		{"subscribe-both", "POST", "/+/subscription", `{"topics": ["a"], "topic_pattern": "b"}`, nil, 409, 40903, "You must choose only one way"},
		{"subscribe-neither", "POST", "/+/subscription", `{}`, nil, 409, 40903, "Neither topic_pattern nor topics"},
		{"subscribe-empty-list", "POST", "/+/subscription", `{"topics": []}`, nil, 409, 40903, ""},
		{"subscribe-no-body", "POST", "/+/subscription", ``, nil, 400, 400, "Missing request JSON body"},
		{"subscribe-topics-not-list", "POST", "/+/subscription", `{"topics": "a"}`, nil, 422, 422, "Topics is expected to be list of strings"},
		{"subscribe-topics-not-strings", "POST", "/+/subscription", `{"topics": [1]}`, nil, 422, 422, "Topics is expected to be list of strings"},
		{"subscribe-pattern-not-string", "POST", "/+/subscription", `{"topic_pattern": ["a"]}`, nil, 422, 422, "Topic patterns is expected to be a string"},
		{"subscribe-pattern-invalid", "POST", "/+/subscription", `{"topic_pattern": "a("}`, nil, 422, 422, "not a valid regular expression"},
		{"subscribe-bad-content-type", "POST", "/+/subscription", `{"topics": ["a"]}`, []string{"Content-Type: text/plain"}, 415, 415, ""},
		{"subscribe-while-assigned", "POST", assigned + "/subscription", `{"topics": ["errs"]}`, nil, 409, 40903, "mutually exclusive"},
		{"assign-while-subscribed", "POST", subscribed + "/assignments", `{"partitions": [{"topic": "errs", "partition": 0}]}`, nil, 409, 40903, "mutually exclusive"},

		{"assign-no-partitions", "POST", "/+/assignments", `{}`, nil, 422, 422, "partitions is missing"},
		{"assign-partitions-not-list", "POST", "/+/assignments", `{"partitions": {}}`, nil, 422, 422, "list of objects"},
		{"assign-element-not-object", "POST", "/+/assignments", `{"partitions": [1]}`, nil, 422, 422, "partitions[0] must be an object"},
		{"assign-no-topic", "POST", "/+/assignments", `{"partitions": [{"partition": 0}]}`, nil, 422, 422, "partitions[0].topic is missing"},
		{"assign-no-partition", "POST", "/+/assignments", `{"partitions": [{"topic": "errs"}]}`, nil, 422, 422, "partitions[0].partition is missing"},
		{"assign-partition-not-integer", "POST", "/+/assignments", `{"partitions": [{"topic": "errs", "partition": "x"}]}`, nil, 422, 422, "partitions[0].partition"},
		{"assign-negative-partition", "POST", "/+/assignments", `{"partitions": [{"topic": "errs", "partition": -1}]}`, nil, 422, 422, "partitions[0].partition"},
		{"assign-unknown-topic", "POST", "/+/assignments", `{"partitions": [{"topic": "nope", "partition": 0}]}`, nil, 404, 40401, "nope"},
		{"assign-unknown-partition", "POST", "/+/assignments", `{"partitions": [{"topic": "errs", "partition": 9}]}`, nil, 404, 40402, "Partition 9"},

		{"seek-negative-offset", "POST", assigned + "/positions", `{"offsets": [{"topic": "errs", "partition": 0, "offset": -1}]}`, nil, 422, 422, "must not be negative"},
		{"seek-no-offset", "POST", assigned + "/positions", `{"offsets": [{"topic": "errs", "partition": 0}]}`, nil, 422, 422, "offsets[0].offset is missing"},
		{"seek-unknown-topic", "POST", assigned + "/positions", `{"offsets": [{"topic": "nope", "partition": 0, "offset": 0}]}`, nil, 404, 40401, ""},
		{"seek-unassigned", "POST", assigned + "/positions", `{"offsets": [{"topic": "errs", "partition": 1, "offset": 0}]}`, nil, 409, 40903, "not assigned"},
		{"seek-without-assignment", "POST", "/+/positions", `{"offsets": [{"topic": "errs", "partition": 0, "offset": 0}]}`, nil, 409, 40903, "not assigned"},
		{"seek-beginning-unassigned", "POST", assigned + "/positions/beginning", `{"partitions": [{"topic": "errs", "partition": 1}]}`, nil, 409, 40903, "beginning"},
		{"seek-end-unassigned", "POST", assigned + "/positions/end", `{"partitions": [{"topic": "errs", "partition": 1}]}`, nil, 409, 40903, "end"},
		{"seek-end-unknown-partition", "POST", assigned + "/positions/end", `{"partitions": [{"topic": "errs", "partition": 7}]}`, nil, 404, 40402, ""},

		{"commit-unknown-topic", "POST", "/+/offsets", `{"offsets": [{"topic": "nope", "partition": 0, "offset": 1}]}`, nil, 404, 40401, ""},
		{"commit-unknown-partition", "POST", "/+/offsets", `{"offsets": [{"topic": "errs", "partition": 5, "offset": 1}]}`, nil, 404, 40402, ""},
		{"commit-negative-offset", "POST", "/+/offsets", `{"offsets": [{"topic": "errs", "partition": 0, "offset": -2}]}`, nil, 422, 422, ""},
		{"commit-offsets-not-list", "POST", "/+/offsets", `{"offsets": 3}`, nil, 422, 422, ""},
		{"commit-malformed", "POST", "/+/offsets", `{`, nil, 400, 400, ""},
		{"committed-no-body", "GET", "/+/offsets", ``, nil, 400, 400, "Missing request JSON body"},
		{"committed-no-partitions", "GET", "/+/offsets", `{}`, nil, 422, 422, "partitions is missing"},
		{"committed-unknown-partition", "GET", "/+/offsets", `{"partitions": [{"topic": "errs", "partition": 3}]}`, nil, 404, 40402, ""},
		{"committed-unknown-topic", "GET", "/+/offsets", `{"partitions": [{"topic": "nope", "partition": 0}]}`, nil, 404, 40401, ""},

		{"records-without-subscription", "GET", "/+/records", ``, nil, 409, 40903, "not subscribed to any topics or assigned any partitions"},
		{"records-timeout-not-integer", "GET", assigned + "/records?timeout=abc", ``, nil, 422, 422, "timeout"},
		{"records-timeout-negative", "GET", assigned + "/records?timeout=-1", ``, nil, 422, 422, "timeout"},
		{"records-max-bytes-not-integer", "GET", assigned + "/records?max_bytes=1k", ``, nil, 422, 422, "max_bytes"},
		{"records-max-bytes-negative", "GET", assigned + "/records?max_bytes=-5", ``, nil, 422, 422, "max_bytes"},
		{"records-format-mismatch", "GET", assigned + "/records", ``, []string{"Accept: application/vnd.kafka.avro.v2+json"}, 406, 40601, "Consumer format binary"},
		{"unknown-instance", "GET", "/consumers/gerr/instances/nobody/records", ``, nil, 404, 40403, "nobody"},
		{"unknown-group", "POST", "/consumers/nogroup/instances/fresh/offsets", `{}`, nil, 404, 40403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if rest, ok := strings.CutPrefix(path, "/+"); ok {
				path = fresh + rest
			}
			msg := c.call(tc.method, path, tc.body, tc.headers...).expectError(t, tc.status, tc.code)
			if !strings.Contains(msg, tc.message) {
				t.Errorf("message %q does not contain %q", msg, tc.message)
			}
		})
	}
	// Nothing above changed the instances' state.
	if got := c.call("GET", fresh+"/subscription", "").expectStatus(t, 200); string(got.body) != `{"topics":[]}` {
		t.Errorf("fresh subscription = %s", got.body)
	}
	if got := c.assignment(assigned); len(got) != 1 || got[0] != 0 {
		t.Errorf("assigned instance now reads %v", got)
	}
}

func TestConsumerMaxInstances(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.MaxInstances = 2 })
	a := c.createConsumer("gmax", `{}`)
	c.createConsumer("gmax2", `{}`)
	c.call("POST", "/consumers/gmax", `{}`).expectError(t, 429, 429)
	c.call("DELETE", a, "").expectStatus(t, 204)
	c.createConsumer("gmax", `{}`)
}

func TestConsumersWithoutRegistry(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/consumers/g", `{}`, "Content-Type: application/vnd.kafka.v2+json").expectError(t, 503, 503)
	e.do("GET", "/consumers/g/instances/i/records", "").expectError(t, 503, 503)
}
