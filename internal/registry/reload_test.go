package registry

import (
	"strings"
	"testing"

	"github.com/krest-dev/krest/internal/testutil"
)

const (
	commonProto = `syntax = "proto3";
package common;
message Money { string currency = 1; int64 units = 2; }
`
	orderProto = `syntax = "proto3";
package shop;
import "common.proto";
message Order { common.Money total = 1; }
`
	recordG = `{"type":"record","name":"G","fields":[{"name":"f","type":"long"}]}`
)

// TestReloadConfluentTopic builds a _schemas topic the way Confluent Schema
// Registry and Karapace write it (with kgo, no krest involved): both key
// spellings, Confluent's extra value members, shared ids, soft deletes by
// DELETE_SUBJECT and by rewrite, tombstones, CONFIG and MODE records, a NOOP
// and two records no registry can read. krest must load it with every id
// preserved, and continue ids after the largest it saw.
func TestReloadConfluentTopic(t *testing.T) {
	addrs := newCluster(t)
	testutil.CreateTopic(t, addrs, DefaultTopic, 1)
	produceRaw(t, addrs, DefaultTopic,
		// Confluent: canonical key, schemaType always written, md5 member.
		[2]string{`{"keytype":"SCHEMA","subject":"a-value","version":1,"magic":1}`,
			`{"subject":"a-value","version":1,"id":7,"md5":"x+1zvNoVZpSPYdaxUZ9jKQ==","schemaType":"AVRO","schema":"\"string\"","deleted":false}`},
		[2]string{`{"keytype":"SCHEMA","subject":"a-value","version":2,"magic":1}`,
			`{"subject":"a-value","version":2,"id":9,"schemaType":"AVRO","schema":` + quote(userV1) + `,"deleted":false}`},
		// The same schema in another subject shares its id.
		[2]string{`{"keytype":"SCHEMA","subject":"b-value","version":1,"magic":1}`,
			`{"subject":"b-value","version":1,"id":7,"schemaType":"AVRO","schema":"\"string\"","deleted":false}`},
		[2]string{`{"keytype":"SCHEMA","subject":"c-value","version":1,"magic":1}`,
			`{"subject":"c-value","version":1,"id":12,"schemaType":"JSON","schema":"{\"type\":\"object\"}","deleted":false}`},
		// Karapace: no schemaType for AVRO, references after deleted.
		[2]string{`{"keytype":"SCHEMA","subject":"e-value","version":1,"magic":1}`,
			`{"subject":"e-value","version":1,"id":14,"schema":` + quote(commonProto) + `,"deleted":false,"schemaType":"PROTOBUF"}`},
		[2]string{`{"keytype":"SCHEMA","subject":"d-value","version":1,"magic":1}`,
			`{"subject":"d-value","version":1,"id":15,"schema":` + quote(orderProto) + `,"deleted":false,` +
				`"references":[{"name":"common.proto","subject":"e-value","version":1}],"schemaType":"PROTOBUF"}`},
		// Karapace's deprecated key spelling.
		[2]string{`{"subject":"g-value","version":1,"magic":1,"keytype":"SCHEMA"}`,
			`{"subject":"g-value","version":1,"id":16,"schema":` + quote(recordG) + `,"deleted":false}`},
		// The largest id, then permanently deleted.
		[2]string{`{"keytype":"SCHEMA","subject":"f-value","version":1,"magic":1}`,
			`{"subject":"f-value","version":1,"id":20,"schema":"\"bytes\"","deleted":true}`},
		[2]string{`{"keytype":"SCHEMA","subject":"f-value","version":1,"magic":1}`, ``},
		// Confluent's global CONFIG key has no subject member.
		[2]string{`{"keytype":"CONFIG","magic":0}`, `{"compatibilityLevel":"FULL"}`},
		[2]string{`{"keytype":"CONFIG","subject":"a-value","magic":0}`, `{"subject":"a-value","compatibilityLevel":"NONE"}`},
		[2]string{`{"keytype":"MODE","subject":"c-value","magic":0}`, `{"subject":"c-value","mode":"READONLY"}`},
		[2]string{`{"keytype":"NOOP","magic":0}`, ``},
		// Soft deletes: a whole subject, and one version by rewrite.
		[2]string{`{"keytype":"DELETE_SUBJECT","subject":"b-value","magic":0}`, `{"subject":"b-value","version":1}`},
		[2]string{`{"keytype":"SCHEMA","subject":"a-value","version":2,"magic":1}`,
			`{"subject":"a-value","version":2,"id":9,"schemaType":"AVRO","schema":` + quote(userV1) + `,"deleted":true}`},
		// Records a registry cannot use are skipped, not fatal.
		[2]string{`not json`, `{}`},
		[2]string{`{"keytype":"CLEAR_SUBJECT","subject":"z","magic":0}`, `{"subject":"z"}`},
	)

	reg := startRegistry(t, addrs, nil)
	reg.waitPrimary(true)

	reg.do(t, "GET", "/subjects", "").expect(t, 200, `["a-value","c-value","d-value","e-value","g-value"]`)
	reg.do(t, "GET", "/subjects?deleted=true", "").expect(t, 200, `["a-value","b-value","c-value","d-value","e-value","g-value"]`)
	reg.do(t, "GET", "/schemas/ids/7", "").expect(t, 200, `{"schema":"\"string\""}`)
	reg.do(t, "GET", "/schemas/ids/7/versions?deleted=true", "").expect(t, 200, `[{"subject":"a-value","version":1},{"subject":"b-value","version":1}]`)
	reg.do(t, "GET", "/subjects/a-value/versions", "").expect(t, 200, `[1]`)
	reg.do(t, "GET", "/subjects/a-value/versions?deleted=true", "").expect(t, 200, `[1,2]`)
	reg.do(t, "GET", "/schemas/ids/12", "").expect(t, 200, `{"schemaType":"JSON","schema":"{\"type\":\"object\"}"}`)
	reg.do(t, "GET", "/subjects/d-value/versions/1", "").expect(t, 200,
		`{"subject":"d-value","version":1,"id":15,"schemaType":"PROTOBUF","references":[{"name":"common.proto","subject":"e-value","version":1}],"schema":`+quote(orderProto)+`}`)
	reg.do(t, "GET", "/subjects/e-value/versions/1/referencedby", "").expect(t, 200, `[15]`)
	reg.do(t, "GET", "/schemas/ids/16", "").expect(t, 200, `{"schema":`+quote(recordG)+`}`)
	reg.do(t, "GET", "/schemas/ids/20", "").expectError(t, CodeSchemaNotFound)
	reg.do(t, "GET", "/config", "").expect(t, 200, `{"compatibilityLevel":"FULL"}`)
	reg.do(t, "GET", "/config/a-value", "").expect(t, 200, `{"compatibilityLevel":"NONE"}`)
	reg.do(t, "GET", "/mode/c-value", "").expect(t, 200, `{"mode":"READONLY"}`)
	reg.do(t, "GET", "/schemas/ids/7?fetchMaxId=true", "").expect(t, 200, `{"schema":"\"string\"","maxId":20}`)

	// A referenced version cannot be deleted.
	reg.do(t, "DELETE", "/subjects/e-value/versions/1", "").expectError(t, CodeReferenceExists)
	reg.do(t, "DELETE", "/subjects/e-value", "").expectError(t, CodeReferenceExists)
	// The loaded schemas resolve references for new registrations.
	if id := reg.register(t, "d2-value", `{"schemaType":"PROTOBUF","schema":`+quote(orderProto)+
		`,"references":[{"name":"common.proto","subject":"e-value","version":1}]}`); id != 15 {
		t.Fatalf("protobuf with reference: id %d, want the loaded 15", id)
	}
	// Known schemas keep their ids; new ones continue after the largest.
	if id := reg.register(t, "h-value", avroBody(`"string"`)); id != 7 {
		t.Fatalf("known schema id %d", id)
	}
	if id := reg.register(t, "g-value", avroBody(strings.ReplaceAll(recordG, `,`, ` , `))); id != 16 {
		t.Fatalf("respelled loaded schema id %d", id)
	}
	if id := reg.register(t, "h2-value", avroBody(`"int"`)); id != 21 {
		t.Fatalf("new id %d, want 21", id)
	}
	reg.do(t, "POST", "/subjects/c-value/versions", typedBody("JSON", `{"type":"string"}`)).expectError(t, CodeOperationNotPermitted)

	// Deleting the global level writes its tombstone with Confluent's key
	// spelling, so compaction removes the record it replaces.
	reg.do(t, "DELETE", "/config", "").expect(t, 200, `{"compatibilityLevel":"FULL"}`)
	recs := testutil.ReadAll(t, addrs, DefaultTopic, 1)
	for len(recs) > 0 && string(recs[len(recs)-1].Key) != `{"keytype":"CONFIG","magic":0}` {
		recs = testutil.ReadAll(t, addrs, DefaultTopic, len(recs)+1)
	}
	last := recs[len(recs)-1]
	if string(last.Key) != `{"keytype":"CONFIG","magic":0}` || last.Value != nil {
		t.Fatalf("global config tombstone: key %s value %q", last.Key, last.Value)
	}
	reg.do(t, "GET", "/config", "").expect(t, 200, `{"compatibilityLevel":"BACKWARD"}`)
}

