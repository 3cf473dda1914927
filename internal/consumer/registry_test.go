package consumer

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"testing/synctest"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/krest-dev/krest/internal/apierr"
)

// offlineOptions build a registry that never talks to Kafka: instances
// without a subscription or assignment have no client.
func offlineOptions() Options {
	return Options{Admin: kadm.NewClient(nil), InstanceTimeout: time.Minute}
}

func codeOf(err error) apierr.Code {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

func TestReaperClosesIdleInstances(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := New(offlineOptions())
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close(context.Background())
		idle, _ := r.Create("g", Config{Name: "idle"})
		if _, err := r.Create("g", Config{Name: "used"}); err != nil {
			t.Fatal(err)
		}
		busy, _ := r.Create("g", Config{Name: "busy"})
		_, release, err := busy.acquire(t.Context()) // a request in progress
		if err != nil {
			t.Fatal(err)
		}

		for range 6 { // 90 s, used every 15 s
			time.Sleep(15 * time.Second)
			if _, err := r.Lookup("", "g", "used"); err != nil {
				t.Fatalf("used instance expired: %v", err)
			}
		}
		synctest.Wait()
		if _, err := r.Lookup("", "g", "idle"); codeOf(err) != apierr.ConsumerInstanceNotFound {
			t.Fatalf("idle instance still there after 90 s: %v", err)
		}
		if _, err := idle.Subscription(t.Context()); codeOf(err) != apierr.ConsumerInstanceNotFound {
			t.Fatalf("a reaped instance answered %v, want 40403", err)
		}
		if _, err := r.Lookup("", "g", "busy"); err != nil {
			t.Fatalf("instance busy with a request was reaped: %v", err)
		}

		release() // the request ends now: idle from here on
		time.Sleep(59 * time.Second)
		synctest.Wait()
		if r.Len() != 2 {
			t.Fatalf("%d instances after 59 s idle, want 2", r.Len())
		}
		time.Sleep(7 * time.Second) // timeout + the reaper's period
		synctest.Wait()
		if r.Len() != 0 {
			t.Fatalf("%d instances left, want 0", r.Len())
		}
	})
}

func TestRegistryCreateLookupDelete(t *testing.T) {
	o := offlineOptions()
	o.MaxInstances = 2
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.Create("g", Config{})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a.Name()) {
		t.Errorf("generated name %q is not a UUID", a.Name())
	}
	if a.Format().String() != "binary" || !a.AutoCommit() || a.RequestTimeout() != DefaultRequestTimeout || a.reset != Earliest || a.fetchMinBytes != 1 {
		t.Errorf("defaults: format %v auto-commit %v timeout %v reset %v min bytes %d", a.Format(), a.AutoCommit(), a.RequestTimeout(), a.reset, a.fetchMinBytes)
	}
	off, zero, neg := false, time.Duration(0), int32(-1)
	b, err := r.Create("g2", Config{Name: "b", OffsetReset: Latest, AutoCommit: &off, RequestTimeout: &zero, FetchMinBytes: &neg})
	if err != nil {
		t.Fatal(err)
	}
	if b.AutoCommit() || b.RequestTimeout() != 0 || b.reset != Latest || b.fetchMinBytes != 1 {
		t.Errorf("settings: auto-commit %v timeout %v reset %v min bytes %d", b.AutoCommit(), b.RequestTimeout(), b.reset, b.fetchMinBytes)
	}
	if !r.Exists("", "g2", "b") || r.Exists("", "g", "b") {
		t.Error("Exists is wrong")
	}
	if _, err := r.Create("g3", Config{}); codeOf(err) != apierr.TooManyRequests {
		t.Errorf("third instance: %v, want 429", err)
	}
	if err := r.Delete(t.Context(), "", "g2", "b"); err != nil {
		t.Fatal(err)
	}
	if err := r.Delete(t.Context(), "", "g2", "b"); codeOf(err) != apierr.ConsumerInstanceNotFound {
		t.Errorf("second delete: %v, want 40403", err)
	}
	if _, err := r.Create("g", Config{Name: a.Name()}); codeOf(err) != apierr.ConsumerAlreadyExists {
		t.Errorf("duplicate: %v, want 40902", err)
	}
	if err := b.Unsubscribe(t.Context()); codeOf(err) != apierr.ConsumerInstanceNotFound {
		t.Errorf("deleted instance: %v, want 40403", err)
	}
	if err := a.Fetch(t.Context(), FetchOptions{}, nil); codeOf(err) != apierr.IllegalState {
		t.Errorf("fetch without subscription: %v, want 40903", err)
	}
	r.Close(t.Context())
	r.Close(t.Context()) // idempotent
	if _, err := r.Create("g", Config{}); codeOf(err) != apierr.ServiceUnavailable || !errors.Is(err, ErrClosed) {
		t.Errorf("create after close: %v, want 503", err)
	}
	if _, err := a.Assignment(t.Context()); codeOf(err) != apierr.ConsumerInstanceNotFound {
		t.Errorf("instance after close: %v, want 40403", err)
	}
}

func TestCompilePatternAnchorsAtTheStart(t *testing.T) {
	re, err := CompilePattern("logs-.*|metrics")
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]bool{"logs-a": true, "metrics": true, "metrics-x": true, "xlogs-a": false, "a-metrics": false} {
		if re.MatchString(topic) != want {
			t.Errorf("%q matched %v, want %v", topic, !want, want)
		}
	}
	if _, err := CompilePattern("a("); codeOf(err) != apierr.UnprocessableEntity {
		t.Errorf("invalid pattern: %v, want 422", err)
	}
}

func TestParseOffsetReset(t *testing.T) {
	for in, want := range map[string]OffsetReset{"earliest": Earliest, "LATEST": Latest, " Latest ": Latest, "none": 0, "": 0} {
		got, ok := ParseOffsetReset(in)
		if got != want || ok != (want != 0) {
			t.Errorf("ParseOffsetReset(%q) = %v, %v", in, got, ok)
		}
	}
}
