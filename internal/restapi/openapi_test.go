package restapi

import (
	"bytes"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/serde"
)

// These tests keep openapi.yaml honest: it must describe exactly the route
// table, every golden response must validate against the schema of its
// operation and status, and its examples and media types must be ones krest
// accepts.

// docURL names the document for the JSON Schema compiler; $refs such as
// "#/components/schemas/Topic" resolve against it.
const docURL = "https://krest.invalid/openapi.json"

// openAPI is the parsed document and a compiler that has it as a resource.
type openAPI struct {
	doc      map[string]any
	compiler *jsonschema.Compiler
	mu       sync.Mutex // guards compiled and the compiler
	compiled map[string]*jsonschema.Schema
}

var loadedDoc = sync.OnceValues(func() (*openAPI, error) {
	b, err := openAPIJSONDoc()
	if err != nil {
		return nil, err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	// OpenAPI 3.1 schemas are JSON Schema 2020-12; assert formats (uri)
	// and content (base64) too, which are only annotations by default.
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.AssertContent()
	if err := c.AddResource(docURL, v); err != nil {
		return nil, err
	}
	return &openAPI{doc: v.(map[string]any), compiler: c, compiled: map[string]*jsonschema.Schema{}}, nil
})

func loadOpenAPI(t *testing.T) *openAPI {
	t.Helper()
	d, err := loadedDoc()
	if err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	return d
}

// schema compiles the schema at a JSON pointer of the document.
func (d *openAPI) schema(t *testing.T, ptr string) *jsonschema.Schema {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.compiled[ptr]; ok {
		return s
	}
	s, err := d.compiler.Compile(docURL + "#" + ptr)
	if err != nil {
		t.Fatalf("compiling %s: %v", ptr, err)
	}
	d.compiled[ptr] = s
	return s
}

// resolve follows a local $ref ("#/components/...") of an object, if it
// has one.
func (d *openAPI) resolve(t *testing.T, v any) map[string]any {
	t.Helper()
	m, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("not an object: %v", v)
	}
	ref, ok := m["$ref"].(string)
	if !ok {
		return m
	}
	target, ok := d.pointer(strings.TrimPrefix(ref, "#"))
	if !ok {
		t.Fatalf("$ref %s resolves to nothing", ref)
	}
	return d.resolve(t, target)
}

// pointer evaluates a JSON pointer in the document.
func (d *openAPI) pointer(ptr string) (any, bool) {
	var cur any = d.doc
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[tok]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// responseSchema returns the JSON pointer of the schema of an operation's
// response with a status, for a content type ("" = the first listed). The
// document's convention, checked here, is that every JSON body schema is a
// $ref to components/schemas.
func (d *openAPI) responseSchema(t *testing.T, method, path string, status int, contentType string) string {
	t.Helper()
	paths := d.doc["paths"].(map[string]any)
	item, ok := paths[path].(map[string]any)
	if !ok {
		t.Fatalf("the document has no path %s", path)
	}
	op, ok := item[strings.ToLower(method)].(map[string]any)
	if !ok {
		t.Fatalf("the document has no %s %s", method, path)
	}
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(status)]
	if !ok {
		t.Fatalf("%s %s documents no %d response", method, path, status)
	}
	content, _ := d.resolve(t, resp)["content"].(map[string]any)
	if len(content) == 0 {
		t.Fatalf("%s %s %d documents no body", method, path, status)
	}
	if contentType == "" {
		keys := make([]string, 0, len(content))
		for k := range content {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		contentType = keys[0]
	}
	mt, ok := content[contentType].(map[string]any)
	if !ok {
		t.Fatalf("%s %s %d documents no %s body", method, path, status, contentType)
	}
	return schemaRef(t, mt)
}

func schemaRef(t *testing.T, mediaType map[string]any) string {
	t.Helper()
	s, _ := mediaType["schema"].(map[string]any)
	ref, ok := s["$ref"].(string)
	if !ok || !strings.HasPrefix(ref, "#/components/schemas/") {
		t.Fatalf("a media type's schema is %v; the convention is a $ref to #/components/schemas/", s)
	}
	return strings.TrimPrefix(ref, "#")
}

// validate checks body against the schema at ptr.
func (d *openAPI) validate(t *testing.T, ptr string, body []byte, what string) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Errorf("%s: not JSON: %v\n%s", what, err, body)
		return
	}
	if err := d.schema(t, ptr).Validate(v); err != nil {
		t.Errorf("%s does not match %s: %v\nbody: %s", what, ptr, err, body)
	}
}

