// Package apierr is krest's error vocabulary: one Error type, one catalog of
// Kafka REST error codes, and one mapping from Kafka errors to them.
//
// It is a leaf package: it imports only the standard library and franz-go's
// kerr/kgo, so every layer (restapi, consumer, serde) can return *Error
// values without import cycles. The HTTP status of an error is derived from
// its code (Code.Status), so status and code can never disagree.
package apierr

import (
	"errors"
	"fmt"
)

// Error is returned by handlers and services. Message is shown to clients;
// Err is the internal cause, logged and never serialised.
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

// Status is the HTTP status derived from the code.
func (e *Error) Status() int { return e.Code.Status() }

// New returns an error with a code and a client-visible message.
func New(code Code, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Code: code, Message: format}
	}
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error with a code, a client-visible message and an
// internal cause that only reaches the log.
func Wrap(code Code, err error, format string, args ...any) *Error {
	e := New(code, format, args...)
	e.Err = err
	return e
}

// From converts any error into an *Error: an *Error found with errors.As is
// returned as is, Kafka errors are mapped by FromKafka, and anything else
// becomes a 500 whose message hides the cause.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return FromKafka(err)
}
