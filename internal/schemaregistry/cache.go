package schemaregistry

import (
	"container/list"
	"sync"
	"sync/atomic"
)

// lru is a size-bounded, concurrency-safe least-recently-used map. Every
// cache in this package is one, so no stream of distinct schema texts or
// ids can grow memory without bound.
type lru[K comparable, V any] struct {
	mu  sync.Mutex
	max int
	ll  *list.List // front = most recent; values are *lruEntry[K, V]
	m   map[K]*list.Element

	hits, misses atomic.Uint64 // lookups by get, for CacheStats (stats.go)
}

type lruEntry[K comparable, V any] struct {
	key K
	val V
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	return &lru[K, V]{max: max, ll: list.New(), m: make(map[K]*list.Element)}
}

func (c *lru[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		c.ll.MoveToFront(el)
		c.hits.Add(1)
		return el.Value.(*lruEntry[K, V]).val, true
	}
	c.misses.Add(1)
	var zero V
	return zero, false
}

func (c *lru[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		el.Value.(*lruEntry[K, V]).val = v
		c.ll.MoveToFront(el)
		return
	}
	c.m[k] = c.ll.PushFront(&lruEntry[K, V]{key: k, val: v})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.m, old.Value.(*lruEntry[K, V]).key)
	}
}

// update replaces k's value with fn(old, ok) atomically.
func (c *lru[K, V]) update(k K, fn func(old V, ok bool) V) {
	c.mu.Lock()
	el, ok := c.m[k]
	var old V
	if ok {
		old = el.Value.(*lruEntry[K, V]).val
	}
	c.mu.Unlock()
	// fn runs unlocked; a concurrent update in between loses one subject
	// hint at worst, which only costs a registry round trip later.
	c.put(k, fn(old, ok))
}

func (c *lru[K, V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
