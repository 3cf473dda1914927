package compat

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// TestCacheValidatesBeforeServingCandidate: a registered Avro schema is parsed without
// validation; the same text as a candidate must still be validated.
func TestCacheValidatesBeforeServingCandidate(t *testing.T) {
	// twmb/avro rejects a default that does not match the field's type.
	bad := Schema{Text: rec("R", `{"name":"a","type":"int","default":"x"}`)}
	good := Schema{Text: rec("R", `{"name":"a","type":"int","default":1}`)}
	if _, err := Check(Backward, good, []Schema{bad}, nil); err != nil {
		t.Fatalf("previous schema not accepted unvalidated: %v", err)
	}
	_, err := Check(Backward, bad, []Schema{good}, nil)
	var pe *ParseError
	if !errors.As(err, &pe) || !pe.Candidate {
		t.Fatalf("err = %v, want a candidate *ParseError", err)
	}
}

// TestCacheKeyIncludesReferences: the same text with other referenced versions is another
// schema.
func TestCacheKeyIncludesReferences(t *testing.T) {
	subjects := map[string]Schema{
		"e/1": {Text: `{"type":"enum","name":"E","symbols":["A","B"]}`},
		"e/2": {Text: `{"type":"enum","name":"E","symbols":["A"]}`},
	}
	text := rec("R", `{"name":"e","type":"E"}`)
	ref := func(v int) []Reference { return []Reference{{Name: "E", Subject: "e", Version: v}} }
	for range 2 { // the second round is served from the cache
		res, err := Check(Backward, Schema{Text: text, References: ref(2)}, []Schema{{Text: text, References: ref(1)}}, mapResolver(subjects))
		if err != nil || res.Compatible {
			t.Fatalf("dropping a symbol was compatible: %v %v", res, err)
		}
	}
}

func TestLRU(t *testing.T) {
	c := newLRU(2)
	k := func(i byte) [32]byte { return [32]byte{i} }
	c.put(k(1), cacheEntry{validated: true})
	c.put(k(2), cacheEntry{})
	c.get(k(1)) // 1 is now the most recent
	c.put(k(3), cacheEntry{})
	if _, ok := c.get(k(2)); ok {
		t.Fatal("least recently used entry kept")
	}
	if e, ok := c.get(k(1)); !ok || !e.validated {
		t.Fatal("recent entry dropped")
	}
	c.setMax(0)
	c.put(k(4), cacheEntry{})
	if _, ok := c.get(k(4)); ok {
		t.Fatal("disabled cache stored an entry")
	}
	c.setMax(256)
}

// TestConcurrentChecks runs checks of all types in parallel (run with -race): parsed schemas
// are shared through the cache.
func TestConcurrentChecks(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				for _, set := range [][]ruleCase{avroCases, jsonCases, protoCases} {
					tc := set[(g*7+i)%len(set)]
					prefix, _, _ := strings.Cut(tc.name, "/")
					typ := map[string]string{"avro": TypeAvro, "json": TypeJSON, "protobuf": TypeProtobuf}[prefix]
					res, err := Check(tc.level, Schema{Type: typ, Text: tc.new}, []Schema{{Type: typ, Text: tc.old}}, nil)
					if err != nil || res.Compatible != tc.compatible {
						t.Errorf("%s: %v %v", tc.name, res.Compatible, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
