package registry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// schemaResponse is a subject version: GET /subjects/{s}/versions/{v}, the
// lookup POST /subjects/{s}, and each entry of GET /schemas (Confluent's
// Schema entity; schemaType is left out for AVRO, references when empty).
type schemaResponse struct {
	Subject    string         `json:"subject"`
	Version    int            `json:"version"`
	ID         int            `json:"id"`
	SchemaType string         `json:"schemaType,omitzero"`
	References []reference    `json:"references,omitzero"`
	Metadata   jsontext.Value `json:"metadata,omitzero"`
	RuleSet    jsontext.Value `json:"ruleSet,omitzero"`
	Schema     string         `json:"schema"`
}

func (v versionState) response() schemaResponse {
	return schemaResponse{
		Subject:    v.subject,
		Version:    v.version,
		ID:         v.id,
		SchemaType: apiType(v.doc.Type),
		References: v.doc.References,
		Metadata:   v.doc.Metadata,
		RuleSet:    v.doc.RuleSet,
		Schema:     v.doc.Text,
	}
}

// apiType is the schemaType member of a response: absent for AVRO
// (Confluent's SchemaTypeConverter).
func apiType(t string) string {
	if t == typeAvro {
		return ""
	}
	return t
}

// schemaStringResponse is GET /schemas/ids/{id} (Confluent's SchemaString),
// with Karapace's "subjects" extension for ?includeSubjects=true.
type schemaStringResponse struct {
	SchemaType string         `json:"schemaType,omitzero"`
	Schema     string         `json:"schema"`
	References []reference    `json:"references,omitzero"`
	Metadata   jsontext.Value `json:"metadata,omitzero"`
	RuleSet    jsontext.Value `json:"ruleSet,omitzero"`
	MaxID      *int           `json:"maxId,omitzero"`
	Subjects   []string       `json:"subjects,omitzero"`
}

// subjectVersion is one entry of GET /schemas/ids/{id}/versions.
type subjectVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// root answers GET / with {}, as Confluent and Karapace do.
func (r *Registry) root(w http.ResponseWriter, req *http.Request) error {
	return writeJSON(w, req, struct{}{})
}

// healthStatus is Karapace's /_health status, so its probes and dashboards
// work unchanged.
type healthStatus struct {
	Ready               bool    `json:"schema_registry_ready"`
	StartupTimeSec      float64 `json:"schema_registry_startup_time_sec"`
	ReaderCurrentOffset int64   `json:"schema_registry_reader_current_offset"`
	IsPrimary           bool    `json:"schema_registry_is_primary"`
	IsPrimaryEligible   bool    `json:"schema_registry_is_primary_eligible"`
	PrimaryURL          *string `json:"schema_registry_primary_url"`
	CoordinatorRunning  bool    `json:"schema_registry_coordinator_running"`
	GenerationID        int32   `json:"schema_registry_coordinator_generation_id"`
	Subjects            int     `json:"schema_registry_subjects"`
	Schemas             int     `json:"schema_registry_schemas"`
}

// health answers GET /_health: 200 once the topic is loaded, 503 before,
// so a readiness probe holds traffic back during the load.
func (r *Registry) health(w http.ResponseWriter, req *http.Request) error {
	st := healthStatus{
		ReaderCurrentOffset: r.progress.current(),
		IsPrimary:           r.IsPrimary(),
		IsPrimaryEligible:   !r.opts.NotPrimaryEligible,
		CoordinatorRunning:  r.started.Load(),
		GenerationID:        r.generation.Load(),
	}
	select {
	case <-r.ready:
		st.Ready = true
		st.StartupTimeSec = time.Duration(r.loadTime.Load()).Seconds()
	default:
	}
	if u := r.PrimaryURL(); u != "" {
		st.PrimaryURL = &u
	}
	st.Subjects, st.Schemas = r.store.counts()
	body := struct {
		Version string       `json:"version"`
		Status  healthStatus `json:"status"`
		Healthy bool         `json:"healthy"`
	}{r.opts.Version, st, st.Ready}
	if !st.Ready {
		b, err := jsonMarshal(body)
		if err != nil {
			return err
		}
		writeBody(w, req, http.StatusServiceUnavailable, b)
		return nil
	}
	return writeJSON(w, req, body)
}

// schemaTypes answers GET /schemas/types.
func (r *Registry) schemaTypes(w http.ResponseWriter, req *http.Request) error {
	return writeJSON(w, req, schemaTypes)
}

// listContexts answers GET /contexts: krest has only the default context.
func (r *Registry) listContexts(w http.ResponseWriter, req *http.Request) error {
	return writeJSON(w, req, []string{"."})
}

