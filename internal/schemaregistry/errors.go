package schemaregistry

import (
	"errors"
	"strconv"
	"strings"

	"github.com/krest-dev/krest/internal/serde"
)

// Error classes. Every error the Client returns matches exactly one of them
// with errors.Is; the REST status each maps to is given for the produce path
// (karapace-behaviour.md §5.2 step 8, decisions.md).
var (
	// ErrInvalidSchema: a key_schema/value_schema text does not parse, a
	// registered schema does not compile, or the naming strategy needs a
	// record name the schema lacks. REST: 422 / 42205 "Invalid schema".
	// It is serde.ErrInvalidSchema, so either sentinel matches.
	ErrInvalidSchema = serde.ErrInvalidSchema
	// ErrUnknownSchema: the registry has no schema with that id.
	// REST: 422 / 42205 on produce; a deserialization error on consume.
	ErrUnknownSchema = errors.New("unknown schema id")
	// ErrSubjectMismatch: name_strategy_validation is on and the schema id
	// is not registered under the subject the naming strategy expects.
	// REST: 422 / 42205.
	ErrSubjectMismatch = errors.New("schema id not registered under the expected subject")
	// ErrRegistryUnavailable: the registry could not be reached, timed
	// out, or answered 5xx (or another status krest cannot act on, such as
	// 401). REST: 408 / 40801. A cancelled request context also matches
	// context.Canceled.
	ErrRegistryUnavailable = errors.New("schema registry unavailable")
	// ErrRegistration: the registry refused to register a schema (409
	// incompatible, 422 invalid, or another 4xx). REST: 408 / 40801
	// "Error when registering schema", as in Karapace; Message keeps the
	// registry's text.
	ErrRegistration = errors.New("schema registration failed")
)

// Error is what the Client returns: a class (Kind) plus what was being
// resolved.
type Error struct {
	// Kind is one of the Err* sentinels above.
	Kind error
	// Type is the schema type, when known.
	Type serde.SchemaType
	// Subject is the subject involved, when known.
	Subject string
	// ID is the schema id involved, or 0.
	ID int
	// Message is a client-safe explanation: the registry's own message
	// for registry refusals, the parser's for invalid schemas, a generic
	// text when the registry cannot be reached.
	Message string
	// Err is the underlying cause, for logs.
	Err error
}

// Error returns "<class> (<type>, subject <s>, id <n>): <message>".
func (e *Error) Error() string {
	var sb strings.Builder
	sb.WriteString(e.Kind.Error())
	if e.Type != 0 {
		sb.WriteString(" (" + e.Type.String() + ")")
	}
	if e.Subject != "" {
		sb.WriteString(" (subject " + strconv.Quote(e.Subject) + ")")
	}
	if e.ID != 0 {
		sb.WriteString(" (id " + strconv.Itoa(e.ID) + ")")
	}
	if e.Message != "" {
		sb.WriteString(": " + e.Message)
	}
	// The cause is for logs (it may name the registry's address); clients
	// get Message.
	if e.Err != nil && (e.Message == "" || !strings.Contains(e.Message, e.Err.Error())) {
		sb.WriteString(": " + e.Err.Error())
	}
	return sb.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is this error's class.
func (e *Error) Is(target error) bool { return target == e.Kind }