// TestRestartKeepsEverything restarts the registry on the same topic: every
// schema, id, version, deletion and setting survives, and new ids continue.
func TestRestartKeepsEverything(t *testing.T) {
	addrs := newCluster(t)
	first := startRegistry(t, addrs, nil)
	first.waitPrimary(true)
	first.register(t, "a", avroBody(userV1))
	first.register(t, "a", avroBody(userV2))
	first.register(t, "b", typedBody("JSON", `{"type":"object","properties":{"x":{"type":"integer"}}}`))
	first.register(t, "c", typedBody("PROTOBUF", protoSchema))
	first.do(t, "DELETE", "/subjects/a/versions/1", "").expect(t, 200, `1`)
	first.do(t, "PUT", "/config/b", `{"compatibility":"FORWARD"}`).expect(t, 200, "")
	first.do(t, "PUT", "/mode/c", `{"mode":"READONLY"}`).expect(t, 200, "")
	snapshot := func(reg *testReg) []string {
		var out []string
		for _, p := range []string{
			"/subjects?deleted=true", "/schemas?deleted=true", "/config/b", "/mode/c",
			"/subjects/a/versions?deleted=true", "/schemas/ids/1", "/schemas/ids/2", "/schemas/ids/3", "/schemas/ids/4",
		} {
			out = append(out, reg.do(t, "GET", p, "").expect(t, 200, "").body)
		}
		return out
	}
	before := snapshot(first)
	first.stop()

	second := startRegistry(t, addrs, nil)
	second.waitPrimary(true)
	after := snapshot(second)
	for i := range before {
		if !jsonEqual(before[i], after[i]) {
			t.Errorf("after restart\n got: %s\nwant: %s", after[i], before[i])
		}
	}
	if id := second.register(t, "d", avroBody(`"double"`)); id != 5 {
		t.Fatalf("id after restart %d, want 5", id)
	}
	if id := second.register(t, "d2", avroBody(userV1Respelled)); id != 1 {
		t.Fatalf("known schema after restart: id %d, want 1", id)
	}
}

