package schemaregistry

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
)

func TestCacheStatsCountHitsAndMisses(t *testing.T) {
	f := newFake(t)
	id, _, err := f.RegisterSchema("users-value", sr.Schema{Schema: userV1})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, f.URL(), Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for range 3 {
		if _, err := c.SchemaByID(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	var byID CacheStats
	for _, s := range c.CacheStats() {
		if s.Name == "schemas_by_id" {
			byID = s
		}
	}
	// The first lookup misses (and may look again after the registry
	// answered); the two later ones hit.
	if byID.Hits < 2 || byID.Misses < 1 || byID.Entries != 1 {
		t.Fatalf("schemas_by_id after 3 lookups of one id: %+v", byID)
	}
	if n := len(c.CacheStats()); n != 6 {
		t.Fatalf("%d caches reported, want 6", n)
	}
}

func TestPingAsksTheRegistry(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f.URL(), Options{Timeout: time.Second})
	if err := c.Ping(context.Background()); err != nil {
		t.Fatalf("Ping with the registry up: %v", err)
	}
	broken := newFake(t)
	broken.Intercept(func(w http.ResponseWriter, _ *http.Request) bool {
		http.Error(w, `{"error_code":50001,"message":"store unavailable"}`, http.StatusInternalServerError)
		return true
	})
	if err := newClient(t, broken.URL(), Options{Timeout: time.Second}).Ping(context.Background()); err == nil {
		t.Fatal("Ping of a registry answering 500 succeeded")
	}
	f.Close()
	if err := c.Ping(context.Background()); err == nil {
		t.Fatal("Ping with the registry down succeeded")
	}
}
