package registry

import (
	"errors"
	"net/http"

	"github.com/krest-dev/krest/internal/registry/compat"
)

// compatChecker is the signature of compat.Check; Registry.check holds it so
// tests can observe which previous versions the registry hands it.
type compatChecker func(compat.Level, compat.Schema, []compat.Schema, compat.Resolver) (compat.Result, error)

// checkCompatibility asks the compat package whether doc may follow
// previous (a subject's versions, oldest first) at level. The level decides
// direction and transitivity: compat compares against the newest previous
// version only unless the level is transitive, as Confluent does when it is
// given all live versions.
func (r *Registry) checkCompatibility(level string, doc schemaDoc, previous []versionState) (compat.Result, error) {
	prev := make([]compat.Schema, len(previous))
	for i, v := range previous {
		prev[i] = compatSchema(v.doc)
		prev[i].Version = v.version
	}
	res, err := r.check(compat.Level(level), compatSchema(doc), prev, r.compatResolver)
	if err == nil {
		return res, nil
	}
	var pe *compat.ParseError
	switch {
	case errors.As(err, &pe) && pe.Candidate:
		return compat.Result{}, errInvalidSchema(pe.Err.Error())
	case errors.Is(err, compat.ErrUnknownType):
		// The checker for this schema type is not available (yet): the
		// schema has been validated, so accept it rather than refuse every
		// second version of the type.
		r.log.Warn("schema registry: no compatibility checker for this schema type; accepting the schema", "type", doc.Type)
		return compat.Result{Compatible: true}, nil
	}
	return compat.Result{}, wrapErr(CodeStoreError, err, "Error while checking compatibility against the stored schemas")
}

func compatSchema(doc schemaDoc) compat.Schema {
	s := compat.Schema{Type: doc.Type, Text: doc.Text}
	for _, ref := range doc.References {
		s.References = append(s.References, compat.Reference{Name: ref.Name, Subject: ref.Subject, Version: ref.Version})
	}
	return s
}

// compatResolver fetches a referenced schema for the checker. Stored
// schemas may reference soft-deleted versions, so those are found too.
func (r *Registry) compatResolver(ref compat.Reference) (compat.Schema, error) {
	v, ok := r.store.version(ref.Subject, ref.Version, withDeleted)
	if !ok {
		return compat.Schema{}, errRefNotFound
	}
	return compatSchema(v.doc), nil
}

// compatResponse is the answer of the compatibility checks. Messages is
// present only with verbose=true (then [] when compatible, as Confluent's
// NON_NULL inclusion writes it).
type compatResponse struct {
	IsCompatible bool      `json:"is_compatible"`
	Messages     *[]string `json:"messages,omitzero"`
}

// checkAgainstVersion answers POST /compatibility/subjects/{s}/versions/{v}:
// is the schema compatible with that one version, under the subject's level
// (transitivity does not widen a single version).
func (r *Registry) checkAgainstVersion(w http.ResponseWriter, req *http.Request) error {
	subject := req.PathValue("subject")
	n, err := parseVersion(req.PathValue("version"))
	if err != nil {
		return err
	}
	var previous []versionState
	if v, ok := r.store.version(subject, n, liveOnly); ok {
		previous = []versionState{v}
	} else if n != -1 {
		// Confluent: a missing version is 40402; a subject with nothing
		// live at all is 40401 (its API docs list both).
		if len(r.store.versions(subject, liveOnly)) == 0 {
			return errSubjectNotFound(subject)
		}
		return errVersionNotFound(n)
	}
	return r.checkAndAnswer(w, req, subject, previous)
}

// checkAgainstAll answers POST /compatibility/subjects/{s}/versions: is the
// schema compatible with the subject's live versions under its level (all
// of them for a transitive level, the latest otherwise).
func (r *Registry) checkAgainstAll(w http.ResponseWriter, req *http.Request) error {
	subject := req.PathValue("subject")
	return r.checkAndAnswer(w, req, subject, r.store.versions(subject, liveOnly))
}

func (r *Registry) checkAndAnswer(w http.ResponseWriter, req *http.Request, subject string, previous []versionState) error {
	body, err := readBody(req)
	if err != nil {
		return err
	}
	var rr registerRequest
	if err := decodeBody(body, &rr); err != nil {
		return err
	}
	verbose := boolParam(req, "verbose")
	answer := func(ok bool, msgs []string) error {
		resp := compatResponse{IsCompatible: ok}
		if verbose {
			if msgs == nil {
				msgs = []string{}
			}
			resp.Messages = &msgs
		}
		return writeJSON(w, req, resp)
	}
	doc, err := r.schemaDocFrom(rr)
	if err == nil {
		var res compat.Result
		res, err = r.checkCompatibility(r.effectiveCompat(subject), doc, previous)
		if err == nil {
			return answer(res.Compatible, res.Messages)
		}
	}
	// With verbose=true an invalid schema is an answer, not an error
	// (Confluent's CompatibilityResource).
	var e *Error
	if verbose && errors.As(err, &e) && e.Code == CodeInvalidSchema {
		return answer(false, []string{e.Message})
	}
	return err
}