// validateResponse checks a live response against the document.
func (d *openAPI) validateResponse(t *testing.T, method, path string, r reply) {
	t.Helper()
	ct, _, _ := mime.ParseMediaType(r.header.Get("Content-Type"))
	d.validate(t, d.responseSchema(t, method, path, r.status, ct), r.body, method+" "+path)
}

var operationKeys = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func TestOpenAPIDescribesExactlyTheRouteTable(t *testing.T) {
	d := loadOpenAPI(t)
	// Every optional route on: the document describes them all.
	s := New(Deps{}, Options{Metrics: http.NotFoundHandler(), Pprof: true})
	inTable := map[string]bool{}
	for _, rt := range s.routes() {
		path := rt.pattern
		if path == "/{$}" {
			path = "/"
		}
		inTable[rt.method+" "+path] = true
	}
	inDoc := map[string]bool{}
	for path, item := range d.doc["paths"].(map[string]any) {
		for _, m := range operationKeys {
			if _, ok := item.(map[string]any)[m]; ok {
				inDoc[strings.ToUpper(m)+" "+path] = true
			}
		}
	}
	for r := range inTable {
		if !inDoc[r] {
			t.Errorf("route %s is in routes.go but not in openapi.yaml", r)
		}
	}
	for r := range inDoc {
		if !inTable[r] {
			t.Errorf("openapi.yaml describes %s, which routes.go does not serve", r)
		}
	}
	if len(inTable) < 30 {
		t.Fatalf("only %d routes: the table was not read", len(inTable))
	}
}

// goldenSchemas maps every golden response to what it answers: "METHOD
// /path STATUS" of the document, or a schema for answers that belong to no
// operation (unknown routes, wrong methods).
var goldenSchemas = map[string]string{
	"error_body_not_an_object":         "POST /topics/{topic} 400",
	"error_invalid_base64":             "POST /topics/{topic} 400",
	"error_key_schema_missing":         "POST /topics/{topic} 422",
	"error_malformed_json":             "POST /topics/{topic} 400",
	"error_method_not_allowed":         "/components/schemas/Error",
	"error_not_acceptable":             "GET /topics 406",
	"error_partition_not_an_integer":   "GET /topics/{topic}/partitions/{partition}/offsets 404",
	"error_partition_not_found":        "GET /topics/{topic}/partitions/{partition} 404",
	"error_record_not_an_object":       "POST /topics/{topic} 400",
	"error_records_missing":            "POST /topics/{topic} 422",
	"error_records_not_a_list":         "POST /topics/{topic} 400",
	"error_route_not_found":            "/components/schemas/Error",
	"error_topic_not_found":            "GET /topics/{topic} 404",
	"error_topic_not_found_on_produce": "POST /topics/{topic} 404",
	"error_unknown_record_field":       "POST /topics/{topic} 422",
	"error_unsupported_media_type":     "POST /topics/{topic} 415",
	"error_value_schema_missing":       "POST /topics/{topic} 422",
	"get_partition_binary":             "GET /topics/{topic}/partitions/{partition} 200",
	"get_partition_json":               "GET /topics/{topic}/partitions/{partition} 200",
	"get_topic_binary":                 "GET /topics/{topic} 200",
	"get_topic_json":                   "GET /topics/{topic} 200",
	"health_binary":                    "GET /_health 200",
	"health_json":                      "GET /_health 200",
	"list_brokers_binary":              "GET /brokers 200",
	"list_brokers_json":                "GET /brokers 200",
	"list_partitions_binary":           "GET /topics/{topic}/partitions 200",
	"list_partitions_json":             "GET /topics/{topic}/partitions 200",
	"list_topics_binary":               "GET /topics 200",
	"list_topics_json":                 "GET /topics 200",
	"partition_offsets_binary":         "GET /topics/{topic}/partitions/{partition}/offsets 200",
	"partition_offsets_json":           "GET /topics/{topic}/partitions/{partition}/offsets 200",
	"produce_partial_failure":          "POST /topics/{topic} 200",
	"produce_partition_binary":         "POST /topics/{topic}/partitions/{partition} 200",
	"produce_partition_json":           "POST /topics/{topic}/partitions/{partition} 200",
	"produce_topic_binary":             "POST /topics/{topic} 200",
	"produce_topic_json":               "POST /topics/{topic} 200",
	"root_binary":                      "GET / 200",
	"root_json":                        "GET / 200",
}