// listSchemas answers GET /schemas: every version of every subject (or of
// those starting with subjectPrefix), optionally only the latest of each,
// paged with offset and limit.
func (r *Registry) listSchemas(w http.ResponseWriter, req *http.Request) error {
	q := req.URL.Query()
	f := liveOnly
	if boolParam(req, "deleted") {
		f = withDeleted
	}
	latestOnly := boolParam(req, "latestOnly")
	out := []schemaResponse{}
	for _, s := range r.store.subjectNames(subjectPrefix(q.Get("subjectPrefix")), f) {
		vs := r.store.versions(s, f)
		if latestOnly && len(vs) > 0 {
			vs = vs[len(vs)-1:]
		}
		for _, v := range vs {
			out = append(out, v.response())
		}
	}
	return writeJSON(w, req, page(out, q.Get("offset"), q.Get("limit")))
}

// subjectPrefix maps Confluent's "all contexts" wildcard to no prefix.
func subjectPrefix(p string) string {
	if p == ":*:" {
		return ""
	}
	return p
}

// page applies offset and limit query parameters (limit < 0 or absent means
// no limit).
func page[T any](s []T, offset, limit string) []T {
	if o, err := strconv.Atoi(offset); err == nil && o > 0 {
		s = s[min(o, len(s)):]
	}
	if l, err := strconv.Atoi(limit); err == nil && l >= 0 && l < len(s) {
		s = s[:l]
	}
	return s
}

// schemaID parses the {id} path parameter. A value that is not a number
// cannot name a resource: 404, as Jersey answers for a path parameter it
// cannot convert.
func schemaID(req *http.Request) (int, error) {
	id, err := strconv.Atoi(req.PathValue("id"))
	if err != nil {
		return 0, errorf(CodeNotFound, "HTTP 404 Not Found")
	}
	return id, nil
}

// schemaByID answers GET /schemas/ids/{id}.
func (r *Registry) schemaByID(w http.ResponseWriter, req *http.Request) error {
	id, err := schemaID(req)
	if err != nil {
		return err
	}
	doc, ok := r.store.schemaByID(id)
	if !ok {
		return errSchemaIDNotFound(id)
	}
	resp := schemaStringResponse{
		SchemaType: apiType(doc.Type),
		Schema:     doc.Text,
		References: doc.References,
		Metadata:   doc.Metadata,
		RuleSet:    doc.RuleSet,
	}
	if boolParam(req, "fetchMaxId") {
		m := r.store.nextID() - 1
		resp.MaxID = &m
	}
	if boolParam(req, "includeSubjects") {
		vs, _ := r.store.usages(id, liveOnly)
		resp.Subjects = uniqueSubjects(vs)
	}
	return writeJSON(w, req, resp)
}

// schemaTextByID answers GET /schemas/ids/{id}/schema: the schema text alone.
func (r *Registry) schemaTextByID(w http.ResponseWriter, req *http.Request) error {
	id, err := schemaID(req)
	if err != nil {
		return err
	}
	doc, ok := r.store.schemaByID(id)
	if !ok {
		return errSchemaIDNotFound(id)
	}
	writeBody(w, req, http.StatusOK, []byte(doc.Text))
	return nil
}

// subjectsByID answers GET /schemas/ids/{id}/subjects.
func (r *Registry) subjectsByID(w http.ResponseWriter, req *http.Request) error {
	id, err := schemaID(req)
	if err != nil {
		return err
	}
	f := liveOnly
	if boolParam(req, "deleted") {
		f = withDeleted
	}
	vs, ok := r.store.usages(id, f)
	if !ok {
		return errSchemaNotFound()
	}
	return writeJSON(w, req, uniqueSubjects(vs))
}

// versionsByID answers GET /schemas/ids/{id}/versions.
func (r *Registry) versionsByID(w http.ResponseWriter, req *http.Request) error {
	id, err := schemaID(req)
	if err != nil {
		return err
	}
	f := liveOnly
	if boolParam(req, "deleted") {
		f = withDeleted
	}
	vs, ok := r.store.usages(id, f)
	if !ok {
		return errSchemaNotFound()
	}
	out := make([]subjectVersion, 0, len(vs))
	for _, v := range vs {
		out = append(out, subjectVersion{Subject: v.subject, Version: v.version})
	}
	return writeJSON(w, req, out)
}

// uniqueSubjects lists the subjects of versions sorted by subject.
func uniqueSubjects(vs []versionState) []string {
	out := []string{}
	for _, v := range vs {
		if len(out) == 0 || out[len(out)-1] != v.subject {
			out = append(out, v.subject)
		}
	}
	return out
}
