package schemaregistry

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/krest-dev/krest/internal/serde"
)

// maxRefDepth bounds reference chains (and so recursion).
const maxRefDepth = 32

// unknownTTL is how long a schema id the registry did not know is answered
// from memory.
const unknownTTL = 5 * time.Second

// ResolveByText resolves a key_schema/value_schema text of a produce
// request: it parses the text locally, derives the subject with the naming
// strategy, registers the text under that subject (the registry answers
// with the existing id when it is already there, so the same text twice
// gives the same id) and returns the id with its codec. Texts carry no
// references: a produce request cannot declare any.
//
// Errors: ErrInvalidSchema (the text does not parse; a record-name strategy
// and a schema without a name), ErrRegistration (the registry refused it,
// e.g. 409 incompatible), ErrRegistryUnavailable.
func (c *Client) ResolveByText(ctx context.Context, topic string, isKey bool, t serde.SchemaType, text string) (*Schema, error) {
	norm := serde.NormalizeText(t, text)
	sum := sha256.Sum256([]byte(norm))

	// With topic_name the subject does not depend on the schema, so a
	// cached registration is found without parsing the text again.
	var subject string
	if c.opts.NameStrategy == TopicName {
		subject, _ = TopicName.Subject(topic, isKey, "")
		if s, ok := c.byText.get(textKey{subject, t, sum}); ok {
			return s, nil
		}
	}
	codec, err := c.compileText(t, text, sum)
	if err != nil {
		return nil, err
	}
	if subject == "" {
		if subject, err = c.opts.NameStrategy.Subject(topic, isKey, codec.RecordName()); err != nil {
			return nil, &Error{Kind: ErrInvalidSchema, Type: t, Message: err.Error(), Err: err}
		}
		if s, ok := c.byText.get(textKey{subject, t, sum}); ok {
			return s, nil
		}
	}

	key := textKey{subject, t, sum}
	v, err := c.flight(ctx, "reg\x00"+subject+"\x00"+t.String()+"\x00"+string(sum[:]), func(ctx context.Context) (any, error) {
		if s, ok := c.byText.get(key); ok {
			return s, nil
		}
		src := sr.Schema{Schema: text, Type: srType(t)}
		id, err := c.sr.RegisterSchema(ctx, subject, src, -1, -1)
		if err != nil {
			e := registryError(err, ErrRegistration, ErrRegistration)
			e.Type, e.Subject = t, subject
			return nil, e
		}
		s := &Schema{ID: id, Type: t, Codec: codec, src: src}
		if prev, ok := c.byID.get(id); ok && prev.Type == t {
			s = prev // one *Schema per id
		} else {
			c.byID.put(id, s)
		}
		// The registry has now confirmed this text under this subject:
		// only now may the text map to the id, and only for this subject.
		c.byText.put(key, s)
		c.subjects.update(id, func(old subjectSet, ok bool) subjectSet {
			if ok && slices.Contains(old.subjects, subject) {
				return old
			}
			if !ok {
				return subjectSet{subjects: []string{subject}, fetched: c.now()}
			}
			return subjectSet{subjects: append(slices.Clone(old.subjects), subject), fetched: old.fetched, complete: old.complete}
		})
		return s, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Schema), nil
}

// compileText parses a request's schema text, with a cache keyed by the
// text alone. This cache maps text to a codec, never to an id.
func (c *Client) compileText(t serde.SchemaType, text string, sum [32]byte) (serde.Codec, error) {
	key := textKey{typ: t, sum: sum}
	if codec, ok := c.compiled.get(key); ok {
		return codec, nil
	}
	codec, err := serde.Compile(serde.SchemaSource{Type: t, Text: text}, c.opts.Codec)
	if err != nil {
		return nil, &Error{Kind: ErrInvalidSchema, Type: t, Message: compileMessage(err), Err: err}
	}
	c.compiled.put(key, codec)
	return codec, nil
}

// ResolveByID resolves a key_schema_id/value_schema_id of a produce
// request. Unless name-strategy validation is disabled, the id must be
// registered under the subject the naming strategy gives for this topic
// (and, for record strategies, the id's own record name).
//
// Errors: ErrUnknownSchema, ErrInvalidSchema (the registered schema does
// not compile, or has no record name for a record strategy),
// ErrSubjectMismatch, ErrRegistryUnavailable.
func (c *Client) ResolveByID(ctx context.Context, topic string, isKey bool, id int) (*Schema, error) {
	s, err := c.SchemaByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if c.opts.DisableNameStrategyValidation {
		return s, nil
	}
	subject, err := c.opts.NameStrategy.Subject(topic, isKey, s.Codec.RecordName())
	if err != nil {
		return nil, &Error{Kind: ErrInvalidSchema, Type: s.Type, ID: id, Message: err.Error(), Err: err}
	}
	ok, err := c.registeredUnder(ctx, s, subject)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &Error{Kind: ErrSubjectMismatch, Type: s.Type, ID: id, Subject: subject,
			Message: fmt.Sprintf("schema %d is not registered under subject %q", id, subject)}
	}
	return s, nil
}

