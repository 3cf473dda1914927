package registry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/twmb/franz-go/pkg/kgo"
)

// registerRequest is the body of POST /subjects/{s}/versions, POST
// /subjects/{s} and the compatibility checks (Confluent's
// RegisterSchemaRequest). Version and ID are honoured only in IMPORT mode.
type registerRequest struct {
	Schema     string         `json:"schema"`
	SchemaType string         `json:"schemaType"`
	References []reference    `json:"references"`
	Version    int            `json:"version"`
	ID         int            `json:"id"`
	Metadata   jsontext.Value `json:"metadata"`
	RuleSet    jsontext.Value `json:"ruleSet"`
}

// registerResponse is {"id": N}.
type registerResponse struct {
	ID int `json:"id"`
}

// schemaDocFrom builds the schema a request describes: its type checked,
// references with version -1 pinned to the referenced subject's latest
// version (as Karapace does), and the text validated by its parser.
func (r *Registry) schemaDocFrom(rr registerRequest) (schemaDoc, error) {
	typ, ok := parseType(rr.SchemaType)
	if !ok {
		return schemaDoc{}, errInvalidSchema(fmt.Sprintf("unknown schema type %q", rr.SchemaType))
	}
	if strings.TrimSpace(rr.Schema) == "" {
		return schemaDoc{}, errorf(CodeInvalidSchema, "Empty schema")
	}
	doc := schemaDoc{Type: typ, Text: rr.Schema}
	if present(rr.Metadata) {
		doc.Metadata = []byte(rr.Metadata)
	}
	if present(rr.RuleSet) {
		doc.RuleSet = []byte(rr.RuleSet)
	}
	for _, ref := range rr.References {
		if ref.Version == -1 {
			v, ok := r.store.version(ref.Subject, -1, liveOnly)
			if !ok {
				return schemaDoc{}, errInvalidSchema(fmt.Sprintf("reference %q: subject %q not found", ref.Name, ref.Subject))
			}
			ref.Version = v.version
		}
		doc.References = append(doc.References, ref)
	}
	if err := validateSchema(doc, r.resolveRef); err != nil {
		return schemaDoc{}, errInvalidSchema(err.Error())
	}
	return doc, nil
}

// errRefNotFound is what resolveRef returns for a missing reference.
var errRefNotFound = errors.New("not found")

// resolveRef fetches a referenced schema: the exact version, which must not
// be soft-deleted (Karapace's rule), or the latest for -1.
func (r *Registry) resolveRef(ref reference) (schemaDoc, error) {
	v, ok := r.store.version(ref.Subject, ref.Version, liveOnly)
	if !ok {
		return schemaDoc{}, errRefNotFound
	}
	return v.doc, nil
}

// register answers POST /subjects/{subject}/versions.
func (r *Registry) register(w http.ResponseWriter, req *http.Request) error {
	body, err := readBody(req)
	if err != nil {
		return err
	}
	subject := req.PathValue("subject")
	normalize := boolParam(req, "normalize")
	return r.onPrimary(w, req, body, func(ctx context.Context) (any, int64, error) {
		return r.registerOnPrimary(ctx, subject, body, normalize)
	})
}

// registerOnPrimary is Confluent's KafkaSchemaRegistry.register: a schema
// already live under the subject returns its id; a schema known under any
// subject reuses its id; otherwise the schema must be compatible with the
// subject's live versions and gets the next id and the next version.
func (r *Registry) registerOnPrimary(ctx context.Context, subject string, body []byte, normalize bool) (any, int64, error) {
	var rr registerRequest
	if err := decodeBody(body, &rr); err != nil {
		return nil, -1, err
	}
	if !validSubject(subject) {
		return nil, -1, errInvalidSubject(subject)
	}
	mode := r.effectiveMode(subject)
	switch {
	case mode == modeReadOnly || mode == modeReadOnlyOverride:
		return nil, -1, errReadOnly(subject)
	case rr.ID > 0 && mode != modeImport:
		return nil, -1, errorf(CodeOperationNotPermitted, "Subject %s is not in import mode", subject)
	case rr.ID <= 0 && mode != modeReadWrite:
		return nil, -1, errorf(CodeOperationNotPermitted, "Subject %s is not in read-write mode", subject)
	}
	doc, err := r.schemaDocFrom(rr)
	if err != nil {
		return nil, -1, err
	}
	if normalize {
		doc.Text = normalizedText(doc)
	}
	ident := identityOf(doc)

	if v, ok := r.store.lookup(subject, ident, liveOnly); ok && (rr.ID <= 0 || rr.ID == v.id) {
		return registerResponse{ID: v.id}, -1, nil
	}
	id := -1
	if known, ok := r.store.idFor(ident); ok && (rr.ID <= 0 || rr.ID == known) {
		id = known
	}

	all := r.store.versions(subject, withDeleted)
	next := 1
	if len(all) > 0 {
		next = all[len(all)-1].version + 1
	}
	if mode != modeImport {
		res, err := r.checkCompatibility(r.effectiveCompat(subject), doc, r.store.versions(subject, liveOnly))
		if err != nil {
			return nil, -1, err
		}
		if !res.Compatible {
			return nil, -1, errorf(CodeIncompatibleSchema, "Schema being registered is incompatible with an earlier schema for subject \"%s\", details: [%s]",
				subject, strings.Join(res.Messages, ", "))
		}
	}
	version := next
	if rr.Version > 0 {
		if mode != modeImport && rr.Version != next {
			return nil, -1, errInvalidSchema("Version is not one more than previous version")
		}
		version = rr.Version
	}
	if id < 0 {
		if rr.ID > 0 {
			if existing, ok := r.store.schemaByID(rr.ID); ok && identityOf(existing) != ident {
				return nil, -1, errorf(CodeIDDoesNotMatch, "Overwrite new schema with id %d is not permitted.", rr.ID)
			}
			id = rr.ID
		} else {
			id = r.store.nextID()
		}
	}

	value, err := marshalValue(schemaValue{
		Subject:    subject,
		Version:    version,
		ID:         id,
		Schema:     doc.Text,
		SchemaType: apiType(doc.Type),
		References: doc.References,
		Metadata:   doc.Metadata,
		RuleSet:    doc.RuleSet,
	})
	if err != nil {
		return nil, -1, err
	}
	key := r.store.rawKey(recordKey{KeyType: keyTypeSchema, Subject: &subject, Version: version},
		func() []byte { return schemaKey(subject, version) })
	off, err := r.write(ctx, &kgo.Record{Key: key, Value: value})
	if err != nil {
		return nil, -1, err
	}
	return registerResponse{ID: id}, off, nil
}
