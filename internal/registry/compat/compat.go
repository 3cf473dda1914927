// Package compat decides whether a schema may follow others under a compatibility level,
// by the rules Confluent Schema Registry applies (Avro schema resolution; Confluent's JSON Schema
// and Protobuf diff rules).
//
// Check is safe for concurrent use. It fetches references only through the caller's
// [Resolver] and touches no network or file system. Parsing dominates its cost, so parsed schemas
// are kept in a small content-addressed cache (type, text and the referenced texts form the key):
// a registry comparing new schemas with the same registered versions parses those once.
//
// Each schema type supplies one pairwise rule, "can a reader with schema R read data written with
// schema W", and [Check] turns a [Level] into the pairs to ask about. That mirrors Confluent's
// CompatibilityChecker, which builds every level from the same two primitives
// (ParsedSchema.isBackwardCompatible in each direction), and keeps direction and transitivity
// logic in one place for all three types.
//
// The rules per type, and where Confluent and Karapace disagree, are listed in
// docs/compatibility-rules.md.
package compat

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Level is a Schema Registry compatibility level, spelled as in Confluent's REST API
// ("compatibilityLevel": "BACKWARD").
type Level string

// The compatibility levels Confluent Schema Registry defines (CompatibilityLevel.java).
const (
	None               Level = "NONE"
	Backward           Level = "BACKWARD"
	BackwardTransitive Level = "BACKWARD_TRANSITIVE"
	Forward            Level = "FORWARD"
	ForwardTransitive  Level = "FORWARD_TRANSITIVE"
	Full               Level = "FULL"
	FullTransitive     Level = "FULL_TRANSITIVE"
)

// Levels lists every level in Confluent's order.
var Levels = []Level{None, Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive}

// ParseLevel returns the level named by s, ignoring ASCII case, and false when s names no level.
// Surrounding spaces are not trimmed: Confluent rejects " BACKWARD" too.
func ParseLevel(s string) (Level, bool) {
	for _, l := range Levels {
		if strings.EqualFold(s, string(l)) {
			return l, true
		}
	}
	return "", false
}

// backward reports whether the level requires the candidate to read older data.
func (l Level) backward() bool {
	return l == Backward || l == BackwardTransitive || l == Full || l == FullTransitive
}

// forward reports whether the level requires older schemas to read the candidate's data.
func (l Level) forward() bool {
	return l == Forward || l == ForwardTransitive || l == Full || l == FullTransitive
}

// transitive reports whether the level compares against every previous schema, not only the
// latest.
func (l Level) transitive() bool {
	return l == BackwardTransitive || l == ForwardTransitive || l == FullTransitive
}

// Schema types as Confluent spells them in "schemaType". The empty string means Avro, because
// Confluent omits schemaType for Avro schemas.
const (
	TypeAvro     = "AVRO"
	TypeJSON     = "JSON"
	TypeProtobuf = "PROTOBUF"
)

// Schema is one schema as the registry stores it: its type, its text, and the references that
// text depends on.
type Schema struct {
	// Type is "AVRO", "JSON" or "PROTOBUF"; "" means AVRO. Matching is case-insensitive.
	Type string
	// Text is the schema source: Avro JSON, a JSON Schema document, or a .proto file.
	Text string
	// References are the schemas Text imports, in the registry's order.
	References []Reference
	// Version is the registry version of a previous schema, used only to name it in Messages
	// ("{oldSchemaVersion: 3}", as Confluent does); 0 leaves that line out.
	Version int
}

// Reference names a schema that another schema depends on, as in Confluent's "references"
// array. Name is how the referencing schema refers to it: for Avro a named type's full name,
// for Protobuf an import path, for JSON Schema a $ref URL.
type Reference struct {
	Name    string
	Subject string
	Version int
}

// Resolver fetches a referenced schema. Check calls it again for the references of what it
// returns, so it needs only to look up one subject version. Check returns its error inside a
// *ResolveError, so the registry can map "not found" itself.
type Resolver func(ref Reference) (Schema, error)

// Result is the outcome of [Check].
type Result struct {
	// Compatible is true when the candidate may be registered.
	Compatible bool
	// Messages explains each incompatibility, in Confluent's verbose style
	// ("{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'…', additionalInfo:'…'}"),
	// then names the previous schema it was found against and the level, as Confluent's 409
	// answer does (see Check). Empty when Compatible.
	Messages []string
}

// ErrUnknownType is returned (wrapped) when a Schema.Type is not AVRO, JSON or PROTOBUF.
var ErrUnknownType = errors.New("unknown schema type")

