package registry

import (
	"context"
	"net/http"
	"strings"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Modes (Confluent's storage/Mode.java). READONLY_OVERRIDE set globally
// overrides every subject's own mode.
const (
	modeReadWrite        = "READWRITE"
	modeReadOnly         = "READONLY"
	modeReadOnlyOverride = "READONLY_OVERRIDE"
	modeImport           = "IMPORT"
)

// parseMode returns the canonical spelling of a mode, any case accepted (as
// Confluent upper-cases the request).
func parseMode(s string) (string, bool) {
	switch m := strings.ToUpper(s); m {
	case modeReadWrite, modeReadOnly, modeReadOnlyOverride, modeImport:
		return m, true
	}
	return "", false
}

// modeBody is the body of PUT /mode and the answer of every mode endpoint.
type modeBody struct {
	Mode string `json:"mode"`
}

// effectiveMode is the mode in force for a subject ("" asks for the
// global one): a global READONLY_OVERRIDE, else its own, else the global
// mode, else READWRITE.
func (r *Registry) effectiveMode(subject string) string {
	own, global := r.store.mode(subject)
	switch {
	case global == modeReadOnlyOverride:
		return global
	case own != "":
		return own
	case global != "":
		return global
	}
	return modeReadWrite
}

// readOnly reports whether the mode in force for subject forbids writes.
func (r *Registry) readOnly(subject string) bool {
	m := r.effectiveMode(subject)
	return m == modeReadOnly || m == modeReadOnlyOverride
}

// getGlobalMode answers GET /mode.
func (r *Registry) getGlobalMode(w http.ResponseWriter, req *http.Request) error {
	return writeJSON(w, req, modeBody{Mode: r.effectiveMode("")})
}

// getSubjectMode answers GET /mode/{subject}: the subject's own mode; with
// defaultToGlobal=true the mode in force for it.
func (r *Registry) getSubjectMode(w http.ResponseWriter, req *http.Request) error {
	subject := req.PathValue("subject")
	own, global := r.store.mode(subject)
	switch {
	case global == modeReadOnlyOverride:
		own = global
	case own == "" && boolParam(req, "defaultToGlobal"):
		own = r.effectiveMode(subject)
	case own == "":
		return errorf(CodeSubjectModeNotConfigured, "Subject '%s' does not have subject-level mode configured", subject)
	}
	return writeJSON(w, req, modeBody{Mode: own})
}

// putGlobalMode answers PUT /mode (?force=true).
func (r *Registry) putGlobalMode(w http.ResponseWriter, req *http.Request) error {
	return r.putMode(w, req, "", true)
}

// putSubjectMode answers PUT /mode/{subject} (?force=true).
func (r *Registry) putSubjectMode(w http.ResponseWriter, req *http.Request) error {
	return r.putMode(w, req, req.PathValue("subject"), false)
}

// putMode sets a mode. Switching to IMPORT is refused while the scope has
// live schemas, unless force=true: imported ids must not collide with ids
// the registry handed out itself (Confluent's setMode).
func (r *Registry) putMode(w http.ResponseWriter, req *http.Request, subject string, global bool) error {
	body, err := readBody(req)
	if err != nil {
		return err
	}
	force := boolParam(req, "force")
	return r.onPrimary(w, req, body, func(ctx context.Context) (any, int64, error) {
		var mb modeBody
		if err := decodeBody(body, &mb); err != nil {
			return nil, -1, err
		}
		mode, ok := parseMode(mb.Mode)
		if !ok {
			return nil, -1, errInvalidMode()
		}
		if !global && !validSubject(subject) {
			return nil, -1, errInvalidSubject(subject)
		}
		if mode == modeImport && r.effectiveMode(subject) != modeImport && !force {
			var live bool
			if global {
				live = len(r.store.subjectNames("", liveOnly)) > 0
			} else {
				live = len(r.store.versions(subject, liveOnly)) > 0
			}
			if live {
				return nil, -1, errorf(CodeOperationNotPermitted, "Cannot import since found existing subjects")
			}
		}
		mv := modeValue{Mode: mode}
		if !global {
			mv.Subject = &subject
		}
		value, err := marshalValue(mv)
		if err != nil {
			return nil, -1, err
		}
		off, err := r.write(ctx, &kgo.Record{Key: r.settingKey(keyTypeMode, subject, global), Value: value})
		if err != nil {
			return nil, -1, err
		}
		return modeBody{Mode: mode}, off, nil
	})
}

// deleteSubjectMode answers DELETE /mode/{subject}: the subject falls back
// to the global mode; 40401 when it had no mode of its own.
func (r *Registry) deleteSubjectMode(w http.ResponseWriter, req *http.Request) error {
	body, err := readBody(req)
	if err != nil {
		return err
	}
	subject := req.PathValue("subject")
	return r.onPrimary(w, req, body, func(ctx context.Context) (any, int64, error) {
		own, _ := r.store.mode(subject)
		if own == "" {
			return nil, -1, errSubjectNotFound(subject)
		}
		off, err := r.write(ctx, &kgo.Record{Key: r.settingKey(keyTypeMode, subject, false)})
		if err != nil {
			return nil, -1, err
		}
		return modeBody{Mode: own}, off, nil
	})
}
