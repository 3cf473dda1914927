package restapi

import (
	"context"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/testutil"
)

// formats are the embedded formats every endpoint is run with: the media
// type goes in Accept for GETs and in Content-Type for produce.
var formats = []struct {
	name, media string
	// records are three produce records in the format: a keyed one, an
	// unkeyed one and a tombstone.
	records string
}{
	{"binary", "application/vnd.kafka.binary.v2+json",
		`[{"key":"a2V5","value":"dmFsdWU="},{"value":"b25seS12YWx1ZQ=="},{"key":"a2V5","value":null}]`},
	{"json", "application/vnd.kafka.json.v2+json",
		`[{"key":"key","value":{"n":1,"s":"x"}},{"value":[1,2,3]},{"key":"key","value":null}]`},
}

var uptimeRe = regexp.MustCompile(`"process_uptime_sec":\d+`)

// TestEndpointsGolden runs every metadata and produce endpoint with both
// embedded formats against one single-partition topic and compares each
// body with testdata/golden/<endpoint>_<format>.json (go test -update
// rewrites them). The produce steps run first so the offsets endpoint sees
// beginning 0, end 5.
func TestEndpointsGolden(t *testing.T) {
	t.Parallel()
	for _, f := range formats {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.topic("golden", 1)
			accept := "Accept: " + f.media
			ctype := "Content-Type: " + f.media
			steps := []struct {
				name, method, path, body string
				headers                  []string
				contentType              string // "" = the v2 type
			}{
				{"root", "GET", "/", "", []string{accept}, "application/json"},
				{"health", "GET", "/_health", "", []string{accept}, "json"},
				{"produce_topic", "POST", "/topics/golden", `{"records":` + f.records + `}`, []string{ctype, accept}, ""},
				{"produce_partition", "POST", "/topics/golden/partitions/0", `{"records":` + f.records[:strings.LastIndex(f.records, ",{")] + `]}`, []string{ctype, accept}, ""},
				{"list_topics", "GET", "/topics", "", []string{accept}, ""},
				{"get_topic", "GET", "/topics/golden", "", []string{accept}, ""},
				{"list_partitions", "GET", "/topics/golden/partitions", "", []string{accept}, ""},
				{"get_partition", "GET", "/topics/golden/partitions/0", "", []string{accept}, ""},
				{"partition_offsets", "GET", "/topics/golden/partitions/0/offsets", "", []string{accept}, ""},
				{"list_brokers", "GET", "/brokers", "", []string{accept}, ""},
			}
			for _, s := range steps {
				r := e.do(s.method, s.path, s.body, s.headers...)
				if r.status != http.StatusOK {
					t.Fatalf("%s %s: status %d, body %s", s.method, s.path, r.status, r.body)
				}
				ct := r.header.Get("Content-Type")
				switch s.contentType {
				case "":
					if ct != contentTypeV2 {
						t.Errorf("%s %s: Content-Type %q, want %q", s.method, s.path, ct, contentTypeV2)
					}
				case "json":
					mt, _, err := mime.ParseMediaType(ct)
					if err != nil || !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
						t.Errorf("%s %s: Content-Type %q is not JSON", s.method, s.path, ct)
					}
				default:
					if ct != s.contentType {
						t.Errorf("%s %s: Content-Type %q, want %q", s.method, s.path, ct, s.contentType)
					}
				}
				body := r.body
				if s.name == "health" {
					if !uptimeRe.Match(body) {
						t.Errorf("health body %s has no integer process_uptime_sec", body)
					}
					body = uptimeRe.ReplaceAll(body, []byte(`"process_uptime_sec":0`))
				}
				testutil.Golden(t, s.name+"_"+f.name, body)
			}
			// What the two produce steps wrote, seen by an independent client.
			recs := e.read("golden", 5)
			for i, r := range recs {
				if r.Offset != int64(i) || r.Partition != 0 {
					t.Errorf("record %d at %d/%d, want 0/%d", i, r.Partition, r.Offset, i)
				}
			}
			if recs[2].Value != nil {
				t.Errorf("tombstone written as %q, want a null value", recs[2].Value)
			}
		})
	}
}

// TestTopicNames checks that topic names with '.', '_' and '-' work on
// every topic route, and that a percent-encoded name is decoded.
func TestTopicNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Kafka refuses names that differ only in '.' versus '_' (their metric
	// names collide), so each name is distinct beyond that.
	for _, name := range []string{"my.topic", "under_score", "my-topic", "Mixed.Name_x-1"} {
		e.topic(name, 1)
	}
	for _, tc := range []struct{ name, path, topic string }{
		{"dot", "my.topic", "my.topic"},
		{"underscore", "under_score", "under_score"},
		{"dash", "my-topic", "my-topic"},
		{"mixed", "Mixed.Name_x-1", "Mixed.Name_x-1"},
		{"percent-encoded-dot", "my%2Etopic", "my.topic"},
		{"percent-encoded-letters", "%6Dy%2Dtopic", "my-topic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := e.sub(t)
			before := e.records(tc.topic)
			var got topicJSON
			if err := json.Unmarshal(e.do("GET", "/topics/"+tc.path, "").expectOK(t), &got); err != nil {
				t.Fatal(err)
			}
			if got.Name != tc.topic {
				t.Errorf("GET /topics/%s names %q, want %q", tc.path, got.Name, tc.topic)
			}
			e.do("GET", "/topics/"+tc.path+"/partitions", "").expectOK(t)
			e.do("GET", "/topics/"+tc.path+"/partitions/0", "").expectOK(t)
			e.do("GET", "/topics/"+tc.path+"/partitions/0/offsets", "").expectOK(t)
			e.do("POST", "/topics/"+tc.path, `{"records":[{"value":"YQ=="}]}`).expectAllProduced(t, 1)
			e.do("POST", "/topics/"+tc.path+"/partitions/0", `{"records":[{"value":"Yg=="}]}`).expectAllProduced(t, 1)
			e.expectRecords(tc.topic, before+2)
		})
	}
	var names []string
	if err := json.Unmarshal(e.do("GET", "/topics", "").expectOK(t), &names); err != nil {
		t.Fatal(err)
	}
	if want := []string{"Mixed.Name_x-1", "my-topic", "my.topic", "under_score"}; strings.Join(names, ",") != strings.Join(want, ",") {
		t.Errorf("GET /topics = %v, want %v", names, want)
	}
}