func TestGoldenResponsesMatchTheDocument(t *testing.T) {
	d := loadOpenAPI(t)
	files, err := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		seen[name] = true
		target, ok := goldenSchemas[name]
		if !ok {
			t.Errorf("golden %s is not mapped to an operation and status in goldenSchemas", name)
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ptr := target
		if !strings.HasPrefix(target, "/components/") {
			parts := strings.Fields(target)
			status, _ := strconv.Atoi(parts[2])
			ptr = d.responseSchema(t, parts[0], parts[1], status, "")
		}
		d.validate(t, ptr, body, "golden "+name)
	}
	for name := range goldenSchemas {
		if !seen[name] {
			t.Errorf("goldenSchemas maps %s, which has no file in testdata/golden", name)
		}
	}
}

// TestGoldenValidationCanFail guards the test above: a body that breaks
// its schema must be reported.
func TestGoldenValidationCanFail(t *testing.T) {
	d := loadOpenAPI(t)
	for _, tc := range []struct{ ptr, body string }{
		{"/components/schemas/Error", `{"error_code":"404","message":"x"}`},
		{"/components/schemas/Error", `{"error_code":404}`},
		{"/components/schemas/ProduceResponse", `{"key_schema_id":null,"value_schema_id":null,"offsets":[{"partition":0,"offset":0}]}`},
		{"/components/schemas/BinaryRecords", `[{"topic":"t","key":null,"value":"not base64!","partition":0,"offset":0,"timestamp":1}]`},
		{"/components/schemas/Topic", `{"name":"t","configs":{"a":1},"partitions":[]}`},
	} {
		v, _ := jsonschema.UnmarshalJSON(strings.NewReader(tc.body))
		if d.schema(t, tc.ptr).Validate(v) == nil {
			t.Errorf("%s accepted %s", tc.ptr, tc.body)
		}
	}
}

func TestOpenAPIRefsResolveAndSchemasCompile(t *testing.T) {
	d := loadOpenAPI(t)
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				if _, ok := d.pointer(strings.TrimPrefix(ref, "#")); !strings.HasPrefix(ref, "#/") || !ok {
					t.Errorf("%s: $ref %s resolves to nothing", ptr, ref)
				}
			}
			for k, c := range v {
				walk(ptr+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), c)
			}
		case []any:
			for i, c := range v {
				walk(ptr+"/"+strconv.Itoa(i), c)
			}
		}
	}
	walk("", d.doc)
	for name := range d.doc["components"].(map[string]any)["schemas"].(map[string]any) {
		d.schema(t, "/components/schemas/"+name)
	}
}

// TestOpenAPIExamplesValidate checks the examples of request bodies and
// schemas against their schemas.
func TestOpenAPIExamplesValidate(t *testing.T) {
	d := loadOpenAPI(t)
	n := 0
	for name, rb := range d.doc["components"].(map[string]any)["requestBodies"].(map[string]any) {
		for ct, mt := range rb.(map[string]any)["content"].(map[string]any) {
			ex, ok := mt.(map[string]any)["example"]
			if !ok {
				continue
			}
			n++
			if err := d.schema(t, schemaRef(t, mt.(map[string]any))).Validate(ex); err != nil {
				t.Errorf("requestBodies/%s %s example: %v", name, ct, err)
			}
		}
	}
	for name, s := range d.doc["components"].(map[string]any)["schemas"].(map[string]any) {
		exs, _ := s.(map[string]any)["examples"].([]any)
		for _, ex := range exs {
			n++
			if err := d.schema(t, "/components/schemas/"+name).Validate(ex); err != nil {
				t.Errorf("schemas/%s example: %v", name, err)
			}
		}
	}
	if n < 5 {
		t.Fatalf("only %d examples checked", n)
	}
}