// ErrUnknownLevel is returned (wrapped) when Check is given a level ParseLevel does not know.
var ErrUnknownLevel = errors.New("unknown compatibility level")

// ParseError reports a schema that could not be parsed. Check returns one for the candidate
// (the registry answers 42201 "Invalid schema") and for a previous schema (a registry-internal
// problem, since it was accepted once).
type ParseError struct {
	// Candidate is true when the candidate failed to parse, false for a previous schema.
	Candidate bool
	// Index is the position in previous when Candidate is false.
	Index int
	// Err is the parser's error.
	Err error
}

func (e *ParseError) Error() string {
	if e.Candidate {
		return "invalid schema: " + e.Err.Error()
	}
	return fmt.Sprintf("invalid previous schema %d: %v", e.Index, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// parsed is a schema of one type after parsing, ready for pairwise checks.
type parsed interface {
	// kind is the normalised schema type (TypeAvro, TypeJSON, TypeProtobuf).
	kind() string
}

// checker is one schema type's rule set.
type checker struct {
	// parse parses a schema's text given its references' texts (dependencies first); validate
	// is set for the candidate, whose validity must be established, and clear for previous
	// schemas, which the registry accepted before. It must be a pure function of its
	// arguments: results are cached by content.
	parse func(text string, refs []refText, validate bool) (parsed, error)
	// readable returns the incompatibilities found when reader reads data written by writer;
	// none means compatible.
	readable func(reader, writer parsed) []string
}

var checkers = map[string]checker{
	TypeAvro:     {parse: parseAvro, readable: avroReadable},
	TypeJSON:     {parse: parseJSON, readable: jsonReadable},
	TypeProtobuf: {parse: parseProtobuf, readable: protoReadable},
}

// normType returns the canonical spelling of a schema type, with "" meaning AVRO.
func normType(t string) string {
	if t == "" {
		return TypeAvro
	}
	return strings.ToUpper(t)
}

// Check checks candidate against previous (oldest first). BACKWARD: candidate (reader) can read
// data written with the latest previous; FORWARD: latest previous can read candidate's data;
// FULL: both; *_TRANSITIVE: against all previous, not only the latest. NONE: always compatible.
// A schema that cannot be parsed returns an error (the registry answers 42201 for the candidate).
// Different types (AVRO vs JSON) are incompatible.
//
// As in Confluent's CompatibilityChecker, transitive levels walk from the newest previous schema
// to the oldest and stop at the first one that fails, and Messages are those Confluent returns in
// its 409 response: the differences (with "new" and "old" naming the candidate and the previous
// schema), then "{oldSchemaVersion: N}" (when the previous Schema has a Version) and
// "{oldSchema: '…'}", then "{validateFields: 'false', compatibility: 'LEVEL'}".
//
// Errors: a *ParseError for a schema that does not parse (Candidate tells which), a
// *ResolveError wrapping the Resolver's error when a reference cannot be fetched, ErrUnknownType
// and ErrUnknownLevel (wrapped). The candidate is parsed even under NONE, so an invalid schema is
// never registered. Previous schemas are parsed only when a comparison needs them. Confluent
// answers an unresolvable reference of the candidate with 42201 too; whether the Resolver's
// failure is the client's or the registry's is for the caller to say.
func Check(level Level, candidate Schema, previous []Schema, resolve Resolver) (Result, error) {
	l, ok := ParseLevel(string(level))
	if !ok {
		return Result{}, fmt.Errorf("%w %q", ErrUnknownLevel, level)
	}
	level = l
	ct := normType(candidate.Type)
	ck, ok := checkers[ct]
	if !ok {
		return Result{}, fmt.Errorf("%w %q", ErrUnknownType, candidate.Type)
	}
	cand, err := parseCached(ct, ck, candidate, resolve, true)
	if err != nil {
		return Result{}, wrapParseErr(err, true, 0)
	}
	if level == None || len(previous) == 0 {
		return Result{Compatible: true}, nil
	}

	oldest := len(previous) - 1
	if level.transitive() {
		oldest = 0
	}
	var msgs []string
	for i := len(previous) - 1; i >= oldest && len(msgs) == 0; i-- {
		p := previous[i]
		if pt := normType(p.Type); pt != ct {
			if _, known := checkers[pt]; !known {
				return Result{}, fmt.Errorf("previous schema %d: %w %q", i, ErrUnknownType, p.Type)
			}
			msgs = append(msgs, differentTypeMsg)
			break
		}
		prev, err := parseCached(ct, ck, p, resolve, false)
		if err != nil {
			return Result{}, wrapParseErr(err, false, i)
		}
		// SchemaValidatorBuilder.mutualReadStrategy: the forward direction first, without the
		// old-schema trailer, then the backward direction with it.
		if level.forward() {
			f := withRoles(ck.readable(prev, cand), "old", "new")
			if !level.backward() {
				f = appendOldSchema(f, p)
			}
			msgs = append(msgs, f...)
		}
		if level.backward() {
			msgs = append(msgs, appendOldSchema(withRoles(ck.readable(cand, prev), "new", "old"), p)...)
		}
	}
	if len(msgs) == 0 {
		return Result{Compatible: true}, nil
	}
	msgs = append(msgs, fmt.Sprintf("{validateFields: 'false', compatibility: '%s'}", level))
	return Result{Messages: msgs}, nil
}

// differentTypeMsg is Confluent's message when the candidate's type differs from a previous
// schema's (SchemaValidatorBuilder.DIFFERENT_SCHEMA_TYPE).
const differentTypeMsg = "Incompatible because of different schema type"

// maxOldSchemaLen is Confluent's MAX_SCHEMA_SIZE_FOR_LOGGING: longer schemas are cut in messages.
const maxOldSchemaLen = 10 * 1024

// appendOldSchema adds the trailer SchemaValidatorBuilder.formatErrorMessages appends after the
// differences found against one previous schema, when there are any.
func appendOldSchema(msgs []string, p Schema) []string {
	if len(msgs) == 0 {
		return msgs
	}
	if p.Version > 0 {
		msgs = append(msgs, fmt.Sprintf("{oldSchemaVersion: %d}", p.Version))
	}
	if len(p.Text) <= maxOldSchemaLen {
		return append(msgs, "{oldSchema: '"+p.Text+"'}")
	}
	cut := p.Text[:maxOldSchemaLen]
	for len(cut) > 0 && !utf8.ValidString(cut) {
		cut = cut[:len(cut)-1]
	}
	return append(msgs, "{oldSchema: <truncated> '"+cut+"...'}")
}

// withRoles fills each message template's %s placeholders with the reader's and the writer's
// role, as Confluent's String.format(message, reader, writer) does. Templates escape a literal
// percent sign as %%, so user-controlled names cannot inject placeholders.
func withRoles(templates []string, reader, writer string) []string {
	for i, t := range templates {
		templates[i] = fillRoles(t, reader, writer)
	}
	return templates
}

func fillRoles(t, reader, writer string) string {
	if !strings.Contains(t, "%") {
		return t
	}
	var sb strings.Builder
	sb.Grow(len(t) + 8)
	args := [2]string{reader, writer}
	n := 0
	for i := 0; i < len(t); i++ {
		if t[i] != '%' || i+1 == len(t) {
			sb.WriteByte(t[i])
			continue
		}
		switch t[i+1] {
		case '%':
			sb.WriteByte('%')
			i++
		case 's':
			if n < len(args) {
				sb.WriteString(args[n])
			}
			n++
			i++
		default:
			sb.WriteByte('%')
		}
	}
	return sb.String()
}

// escapePct protects user text (names, paths) embedded in a message template.
func escapePct(s string) string { return strings.ReplaceAll(s, "%", "%%") }

// wrapParseErr classifies a parse failure; resolver failures pass through unchanged.
func wrapParseErr(err error, candidate bool, index int) error {
	var re *ResolveError
	if errors.As(err, &re) {
		return err
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		return err
	}
	return &ParseError{Candidate: candidate, Index: index, Err: err}
}

// ResolveError is returned when the Resolver fails for a reference, of the candidate or of a
// previous schema (or of their references). Err is the Resolver's error.
type ResolveError struct {
	Ref Reference
	Err error
}

func (e *ResolveError) Error() string {
	return fmt.Sprintf("resolve reference %q (subject %q version %d): %v", e.Ref.Name, e.Ref.Subject, e.Ref.Version, e.Err)
}

func (e *ResolveError) Unwrap() error { return e.Err }

// ErrNoResolver is the ResolveError's Err when a schema has references and Check was given a
// nil Resolver.
var ErrNoResolver = errors.New("no resolver for schema references")

// fetch calls resolve for ref, guarding against a nil Resolver.
func fetch(resolve Resolver, ref Reference) (Schema, error) {
	if resolve == nil {
		return Schema{}, &ResolveError{Ref: ref, Err: ErrNoResolver}
	}
	s, err := resolve(ref)
	if err != nil {
		return Schema{}, &ResolveError{Ref: ref, Err: err}
	}
	return s, nil
}
