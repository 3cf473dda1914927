// Package schemaregistry is krest's client of a Confluent-compatible schema
// registry (Confluent Schema Registry, Karapace, Redpanda, ...): it turns
// the key_schema/value_schema(_id) of a produce request into a registered
// schema id and a serde.Codec, and the schema id of a consumed record into
// the codec that decodes it.
//
// It wraps franz-go's pkg/sr for HTTP and adds what the REST proxy needs:
// subject naming strategies, subject validation of schema ids, reference
// resolution, bounded caches with coalesced misses, and error classes that
// map onto REST error codes (see errors.go and docs/schema-formats.md).
//
// Caching rules. Compiled schemas are cached by id (ids are immutable in a
// registry). A schema text maps to an id only per subject, and only after
// the registry confirmed that text under that subject: a text→id shortcut
// across subjects would skip both the registration and the subject check
// (Karapace issue #1260). Which subjects an id is registered under is cached
// for Options.SubjectsTTL, so a registration made elsewhere is seen within
// that time. Every cache is an LRU bounded by Options.MaxSchemas.
package schemaregistry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"golang.org/x/sync/singleflight"

	"github.com/krest-dev/krest/internal/serde"
)

// Options configure a Client. The zero value of every field but URL is a
// usable default.
type Options struct {
	// URL is the registry's base URL, or several separated by commas:
	// a request moves on to the next URL when one cannot be reached.
	URL string
	// Username and Password enable HTTP Basic authentication when both
	// are set (Karapace's registry_user and registry_password).
	Username, Password string
	// TLS configures https URLs. Nil means Go's defaults (system roots,
	// verification on). Unlike Karapace, krest never skips verification
	// silently: set InsecureSkipVerify here if you must.
	TLS *tls.Config
	// Timeout bounds each HTTP request to the registry. Zero means 10s.
	// (Karapace has none, so a hung registry hangs produce for 5 minutes.)
	Timeout time.Duration
	// NameStrategy picks subjects; the zero value is TopicName.
	NameStrategy NameStrategy
	// DisableNameStrategyValidation turns off the check that a schema id
	// given in a produce request is registered under the subject the
	// naming strategy expects (Karapace's name_strategy_validation=false).
	// The check is on by default, and the field is negative so that the
	// zero value is the safe one.
	DisableNameStrategyValidation bool
	// Codec tunes the JSON the codecs produce (Avro JSON mode, Protobuf
	// 64-bit integers, JSON Schema validation on consume).
	Codec serde.Options
	// MaxSchemas bounds each cache (compiled schemas by id, schema texts
	// per subject, referenced schemas, subject lists). Zero means 1000.
	MaxSchemas int
	// SubjectsTTL is how long the subjects of a schema id are trusted for
	// name-strategy validation. Zero means one minute.
	SubjectsTTL time.Duration
	// Transport, when set, carries every request instead of a network
	// transport (TLS is then ignored): krest's embedded registry serves its
	// own proxy in process this way, with no socket in between.
	Transport http.RoundTripper
}

// Client resolves schemas against one registry. It is safe for concurrent
// use; concurrent misses for the same schema make one registry request.
type Client struct {
	sr        *sr.Client
	transport *http.Transport // nil with Options.Transport
	opts      Options
	now       func() time.Time

	byID     *lru[int, *Schema]                     // id → compiled schema
	byText   *lru[textKey, *Schema]                 // (subject, type, text) → schema, after the registry confirmed it
	compiled *lru[textKey, serde.Codec]             // (type, text) → codec, parse cache only: never implies an id
	subjects *lru[int, subjectSet]                  // id → subjects it is registered under
	versions *lru[subjectVersion, sr.SubjectSchema] // referenced schemas
	unknown  *lru[int, time.Time]                   // id → when the registry said "not found"
	group    singleflight.Group

	// noVersionsEndpoint is set once the registry turned out not to serve
	// GET /schemas/ids/{id}/versions; subject checks then go straight to
	// the lookup fallback.
	noVersionsEndpoint atomic.Bool
}

// Schema is a resolved schema: its registry id and the codec for its data.
// It is immutable and shared between callers.
type Schema struct {
	ID    int
	Type  serde.SchemaType
	Codec serde.Codec

	src sr.Schema // as registered, for the lookup fallback of subject validation
}

// AppendEncode appends one framed record: magic byte, id, payload. Errors
// match serde.ErrInvalidData and name the offending field.
func (s *Schema) AppendEncode(dst []byte, value []byte) ([]byte, error) {
	return serde.AppendRecord(dst, s.ID, s.Codec, value)
}

type textKey struct {
	subject string
	typ     serde.SchemaType
	sum     [32]byte // sha256 of the normalised text: keys stay small
}

type subjectVersion struct {
	subject string
	version int
}

type subjectSet struct {
	subjects []string
	fetched  time.Time
	// complete is false for sets learnt from our own registrations, which
	// name one subject only: a miss there must ask the registry.
	complete bool
}

type authKey struct{}

