package registry

import (
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
)

// store is the registry's state: what the _schemas topic says, applied
// record by record by the reader goroutine and read by every request. It is
// never changed any other way, so every instance reading the same topic has
// the same state, and a restart rebuilds it exactly.
//
// All methods are safe for concurrent use; mu is a leaf lock (nothing else is
// locked while it is held).
type store struct {
	log *slog.Logger

	mu       sync.RWMutex
	subjects map[string]*subjectState
	ids      map[int]*idState
	byIdent  map[identity]int
	// maxID is the largest id ever applied; new ids continue after it.
	maxID        int
	globalCompat string // "" when no global CONFIG record is in force
	globalMode   string // "" when no global MODE record is in force
	// rawKeys remembers the exact bytes of the last key seen for each
	// logical key (recordKey.logical), so updates and tombstones reuse the
	// spelling another writer chose and compaction pairs them up.
	rawKeys map[string][]byte
}

// subjectState is one subject. A subject exists while it has versions, or a
// CONFIG or MODE record of its own.
type subjectState struct {
	versions map[int]*versionState
	compat   string // "" when the subject has no level of its own
	mode     string // "" when the subject has no mode of its own
}

// versionState is one version of a subject.
type versionState struct {
	subject string
	version int
	id      int
	deleted bool
	doc     schemaDoc
	ident   identity
}

// idState is one schema id: the schema of the first version seen with it,
// and how many versions (soft-deleted included) use it. An id disappears
// when its last version is permanently deleted, as in Confluent.
type idState struct {
	doc   schemaDoc
	ident identity
	users int
}

func newStore(log *slog.Logger) *store {
	return &store{
		log:      log,
		subjects: map[string]*subjectState{},
		ids:      map[int]*idState{},
		byIdent:  map[identity]int{},
		rawKeys:  map[string][]byte{},
	}
}

// errSkip marks a record the reader logs and skips: one malformed record
// written by some other tool must not stop the registry (Karapace's
// non-strict mode does the same).
var errSkip = errors.New("record skipped")