// TestTrailingSlash checks that every route answers with a trailing slash
// exactly as without one.
func TestTrailingSlash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.topic("t", 1)
	for _, path := range []string{
		"/topics", "/topics/t", "/topics/t/partitions", "/topics/t/partitions/0",
		"/topics/t/partitions/0/offsets", "/brokers",
	} {
		t.Run("GET"+path, func(t *testing.T) {
			e := e.sub(t)
			want := e.do("GET", path, "").expectOK(t)
			got := e.do("GET", path+"/", "").expectOK(t)
			if string(got) != string(want) {
				t.Errorf("GET %s/ = %s, GET %s = %s", path, got, path, want)
			}
		})
	}
	t.Run("GET/_health/", func(t *testing.T) {
		if r := e.sub(t).do("GET", "/_health/", ""); r.status != http.StatusOK {
			t.Fatalf("status %d, body %s", r.status, r.body)
		}
	})
	t.Run("POST/topics/t/", func(t *testing.T) {
		e := e.sub(t)
		e.do("POST", "/topics/t/", `{"records":[{"value":"YQ=="}]}`).expectAllProduced(t, 1)
		e.do("POST", "/topics/t/partitions/0/", `{"records":[{"value":"YQ=="}]}`).expectAllProduced(t, 1)
		e.expectRecords("t", 2)
	})
}

// TestMetadataFreshness checks that topics and partitions created behind
// krest's back, after it cached metadata, are found at once.
func TestMetadataFreshness(t *testing.T) {
	for _, tc := range []struct {
		name string
		age  time.Duration
	}{
		{"topic-cache-off", 0},
		{"topic-cache-one-hour", time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withKafka(func(o *kafka.Options) { o.TopicCacheAge = tc.age }))
			e.topic("old", 1)
			// Warm every cache krest has.
			e.do("GET", "/topics", "").expectOK(t)
			e.do("GET", "/topics/old/partitions", "").expectOK(t)
			e.do("GET", "/topics/new", "").expectError(t, 404, 40401)

			e.topic("new", 2)
			e.do("GET", "/topics/new", "").expectOK(t)
			e.do("POST", "/topics/new", `{"records":[{"value":"YQ=="}]}`).expectAllProduced(t, 1)
			e.expectRecords("new", 1)
			var names []string
			if err := json.Unmarshal(e.do("GET", "/topics", "").expectOK(t), &names); err != nil {
				t.Fatal(err)
			}
			if strings.Join(names, ",") != "new,old" {
				t.Errorf("GET /topics = %v, want [new old]", names)
			}

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := e.adm.CreatePartitions(ctx, 2, "old"); err != nil {
				t.Fatal(err)
			}
			e.do("GET", "/topics/old/partitions/2", "").expectOK(t)
			e.do("GET", "/topics/old/partitions/2/offsets", "").expectOK(t)
			r := e.do("POST", "/topics/old/partitions/2", `{"records":[{"value":"YQ=="}]}`)
			if o := r.expectAllProduced(t, 1).Offsets[0]; *o.Partition != 2 {
				t.Errorf("produced to partition %d, want 2", *o.Partition)
			}
			var parts []partitionJSON
			if err := json.Unmarshal(e.do("GET", "/topics/old/partitions", "").expectOK(t), &parts); err != nil {
				t.Fatal(err)
			}
			if len(parts) != 3 {
				t.Errorf("GET /topics/old/partitions lists %d partitions, want 3", len(parts))
			}
		})
	}
}

// TestInternalTopicsHidden checks that GET /topics leaves out Kafka's
// internal topics and the schema registry's storage topic, while they stay
// reachable by name.
func TestInternalTopicsHidden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, n := range []string{"_schemas", "__foo", "__consumer_offsets_like", "visible", "_single_underscore"} {
		e.topic(n, 1)
	}
	var names []string
	if err := json.Unmarshal(e.do("GET", "/topics", "").expectOK(t), &names); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, ","); got != "_single_underscore,visible" {
		t.Errorf("GET /topics = %v, want [_single_underscore visible]", names)
	}
	e.do("GET", "/topics/_schemas", "").expectOK(t)
	e.do("GET", "/topics/__foo/partitions", "").expectOK(t)
}
