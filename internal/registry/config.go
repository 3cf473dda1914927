package registry

import (
	"context"
	"net/http"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/registry/compat"
)

// parseLevel returns the canonical spelling of a compatibility level, any
// case accepted (Confluent's CompatibilityLevel.forName).
func parseLevel(s string) (string, bool) {
	l, ok := compat.ParseLevel(s)
	return string(l), ok
}

// configRequest is the body of PUT /config and PUT /config/{subject}.
type configRequest struct {
	Compatibility string `json:"compatibility"`
}

// configResponse is GET and DELETE /config: note the member is
// "compatibilityLevel" here and "compatibility" in the PUT body and answer,
// as in Confluent.
type configResponse struct {
	CompatibilityLevel string `json:"compatibilityLevel"`
}

// effectiveCompat is the level a subject's registrations are checked at:
// its own, else the global one, else Options.Compatibility.
func (r *Registry) effectiveCompat(subject string) string {
	own, global := r.store.compat(subject)
	switch {
	case own != "":
		return own
	case global != "":
		return global
	}
	return r.opts.Compatibility
}

// getGlobalConfig answers GET /config.
func (r *Registry) getGlobalConfig(w http.ResponseWriter, req *http.Request) error {
	return writeJSON(w, req, configResponse{CompatibilityLevel: r.effectiveCompat("")})
}

// getSubjectConfig answers GET /config/{subject}: the subject's own level;
// with defaultToGlobal=true the level in force for it.
func (r *Registry) getSubjectConfig(w http.ResponseWriter, req *http.Request) error {
	subject := req.PathValue("subject")
	own, _ := r.store.compat(subject)
	if own == "" {
		if !boolParam(req, "defaultToGlobal") {
			return errorf(CodeSubjectCompatibilityNotConfigured, "Subject '%s' does not have subject-level compatibility configured", subject)
		}
		own = r.effectiveCompat(subject)
	}
	return writeJSON(w, req, configResponse{CompatibilityLevel: own})
}

// putGlobalConfig answers PUT /config.
func (r *Registry) putGlobalConfig(w http.ResponseWriter, req *http.Request) error {
	return r.putConfig(w, req, "", true)
}

// putSubjectConfig answers PUT /config/{subject}.
func (r *Registry) putSubjectConfig(w http.ResponseWriter, req *http.Request) error {
	return r.putConfig(w, req, req.PathValue("subject"), false)
}

func (r *Registry) putConfig(w http.ResponseWriter, req *http.Request, subject string, global bool) error {
	body, err := readBody(req)
	if err != nil {
		return err
	}
	return r.onPrimary(w, req, body, func(ctx context.Context) (any, int64, error) {
		var cr configRequest
		if err := decodeBody(body, &cr); err != nil {
			return nil, -1, err
		}
		level, ok := parseLevel(cr.Compatibility)
		if !ok {
			return nil, -1, errInvalidCompatibility()
		}
		if !global && !validSubject(subject) {
			return nil, -1, errInvalidSubject(subject)
		}
		if r.readOnly(subject) {
			return nil, -1, errReadOnly(subject)
		}
		value, err := marshalValue(configValue{CompatibilityLevel: level})
		if err != nil {
			return nil, -1, err
		}
		off, err := r.write(ctx, &kgo.Record{Key: r.settingKey(keyTypeConfig, subject, global), Value: value})
		if err != nil {
			return nil, -1, err
		}
		return configRequest{Compatibility: level}, off, nil
	})
}

// deleteGlobalConfig answers DELETE /config: the global level reverts to
// Options.Compatibility; the answer is the level that was in force.
func (r *Registry) deleteGlobalConfig(w http.ResponseWriter, req *http.Request) error {
	return r.deleteConfig(w, req, "", true)
}

// deleteSubjectConfig answers DELETE /config/{subject}: the subject falls
// back to the global level; 40401 when it had no level of its own.
func (r *Registry) deleteSubjectConfig(w http.ResponseWriter, req *http.Request) error {
	return r.deleteConfig(w, req, req.PathValue("subject"), false)
}

func (r *Registry) deleteConfig(w http.ResponseWriter, req *http.Request, subject string, global bool) error {
	body, err := readBody(req)
	if err != nil {
		return err
	}
	return r.onPrimary(w, req, body, func(ctx context.Context) (any, int64, error) {
		old := r.effectiveCompat("")
		if !global {
			own, _ := r.store.compat(subject)
			if own == "" {
				return nil, -1, errSubjectNotFound(subject)
			}
			old = own
		}
		if r.readOnly(subject) {
			return nil, -1, errReadOnly(subject)
		}
		off, err := r.write(ctx, &kgo.Record{Key: r.settingKey(keyTypeConfig, subject, global)})
		if err != nil {
			return nil, -1, err
		}
		return configResponse{CompatibilityLevel: old}, off, nil
	})
}

// settingKey is the key of a CONFIG, MODE or DELETE_SUBJECT record, spelled
// as the topic last spelled it.
func (r *Registry) settingKey(keyType, subject string, global bool) []byte {
	k := recordKey{KeyType: keyType}
	if !global {
		k.Subject = &subject
	}
	return r.store.rawKey(k, func() []byte { return subjectKey(keyType, subject, global) })
}
