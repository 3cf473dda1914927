package registry

import (
	"slices"
	"sync"
	"testing"

	"github.com/krest-dev/krest/internal/registry/compat"
)

// recordCompat replaces reg's checker with a wrapper that remembers the
// level and the versions of the previous schemas of each call, then asks the
// real checker. Call it before the first request.
func recordCompat(reg *testReg) func() (compat.Level, []int) {
	var mu sync.Mutex
	var level compat.Level
	var versions []int
	orig := reg.check
	reg.check = func(l compat.Level, cand compat.Schema, prev []compat.Schema, resolve compat.Resolver) (compat.Result, error) {
		mu.Lock()
		level, versions = l, nil
		for _, p := range prev {
			versions = append(versions, p.Version)
		}
		mu.Unlock()
		return orig(l, cand, prev, resolve)
	}
	return func() (compat.Level, []int) {
		mu.Lock()
		defer mu.Unlock()
		return level, slices.Clone(versions)
	}
}

const (
	recA    = `{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}`
	recAB   = `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}]}`
	recABnd = `{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}`
)

// TestCompatibilityLevels checks that the registry hands the checker the
// subject's live versions, oldest first, with the subject's level, and that
// the level's direction and transitivity decide registrations.
func TestCompatibilityLevels(t *testing.T) {
	reg := startRegistry(t, newCluster(t), nil)
	reg.waitPrimary(true)
	last := recordCompat(reg)

	// Versions 1 (a), 2 (a, b with a default), 3 (soft-deleted).
	reg.do(t, "PUT", "/config/s", `{"compatibility":"NONE"}`).expect(t, 200, "")
	reg.register(t, "s", avroBody(recA))
	reg.register(t, "s", avroBody(recAB))
	reg.register(t, "s", avroBody(`"string"`))
	reg.do(t, "DELETE", "/subjects/s/versions/3", "").expect(t, 200, `3`)

	cases := []struct {
		level string
		// recABnd adds b without a default: readers of old data break.
		// Against version 2 alone (which has b) it is BACKWARD compatible;
		// against version 1 too it is not.
		wantOK bool
	}{
		{"BACKWARD", true},
		{"BACKWARD_TRANSITIVE", false},
		{"FORWARD", true},
		{"FORWARD_TRANSITIVE", true},
		{"FULL", true},
		{"FULL_TRANSITIVE", false},
		{"NONE", true},
	}
	for _, c := range cases {
		t.Run(c.level, func(t *testing.T) {
			reg.do(t, "PUT", "/config/s", `{"compatibility":"`+c.level+`"}`).expect(t, 200, "")
			want := `{"is_compatible":false}`
			if c.wantOK {
				want = `{"is_compatible":true}`
			}
			reg.do(t, "POST", "/compatibility/subjects/s/versions", avroBody(recABnd)).expect(t, 200, want)
			level, versions := last()
			if string(level) != c.level || !slices.Equal(versions, []int{1, 2}) {
				t.Fatalf("checker got level %s versions %v, want %s [1 2]", level, versions, c.level)
			}
			// Against one named version, only that version is passed.
			reg.do(t, "POST", "/compatibility/subjects/s/versions/1", avroBody(recAB)).expect(t, 200, "")
			if _, versions := last(); !slices.Equal(versions, []int{1}) {
				t.Fatalf("single-version check got versions %v", versions)
			}
		})
	}

	// Registration runs the same check: refused under BACKWARD_TRANSITIVE,
	// accepted under BACKWARD.
	reg.do(t, "PUT", "/config/s", `{"compatibility":"BACKWARD_TRANSITIVE"}`).expect(t, 200, "")
	reg.do(t, "POST", "/subjects/s/versions", avroBody(recABnd)).expectError(t, CodeIncompatibleSchema)
	if _, versions := last(); !slices.Equal(versions, []int{1, 2}) {
		t.Fatalf("register passed versions %v", versions)
	}
	reg.do(t, "PUT", "/config/s", `{"compatibility":"BACKWARD"}`).expect(t, 200, "")
	if id := reg.register(t, "s", avroBody(recABnd)); id == 0 {
		t.Fatal("no id")
	}
	// The global level applies to subjects without their own.
	reg.do(t, "PUT", "/config", `{"compatibility":"FORWARD_TRANSITIVE"}`).expect(t, 200, "")
	reg.do(t, "POST", "/compatibility/subjects/other/versions", avroBody(recA)).expect(t, 200, `{"is_compatible":true}`)
	if level, _ := last(); level != compat.ForwardTransitive {
		t.Fatalf("global level not used: %s", level)
	}
}

// TestDefaultCompatibilityOption checks Options.Compatibility (Karapace's
// "compatibility" key) sets the level in force when no CONFIG record does.
func TestDefaultCompatibilityOption(t *testing.T) {
	reg := startRegistry(t, newCluster(t), func(o *Options) { o.Compatibility = "none" })
	reg.waitPrimary(true)
	reg.do(t, "GET", "/config", "").expect(t, 200, `{"compatibilityLevel":"NONE"}`)
	reg.register(t, "s", avroBody(recA))
	reg.register(t, "s", avroBody(`"string"`))
	if _, err := New(Options{KafkaOpts: reg.opts.KafkaOpts, AdvertisedURL: "http://x:1", Compatibility: "sideways"}); err == nil {
		t.Fatal("an unknown default level was accepted")
	}
}
