package restapi

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/consumer"
)

func TestConsumerLifecycle(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.DisableAutoCommit = true })
	c.topic("life", 1)

	// Create: 200 with an absolute base_uri built from the Host header.
	r := c.call("POST", "/consumers/g1", `{"name": "c1", "format": "binary", "auto.offset.reset": "EARLIEST", "auto.commit.enable": "false", "fetch.min.bytes": "1", "consumer.request.timeout.ms": 500, "unknown.setting": 1}`).expectStatus(t, 200)
	var created map[string]string
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatal(err)
	}
	if created["instance_id"] != "c1" || created["base_uri"] != c.url+"/consumers/g1/instances/c1" {
		t.Fatalf("create answered %s", r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != contentTypeV2 {
		t.Errorf("create Content-Type = %q", ct)
	}
	base := created["base_uri"] // followed verbatim below

	c.call("GET", base+"/subscription", "").expectStatus(t, 200)
	c.call("POST", base+"/subscription", `{"topics": ["life"]}`).expectStatus(t, 204)
	if got := c.call("GET", base+"/subscription", "").expectStatus(t, 200); string(got.body) != `{"topics":["life"]}` {
		t.Fatalf("subscription = %s", got.body)
	}

	c.produceRecords(
		&kgo.Record{Topic: "life", Key: []byte("k"), Value: []byte("hello")},
		&kgo.Record{Topic: "life", Value: nil},      // Kafka null: null
		&kgo.Record{Topic: "life", Value: []byte{}}, // empty bytes: ""
		&kgo.Record{Topic: "life", Value: []byte("h"), Headers: []kgo.RecordHeader{{Key: "a", Value: []byte("1")}, {Key: "n", Value: nil}}},
	)
	recs := c.fetchUntil(base, "", func(all []gotRecord) bool { return len(all) >= 4 })
	want := []struct {
		key, value []byte
		headers    string
	}{
		{[]byte("k"), []byte("hello"), ""},
		{nil, nil, ""},
		{nil, []byte{}, ""},
		{nil, []byte("h"), `[{"a" "MQ=="} {"n" <nil>}]`},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records, want %d", len(recs), len(want))
	}
	for k, w := range want {
		g := recs[k]
		if g.Topic != "life" || g.Partition != 0 || g.Offset != int64(k) || g.Timestamp <= 0 || len(g.Extra) > 0 {
			t.Errorf("record %d: %+v", k, g)
		}
		if key := decodeB64Member(t, g.Key); !sameNullable(key, w.key) {
			t.Errorf("record %d key = %q, want %q", k, key, w.key)
		}
		if v := g.binaryValue(t); !sameNullable(v, w.value) {
			t.Errorf("record %d value = %q (raw %s), want %q", k, v, g.Value, w.value)
		}
		if h := headersString(g.Headers); h != w.headers {
			t.Errorf("record %d headers = %s, want %s", k, h, w.headers)
		}
	}

	// Commit everything returned: the group's offset becomes 4.
	c.call("POST", base+"/offsets", "").expectStatus(t, 204)
	if got := c.committedAt("g1", "life", 0); got != 4 {
		t.Fatalf("committed = %d, want 4", got)
	}
	got := c.call("GET", base+"/offsets", `{"partitions": [{"topic": "life", "partition": 0}]}`).expectStatus(t, 200)
	if string(got.body) != `{"offsets":[{"topic":"life","partition":0,"offset":4,"metadata":""}]}` {
		t.Fatalf("GET offsets = %s", got.body)
	}
	if a := c.call("GET", base+"/assignments", "").expectStatus(t, 200); string(a.body) != `{"partitions":[{"topic":"life","partition":0}]}` {
		t.Fatalf("assignments = %s", a.body)
	}

	c.call("DELETE", base+"/subscription", "").expectStatus(t, 204)
	if got := c.call("GET", base+"/subscription", "").expectStatus(t, 200); string(got.body) != `{"topics":[]}` {
		t.Fatalf("subscription after unsubscribe = %s", got.body)
	}

	// Delete: 204, the group is left and the name is free again.
	c.call("DELETE", base, "").expectStatus(t, 204)
	for _, req := range [][3]string{
		{"DELETE", "", ""},
		{"GET", "/subscription", ""},
		{"POST", "/subscription", `{"topics": ["life"]}`},
		{"DELETE", "/subscription", ""},
		{"GET", "/assignments", ""},
		{"POST", "/assignments", `{"partitions": []}`},
		{"POST", "/positions", `{"offsets": []}`},
		{"POST", "/positions/beginning", `{"partitions": []}`},
		{"POST", "/positions/end", `{"partitions": []}`},
		{"POST", "/offsets", `{}`},
		{"GET", "/offsets", `{"partitions": []}`},
		{"GET", "/records", ""},
	} {
		c.call(req[0], base+req[1], req[2]).expectError(t, 404, 40403)
	}
	eventually(t, "the group to be empty", func() bool { return c.groupMembers("g1") == 0 })
	c.createConsumer("g1", `{"name": "c1"}`)
}

func sameNullable(a, b []byte) bool {
	return (a == nil) == (b == nil) && string(a) == string(b)
}

func headersString(hs []gotHeader) string {
	if hs == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString("[")
	for k, h := range hs {
		if k > 0 {
			b.WriteString(" ")
		}
		v := "<nil>"
		if h.Value != nil {
			v = `"` + *h.Value + `"`
		}
		b.WriteString(`{"` + h.Key + `" ` + v + `}`)
	}
	return b.String() + "]"
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestConsumerGeneratedNameAndBaseURI(t *testing.T) {
	c := newConsumerEnv(t, nil, withServer(func(o *Options) { o.BaseURI = "https://rest.example.com/kafka/" }))
	var ids []string
	for _, body := range []string{"", `{}`, `{"name": null}`, `{"name": ""}`} {
		r := c.call("POST", "/consumers/a%2Fgroup", body).expectStatus(t, 200)
		var created map[string]string
		if err := json.Unmarshal(r.body, &created); err != nil {
			t.Fatal(err)
		}
		id := created["instance_id"]
		if !uuidRe.MatchString(id) {
			t.Errorf("body %q: generated name %q is not a UUID", body, id)
		}
		if want := "https://rest.example.com/kafka/consumers/a%2Fgroup/instances/" + id; created["base_uri"] != want {
			t.Errorf("base_uri = %q, want %q", created["base_uri"], want)
		}
		ids = append(ids, id)
		// The configured base is not this test server, but its path is
		// what a proxy in front of krest forwards: the instance is there.
		c.call("GET", "/consumers/a%2Fgroup/instances/"+id+"/subscription", "").expectStatus(t, 200)
	}
	slices.Sort(ids)
	if len(slices.Compact(ids)) != 4 {
		t.Fatalf("generated names repeat: %v", ids)
	}
	if c.reg.Len() != 4 {
		t.Fatalf("registry holds %d instances, want 4", c.reg.Len())
	}
}

func TestConsumerTrailingSlashes(t *testing.T) {
	c := newConsumerEnv(t, func(o *consumer.Options) { o.RequestTimeout = 100 * time.Millisecond })
	c.topic("slash", 1)
	r := c.call("POST", "/consumers/gs/", `{"name": "s1"}`).expectStatus(t, 200)
	if !strings.HasSuffix(string(r.body), `/consumers/gs/instances/s1"}`) {
		t.Fatalf("create = %s", r.body)
	}
	inst := "/consumers/gs/instances/s1"
	for _, req := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/subscription/", "", 200},
		{"POST", "/subscription/", `{"topics": ["slash"]}`, 204},
		{"GET", "/records/", "", 200},
		{"GET", "/assignments/", "", 200},
		{"POST", "/offsets/", `{}`, 204},
		{"GET", "/offsets/", `{"partitions": [{"topic": "slash", "partition": 0}]}`, 200},
		{"DELETE", "/subscription/", "", 204},
		{"POST", "/assignments/", `{"partitions": [{"topic": "slash", "partition": 0}]}`, 204},
		{"POST", "/positions/", `{"offsets": [{"topic": "slash", "partition": 0, "offset": 0}]}`, 204},
		{"POST", "/positions/beginning/", `{"partitions": [{"topic": "slash", "partition": 0}]}`, 204},
		{"POST", "/positions/end/", `{"partitions": [{"topic": "slash", "partition": 0}]}`, 204},
		{"DELETE", "/", "", 204},
	} {
		c.call(req.method, inst+req.path, req.body).expectStatus(t, req.status)
	}
}

// groupMembers returns how many members the group has, as Kafka sees it.
func (c *cenv) groupMembers(group string) int {
	c.t.Helper()
	ctx, cancel := testContext()
	defer cancel()
	groups, err := c.adm.DescribeGroups(ctx, group)
	if err != nil {
		c.t.Fatal(err)
	}
	return len(groups[group].Members)
}