// WithAuthorization returns a context whose registry requests carry the
// given Authorization header value instead of the configured Basic
// credentials: for forwarding a client's bearer token to the registry
// (Karapace's sasl_oauthbearer_authentication_enabled). Caches are shared
// by all callers, as in Karapace: a schema fetched with one client's token
// is served to others from the cache.
func WithAuthorization(ctx context.Context, value string) context.Context {
	return context.WithValue(ctx, authKey{}, value)
}

// New returns a client. It does not contact the registry.
func New(opts Options) (*Client, error) {
	var urls []string
	for _, u := range strings.Split(opts.URL, ",") {
		u = strings.TrimSpace(u)
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, fmt.Errorf("schema registry URL %q: want http(s)://host[:port][/path]", u)
		}
		urls = append(urls, strings.TrimSuffix(u, "/"))
	}
	if len(urls) == 0 {
		return nil, errors.New("no schema registry URL")
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Second
	}
	if opts.MaxSchemas <= 0 {
		opts.MaxSchemas = 1000
	}
	if opts.SubjectsTTL <= 0 {
		opts.SubjectsTTL = time.Minute
	}
	var rt http.RoundTripper = opts.Transport
	var tr *http.Transport
	if rt == nil {
		tr = http.DefaultTransport.(*http.Transport).Clone()
		if opts.TLS != nil {
			tr.TLSClientConfig = opts.TLS.Clone()
		}
		rt = tr
	}
	srOpts := []sr.ClientOpt{
		sr.URLs(urls...),
		sr.HTTPClient(&http.Client{Timeout: opts.Timeout, Transport: rt}),
		sr.UserAgent("krest"),
		sr.PreReq(func(req *http.Request) error {
			if v, ok := req.Context().Value(authKey{}).(string); ok && v != "" {
				req.Header.Set("Authorization", v)
			}
			return nil
		}),
	}
	if opts.Username != "" && opts.Password != "" {
		srOpts = append(srOpts, sr.BasicAuth(opts.Username, opts.Password))
	}
	cl, err := sr.NewClient(srOpts...)
	if err != nil {
		return nil, err
	}
	n := opts.MaxSchemas
	return &Client{
		sr:        cl,
		transport: tr,
		opts:      opts,
		now:       time.Now,
		byID:      newLRU[int, *Schema](n),
		byText:    newLRU[textKey, *Schema](n),
		compiled:  newLRU[textKey, serde.Codec](n),
		subjects:  newLRU[int, subjectSet](n),
		versions:  newLRU[subjectVersion, sr.SubjectSchema](n),
		unknown:   newLRU[int, time.Time](n),
	}, nil
}

// Close releases idle connections. In-flight calls finish normally.
func (c *Client) Close() {
	if c.transport != nil {
		c.transport.CloseIdleConnections()
	}
}

// NameStrategy returns the configured strategy.
func (c *Client) NameStrategy() NameStrategy { return c.opts.NameStrategy }

// flight runs fn once for concurrent callers with the same key. fn gets a
// context that keeps the first caller's values (its Authorization) but not
// its cancellation, so one client hanging up does not fail the others;
// each caller still returns as soon as its own context is done. The HTTP
// client's Timeout bounds fn.
func (c *Client) flight(ctx context.Context, key string, fn func(ctx context.Context) (any, error)) (any, error) {
	ch := c.group.DoChan(key, func() (any, error) {
		return fn(context.WithoutCancel(ctx))
	})
	select {
	case r := <-ch:
		return r.Val, r.Err
	case <-ctx.Done():
		return nil, &Error{Kind: ErrRegistryUnavailable, Message: "request cancelled", Err: ctx.Err()}
	}
}

// registryError classifies an error from pkg/sr. A 404 becomes notFound
// (nil: treat as unavailable), other 4xx become refused (nil: unavailable),
// 5xx and transport errors ErrRegistryUnavailable.
func registryError(err error, notFound, refused error) *Error {
	var re *sr.ResponseError
	if errors.As(err, &re) {
		msg := re.Message
		if msg == "" {
			msg = string(re.Raw)
		}
		e := &Error{Kind: ErrRegistryUnavailable, Message: msg, Err: err}
		switch {
		case re.StatusCode == http.StatusNotFound && notFound != nil:
			e.Kind = notFound
		case re.StatusCode >= 400 && re.StatusCode < 500 && refused != nil:
			e.Kind = refused
		default:
			e.Message = fmt.Sprintf("registry answered %d: %s", re.StatusCode, msg)
		}
		return e
	}
	return &Error{Kind: ErrRegistryUnavailable, Message: "cannot reach the schema registry", Err: err}
}

func srType(t serde.SchemaType) sr.SchemaType {
	switch t {
	case serde.SchemaJSON:
		return sr.TypeJSON
	case serde.SchemaProtobuf:
		return sr.TypeProtobuf
	}
	return sr.TypeAvro
}

func serdeType(t sr.SchemaType) (serde.SchemaType, error) {
	switch t {
	case sr.TypeAvro:
		return serde.SchemaAvro, nil
	case sr.TypeJSON:
		return serde.SchemaJSON, nil
	case sr.TypeProtobuf:
		return serde.SchemaProtobuf, nil
	}
	return 0, fmt.Errorf("unknown schema type %d", t)
}
