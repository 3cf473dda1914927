package registry

import (
	"strings"
	"testing"
)

const (
	userV1 = `{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"name","type":"string"}]}`
	// userV1Respelled is userV1 with other member order and whitespace.
	userV1Respelled = `{
  "namespace": "com.example", "type": "record", "name": "User",
  "fields": [ {"type": {"type": "string"}, "name": "name"} ]
}`
	userV2 = `{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"name","type":"string"},` +
		`{"name":"age","type":["null","int"],"default":null}]}`
	// userBad adds a field without a default: a BACKWARD break.
	userBad = `{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"name","type":"string"},` +
		`{"name":"email","type":"string"}]}`
)

// TestAPI walks every endpoint and its error codes against one registry, in
// an order where each step builds on the last.
func TestAPI(t *testing.T) {
	reg := startRegistry(t, newCluster(t), nil)
	reg.waitPrimary(true)

	t.Run("root-health-types", func(t *testing.T) {
		reg.do(t, "GET", "/", "").expect(t, 200, `{}`)
		h := reg.do(t, "GET", "/_health", "").expect(t, 200, "")
		if !strings.Contains(h.body, `"schema_registry_ready":true`) || !strings.Contains(h.body, `"schema_registry_is_primary":true`) {
			t.Fatalf("health %s", h.body)
		}
		reg.do(t, "GET", "/schemas/types", "").expect(t, 200, `["AVRO","JSON","PROTOBUF"]`)
		reg.do(t, "GET", "/contexts", "").expect(t, 200, `["."]`)
	})

	t.Run("empty-registry", func(t *testing.T) {
		reg.do(t, "GET", "/subjects", "").expect(t, 200, `[]`)
		reg.do(t, "GET", "/schemas", "").expect(t, 200, `[]`)
		reg.do(t, "GET", "/config", "").expect(t, 200, `{"compatibilityLevel":"BACKWARD"}`)
		reg.do(t, "GET", "/mode", "").expect(t, 200, `{"mode":"READWRITE"}`)
		reg.do(t, "GET", "/subjects/user-value/versions", "").expectError(t, CodeSubjectNotFound)
		reg.do(t, "GET", "/subjects/user-value/versions/1", "").expectError(t, CodeSubjectNotFound)
		reg.do(t, "GET", "/schemas/ids/1", "").expectError(t, CodeSchemaNotFound)
		reg.do(t, "GET", "/schemas/ids/1/subjects", "").expectError(t, CodeSchemaNotFound)
		reg.do(t, "GET", "/schemas/ids/1/versions", "").expectError(t, CodeSchemaNotFound)
		reg.do(t, "GET", "/schemas/ids/abc", "").expectError(t, CodeNotFound)
		reg.do(t, "DELETE", "/subjects/user-value", "").expectError(t, CodeSubjectNotFound)
		reg.do(t, "DELETE", "/subjects/user-value/versions/1", "").expectError(t, CodeSubjectNotFound)
	})

	t.Run("register", func(t *testing.T) {
		if id := reg.register(t, "user-value", avroBody(userV1)); id != 1 {
			t.Fatalf("first id %d", id)
		}
		// The same schema again, respelled, and under another subject:
		// the same id, and no new version in user-value.
		for _, body := range []string{avroBody(userV1), avroBody(userV1Respelled), `{"schemaType":"AVRO","schema":` + quote(userV1) + `}`} {
			if id := reg.register(t, "user-value", body); id != 1 {
				t.Fatalf("re-register id %d", id)
			}
		}
		if id := reg.register(t, "other", avroBody(userV1Respelled)); id != 1 {
			t.Fatalf("other subject id %d", id)
		}
		if id := reg.register(t, "user-value", avroBody(userV2)); id != 2 {
			t.Fatalf("v2 id %d", id)
		}
		reg.do(t, "GET", "/subjects/user-value/versions", "").expect(t, 200, `[1,2]`)
		reg.do(t, "GET", "/subjects/other/versions", "").expect(t, 200, `[1]`)
		// The text is kept as submitted: other's version 1 is the respelled one.
		reg.do(t, "GET", "/subjects/other/versions/1/schema", "").expect(t, 200, "")
		if got := reg.do(t, "GET", "/subjects/other/versions/1/schema", "").body; got != userV1Respelled {
			t.Fatalf("stored text %q", got)
		}
	})

	t.Run("register-errors", func(t *testing.T) {
		reg.do(t, "POST", "/subjects/user-value/versions", avroBody(userBad)).expectError(t, CodeIncompatibleSchema)
		reg.do(t, "POST", "/subjects/user-value/versions", avroBody(`{"type":"record","name":"X"}`)).expectError(t, CodeInvalidSchema)
		reg.do(t, "POST", "/subjects/user-value/versions", avroBody(`not json`)).expectError(t, CodeInvalidSchema)
		reg.do(t, "POST", "/subjects/user-value/versions", `{"schema":""}`).expectError(t, CodeInvalidSchema)
		reg.do(t, "POST", "/subjects/user-value/versions", `{"schemaType":"XML","schema":"<a/>"}`).expectError(t, CodeInvalidSchema)
		reg.do(t, "POST", "/subjects/user-value/versions", `{"schema":`).expectError(t, CodeBadRequest)
		// A version is accepted only in IMPORT mode, and otherwise must be the next one.
		userV3 := strings.Replace(userV2, `"default":null}`, `"default":null},{"name":"nick","type":["null","string"],"default":null}`, 1)
		reg.do(t, "POST", "/subjects/user-value/versions", `{"version":7,"schema":`+quote(userV3)+`}`).expectError(t, CodeInvalidSchema)
		doURL(t, "POST", reg.srv.URL+"/subjects/user-value/versions", avroBody(userV1), map[string]string{"Content-Type": "text/plain"}).
			expectError(t, CodeUnsupportedMediaType)
		reg.do(t, "POST", "/subjects/bad%01subject/versions", avroBody(userV1)).expectError(t, CodeInvalidSubject)
		// ids are only accepted in IMPORT mode.
		reg.do(t, "POST", "/subjects/user-value/versions", `{"schema":`+quote(`"string"`)+`,"id":100}`).expectError(t, CodeOperationNotPermitted)
	})

	t.Run("content-types", func(t *testing.T) {
		for _, ct := range []string{mediaV1, mediaDefault, mediaJSON, mediaGeneric} {
			doURL(t, "POST", reg.srv.URL+"/subjects/user-value", avroBody(userV1), map[string]string{"Content-Type": ct}).expect(t, 200, "")
		}
		r := doURL(t, "GET", reg.srv.URL+"/subjects", "", nil)
		if ct := r.header.Get("Content-Type"); ct != mediaV1 {
			t.Fatalf("default content type %q", ct)
		}
		r = doURL(t, "GET", reg.srv.URL+"/subjects", "", map[string]string{"Accept": "application/json"})
		if ct := r.header.Get("Content-Type"); ct != mediaJSON {
			t.Fatalf("json content type %q", ct)
		}
		doURL(t, "GET", reg.srv.URL+"/subjects", "", map[string]string{"Accept": "text/html"}).expectError(t, CodeNotAcceptable)
		reg.do(t, "GET", "/nope", "").expectError(t, CodeNotFound)
		r = reg.do(t, "PATCH", "/subjects", "").expectError(t, CodeMethodNotAllowed)
		if r.header.Get("Allow") == "" {
			t.Fatal("405 without Allow")
		}
		// A trailing slash is accepted (franz-go's sr posts lookups to /subjects/{s}/).
		reg.do(t, "GET", "/subjects/", "").expect(t, 200, "")
	})

	t.Run("reads", func(t *testing.T) {
		reg.do(t, "GET", "/subjects", "").expect(t, 200, `["other","user-value"]`)
		reg.do(t, "GET", "/subjects?subjectPrefix=us", "").expect(t, 200, `["user-value"]`)
		reg.do(t, "GET", "/subjects/user-value/versions/latest", "").
			expect(t, 200, `{"subject":"user-value","version":2,"id":2,"schema":`+quote(userV2)+`}`)
		reg.do(t, "GET", "/subjects/user-value/versions/-1", "").expect(t, 200, "")
		reg.do(t, "GET", "/subjects/user-value/versions/1", "").
			expect(t, 200, `{"subject":"user-value","version":1,"id":1,"schema":`+quote(userV1)+`}`)
		if got := reg.do(t, "GET", "/subjects/user-value/versions/1/schema", "").body; got != userV1 {
			t.Fatalf("raw schema %q", got)
		}
		reg.do(t, "GET", "/subjects/user-value/versions/0", "").expectError(t, CodeInvalidVersion)
		reg.do(t, "GET", "/subjects/user-value/versions/abc", "").expectError(t, CodeInvalidVersion)
		reg.do(t, "GET", "/subjects/user-value/versions/3", "").expectError(t, CodeVersionNotFound)
		reg.do(t, "GET", "/schemas/ids/1", "").expect(t, 200, `{"schema":`+quote(userV1)+`}`)
		if got := reg.do(t, "GET", "/schemas/ids/1/schema", "").body; got != userV1 {
			t.Fatalf("raw schema by id %q", got)
		}
		reg.do(t, "GET", "/schemas/ids/2?fetchMaxId=true", "").expect(t, 200, `{"schema":`+quote(userV2)+`,"maxId":2}`)
		reg.do(t, "GET", "/schemas/ids/1?includeSubjects=true", "").expect(t, 200, `{"schema":`+quote(userV1)+`,"subjects":["other","user-value"]}`)
		reg.do(t, "GET", "/schemas/ids/1/subjects", "").expect(t, 200, `["other","user-value"]`)
		reg.do(t, "GET", "/schemas/ids/1/versions", "").expect(t, 200, `[{"subject":"other","version":1},{"subject":"user-value","version":1}]`)
		reg.do(t, "GET", "/schemas?subjectPrefix=user", "").expect(t, 200,
			`[{"subject":"user-value","version":1,"id":1,"schema":`+quote(userV1)+`},{"subject":"user-value","version":2,"id":2,"schema":`+quote(userV2)+`}]`)
		reg.do(t, "GET", "/schemas?latestOnly=true&subjectPrefix=user", "").expect(t, 200,
			`[{"subject":"user-value","version":2,"id":2,"schema":`+quote(userV2)+`}]`)
		reg.do(t, "GET", "/schemas?offset=1&limit=1", "").expect(t, 200,
			`[{"subject":"user-value","version":1,"id":1,"schema":`+quote(userV1)+`}]`)
		reg.do(t, "GET", "/subjects/user-value/versions/1/referencedby", "").expect(t, 200, `[]`)
	})

	t.Run("lookup", func(t *testing.T) {
		reg.do(t, "POST", "/subjects/user-value", avroBody(userV1Respelled)).
			expect(t, 200, `{"subject":"user-value","version":1,"id":1,"schema":`+quote(userV1)+`}`)
		reg.do(t, "POST", "/subjects/user-value", avroBody(`"string"`)).expectError(t, CodeSchemaNotFound)
		reg.do(t, "POST", "/subjects/nope", avroBody(userV1)).expectError(t, CodeSubjectNotFound)
		reg.do(t, "POST", "/subjects/user-value", avroBody(`{"type":"nope"}`)).expectError(t, CodeInvalidSchema)
	})

	t.Run("compatibility", func(t *testing.T) {
		reg.do(t, "POST", "/compatibility/subjects/user-value/versions/latest", avroBody(userV2)).expect(t, 200, `{"is_compatible":true}`)
		reg.do(t, "POST", "/compatibility/subjects/user-value/versions/latest?verbose=true", avroBody(userV2)).
			expect(t, 200, `{"is_compatible":true,"messages":[]}`)
		reg.do(t, "POST", "/compatibility/subjects/user-value/versions/latest", avroBody(userBad)).expect(t, 200, `{"is_compatible":false}`)
		var verbose compatResponse
		reg.do(t, "POST", "/compatibility/subjects/user-value/versions", avroBody(userBad)+"").expect(t, 200, "")
		reg.do(t, "POST", "/compatibility/subjects/user-value/versions/1?verbose=true", avroBody(userBad)).expect(t, 200, "").decode(t, &verbose)
		if verbose.IsCompatible || verbose.Messages == nil || len(*verbose.Messages) == 0 {
			t.Fatalf("verbose incompatible answer %+v", verbose)
		}
		reg.do(t, "POST", "/compatibility/subjects/user-value/versions/9", avroBody(userV2)).expectError(t, CodeVersionNotFound)
		reg.do(t, "POST", "/compatibility/subjects/nope/versions/1", avroBody(userV2)).expectError(t, CodeSubjectNotFound)
		reg.do(t, "POST", "/compatibility/subjects/nope/versions/latest", avroBody(userV2)).expect(t, 200, `{"is_compatible":true}`)
		reg.do(t, "POST", "/compatibility/subjects/user-value/versions/zero", avroBody(userV2)).expectError(t, CodeInvalidVersion)
		reg.do(t, "POST", "/compatibility/subjects/user-value/versions/latest", avroBody(`{"type":"nope"}`)).expectError(t, CodeInvalidSchema)
		var inv compatResponse
		reg.do(t, "POST", "/compatibility/subjects/user-value/versions/latest?verbose=true", avroBody(`{"type":"nope"}`)).expect(t, 200, "").decode(t, &inv)
		if inv.IsCompatible || inv.Messages == nil || len(*inv.Messages) != 1 {
			t.Fatalf("verbose invalid answer %+v", inv)
		}
	})

	t.Run("config", func(t *testing.T) {
		reg.do(t, "PUT", "/config/user-value", `{"compatibility":"none"}`).expect(t, 200, `{"compatibility":"NONE"}`)
		reg.do(t, "GET", "/config/user-value", "").expect(t, 200, `{"compatibilityLevel":"NONE"}`)
		reg.do(t, "GET", "/config/other", "").expectError(t, CodeSubjectCompatibilityNotConfigured)
		reg.do(t, "GET", "/config/other?defaultToGlobal=true", "").expect(t, 200, `{"compatibilityLevel":"BACKWARD"}`)
		reg.do(t, "PUT", "/config/user-value", `{"compatibility":"SIDEWAYS"}`).expectError(t, CodeInvalidCompatibilityLevel)
		reg.do(t, "PUT", "/config", `{}`).expectError(t, CodeInvalidCompatibilityLevel)
		// Under NONE the incompatible schema registers: version 3, id 3.
		if id := reg.register(t, "user-value", avroBody(userBad)); id != 3 {
			t.Fatalf("id under NONE %d", id)
		}
		reg.do(t, "DELETE", "/config/user-value", "").expect(t, 200, `{"compatibilityLevel":"NONE"}`)
		reg.do(t, "DELETE", "/config/user-value", "").expectError(t, CodeSubjectNotFound)
		reg.do(t, "GET", "/config/user-value", "").expectError(t, CodeSubjectCompatibilityNotConfigured)
		reg.do(t, "PUT", "/config", `{"compatibility":"FULL"}`).expect(t, 200, `{"compatibility":"FULL"}`)
		reg.do(t, "GET", "/config", "").expect(t, 200, `{"compatibilityLevel":"FULL"}`)
		reg.do(t, "GET", "/config/other?defaultToGlobal=true", "").expect(t, 200, `{"compatibilityLevel":"FULL"}`)
		reg.do(t, "DELETE", "/config", "").expect(t, 200, `{"compatibilityLevel":"FULL"}`)
		reg.do(t, "GET", "/config", "").expect(t, 200, `{"compatibilityLevel":"BACKWARD"}`)
	})

	t.Run("mode", func(t *testing.T) {
		reg.do(t, "PUT", "/mode/user-value", `{"mode":"READONLY"}`).expect(t, 200, `{"mode":"READONLY"}`)
		reg.do(t, "GET", "/mode/user-value", "").expect(t, 200, `{"mode":"READONLY"}`)
		reg.do(t, "POST", "/subjects/user-value/versions", avroBody(`"string"`)).expectError(t, CodeOperationNotPermitted)
		reg.do(t, "DELETE", "/subjects/user-value/versions/3", "").expectError(t, CodeOperationNotPermitted)
		reg.do(t, "DELETE", "/subjects/user-value", "").expectError(t, CodeOperationNotPermitted)
		reg.do(t, "PUT", "/config/user-value", `{"compatibility":"NONE"}`).expectError(t, CodeOperationNotPermitted)
		reg.do(t, "GET", "/mode/other", "").expectError(t, CodeSubjectModeNotConfigured)
		reg.do(t, "GET", "/mode/other?defaultToGlobal=true", "").expect(t, 200, `{"mode":"READWRITE"}`)
		reg.do(t, "PUT", "/mode/user-value", `{"mode":"SOMETIMES"}`).expectError(t, CodeInvalidMode)
		reg.do(t, "DELETE", "/mode/user-value", "").expect(t, 200, `{"mode":"READONLY"}`)
		reg.do(t, "DELETE", "/mode/user-value", "").expectError(t, CodeSubjectNotFound)
		// IMPORT needs an empty scope, or force.
		reg.do(t, "PUT", "/mode", `{"mode":"IMPORT"}`).expectError(t, CodeOperationNotPermitted)
		reg.do(t, "PUT", "/mode?force=true", `{"mode":"IMPORT"}`).expect(t, 200, `{"mode":"IMPORT"}`)
		reg.do(t, "POST", "/subjects/user-value/versions", avroBody(`"string"`)).expectError(t, CodeOperationNotPermitted)
		reg.do(t, "PUT", "/mode", `{"mode":"READONLY_OVERRIDE"}`).expect(t, 200, "")
		reg.do(t, "GET", "/mode/other", "").expect(t, 200, `{"mode":"READONLY_OVERRIDE"}`)
		reg.do(t, "PUT", "/mode", `{"mode":"READWRITE"}`).expect(t, 200, `{"mode":"READWRITE"}`)
	})

	t.Run("delete-versions", func(t *testing.T) {
		reg.do(t, "DELETE", "/subjects/user-value/versions/3", "").expect(t, 200, `3`)
		reg.do(t, "DELETE", "/subjects/user-value/versions/3", "").expectError(t, CodeVersionSoftDeleted)
		reg.do(t, "DELETE", "/subjects/user-value/versions/2?permanent=true", "").expectError(t, CodeVersionNotSoftDeleted)
		reg.do(t, "DELETE", "/subjects/user-value/versions/9", "").expectError(t, CodeVersionNotFound)
		reg.do(t, "DELETE", "/subjects/user-value/versions/x", "").expectError(t, CodeInvalidVersion)
		reg.do(t, "GET", "/subjects/user-value/versions", "").expect(t, 200, `[1,2]`)
		reg.do(t, "GET", "/subjects/user-value/versions?deleted=true", "").expect(t, 200, `[1,2,3]`)
		reg.do(t, "GET", "/subjects/user-value/versions?deletedOnly=true", "").expect(t, 200, `[3]`)
		reg.do(t, "GET", "/subjects/user-value/versions/3", "").expectError(t, CodeVersionNotFound)
		reg.do(t, "GET", "/subjects/user-value/versions/3?deleted=true", "").expect(t, 200, "")
		// A soft-deleted schema's id still resolves (consumers decode old data).
		reg.do(t, "GET", "/schemas/ids/3", "").expect(t, 200, `{"schema":`+quote(userBad)+`}`)
		reg.do(t, "GET", "/schemas/ids/3/versions", "").expect(t, 200, `[]`)
		reg.do(t, "GET", "/schemas/ids/3/versions?deleted=true", "").expect(t, 200, `[{"subject":"user-value","version":3}]`)
		reg.do(t, "DELETE", "/subjects/user-value/versions/3?permanent=true", "").expect(t, 200, `3`)
		reg.do(t, "GET", "/subjects/user-value/versions?deleted=true", "").expect(t, 200, `[1,2]`)
		// Its last version gone, the id is gone too.
		reg.do(t, "GET", "/schemas/ids/3", "").expectError(t, CodeSchemaNotFound)
		// latest soft-deletes the latest live version.
		reg.do(t, "DELETE", "/subjects/user-value/versions/latest", "").expect(t, 200, `2`)
		reg.do(t, "GET", "/subjects/user-value/versions/latest", "").expect(t, 200, `{"subject":"user-value","version":1,"id":1,"schema":`+quote(userV1)+`}`)
		// Re-registering a soft-deleted schema reuses its id in a new version.
		if id := reg.register(t, "user-value", avroBody(userV2)); id != 2 {
			t.Fatalf("re-registered id %d", id)
		}
		reg.do(t, "GET", "/subjects/user-value/versions", "").expect(t, 200, `[1,3]`)
		reg.do(t, "POST", "/subjects/user-value?deleted=true", avroBody(userV2)).expect(t, 200, "")
	})

	t.Run("delete-subjects", func(t *testing.T) {
		reg.do(t, "PUT", "/config/other", `{"compatibility":"FULL"}`).expect(t, 200, "")
		reg.do(t, "DELETE", "/subjects/other?permanent=true", "").expectError(t, CodeSubjectNotSoftDeleted)
		reg.do(t, "DELETE", "/subjects/other", "").expect(t, 200, `[1]`)
		reg.do(t, "DELETE", "/subjects/other", "").expectError(t, CodeSubjectSoftDeleted)
		// A soft delete drops the subject's own settings, as in Confluent.
		reg.do(t, "GET", "/config/other", "").expectError(t, CodeSubjectCompatibilityNotConfigured)
		reg.do(t, "GET", "/subjects", "").expect(t, 200, `["user-value"]`)
		reg.do(t, "GET", "/subjects?deleted=true", "").expect(t, 200, `["other","user-value"]`)
		reg.do(t, "GET", "/subjects?deletedOnly=true", "").expect(t, 200, `["other","user-value"]`)
		reg.do(t, "GET", "/schemas/ids/1/subjects", "").expect(t, 200, `["user-value"]`)
		reg.do(t, "GET", "/schemas/ids/1/subjects?deleted=true", "").expect(t, 200, `["other","user-value"]`)
		reg.do(t, "DELETE", "/subjects/other?permanent=true", "").expect(t, 200, `[1]`)
		reg.do(t, "GET", "/subjects?deleted=true", "").expect(t, 200, `["user-value"]`)
		reg.do(t, "GET", "/subjects/other/versions?deleted=true", "").expectError(t, CodeSubjectNotFound)
		reg.do(t, "DELETE", "/subjects/user-value", "").expect(t, 200, `[1,3]`)
		reg.do(t, "GET", "/subjects", "").expect(t, 200, `[]`)
		reg.do(t, "DELETE", "/subjects/user-value?permanent=true", "").expect(t, 200, `[1,2,3]`)
		reg.do(t, "GET", "/schemas/ids/1", "").expectError(t, CodeSchemaNotFound)
		// New ids continue after the largest ever handed out.
		if id := reg.register(t, "fresh", avroBody(`"long"`)); id != 4 {
			t.Fatalf("id after deletes %d", id)
		}
	})
}
