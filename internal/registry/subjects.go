package registry

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// validSubject reports whether a subject name may be written: Confluent
// refuses empty names and control characters (QualifiedSubject.isValidSubject).
func validSubject(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// parseVersion parses a {version} path parameter: 1..2^31-1, or "latest"
// and -1 for the latest version (returned as -1).
func parseVersion(s string) (int, error) {
	if strings.EqualFold(strings.TrimSpace(s), "latest") {
		return -1, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil || (n < 1 && n != -1) {
		return 0, errInvalidVersion(s)
	}
	return int(n), nil
}

// filterParam reads the deleted (and deletedOnly) query parameters.
func filterParam(req *http.Request) filter {
	switch {
	case boolParam(req, "deletedOnly"):
		return deletedOnly
	case boolParam(req, "deleted"):
		return withDeleted
	}
	return liveOnly
}

// listSubjects answers GET /subjects.
func (r *Registry) listSubjects(w http.ResponseWriter, req *http.Request) error {
	return writeJSON(w, req, r.store.subjectNames(subjectPrefix(req.URL.Query().Get("subjectPrefix")), filterParam(req)))
}

// listVersions answers GET /subjects/{subject}/versions.
func (r *Registry) listVersions(w http.ResponseWriter, req *http.Request) error {
	subject := req.PathValue("subject")
	vs := r.store.versions(subject, filterParam(req))
	if len(vs) == 0 {
		return errSubjectNotFound(subject)
	}
	out := make([]int, len(vs))
	for i, v := range vs {
		out[i] = v.version
	}
	q := req.URL.Query()
	return writeJSON(w, req, page(out, q.Get("offset"), q.Get("limit")))
}

// findVersion resolves a {version} parameter among a subject's versions
// passing f: 40401 when there are none, 40402 when the one asked for is
// missing.
func (r *Registry) findVersion(subject, param string, f filter) (versionState, error) {
	n, err := parseVersion(param)
	if err != nil {
		return versionState{}, err
	}
	vs := r.store.versions(subject, f)
	if len(vs) == 0 {
		return versionState{}, errSubjectNotFound(subject)
	}
	if n == -1 {
		return vs[len(vs)-1], nil
	}
	for _, v := range vs {
		if v.version == n {
			return v, nil
		}
	}
	return versionState{}, errVersionNotFound(n)
}

// getVersion answers GET /subjects/{subject}/versions/{version}.
func (r *Registry) getVersion(w http.ResponseWriter, req *http.Request) error {
	v, err := r.findVersion(req.PathValue("subject"), req.PathValue("version"), filterParam(req))
	if err != nil {
		return err
	}
	return writeJSON(w, req, v.response())
}

// getVersionText answers GET /subjects/{subject}/versions/{version}/schema.
func (r *Registry) getVersionText(w http.ResponseWriter, req *http.Request) error {
	v, err := r.findVersion(req.PathValue("subject"), req.PathValue("version"), filterParam(req))
	if err != nil {
		return err
	}
	writeBody(w, req, http.StatusOK, []byte(v.doc.Text))
	return nil
}

// referencedBy answers GET /subjects/{subject}/versions/{version}/referencedby:
// the ids of the schemas that reference this version.
func (r *Registry) referencedBy(w http.ResponseWriter, req *http.Request) error {
	subject := req.PathValue("subject")
	v, err := r.findVersion(subject, req.PathValue("version"), withDeleted)
	if err != nil {
		return err
	}
	f := liveOnly
	if boolParam(req, "deleted") {
		f = withDeleted
	}
	ids := r.store.referencedBy(subject, v.version, f)
	if ids == nil {
		ids = []int{}
	}
	return writeJSON(w, req, ids)
}

// lookupSchema answers POST /subjects/{subject}: under which version and id
// this schema is registered in the subject. Schemas are matched by their
// canonical form, so normalize=true changes nothing here.
func (r *Registry) lookupSchema(w http.ResponseWriter, req *http.Request) error {
	subject := req.PathValue("subject")
	body, err := readBody(req)
	if err != nil {
		return err
	}
	var rr registerRequest
	if err := decodeBody(body, &rr); err != nil {
		return err
	}
	doc, err := r.schemaDocFrom(rr)
	if err != nil {
		return err
	}
	f := liveOnly
	if boolParam(req, "deleted") {
		f = withDeleted
	}
	if v, ok := r.store.lookup(subject, identityOf(doc), f); ok {
		return writeJSON(w, req, v.response())
	}
	if len(r.store.versions(subject, f)) == 0 {
		return errSubjectNotFound(subject)
	}
	return errSchemaNotFound()
}