// TestOpenAPIMediaTypesAreTheOnesKrestSpeaks checks the produce media types
// against the negotiation code: each is accepted and mapped to the format
// its schema is for, and every format and version spelling is listed. The
// records media types are the formats' own.
func TestOpenAPIMediaTypesAreTheOnesKrestSpeaks(t *testing.T) {
	d := loadOpenAPI(t)
	content := d.doc["components"].(map[string]any)["requestBodies"].(map[string]any)["Produce"].(map[string]any)["content"].(map[string]any)
	want := map[string]bool{"application/json": true, "application/octet-stream": true}
	for _, f := range []string{"", ".binary", ".json", ".avro", ".jsonschema", ".protobuf"} {
		for _, v := range []string{"", ".v1", ".v2"} {
			want["application/vnd.kafka"+f+v+"+json"] = true
		}
	}
	for ct, mt := range content {
		if !want[ct] {
			t.Errorf("produce documents %s, which is not one of the accepted spellings", ct)
		}
		delete(want, ct)
		r := httptest.NewRequest("POST", "/topics/t", nil)
		r.Header.Set("Content-Type", ct)
		f, err := requestFormat(r)
		if err != nil {
			t.Errorf("produce documents %s, which krest refuses: %v", ct, err)
			continue
		}
		ref := schemaRef(t, mt.(map[string]any))
		var wantRef string
		switch {
		case f == serde.Binary:
			wantRef = "/components/schemas/BinaryProduceRequest"
		case f == serde.JSON:
			wantRef = "/components/schemas/JSONProduceRequest"
		default:
			wantRef = "/components/schemas/SchemaProduceRequest"
		}
		if ref != wantRef {
			t.Errorf("produce %s (format %s) is documented with %s, want %s", ct, f, ref, wantRef)
		}
	}
	for ct := range want {
		t.Errorf("produce accepts %s, which the document does not list", ct)
	}

	records := d.doc["paths"].(map[string]any)["/consumers/{group}/instances/{instance}/records"].(map[string]any)["get"].(map[string]any)["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)
	for _, name := range []string{"binary", "json", "avro", "jsonschema", "protobuf"} {
		f, _ := serde.ParseFormat(name)
		if _, ok := records[f.MediaType()]; !ok {
			t.Errorf("records responses do not list %s", f.MediaType())
		}
	}
	if len(records) != 5 {
		t.Errorf("records responses list %d media types, want the 5 formats", len(records))
	}
}

func TestOpenAPIDocsCopyIsCurrent(t *testing.T) {
	docs, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.yaml"))
	if err != nil {
		t.Fatalf("%v; run go generate ./internal/restapi", err)
	}
	if !bytes.Equal(docs, openAPIYAMLDoc) {
		t.Error("docs/openapi.yaml differs from internal/restapi/openapi.yaml; run go generate ./internal/restapi")
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	h := New(Deps{}, Options{}).Handler()
	for _, tc := range []struct{ path, ctype string }{
		{"/openapi.json", "application/json"},
		{"/openapi.yaml", "application/yaml"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", tc.path, nil))
		if w.Code != 200 || w.Header().Get("Content-Type") != tc.ctype {
			t.Fatalf("GET %s: %d %s", tc.path, w.Code, w.Header().Get("Content-Type"))
		}
		if tc.ctype == "application/yaml" && !bytes.Equal(w.Body.Bytes(), openAPIYAMLDoc) {
			t.Error("GET /openapi.yaml is not the embedded document")
		}
		if tc.ctype == "application/json" {
			d := loadOpenAPI(t)
			d.validate(t, "/components/schemas/OpenAPIDocument", w.Body.Bytes(), "GET /openapi.json")
			if !bytes.Contains(w.Body.Bytes(), []byte(`{"openapi":"3.1.0","info":`)) {
				t.Errorf("GET /openapi.json does not keep the document's key order: %.80s", w.Body.String())
			}
		}
	}
}

// TestConsumerResponsesMatchTheDocument walks a consumer's life (there are
// no golden files for it: records carry timestamps) and checks every
// response against the document, for a binary and a json consumer.
func TestConsumerResponsesMatchTheDocument(t *testing.T) {
	t.Parallel()
	d := loadOpenAPI(t)
	c := newConsumerEnv(t, nil)
	c.topic("docs", 1)
	c.produceRecords(
		&kgo.Record{Topic: "docs", Key: []byte(`"k"`), Value: []byte(`{"n":1}`), Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("v")}}},
		&kgo.Record{Topic: "docs", Value: nil},
	)
	const base = "/consumers/{group}/instances/{instance}"
	check := func(method, route string, r reply) {
		t.Helper()
		d.validateResponse(t, method, route, r)
	}
	for _, format := range []string{"binary", "json"} {
		r := c.call("POST", "/consumers/docs-"+format, `{"name":"i","format":"`+format+`","auto.offset.reset":"earliest"}`)
		check("POST", "/consumers/{group}", r.expectStatus(t, 200))
		inst := "/consumers/docs-" + format + "/instances/i"

		check("POST", "/consumers/{group}", c.call("POST", "/consumers/docs-"+format, `{"name":"i"}`).expectStatus(t, 409))
		d.expectNoContent(t, "POST", base+"/assignments", c.call("POST", inst+"/assignments", `{"partitions":[{"topic":"docs","partition":0}]}`).expectStatus(t, 204))
		check("GET", base+"/assignments", c.call("GET", inst+"/assignments", "").expectStatus(t, 200))

		var recs reply
		deadline := time.Now().Add(20 * time.Second)
		for {
			recs = c.call("GET", inst+"/records", "", "Accept: application/vnd.kafka."+format+".v2+json").expectStatus(t, 200)
			if bytes.Count(recs.body, []byte(`"offset":`)) >= 2 || time.Now().After(deadline) {
				break
			}
		}
		if !bytes.Contains(recs.body, []byte(`"headers":[{"key":"h","value":"dg=="}]`)) {
			t.Errorf("%s records %s lack the header", format, recs.body)
		}
		check("GET", base+"/records", recs)
		check("GET", base+"/records", c.call("GET", inst+"/records", "", "Accept: application/vnd.kafka.avro.v2+json").expectStatus(t, 406))

		d.expectNoContent(t, "POST", base+"/offsets", c.call("POST", inst+"/offsets", `{"offsets":[{"topic":"docs","partition":0,"offset":1}]}`).expectStatus(t, 204))
		check("GET", base+"/offsets", c.call("GET", inst+"/offsets", `{"partitions":[{"topic":"docs","partition":0}]}`).expectStatus(t, 200))
		check("POST", base+"/positions", c.call("POST", inst+"/positions", `{"offsets":[{"topic":"docs","partition":0,"offset":-1}]}`).expectStatus(t, 422))
		check("POST", base+"/subscription", c.call("POST", inst+"/subscription", `{"topics":["docs"]}`).expectStatus(t, 409))
		d.expectNoContent(t, "DELETE", base, c.call("DELETE", inst, "").expectStatus(t, 204))
		check("GET", base+"/subscription", c.call("GET", inst+"/subscription", "").expectStatus(t, 404))
	}
	r := c.call("POST", "/consumers/docs-sub", `{"name":"s"}`).expectStatus(t, 200)
	check("POST", "/consumers/{group}", r)
	c.call("POST", "/consumers/docs-sub/instances/s/subscription", `{"topics":["docs"]}`).expectStatus(t, 204)
	check("GET", base+"/subscription", c.call("GET", "/consumers/docs-sub/instances/s/subscription", "").expectStatus(t, 200))
	c.call("DELETE", "/consumers/docs-sub/instances/s", "").expectStatus(t, 204)
}

// expectNoContent checks that the document gives the operation a 204
// without a body, and that the reply has none.
func (d *openAPI) expectNoContent(t *testing.T, method, path string, r reply) {
	t.Helper()
	op, _ := d.pointer("/paths/" + strings.ReplaceAll(path, "/", "~1") + "/" + strings.ToLower(method))
	resp, ok := op.(map[string]any)["responses"].(map[string]any)["204"]
	if !ok {
		t.Errorf("%s %s answered 204, which the document does not list", method, path)
		return
	}
	if _, has := d.resolve(t, resp)["content"]; has {
		t.Errorf("%s %s documents a body for 204", method, path)
	}
	if len(r.body) != 0 {
		t.Errorf("%s %s: 204 with a body: %s", method, path, r.body)
	}
}