// TestImportMode registers schemas with given ids and versions, as a
// migration tool does, and checks the guards around it.
func TestImportMode(t *testing.T) {
	reg := startRegistry(t, newCluster(t), nil)
	reg.waitPrimary(true)

	reg.do(t, "PUT", "/mode", `{"mode":"IMPORT"}`).expect(t, 200, `{"mode":"IMPORT"}`)
	reg.do(t, "POST", "/subjects/imp/versions", `{"schema":`+quote(userV1)+`,"id":100,"version":5}`).expect(t, 200, `{"id":100}`)
	reg.do(t, "GET", "/subjects/imp/versions", "").expect(t, 200, `[5]`)
	reg.do(t, "GET", "/subjects/imp/versions/5", "").expect(t, 200, `{"subject":"imp","version":5,"id":100,"schema":`+quote(userV1)+`}`)
	// Idempotent: the same import again answers the same id.
	reg.do(t, "POST", "/subjects/imp/versions", `{"schema":`+quote(userV1)+`,"id":100,"version":5}`).expect(t, 200, `{"id":100}`)
	// An id taken by another schema is refused.
	reg.do(t, "POST", "/subjects/imp/versions", `{"schema":"\"int\"","id":100,"version":6}`).expectError(t, CodeIDDoesNotMatch)
	// No compatibility check in IMPORT mode, any version number.
	reg.do(t, "POST", "/subjects/imp/versions", `{"schema":`+quote(userBad)+`,"id":50,"version":2}`).expect(t, 200, `{"id":50}`)
	reg.do(t, "GET", "/subjects/imp/versions", "").expect(t, 200, `[2,5]`)
	// Without an id, IMPORT mode refuses the registration.
	reg.do(t, "POST", "/subjects/imp/versions", avroBody(`"int"`)).expectError(t, CodeOperationNotPermitted)

	reg.do(t, "PUT", "/mode", `{"mode":"READWRITE"}`).expect(t, 200, "")
	reg.do(t, "PUT", "/config/imp", `{"compatibility":"NONE"}`).expect(t, 200, "")
	if id := reg.register(t, "imp", avroBody(`"int"`)); id != 101 {
		t.Fatalf("id after import %d, want 101", id)
	}
	reg.do(t, "GET", "/subjects/imp/versions", "").expect(t, 200, `[2,5,6]`)

	// A subject-level IMPORT needs the subject to be empty, or force.
	reg.do(t, "PUT", "/mode/imp", `{"mode":"IMPORT"}`).expectError(t, CodeOperationNotPermitted)
	reg.do(t, "PUT", "/mode/imp?force=true", `{"mode":"IMPORT"}`).expect(t, 200, "")
	reg.do(t, "PUT", "/mode/empty", `{"mode":"IMPORT"}`).expect(t, 200, "")
	reg.do(t, "POST", "/subjects/empty/versions", `{"schema":"\"float\"","id":7}`).expect(t, 200, `{"id":7}`)
	reg.do(t, "GET", "/subjects/empty/versions", "").expect(t, 200, `[1]`)
}
