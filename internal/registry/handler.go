package registry

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/krest-dev/krest/internal/httpx"
)

// Media types of the Schema Registry API (Confluent's Versions.java).
const (
	mediaV1      = "application/vnd.schemaregistry.v1+json"
	mediaDefault = "application/vnd.schemaregistry+json"
	mediaJSON    = "application/json"
	mediaGeneric = "application/octet-stream"
)

// handlerFunc is a handler that returns its error instead of writing it, so
// exactly one function (writeError) turns errors into responses.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap adapts a handlerFunc: it negotiates Accept (406), waits until the
// registry has loaded the topic (unless raw), recovers panics, and writes
// any returned error.
func (r *Registry) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		defer r.recoverPanic(w, req)
		if req.Body != nil && req.Body != http.NoBody {
			req.Body = http.MaxBytesReader(w, req.Body, r.opts.MaxBodyBytes)
		}
		err := func() error {
			if rt.raw {
				return rt.h(w, req)
			}
			if _, ok := responseType(req); !ok {
				return errorf(CodeNotAcceptable, "HTTP 406 Not Acceptable")
			}
			if err := r.waitReady(req.Context()); err != nil {
				return err
			}
			return rt.h(w, req)
		}()
		if err != nil {
			r.writeError(w, req, err)
		}
	})
}

// waitReady blocks until the initial load of the topic is complete, bounded
// by the request and Options.Timeout. Serving before that would answer from
// a partial state ("subject not found" for a subject further down the log).
func (r *Registry) waitReady(ctx context.Context) error {
	select {
	case <-r.ready:
		return nil
	default:
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.Timeout)
	defer cancel()
	select {
	case <-r.ready:
		return nil
	case <-ctx.Done():
		return wrapErr(CodeOperationTimeout, ctx.Err(), "The schema registry is not ready: it is still loading the %s topic", r.opts.Topic)
	}
}

// recoverPanic turns a handler panic into a logged 500 instead of a dropped
// connection; a panic is a registry bug.
func (r *Registry) recoverPanic(w http.ResponseWriter, req *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler {
		panic(v)
	}
	r.log.Error("schema registry handler panic", "method", req.Method, "path", req.URL.Path, "panic", v, "stack", string(debug.Stack()))
	writeErrorBody(w, req, &Error{Code: CodeInternal, Message: "Internal Server Error"})
}

// writeError is the one error writer. A request whose client went away gets
// nothing (it could not read it).
func (r *Registry) writeError(w http.ResponseWriter, req *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = wrapErr(CodePayloadTooLarge, err, "HTTP 413 Payload Too Large: the body exceeds %d bytes", mbe.Limit)
	}
	if req.Context().Err() != nil && errors.Is(err, context.Canceled) {
		r.log.Debug("schema registry client went away", "method", req.Method, "path", req.URL.Path)
		return
	}
	e := asError(err)
	if e.Code.Status() >= 500 {
		r.log.Error("schema registry request failed", "method", req.Method, "path", req.URL.Path, "error_code", int(e.Code), "err", e)
	} else {
		r.log.Debug("schema registry request rejected", "method", req.Method, "path", req.URL.Path, "error_code", int(e.Code), "message", e.Message)
	}
	writeErrorBody(w, req, e)
}

// errorBody is {"error_code": N, "message": "..."}.
type errorBody struct {
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func writeErrorBody(w http.ResponseWriter, req *http.Request, e *Error) {
	b, _ := json.Marshal(errorBody{ErrorCode: int(e.Code), Message: e.Message})
	writeBody(w, req, e.Code.Status(), b)
}

// jsonMarshal encodes a response body compactly.
func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v, json.Deterministic(true)) }

// writeJSON marshals v compactly and writes it with status 200.
func writeJSON(w http.ResponseWriter, req *http.Request, v any) error {
	b, err := jsonMarshal(v)
	if err != nil {
		return err
	}
	writeBody(w, req, http.StatusOK, b)
	return nil
}

// writeBody writes a complete body in the negotiated media type.
func writeBody(w http.ResponseWriter, req *http.Request, status int, b []byte) {
	ct, _ := responseType(req)
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// responseType picks the response media type from Accept, as Jersey does
// with Confluent's weights: the v1 type unless the client asked only for
// the unversioned or the plain JSON type. ok is false when Accept names
// nothing the registry writes.
func responseType(req *http.Request) (string, bool) {
	accept := req.Header.Values("Accept")
	if len(accept) == 0 {
		return mediaV1, true
	}
	var def, js bool
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			mt, params, err := mime.ParseMediaType(part)
			if err != nil {
				continue
			}
			if q, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(q, 64); err == nil && f <= 0 {
					continue
				}
			}
			switch mt {
			case "*/*", "application/*", mediaV1:
				return mediaV1, true
			case mediaDefault:
				def = true
			case mediaJSON:
				js = true
			}
		}
	}
	switch {
	case def:
		return mediaDefault, true
	case js:
		return mediaJSON, true
	}
	return mediaV1, false
}

// readBody reads a request body after checking its Content-Type: the
// registry's media types, plain JSON, octet-stream (what Jersey assumes for
// a missing type) and a missing header are accepted, anything else is 415.
func readBody(req *http.Request) ([]byte, error) {
	if ct := req.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return nil, errorf(CodeUnsupportedMediaType, "HTTP 415 Unsupported Media Type")
		}
		switch mt {
		case mediaV1, mediaDefault, mediaJSON, mediaGeneric:
		default:
			return nil, errorf(CodeUnsupportedMediaType, "HTTP 415 Unsupported Media Type")
		}
	}
	if req.Body == nil {
		return nil, nil
	}
	return io.ReadAll(req.Body)
}

// decodeBody parses a JSON request body into v. Unknown members are
// ignored, as Confluent's Jackson entities do, so newer clients sending
// members krest does not know (metadata, ruleSet) still work.
func decodeBody(body []byte, v any) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return errorf(CodeBadRequest, "Request body is empty")
	}
	if err := json.Unmarshal(body, v, lenient); err != nil {
		return wrapErr(CodeBadRequest, err, "Unrecognized request body: %s", trimJSONError(err))
	}
	return nil
}

// trimJSONError keeps the client-relevant part of a decode error.
func trimJSONError(err error) string {
	s := err.Error()
	return strings.TrimPrefix(s, "json: ")
}

// boolParam reads a boolean query parameter the way JAX-RS does: "true" in
// any case is true, anything else false.
func boolParam(req *http.Request, name string) bool {
	return strings.EqualFold(req.URL.Query().Get(name), "true")
}

// routeMiss answers requests no route matched with JSON: it asks the mux what
// it would have answered, to tell 404 from 405 and keep the Allow header.
func routeMiss(w http.ResponseWriter, req *http.Request, h http.Handler) {
	if status, allow := httpx.MissStatus(h, req); status == http.StatusMethodNotAllowed {
		if allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeErrorBody(w, req, errorf(CodeMethodNotAllowed, "HTTP 405 Method Not Allowed"))
		return
	}
	writeErrorBody(w, req, errorf(CodeNotFound, "HTTP 404 Not Found"))
}
