package restapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/auth"
	"github.com/krest-dev/krest/internal/kafka"
)

// Authorization is rest_authorization: every route but the public ones
// (health, readiness, the OpenAPI document, the root) needs HTTP Basic
// credentials, and the request talks to Kafka as that user, so Kafka
// authenticates it and Kafka's ACLs decide what it may do.
type Authorization struct {
	// Clients hands out the Kafka client of a principal, building it and
	// verifying the credentials on first use. Required.
	Clients *auth.Pool[*kafka.Client]
	// ConsumerKafka returns the Kafka options of a consumer instance owned
	// by p: every client the instance builds authenticates as p. Required.
	ConsumerKafka func(p auth.Principal) kafka.Options
}

// challenge is the WWW-Authenticate value of every 401 (RFC 7235 requires
// one; RFC 7617 defines charset).
const challenge = `Basic realm="krest", charset="UTF-8"`

// callerKey is the context key of the *caller of an authenticated request.
type callerKey struct{}

// caller is who an authenticated request acts as, and the lease on its
// Kafka client, held until the request ends.
type caller struct {
	p     auth.Principal
	lease *auth.Lease[*kafka.Client]
}

// authenticate checks the request's credentials and leases the caller's
// Kafka client. It returns the request carrying the caller (for kafkaFor
// and the consumer owner) and done, which ends the lease with the
// handler's error. Errors: 401 (no, unsupported or malformed credentials),
// 401/40101 (Kafka rejected them), 429 (too many logins in progress), or
// the mapped Kafka error when the credentials could not be checked.
func (s *Server) authenticate(r *http.Request) (*http.Request, func(error), error) {
	p, err := auth.ParseBasic(r.Header.Get("Authorization"))
	if err != nil {
		return r, nil, unauthorized(err)
	}
	noteUser(r, p.User())
	lease, err := s.auth.Clients.Acquire(r.Context(), p)
	if err != nil {
		return r, nil, loginError(err, p)
	}
	c := &caller{p: p, lease: lease}
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, c)), c.done, nil
}

// done ends the lease. A client whose credentials Kafka rejected during
// the request (the password changed since it logged in, and a new
// connection had to authenticate) leaves the pool, so the next request
// logs in afresh and gets 40101.
func (c *caller) done(err error) {
	if errors.Is(err, kerr.SaslAuthenticationFailed) {
		c.lease.Invalidate()
		return
	}
	c.lease.Release()
}

func unauthorized(err error) *apierr.Error {
	msg := "Unauthorized: this API requires HTTP Basic credentials (a Kafka user and its password)"
	switch {
	case errors.Is(err, auth.ErrUnsupportedScheme):
		msg = "Unauthorized: only HTTP Basic credentials are supported"
	case errors.Is(err, auth.ErrMalformed):
		msg = "Unauthorized: malformed Basic credentials; send base64 of user:password"
	}
	return apierr.Wrap(apierr.Unauthorized, err, "%s", msg)
}

// loginError maps a failed Acquire. Its messages never quote Kafka's
// answer to a login: they name the user at most.
func loginError(err error, p auth.Principal) error {
	switch {
	case errors.Is(err, kerr.SaslAuthenticationFailed):
		return apierr.Wrap(apierr.KafkaAuthentication, err, "Authentication failed: Kafka rejected the credentials of user %s", p.User())
	case errors.Is(err, auth.ErrBusy):
		return apierr.Wrap(apierr.TooManyRequests, err, "Too many Kafka logins in progress; retry later")
	case errors.Is(err, auth.ErrClosed):
		return apierr.Wrap(apierr.ServiceUnavailable, err, "krest is shutting down")
	}
	return err // Kafka unreachable, a timeout, the client went away: writeError maps it
}

// setChallenge adds the WWW-Authenticate header a 401 must carry.
func setChallenge(w http.ResponseWriter) { w.Header().Set("WWW-Authenticate", challenge) }

func callerOf(r *http.Request) *caller {
	c, _ := r.Context().Value(callerKey{}).(*caller)
	return c
}

// kafkaFor is the Kafka client a request acts through: the caller's own
// with rest_authorization, else the shared client. Without authorization
// it costs one nil check (the produce hot path calls it).
func (s *Server) kafkaFor(r *http.Request) *kafka.Client {
	if s.auth == nil {
		return s.kafka
	}
	c := callerOf(r)
	if c == nil {
		// A route that skips authentication reached Kafka: a krest bug,
		// answered 500 by recoverPanic rather than with krest's identity.
		panic("restapi: kafkaFor on a route without authentication")
	}
	return c.lease.Client()
}

// owner is the owner of the consumer instances a request names: the
// caller's user with rest_authorization, else "".
func (s *Server) owner(r *http.Request) string {
	if s.auth == nil {
		return ""
	}
	c := callerOf(r)
	if c == nil {
		panic("restapi: consumer route without authentication")
	}
	return c.p.User()
}

// ownerKafka returns the Kafka options of a consumer instance the request
// creates: the caller's credentials with rest_authorization, else nil (the
// registry's options).
func (s *Server) ownerKafka(r *http.Request) *kafka.Options {
	if s.auth == nil {
		return nil
	}
	o := s.auth.ConsumerKafka(callerOf(r).p)
	return &o
}
