package registry

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
)

// eventually retries f until it returns "" or 20 s pass.
func eventually(t *testing.T, f func() string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		msg := f()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTwoInstances runs two registries against one broker: they elect one
// primary, a write through either is visible on both with the same id (at
// once on the instance that took it), and when the primary stops the other
// takes over and writes keep working.
func TestTwoInstances(t *testing.T) {
	addrs := newCluster(t)
	a := startRegistry(t, addrs, nil)
	b := startRegistry(t, addrs, nil)
	// The eligible member with the smallest URL wins, as in Confluent.
	primary, follower := a, b
	if b.URL() < a.URL() {
		primary, follower = b, a
	}
	primary.waitPrimary(true)
	follower.waitPrimary(false)
	if follower.PrimaryURL() != primary.URL() {
		t.Fatalf("follower follows %q, primary is %q", follower.PrimaryURL(), primary.URL())
	}

	// A write through the follower is forwarded; the follower answers only
	// once it has read the write back, so it sees it at once.
	if id := follower.register(t, "s", avroBody(userV1)); id != 1 {
		t.Fatalf("forwarded register id %d", id)
	}
	follower.do(t, "GET", "/subjects/s/versions/1", "").expect(t, 200, "")
	primary.do(t, "GET", "/subjects/s/versions/1", "").expect(t, 200, "")

	// A write through the primary; the follower sees it when its reader
	// gets there.
	if id := primary.register(t, "s", avroBody(userV2)); id != 2 {
		t.Fatalf("register id %d", id)
	}
	eventually(t, func() string {
		if r := follower.do(t, "GET", "/subjects/s/versions/2", ""); r.status != 200 {
			return "follower does not see version 2: " + r.body
		}
		return ""
	})
	// The same schema through either instance, in another subject: the same id.
	if id := follower.register(t, "s2", avroBody(userV1Respelled)); id != 1 {
		t.Fatalf("same schema via follower: id %d", id)
	}
	if id := primary.register(t, "s3", avroBody(userV1)); id != 1 {
		t.Fatalf("same schema via primary: id %d", id)
	}
	// Every write endpoint forwards, errors included.
	follower.do(t, "PUT", "/config/s", `{"compatibility":"NONE"}`).expect(t, 200, `{"compatibility":"NONE"}`)
	follower.do(t, "GET", "/config/s", "").expect(t, 200, `{"compatibilityLevel":"NONE"}`)
	follower.do(t, "PUT", "/config/s", `{"compatibility":"NOPE"}`).expectError(t, CodeInvalidCompatibilityLevel)
	follower.do(t, "PUT", "/mode/s3", `{"mode":"READONLY"}`).expect(t, 200, "")
	follower.do(t, "DELETE", "/mode/s3", "").expect(t, 200, `{"mode":"READONLY"}`)
	follower.do(t, "DELETE", "/subjects/s3", "").expect(t, 200, `[1]`)
	follower.do(t, "DELETE", "/subjects/s3?permanent=true", "").expect(t, 200, `[1]`)
	follower.do(t, "DELETE", "/subjects/s/versions/2", "").expect(t, 200, `2`)
	follower.do(t, "DELETE", "/subjects/nope", "").expectError(t, CodeSubjectNotFound)
	follower.do(t, "DELETE", "/config/s", "").expect(t, 200, `{"compatibilityLevel":"NONE"}`)

	// The primary stops; the follower takes over.
	primary.stop()
	follower.waitPrimary(true)
	if id := follower.register(t, "u", avroBody(`"string"`)); id != 3 {
		t.Fatalf("register after failover: id %d, want 3", id)
	}
	follower.do(t, "GET", "/subjects/s/versions?deleted=true", "").expect(t, 200, `[1,2]`)

	// A new instance joins and follows the survivor, or takes over if its
	// URL sorts first; either way writes through it keep working.
	c := startRegistry(t, addrs, nil)
	eventually(t, func() string {
		if c.PrimaryURL() == "" {
			return "the third instance knows no primary"
		}
		return ""
	})
	eventually(t, func() string {
		r := c.do(t, "POST", "/subjects/t/versions", avroBody(`"boolean"`))
		if r.status != 200 {
			return "register through the new instance: " + r.body
		}
		if !strings.Contains(r.body, `"id":4`) {
			t.Fatalf("new instance register: %s", r.body)
		}
		return ""
	})
}

// TestNoPrimary checks that writes fail with 50003 when no instance may be
// the primary, and reads keep working.
func TestNoPrimary(t *testing.T) {
	reg := startRegistry(t, newCluster(t), func(o *Options) { o.NotPrimaryEligible = true })
	eventually(t, func() string {
		if reg.generation.Load() == 0 {
			return "no election round yet"
		}
		return ""
	})
	reg.do(t, "POST", "/subjects/s/versions", avroBody(`"int"`)).expectError(t, CodeForwardingFailed)
	reg.do(t, "PUT", "/config", `{"compatibility":"NONE"}`).expectError(t, CodeForwardingFailed)
	reg.do(t, "GET", "/subjects", "").expect(t, 200, `[]`)
	h := reg.do(t, "GET", "/_health", "").expect(t, 200, "")
	if !strings.Contains(h.body, `"schema_registry_is_primary_eligible":false`) || !strings.Contains(h.body, `"schema_registry_primary_url":null`) {
		t.Fatalf("health %s", h.body)
	}
}

// TestForwardedRequestIsNotForwardedAgain checks the loop guard: a request
// already forwarded once, arriving at an instance that is not the primary,
// fails instead of bouncing on.
func TestForwardedRequestIsNotForwardedAgain(t *testing.T) {
	addrs := newCluster(t)
	a := startRegistry(t, addrs, nil)
	b := startRegistry(t, addrs, nil)
	follower := b
	if b.URL() < a.URL() {
		follower = a
	}
	follower.waitPrimary(false)
	doURL(t, "POST", follower.srv.URL+"/subjects/s/versions", avroBody(`"int"`),
		map[string]string{"Content-Type": mediaV1, headerForwarded: "http://elsewhere"}).expectError(t, CodeForwardingFailed)
}

// TestFailoverAfterCrash stops the primary without leaving the group, as a
// crash would: the coordinator evicts it after the session timeout and the
// other instance takes over.
func TestFailoverAfterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a session timeout")
	}
	addrs := newCluster(t)
	a := startRegistry(t, addrs, func(o *Options) { o.skipLeave = true })
	b := startRegistry(t, addrs, func(o *Options) { o.skipLeave = true })
	primary, follower := a, b
	if b.URL() < a.URL() {
		primary, follower = b, a
	}
	primary.waitPrimary(true)
	follower.waitPrimary(false)
	follower.register(t, "s", avroBody(`"int"`))
	start := time.Now()
	primary.stop()
	follower.do(t, "POST", "/subjects/s/versions", avroBody(`"long"`)).expectError(t, CodeForwardingFailed)
	follower.waitPrimary(true)
	t.Logf("failover after a crash took %v (session timeout %v)", time.Since(start).Round(time.Millisecond), follower.opts.sessionTimeout)
	if id := follower.register(t, "s2", avroBody(`"long"`)); id != 2 {
		t.Fatalf("id after failover %d", id)
	}
}

