package registry

import (
	"context"
	"net/http"

	"github.com/twmb/franz-go/pkg/kgo"
)

// deleteSubject answers DELETE /subjects/{subject} (?permanent=true).
func (r *Registry) deleteSubject(w http.ResponseWriter, req *http.Request) error {
	body, err := readBody(req)
	if err != nil {
		return err
	}
	subject := req.PathValue("subject")
	permanent := boolParam(req, "permanent")
	return r.onPrimary(w, req, body, func(ctx context.Context) (any, int64, error) {
		return r.deleteSubjectOnPrimary(ctx, subject, permanent)
	})
}

// deleteSubjectOnPrimary is Confluent's deleteSubject: a soft delete writes
// one DELETE_SUBJECT record (every version up to the latest live one is
// deleted) and drops the subject's own config and mode; a permanent delete,
// allowed only once nothing is live, writes a tombstone per version. It
// returns the versions deleted.
func (r *Registry) deleteSubjectOnPrimary(ctx context.Context, subject string, permanent bool) (any, int64, error) {
	all := r.store.versions(subject, withDeleted)
	if len(all) == 0 {
		return nil, -1, errSubjectNotFound(subject)
	}
	live := r.store.versions(subject, liveOnly)
	if !permanent && len(live) == 0 {
		return nil, -1, errorf(CodeSubjectSoftDeleted, "Subject '%s' was soft deleted.Set permanent=true to delete permanently", subject)
	}
	if r.readOnly(subject) {
		return nil, -1, errReadOnly(subject)
	}
	if permanent && len(live) > 0 {
		return nil, -1, errorf(CodeSubjectNotSoftDeleted, "Subject '%s' was not deleted first before being permanently deleted", subject)
	}
	targets := live
	if permanent {
		targets = all
	}
	for _, v := range targets {
		if len(r.store.referencedBy(subject, v.version, liveOnly)) > 0 {
			return nil, -1, errReferenceExists(subject, v.version)
		}
	}
	var recs []*kgo.Record
	if permanent {
		for _, v := range all {
			recs = append(recs, &kgo.Record{Key: r.store.rawKey(recordKey{KeyType: keyTypeSchema, Subject: &subject, Version: v.version},
				func() []byte { return schemaKey(subject, v.version) })})
		}
	} else {
		value, err := marshalValue(deleteSubjectValue{Subject: subject, Version: live[len(live)-1].version})
		if err != nil {
			return nil, -1, err
		}
		recs = append(recs, &kgo.Record{Key: r.settingKey(keyTypeDeleteSubject, subject, false), Value: value})
		recs = append(recs, r.subjectSettingsTombstones(subject)...)
	}
	off, err := r.write(ctx, recs...)
	if err != nil {
		return nil, -1, err
	}
	versions := make([]int, len(targets))
	for i, v := range targets {
		versions[i] = v.version
	}
	return versions, off, nil
}

// subjectSettingsTombstones deletes a subject's own compatibility level and
// mode, which Confluent does when the subject's last live version goes.
func (r *Registry) subjectSettingsTombstones(subject string) []*kgo.Record {
	var recs []*kgo.Record
	if own, _ := r.store.compat(subject); own != "" {
		recs = append(recs, &kgo.Record{Key: r.settingKey(keyTypeConfig, subject, false)})
	}
	if own, _ := r.store.mode(subject); own != "" {
		recs = append(recs, &kgo.Record{Key: r.settingKey(keyTypeMode, subject, false)})
	}
	return recs
}

// deleteVersion answers DELETE /subjects/{subject}/versions/{version}
// (?permanent=true) with the deleted version number.
func (r *Registry) deleteVersion(w http.ResponseWriter, req *http.Request) error {
	body, err := readBody(req)
	if err != nil {
		return err
	}
	subject := req.PathValue("subject")
	n, err := parseVersion(req.PathValue("version"))
	if err != nil {
		return err
	}
	permanent := boolParam(req, "permanent")
	return r.onPrimary(w, req, body, func(ctx context.Context) (any, int64, error) {
		return r.deleteVersionOnPrimary(ctx, subject, n, permanent)
	})
}

// deleteVersionOnPrimary soft-deletes a version (rewriting its record with
// deleted=true) or, once soft-deleted, deletes it permanently (a tombstone).
// "latest" means the latest live version for a soft delete and the latest
// of all for a permanent one.
func (r *Registry) deleteVersionOnPrimary(ctx context.Context, subject string, n int, permanent bool) (any, int64, error) {
	all := r.store.versions(subject, withDeleted)
	if len(all) == 0 {
		return nil, -1, errSubjectNotFound(subject)
	}
	pool := all
	if n == -1 && !permanent {
		pool = r.store.versions(subject, liveOnly)
	}
	var v versionState
	found := false
	for _, c := range pool {
		if c.version == n || n == -1 {
			v, found = c, true // for -1 the last one wins: the latest
		}
	}
	if !found {
		return nil, -1, errVersionNotFound(n)
	}
	if !permanent && v.deleted {
		return nil, -1, errorf(CodeVersionSoftDeleted, "Subject '%s' Version %d was soft deleted.Set permanent=true to delete permanently", subject, v.version)
	}
	if r.readOnly(subject) {
		return nil, -1, errReadOnly(subject)
	}
	if len(r.store.referencedBy(subject, v.version, liveOnly)) > 0 {
		return nil, -1, errReferenceExists(subject, v.version)
	}
	if permanent && !v.deleted {
		return nil, -1, errorf(CodeVersionNotSoftDeleted, "Subject '%s' Version %d was not deleted first before being permanently deleted", subject, v.version)
	}
	key := r.store.rawKey(recordKey{KeyType: keyTypeSchema, Subject: &subject, Version: v.version},
		func() []byte { return schemaKey(subject, v.version) })
	recs := []*kgo.Record{{Key: key}}
	if !permanent {
		value, err := marshalValue(schemaValue{
			Subject:    subject,
			Version:    v.version,
			ID:         v.id,
			Schema:     v.doc.Text,
			SchemaType: apiType(v.doc.Type),
			References: v.doc.References,
			Metadata:   v.doc.Metadata,
			RuleSet:    v.doc.RuleSet,
			Deleted:    true,
		})
		if err != nil {
			return nil, -1, err
		}
		recs[0].Value = value
		if len(r.store.versions(subject, liveOnly)) == 1 {
			// This was the last live version.
			recs = append(recs, r.subjectSettingsTombstones(subject)...)
		}
	}
	off, err := r.write(ctx, recs...)
	if err != nil {
		return nil, -1, err
	}
	return v.version, off, nil
}
