package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// Principal is an authenticated caller: a user name and the password it
// presented. The password is kept only to build the caller's Kafka
// clients; String, Format and LogValue show the user alone, and the fields
// are unexported, so neither fmt, slog nor encoding/json can print it.
type Principal struct {
	user, pass string
}

// NewPrincipal returns the principal of user with password pass.
func NewPrincipal(user, pass string) Principal { return Principal{user: user, pass: pass} }

// User is the user name: the Kafka principal is User:<name>.
func (p Principal) User() string { return p.user }

// Password is the password the caller presented. Callers hand it to Kafka
// (a SASL mechanism) and nowhere else.
func (p Principal) Password() string { return p.pass }

// String returns the user name.
func (p Principal) String() string { return p.user }

// Format prints the user name for every verb (%v, %+v, %#v, %s, %d...):
// without it, verbs fmt does not route to String would print the fields.
func (p Principal) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(p.user)) }

// LogValue logs the user name only.
func (p Principal) LogValue() slog.Value { return slog.StringValue(p.user) }

// Errors of ParseBasic. Each means "answer 401"; they differ only for logs
// and messages.
var (
	// ErrNoCredentials: the request has no Authorization header.
	ErrNoCredentials = errors.New("no credentials")
	// ErrUnsupportedScheme: an Authorization scheme other than Basic
	// (Bearer tokens are not supported).
	ErrUnsupportedScheme = errors.New("unsupported authorization scheme")
	// ErrMalformed: Basic credentials that are not base64 of user:password,
	// have an empty user name or hold control characters.
	ErrMalformed = errors.New("malformed basic credentials")
)

// ParseBasic parses an Authorization header value of the Basic scheme (RFC
// 7617): "Basic " and the base64 (standard, padded) of user:password. The
// scheme is case-insensitive; the password may contain colons (the user
// cannot). A user or password with a control character is refused: SASL
// PLAIN separates its fields with NUL, so a NUL would let a caller choose
// an authorization identity of its own.
func ParseBasic(header string) (Principal, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return Principal{}, ErrNoCredentials
	}
	scheme, rest, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Basic") {
		return Principal{}, ErrUnsupportedScheme
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil {
		return Principal{}, ErrMalformed
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok || user == "" || hasControl(user) || hasControl(pass) {
		return Principal{}, ErrMalformed
	}
	return Principal{user: user, pass: pass}, nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}