// TestConcurrentWrites registers many schemas at once through two
// instances: every distinct schema gets one id, ids are unique, and the
// subject's versions have no gaps.
func TestConcurrentWrites(t *testing.T) {
	addrs := newCluster(t)
	a := startRegistry(t, addrs, nil)
	b := startRegistry(t, addrs, nil)
	a.waitPrimary(a.URL() < b.URL())
	b.waitPrimary(b.URL() < a.URL())
	a.do(t, "PUT", "/config", `{"compatibility":"NONE"}`).expect(t, 200, "")
	const n = 40
	ids := make([]int, 2*n)
	var wg sync.WaitGroup
	for i := range 2 * n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst := a
			if i%2 == 1 {
				inst = b
			}
			// Each schema is sent twice (i and i+n), to different instances.
			schema := `{"type":"fixed","name":"F","size":` + strconv.Itoa(1+i%n) + `}`
			r := doURL(t, "POST", inst.srv.URL+"/subjects/c/versions", avroBody(schema), nil)
			var out registerResponse
			if r.status != 200 || json.Unmarshal([]byte(r.body), &out) != nil {
				t.Errorf("register %d: %d %s", i, r.status, r.body)
				return
			}
			ids[i] = out.ID
		}()
	}
	wg.Wait()
	seen := map[int]bool{}
	for i := range n {
		if ids[i] != ids[i+n] {
			t.Errorf("schema %d got ids %d and %d", i, ids[i], ids[i+n])
		}
		if seen[ids[i]] {
			t.Errorf("id %d given twice", ids[i])
		}
		seen[ids[i]] = true
	}
	var versions []int
	a.do(t, "GET", "/subjects/c/versions", "").expect(t, 200, "").decode(t, &versions)
	if len(versions) != n || versions[0] != 1 || versions[n-1] != n {
		t.Fatalf("versions %v", versions)
	}
}

// TestDuplicateURLs checks Confluent's guard: when two members advertise
// the same URL, forwarding cannot work, so no instance accepts writes.
func TestDuplicateURLs(t *testing.T) {
	addrs := newCluster(t)
	same := func(o *Options) { o.AdvertisedURL = "http://registry.invalid:8081" }
	a := startRegistry(t, addrs, same)
	b := startRegistry(t, addrs, same)
	eventually(t, func() string {
		ga, gb := a.generation.Load(), b.generation.Load()
		if ga < 2 || ga != gb || a.PrimaryURL() != "" || b.PrimaryURL() != "" {
			return "want both in one generation with no primary, have generations " +
				strconv.Itoa(int(ga)) + "/" + strconv.Itoa(int(gb)) + ", primaries " + a.PrimaryURL() + "/" + b.PrimaryURL()
		}
		return ""
	})
	a.do(t, "POST", "/subjects/s/versions", avroBody(`"int"`)).expectError(t, CodeForwardingFailed)
}
