package schemaregistry

import (
	"context"
	"errors"

	"github.com/twmb/franz-go/pkg/sr"
)

// CacheStats are the lookup counts of one of the client's caches.
type CacheStats struct {
	// Name is one of "schemas_by_id", "schemas_by_text", "compiled",
	// "subjects", "versions" and "unknown_ids".
	Name string
	// Hits and Misses count lookups since New.
	Hits, Misses uint64
	// Entries is the number of entries now (at most Options.MaxSchemas).
	Entries int
}

// CacheStats returns the counts of every cache, in a fixed order. It is
// safe for concurrent use.
func (c *Client) CacheStats() []CacheStats {
	return []CacheStats{
		lruStats("schemas_by_id", c.byID),
		lruStats("schemas_by_text", c.byText),
		lruStats("compiled", c.compiled),
		lruStats("subjects", c.subjects),
		lruStats("versions", c.versions),
		lruStats("unknown_ids", c.unknown),
	}
}

func lruStats[K comparable, V any](name string, c *lru[K, V]) CacheStats {
	return CacheStats{Name: name, Hits: c.hits.Load(), Misses: c.misses.Load(), Entries: c.len()}
}

// Ping checks that the registry answers: it asks for the supported schema
// types (GET /schemas/types), a small answer independent of how many
// schemas there are. Any answer below 500 counts, including 404 from a
// registry too old to serve that path (Confluent before 5.5) and 401/403
// (an authentication mistake is a configuration problem, not one that
// waiting fixes). It returns the transport error or the 5xx, or the
// context's error when ctx ends first.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.sr.SupportedTypes(ctx)
	if re := (*sr.ResponseError)(nil); errors.As(err, &re) && re.StatusCode < 500 {
		return nil
	}
	return err
}