// SchemaByID returns the schema with that id, fetching and compiling it
// (with its references) on a cache miss. This is the consume path: no
// subject is checked.
//
// Errors: ErrUnknownSchema, ErrInvalidSchema (it does not compile, or its
// references are broken), ErrRegistryUnavailable.
func (c *Client) SchemaByID(ctx context.Context, id int) (*Schema, error) {
	if s, ok := c.byID.get(id); ok {
		return s, nil
	}
	if id <= 0 || id > 1<<32-1 {
		return nil, &Error{Kind: ErrUnknownSchema, ID: id, Message: fmt.Sprintf("schema %d not found", id)}
	}
	// Binary keys that happen to start with 0x00 (big-endian integers) look
	// framed; remembering misses briefly keeps such a topic from costing a
	// registry request per record. Ids registered meanwhile are seen after
	// unknownTTL.
	if at, ok := c.unknown.get(id); ok && c.now().Sub(at) < unknownTTL {
		return nil, &Error{Kind: ErrUnknownSchema, ID: id, Message: fmt.Sprintf("schema %d not found", id)}
	}
	v, err := c.flight(ctx, "id\x00"+strconv.Itoa(id), func(ctx context.Context) (any, error) {
		if s, ok := c.byID.get(id); ok {
			return s, nil
		}
		src, err := c.sr.SchemaByID(ctx, id)
		if err != nil {
			e := registryError(err, ErrUnknownSchema, nil)
			e.ID = id
			if e.Kind == ErrUnknownSchema {
				c.unknown.put(id, c.now())
			}
			return nil, e
		}
		t, err := serdeType(src.Type)
		if err != nil {
			return nil, &Error{Kind: ErrInvalidSchema, ID: id, Message: err.Error(), Err: err}
		}
		source, err := c.source(ctx, t, src, nil)
		if err != nil {
			if e := (*Error)(nil); errors.As(err, &e) {
				e.ID = id
			}
			return nil, err
		}
		codec, err := serde.Compile(source, c.opts.Codec)
		if err != nil {
			return nil, &Error{Kind: ErrInvalidSchema, Type: t, ID: id, Message: compileMessage(err), Err: err}
		}
		s := &Schema{ID: id, Type: t, Codec: codec, src: src}
		c.byID.put(id, s)
		return s, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Schema), nil
}

// source resolves a registered schema's references recursively into a
// serde.SchemaSource. path holds the references being resolved above, to
// refuse cycles. Protobuf imports of well-known types are left to serde,
// which has them built in.
func (c *Client) source(ctx context.Context, t serde.SchemaType, s sr.Schema, path []subjectVersion) (serde.SchemaSource, error) {
	out := serde.SchemaSource{Type: t, Text: s.Schema}
	if len(path) > maxRefDepth {
		return out, &Error{Kind: ErrInvalidSchema, Type: t, Message: "schema references nested too deeply"}
	}
	for _, r := range s.References {
		if t == serde.SchemaProtobuf && serde.IsBuiltinProtoImport(r.Name) {
			continue
		}
		sv := subjectVersion{r.Subject, r.Version}
		if slices.Contains(path, sv) {
			return out, &Error{Kind: ErrInvalidSchema, Type: t, Subject: r.Subject,
				Message: fmt.Sprintf("schema references form a cycle through %s version %d", r.Subject, r.Version)}
		}
		ref, err := c.subjectVersion(ctx, sv)
		if err != nil {
			return out, err
		}
		rt, err := serdeType(ref.Type)
		if err != nil {
			return out, &Error{Kind: ErrInvalidSchema, Subject: r.Subject, Message: err.Error(), Err: err}
		}
		sub, err := c.source(ctx, rt, ref.Schema, append(slices.Clip(path), sv))
		if err != nil {
			return out, err
		}
		out.References = append(out.References, serde.Reference{Name: r.Name, Source: sub})
	}
	return out, nil
}

// subjectVersion fetches a referenced schema. Subject versions are
// immutable, so they are cached without expiry.
func (c *Client) subjectVersion(ctx context.Context, sv subjectVersion) (sr.SubjectSchema, error) {
	if s, ok := c.versions.get(sv); ok {
		return s, nil
	}
	s, err := c.sr.SchemaByVersion(ctx, sv.subject, sv.version)
	if err != nil {
		// A reference the registry cannot find makes the schema unusable.
		e := registryError(err, ErrInvalidSchema, nil)
		e.Subject = sv.subject
		if e.Kind == ErrInvalidSchema {
			e.Message = fmt.Sprintf("referenced schema %s version %d not found: %s", sv.subject, sv.version, e.Message)
		}
		return s, e
	}
	if sv.version > 0 { // "latest" (-1) moves
		c.versions.put(sv, s)
	}
	return s, nil
}

// registeredUnder reports whether schema s is registered under subject. It
// asks GET /schemas/ids/{id}/versions (Confluent's API, also served by
// Karapace and Redpanda; Karapace's proxy uses its own ?includeSubjects
// extension, which Confluent's registry ignores). A registry without that
// endpoint (404 that is not "schema not found") is asked POST
// /subjects/{subject} (look up a schema under a subject) instead, which
// every registry has.
func (c *Client) registeredUnder(ctx context.Context, s *Schema, subject string) (bool, error) {
	if set, ok := c.subjects.get(s.ID); ok {
		if slices.Contains(set.subjects, subject) {
			return true, nil
		}
		if set.complete && c.now().Sub(set.fetched) < c.opts.SubjectsTTL {
			return false, nil
		}
	}
	if c.noVersionsEndpoint.Load() {
		return c.lookupUnder(ctx, s, subject)
	}
	v, err := c.flight(ctx, "subjects\x00"+strconv.Itoa(s.ID), func(ctx context.Context) (any, error) {
		versions, err := c.sr.SchemaVersionsByID(ctx, s.ID)
		if err == nil {
			set := subjectSet{fetched: c.now(), complete: true}
			for _, v := range versions {
				if !slices.Contains(set.subjects, v.Subject) {
					set.subjects = append(set.subjects, v.Subject)
				}
			}
			c.subjects.put(s.ID, set)
			return set, nil
		}
		var re *sr.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusNotFound && re.ErrorCode != sr.ErrSchemaNotFound.Code {
			return nil, errNoVersionsEndpoint
		}
		e := registryError(err, ErrUnknownSchema, nil)
		e.ID = s.ID
		return nil, e
	})
	if errors.Is(err, errNoVersionsEndpoint) {
		c.noVersionsEndpoint.Store(true) // do not ask again
		return c.lookupUnder(ctx, s, subject)
	}
	if err != nil {
		return false, err
	}
	return slices.Contains(v.(subjectSet).subjects, subject), nil
}

var errNoVersionsEndpoint = errors.New("registry has no GET /schemas/ids/{id}/versions")

// lookupUnder is the fallback of registeredUnder: POST /subjects/{subject}
// with the schema answers with its id there, or 404.
func (c *Client) lookupUnder(ctx context.Context, s *Schema, subject string) (bool, error) {
	got, err := c.sr.LookupSchema(ctx, subject, s.src)
	if err != nil {
		var re *sr.ResponseError
		if errors.As(err, &re) && re.StatusCode == http.StatusNotFound {
			return false, nil
		}
		e := registryError(err, nil, nil)
		e.ID, e.Subject = s.ID, subject
		return false, e
	}
	if got.ID != s.ID {
		return false, nil
	}
	c.subjects.update(s.ID, func(old subjectSet, ok bool) subjectSet {
		if ok && slices.Contains(old.subjects, subject) {
			return old
		}
		return subjectSet{subjects: append(slices.Clone(old.subjects), subject), fetched: c.now(), complete: false}
	})
	return true, nil
}

// compileMessage is the parser's own message, without serde's "invalid
// AVRO schema: " prefix (Error.Error adds the class).
func compileMessage(err error) string {
	var se *serde.SchemaError
	if errors.As(err, &se) {
		return se.Err.Error()
	}
	return err.Error()
}
