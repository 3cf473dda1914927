package registry

import (
	"errors"
	"fmt"
)

// Code is a Schema Registry error_code. The registry has its own vocabulary,
// distinct from the REST proxy's apierr catalog: the same number means
// different things on the two APIs (40403 is "schema not found" here and
// "consumer instance not found" on the proxy), so the two must never share a
// type. Five-digit codes carry their HTTP status in their first three digits
// (40401 → 404); three-digit codes are the status itself.
type Code int

// Status returns the HTTP status for the code.
func (c Code) Status() int {
	if c >= 10000 {
		return int(c) / 100
	}
	return int(c)
}

// The catalog, from Confluent Schema Registry's rest/exceptions/Errors.java
// (messages are Confluent's where it has one, so clients that match on them
// keep working).
const (
	// CodeBadRequest: a body that is not JSON or not of the expected shape.
	CodeBadRequest Code = 400
	// CodeNotFound: an unknown route, or a path parameter that cannot name
	// anything (a non-numeric schema id).
	CodeNotFound Code = 404
	// CodeMethodNotAllowed: the route exists, the method does not.
	CodeMethodNotAllowed Code = 405
	// CodeNotAcceptable: the Accept header names no type the registry writes.
	CodeNotAcceptable Code = 406
	// CodeIncompatibleSchema: the schema breaks the subject's compatibility
	// level. Confluent used the bare status 409 until 8.2 moved it to 40901;
	// Karapace and franz-go's sr.ErrIncompatibleSchema use 409, so we do.
	CodeIncompatibleSchema Code = 409
	// CodePayloadTooLarge: the request body exceeds the registry's limit.
	CodePayloadTooLarge Code = 413
	// CodeUnsupportedMediaType: a body with a Content-Type the registry does
	// not read.
	CodeUnsupportedMediaType Code = 415

	// CodeSubjectNotFound: no such subject (or none with live versions).
	CodeSubjectNotFound Code = 40401
	// CodeVersionNotFound: the subject has no such version.
	CodeVersionNotFound Code = 40402
	// CodeSchemaNotFound: no schema with this id, or the schema is not
	// registered under the subject.
	CodeSchemaNotFound Code = 40403
	// CodeSubjectSoftDeleted: a soft delete of a subject that is already
	// soft-deleted.
	CodeSubjectSoftDeleted Code = 40404
	// CodeSubjectNotSoftDeleted: a permanent delete of a subject that was
	// not soft-deleted first.
	CodeSubjectNotSoftDeleted Code = 40405
	// CodeVersionSoftDeleted: a soft delete of a version that is already
	// soft-deleted.
	CodeVersionSoftDeleted Code = 40406
	// CodeVersionNotSoftDeleted: a permanent delete of a version that was
	// not soft-deleted first.
	CodeVersionNotSoftDeleted Code = 40407
	// CodeSubjectCompatibilityNotConfigured: GET /config/{subject} for a
	// subject without its own level (and no defaultToGlobal).
	CodeSubjectCompatibilityNotConfigured Code = 40408
	// CodeSubjectModeNotConfigured: GET /mode/{subject} for a subject
	// without its own mode (and no defaultToGlobal).
	CodeSubjectModeNotConfigured Code = 40409

	// CodeInvalidSchema: the schema text does not parse, or its references
	// cannot be resolved.
	CodeInvalidSchema Code = 42201
	// CodeInvalidVersion: a version that is neither 1..2^31-1 nor "latest".
	CodeInvalidVersion Code = 42202
	// CodeInvalidCompatibilityLevel: an unknown compatibility level.
	CodeInvalidCompatibilityLevel Code = 42203
	// CodeInvalidMode: an unknown mode.
	CodeInvalidMode Code = 42204
	// CodeOperationNotPermitted: the subject's mode forbids the write.
	CodeOperationNotPermitted Code = 42205
	// CodeReferenceExists: the version is referenced by another schema.
	CodeReferenceExists Code = 42206
	// CodeIDDoesNotMatch: an imported id is taken by a different schema.
	CodeIDDoesNotMatch Code = 42207
	// CodeInvalidSubject: a subject name the registry refuses.
	CodeInvalidSubject Code = 42208

	// CodeStoreError: writing to or reading from the _schemas topic failed.
	CodeStoreError Code = 50001
	// CodeOperationTimeout: the write was not acknowledged and applied in
	// time, or the registry is still loading.
	CodeOperationTimeout Code = 50002
	// CodeForwardingFailed: this instance is not the primary and could not
	// forward the write to one (none is known, or it did not answer).
	CodeForwardingFailed Code = 50003
	// CodeInternal: a registry bug.
	CodeInternal Code = 500
)

// Error is a Schema Registry error: Message is shown to clients in
// {"error_code": Code, "message": Message}; Err is the internal cause, logged
// and never serialised.
type Error struct {
	Code    Code
	Message string
	Err     error
}

// Error returns "<code> <message>: <cause>" for logs.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Code, e.Message)
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// errorf returns an *Error with a client-visible message.
func errorf(code Code, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Code: code, Message: format}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// wrapErr returns an *Error whose cause reaches only the log.
func wrapErr(code Code, err error, format string, args ...any) *Error {
	e := errorf(code, format, args...)
	e.Err = err
	return e
}

// asError converts any error into an *Error; anything that is not one is a
// registry bug and becomes a 500 whose message hides the cause.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeInternal, Message: "Internal Server Error", Err: err}
}

// The constructors below keep Confluent's messages in one place.

func errSubjectNotFound(subject string) *Error {
	return errorf(CodeSubjectNotFound, "Subject '%s' not found.", subject)
}

func errVersionNotFound(version int) *Error {
	return errorf(CodeVersionNotFound, "Version %d not found.", version)
}

func errSchemaNotFound() *Error { return errorf(CodeSchemaNotFound, "Schema not found") }

func errSchemaIDNotFound(id int) *Error {
	return errorf(CodeSchemaNotFound, "Schema %d not found", id)
}

func errInvalidVersion(v string) *Error {
	return errorf(CodeInvalidVersion, "The specified version '%s' is not a valid version id. "+
		"Allowed values are between [1, 2^31-1] and the string \"latest\"", v)
}

func errInvalidSchema(msg string) *Error {
	return errorf(CodeInvalidSchema, "Invalid schema: %s", msg)
}

func errInvalidCompatibility() *Error {
	return errorf(CodeInvalidCompatibilityLevel, "Invalid compatibility level. Valid values are none, backward, "+
		"forward, full, backward_transitive, forward_transitive, and full_transitive")
}

func errInvalidMode() *Error {
	return errorf(CodeInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and IMPORT.")
}

func errReadOnly(subject string) *Error {
	if subject == "" {
		return errorf(CodeOperationNotPermitted, "The registry is in read-only mode")
	}
	return errorf(CodeOperationNotPermitted, "Subject %s is in read-only mode", subject)
}

func errReferenceExists(subject string, version int) *Error {
	return errorf(CodeReferenceExists, "One or more references exist to the schema "+
		"{magic=1,keytype=SCHEMA,subject=%s,version=%d}.", subject, version)
}

func errInvalidSubject(subject string) *Error {
	return errorf(CodeInvalidSubject, "The specified subject '%s' is not a valid.", subject)
}
