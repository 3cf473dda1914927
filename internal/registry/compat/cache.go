package compat

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// refText is a resolved reference: how the schema names it, which version it is, and its text.
type refText struct {
	Reference
	text string
}

// collectRefs resolves refs and, recursively, their own references, returning them dependencies
// first. A version reached twice under the same name is listed once, which also ends reference
// cycles; chains deeper than maxRefDepth are an error.
func collectRefs(refs []Reference, resolve Resolver) ([]refText, error) {
	var out []refText
	seen := make(map[refKey]bool)
	var walk func(refs []Reference, depth int) error
	walk = func(refs []Reference, depth int) error {
		if depth > maxRefDepth {
			return errRefDepth
		}
		for _, ref := range refs {
			k := refKey{ref.Subject, ref.Version, ref.Name}
			if seen[k] {
				continue
			}
			seen[k] = true
			rs, err := fetch(resolve, ref)
			if err != nil {
				return err
			}
			if err := walk(rs.References, depth+1); err != nil {
				return err
			}
			out = append(out, refText{ref, rs.Text})
		}
		return nil
	}
	return out, walk(refs, 0)
}

// parseCache keeps parsed schemas by content. Parsing dominates a check (compiling a JSON
// Schema or a .proto file costs far more than comparing two), and a registry compares new
// schemas against the same registered versions again and again. Parsed schemas are immutable,
// so one entry can serve concurrent checks.
var parseCache = newLRU(256)

// parseCached parses s, or returns the cached result for the same type, text and references.
// A schema cached unvalidated (a previous schema) is validated before it serves as a candidate.
func parseCached(typ string, ck checker, s Schema, resolve Resolver, validate bool) (p parsed, err error) {
	refs, err := collectRefs(s.References, resolve)
	if err != nil {
		return nil, err
	}
	key := cacheKey(typ, s.Text, refs)
	if e, ok := parseCache.get(key); ok && (e.validated || !validate) {
		return e.p, nil
	}
	// Parsers are third-party code fed untrusted text: a panic is an invalid schema, not a
	// crashed registry.
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("schema parser failed: %v", r)
		}
	}()
	p, err = ck.parse(s.Text, refs, validate)
	if err != nil {
		return nil, err
	}
	parseCache.put(key, cacheEntry{p: p, validated: validate})
	return p, nil
}

func cacheKey(typ, text string, refs []refText) [32]byte {
	h := sha256.New()
	var n [8]byte
	str := func(s string) {
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	str(typ)
	str(text)
	for _, r := range refs {
		str(r.Name)
		str(r.Subject)
		binary.LittleEndian.PutUint64(n[:], uint64(int64(r.Version)))
		h.Write(n[:])
		str(r.text)
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

type cacheEntry struct {
	p         parsed
	validated bool
}

// lru is a fixed-size least-recently-used map.
type lru struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[[32]byte]*list.Element
}

type lruItem struct {
	key [32]byte
	val cacheEntry
}

func newLRU(max int) *lru {
	return &lru{max: max, ll: list.New(), items: make(map[[32]byte]*list.Element, max)}
}

func (c *lru) get(k [32]byte) (cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max <= 0 {
		return cacheEntry{}, false
	}
	if el, ok := c.items[k]; ok {
		c.ll.MoveToFront(el)
		return el.Value.(*lruItem).val, true
	}
	return cacheEntry{}, false
}

func (c *lru) put(k [32]byte, v cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.max <= 0 {
		return
	}
	if el, ok := c.items[k]; ok {
		el.Value.(*lruItem).val = v
		c.ll.MoveToFront(el)
		return
	}
	c.items[k] = c.ll.PushFront(&lruItem{k, v})
	if c.ll.Len() > c.max {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.items, last.Value.(*lruItem).key)
	}
}

// setMax changes the capacity, dropping everything; 0 disables the cache (benchmarks of the
// cold path use it).
func (c *lru) setMax(max int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.max = max
	c.ll.Init()
	c.items = make(map[[32]byte]*list.Element)
}

// refKey identifies a referenced schema version under one name.
type refKey struct {
	subject string
	version int
	name    string
}

// maxRefDepth bounds reference chains. Confluent has no limit, but a chain through distinct
// versions would otherwise recurse until the stack runs out.
const maxRefDepth = 32

var errRefDepth = errors.New("schema references nested too deeply")
