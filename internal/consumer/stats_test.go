package consumer

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestStatsCountCreatedLiveAndExpired(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, err := New(offlineOptions())
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close(context.Background())
		for _, name := range []string{"a", "b", "c"} {
			if _, err := r.Create("g", Config{Name: name}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := r.Create("g", Config{Name: "a"}); err == nil {
			t.Fatal("a duplicate name was created")
		}
		if err := r.Delete(t.Context(), "", "g", "a"); err != nil {
			t.Fatal(err)
		}
		if got, want := r.Stats(), (Stats{Live: 2, Created: 3}); got != want {
			t.Fatalf("after 3 creates (and a refused duplicate) and a delete: %+v, want %+v", got, want)
		}
		time.Sleep(2 * time.Minute) // past the one-minute instance timeout
		synctest.Wait()
		if got, want := r.Stats(), (Stats{Live: 0, Created: 3, Expired: 2}); got != want {
			t.Fatalf("after the instances expired: %+v, want %+v", got, want)
		}
	})
}