// apply applies one _schemas record.
func (s *store) apply(key, value []byte) error {
	if len(key) == 0 && len(value) == 0 {
		return nil // a placeholder record
	}
	k, err := decodeKey(key)
	if err != nil {
		return errors.Join(errSkip, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rawKeys[k.logical()] = slices.Clone(key)
	switch k.KeyType {
	case keyTypeSchema:
		return s.applySchema(k, value)
	case keyTypeConfig:
		return s.applyConfig(k, value)
	case keyTypeMode:
		return s.applyMode(k, value)
	case keyTypeDeleteSubject:
		return s.applyDeleteSubject(value)
	case keyTypeNoop:
		return nil
	}
	// CLEAR_SUBJECT, CONTEXT, ASSOC and anything newer: Confluent features
	// krest does not implement. Their records change nothing we serve.
	s.log.Debug("ignoring _schemas record of an unsupported key type", "keytype", k.KeyType)
	return nil
}

func (s *store) subject(name string, create bool) *subjectState {
	st := s.subjects[name]
	if st == nil && create {
		st = &subjectState{versions: map[int]*versionState{}}
		s.subjects[name] = st
	}
	return st
}

// dropIfEmpty forgets a subject with nothing left in it.
func (s *store) dropIfEmpty(name string) {
	if st := s.subjects[name]; st != nil && len(st.versions) == 0 && st.compat == "" && st.mode == "" {
		delete(s.subjects, name)
	}
}

func (s *store) applySchema(k recordKey, value []byte) error {
	if k.Subject == nil {
		return errors.Join(errSkip, errors.New("SCHEMA key without a subject"))
	}
	if len(value) == 0 {
		// Tombstone: the version is permanently deleted.
		if st := s.subject(*k.Subject, false); st != nil {
			if v := st.versions[k.Version]; v != nil {
				s.release(v)
				delete(st.versions, k.Version)
			}
			s.dropIfEmpty(*k.Subject)
		}
		return nil
	}
	var sv schemaValue
	if err := unmarshalLenient(value, &sv); err != nil {
		return errors.Join(errSkip, err)
	}
	typ, ok := parseType(sv.SchemaType)
	if !ok {
		return errors.Join(errSkip, errors.New("unknown schemaType "+sv.SchemaType))
	}
	if sv.Subject == "" {
		sv.Subject = *k.Subject
	}
	if sv.Version == 0 {
		sv.Version = k.Version
	}
	doc := schemaDoc{Type: typ, Text: sv.Schema, References: sv.References}
	if present(sv.Metadata) {
		doc.Metadata = slices.Clone([]byte(sv.Metadata))
	}
	if present(sv.RuleSet) {
		doc.RuleSet = slices.Clone([]byte(sv.RuleSet))
	}
	v := &versionState{subject: sv.Subject, version: sv.Version, id: sv.ID, deleted: sv.Deleted, doc: doc}
	// Reuse the identity of the id's schema when the text is the same: most
	// records rewrite a known schema (soft deletes, the same schema in
	// another subject), and parsing is the expensive part of a reload.
	if is := s.ids[sv.ID]; is != nil && docEqual(is.doc, doc) {
		v.ident = is.ident
	} else {
		v.ident = identityOf(doc)
	}
	st := s.subject(sv.Subject, true)
	if old := st.versions[sv.Version]; old != nil {
		s.release(old)
	}
	st.versions[sv.Version] = v
	s.retain(v)
	return nil
}

// retain counts v as a user of its id.
func (s *store) retain(v *versionState) {
	is := s.ids[v.id]
	if is == nil {
		is = &idState{doc: v.doc, ident: v.ident}
		s.ids[v.id] = is
		if _, taken := s.byIdent[v.ident]; !taken {
			s.byIdent[v.ident] = v.id
		}
	}
	is.users++
	s.maxID = max(s.maxID, v.id)
}

// release stops counting v as a user of its id, forgetting the id with its
// last user.
func (s *store) release(v *versionState) {
	is := s.ids[v.id]
	if is == nil {
		return
	}
	if is.users--; is.users > 0 {
		return
	}
	delete(s.ids, v.id)
	if s.byIdent[is.ident] == v.id {
		delete(s.byIdent, is.ident)
		// Import mode can give one schema several ids; keep answering with
		// the lowest remaining one.
		best := 0
		for id, other := range s.ids {
			if other.ident == is.ident && (best == 0 || id < best) {
				best = id
			}
		}
		if best != 0 {
			s.byIdent[is.ident] = best
		}
	}
}

func docEqual(a, b schemaDoc) bool {
	return a.Type == b.Type && a.Text == b.Text && slices.Equal(a.References, b.References) &&
		string(a.Metadata) == string(b.Metadata) && string(a.RuleSet) == string(b.RuleSet)
}

func (s *store) applyConfig(k recordKey, value []byte) error {
	level := ""
	if len(value) > 0 {
		var cv configValue
		if err := unmarshalLenient(value, &cv); err != nil {
			return errors.Join(errSkip, err)
		}
		l, ok := parseLevel(cv.CompatibilityLevel)
		if !ok {
			// Confluent CONFIG records can carry only other members
			// (normalize, rule sets); they leave the level alone.
			if cv.CompatibilityLevel != "" {
				return errors.Join(errSkip, errors.New("unknown compatibilityLevel "+cv.CompatibilityLevel))
			}
			return nil
		}
		level = l
	}
	if k.Subject == nil {
		s.globalCompat = level
		return nil
	}
	if st := s.subject(*k.Subject, level != ""); st != nil {
		st.compat = level
		s.dropIfEmpty(*k.Subject)
	}
	return nil
}

func (s *store) applyMode(k recordKey, value []byte) error {
	mode := ""
	if len(value) > 0 {
		var mv modeValue
		if err := unmarshalLenient(value, &mv); err != nil {
			return errors.Join(errSkip, err)
		}
		m, ok := parseMode(mv.Mode)
		if !ok {
			return errors.Join(errSkip, errors.New("unknown mode "+mv.Mode))
		}
		mode = m
	}
	if k.Subject == nil {
		s.globalMode = mode
		return nil
	}
	if st := s.subject(*k.Subject, mode != ""); st != nil {
		st.mode = mode
		s.dropIfEmpty(*k.Subject)
	}
	return nil
}

func (s *store) applyDeleteSubject(value []byte) error {
	if len(value) == 0 {
		return errors.Join(errSkip, errors.New("DELETE_SUBJECT record without a value"))
	}
	var dv deleteSubjectValue
	if err := unmarshalLenient(value, &dv); err != nil {
		return errors.Join(errSkip, err)
	}
	if st := s.subject(dv.Subject, false); st != nil {
		for _, v := range st.versions {
			if v.version <= dv.Version {
				v.deleted = true
			}
		}
	}
	return nil
}

// rawKey returns the bytes to write for a logical key: the spelling last
// seen in the topic, or the canonical one built by mk.
func (s *store) rawKey(k recordKey, mk func() []byte) []byte {
	s.mu.RLock()
	b := s.rawKeys[k.logical()]
	s.mu.RUnlock()
	if b != nil {
		return b
	}
	return mk()
}

// --- queries ---

// filter selects versions by their deleted flag.
type filter int

const (
	liveOnly    filter = iota // versions not soft-deleted
	withDeleted               // every version
	deletedOnly               // soft-deleted versions only
)

func (f filter) keep(v *versionState) bool {
	switch f {
	case withDeleted:
		return true
	case deletedOnly:
		return v.deleted
	}
	return !v.deleted
}

// versions returns a subject's versions passing f, oldest first, as copies.
func (s *store) versions(subject string, f filter) []versionState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.versionsLocked(subject, f)
}

func (s *store) versionsLocked(subject string, f filter) []versionState {
	st := s.subjects[subject]
	if st == nil {
		return nil
	}
	out := make([]versionState, 0, len(st.versions))
	for _, v := range st.versions {
		if f.keep(v) {
			out = append(out, *v)
		}
	}
	slices.SortFunc(out, func(a, b versionState) int { return a.version - b.version })
	return out
}

// version returns one version of a subject: n > 0 names it, n == -1 means
// the latest one passing f. ok is false when there is none.
func (s *store) version(subject string, n int, f filter) (versionState, bool) {
	vs := s.versions(subject, f)
	if len(vs) == 0 {
		return versionState{}, false
	}
	if n == -1 {
		return vs[len(vs)-1], true
	}
	for _, v := range vs {
		if v.version == n {
			return v, true
		}
	}
	return versionState{}, false
}

// subjectNames returns the subjects with versions passing f that start with
// prefix, sorted.
func (s *store) subjectNames(prefix string, f filter) []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := []string{}
	for name, st := range s.subjects {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		for _, v := range st.versions {
			if f.keep(v) {
				out = append(out, name)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// schemaByID returns the schema of an id.
func (s *store) schemaByID(id int) (schemaDoc, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	is := s.ids[id]
	if is == nil {
		return schemaDoc{}, false
	}
	return is.doc, true
}

// usages returns the versions (passing f) that use an id, sorted by subject
// and version, and whether the id exists at all.
func (s *store) usages(id int, f filter) ([]versionState, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.ids[id] == nil {
		return nil, false
	}
	out := []versionState{}
	for _, st := range s.subjects {
		for _, v := range st.versions {
			if v.id == id && f.keep(v) {
				out = append(out, *v)
			}
		}
	}
	slices.SortFunc(out, func(a, b versionState) int {
		if c := strings.Compare(a.subject, b.subject); c != 0 {
			return c
		}
		return a.version - b.version
	})
	return out, true
}

// idFor returns the id a schema with this identity has, if any.
func (s *store) idFor(ident identity) (int, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	id, ok := s.byIdent[ident]
	return id, ok
}

// lookup returns the newest version of subject passing f whose schema has
// this identity.
func (s *store) lookup(subject string, ident identity, f filter) (versionState, bool) {
	vs := s.versions(subject, f)
	for i := len(vs) - 1; i >= 0; i-- {
		if vs[i].ident == ident {
			return vs[i], true
		}
	}
	return versionState{}, false
}

// referencedBy returns the ids of the schemas (versions passing f) that
// reference subject's version, sorted.
func (s *store) referencedBy(subject string, version int, f filter) []int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []int
	for _, st := range s.subjects {
		for _, v := range st.versions {
			if !f.keep(v) {
				continue
			}
			for _, r := range v.doc.References {
				if r.Subject == subject && r.Version == version {
					out = append(out, v.id)
					break
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// nextID is the id a new schema gets.
func (s *store) nextID() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.maxID + 1
}

// compat returns a subject's own level ("" if none) and the global one (""
// if no CONFIG record set it). subject "" asks only for the global one.
func (s *store) compat(subject string) (own, global string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if st := s.subjects[subject]; st != nil && subject != "" {
		own = st.compat
	}
	return own, s.globalCompat
}

// mode returns a subject's own mode ("" if none) and the global one (""
// if no MODE record set it).
func (s *store) mode(subject string) (own, global string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if st := s.subjects[subject]; st != nil && subject != "" {
		own = st.mode
	}
	return own, s.globalMode
}

// counts returns the number of subjects and of schema ids, for health.
func (s *store) counts() (subjects, schemas int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.subjects), len(s.ids)
}
