package main

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketBoundsAreContiguous(t *testing.T) {
	// Every value lies in [upper(b-1)+1, upper(b)] of its bucket, and the
	// buckets tile the range without gaps.
	for _, v := range []uint64{0, 1, 63, 64, 65, 127, 128, 129, 1000, 1 << 20, 123456789, 1<<63 + 12345} {
		b := bucketOf(v)
		if v > bucketUpper(b) {
			t.Errorf("v=%d in bucket %d with upper %d", v, b, bucketUpper(b))
		}
		if b > 0 && v <= bucketUpper(b-1) {
			t.Errorf("v=%d in bucket %d but ≤ upper of bucket %d (%d)", v, b, b-1, bucketUpper(b-1))
		}
	}
	for b := 1; b < histBuckets-1; b++ {
		if bucketOf(bucketUpper(b)) != b || bucketOf(bucketUpper(b)+1) != b+1 {
			t.Fatalf("bucket %d: upper %d maps to %d, upper+1 to %d", b, bucketUpper(b), bucketOf(bucketUpper(b)), bucketOf(bucketUpper(b)+1))
		}
	}
	if b := bucketOf(^uint64(0)); b >= histBuckets {
		t.Fatalf("max uint64 in bucket %d ≥ %d", b, histBuckets)
	}
}

// exactQuantile is the nearest-rank quantile of sorted samples.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	rank := int(q*float64(len(sorted)) + 0.999999999)
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func TestQuantileWithinBucketError(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var h, a, b histogram
	var samples []time.Duration
	for i := range 100_000 {
		// Log-normal-ish latencies from 20 µs to tens of ms.
		d := time.Duration(20_000 * (1 + rng.ExpFloat64()*rng.ExpFloat64()*50))
		samples = append(samples, d)
		// Recording into two histograms and merging equals one.
		if i%2 == 0 {
			a.record(d)
		} else {
			b.record(d)
		}
		h.record(d)
	}
	a.merge(&b)
	if a != h {
		t.Fatal("merged histogram differs from the single one")
	}
	slices.Sort(samples)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		want := exactQuantile(samples, q)
		got := h.quantile(q)
		// Rounded up to the bucket's upper bound: never below the exact
		// value, at most 1/histSub above it.
		if got < want || float64(got-want) > float64(want)/histSub+1 {
			t.Errorf("q=%v: got %v, exact %v", q, got, want)
		}
	}
	if h.quantile(1) != samples[len(samples)-1] {
		t.Errorf("p100 %v, max %v", h.quantile(1), samples[len(samples)-1])
	}
}

func TestQuantileSmallCounts(t *testing.T) {
	var h histogram
	if h.quantile(0.99) != 0 || h.mean() != 0 {
		t.Fatal("empty histogram should report 0")
	}
	for _, ms := range []int{1, 2, 3, 4, 100} {
		h.record(time.Duration(ms) * time.Millisecond)
	}
	// Nearest rank of 5 samples: p50 is the 3rd (3 ms), p99 the 5th.
	if got := h.quantile(0.5); got < 3*time.Millisecond || got > 3*time.Millisecond*65/64 {
		t.Errorf("p50 = %v, want ~3ms", got)
	}
	if got := h.quantile(0.99); got != 100*time.Millisecond {
		t.Errorf("p99 = %v, want the max 100ms", got)
	}
	if got := h.mean(); got != 22*time.Millisecond {
		t.Errorf("mean = %v, want 22ms", got)
	}
	h.record(-time.Second) // clock oddities count as 0, not as a huge value
	if h.quantile(0.01) != 0 {
		t.Errorf("negative duration not recorded as 0")
	}
}

func TestOffsetSetCountsOnceAndReportsDuplicates(t *testing.T) {
	s := newOffsetSet()
	for off := int64(0); off < 1000; off++ {
		if !s.add(int32(off%3), off) {
			t.Fatalf("offset %d not new", off)
		}
	}
	// The same offsets again on the same partitions are duplicates; on
	// another partition they are new records.
	if s.add(0, 0) || s.add(1, 1) || s.add(0, 999) {
		t.Fatal("a repeated (partition, offset) was counted as new")
	}
	if !s.add(1, 0) || !s.add(7, 1<<20) {
		t.Fatal("a new (partition, offset) was not counted")
	}
	if s.add(0, -1) || s.add(-1, 5) {
		t.Fatal("a negative partition or offset was counted")
	}
	if s.n != 1002 || s.dups != 3 {
		t.Fatalf("n=%d dups=%d, want 1002 and 3", s.n, s.dups)
	}
}

func TestGroupStable(t *testing.T) {
	cases := []struct {
		name     string
		state    string
		assigned [][]int32
		members  int
		parts    int
		want     bool
	}{
		{"one member owns all", "Stable", [][]int32{{0, 1, 2, 3}}, 1, 4, true},
		{"four members one each", "Stable", [][]int32{{0}, {1}, {3}, {2}}, 4, 4, true},
		{"still rebalancing", "PreparingRebalance", [][]int32{{0}, {1}, {2}, {3}}, 4, 4, false},
		{"a member missing", "Stable", [][]int32{{0, 1}, {2, 3}}, 4, 4, false},
		// Cooperative rebalancing: stable, but the revoked partition is not
		// given out yet.
		{"a partition unowned", "Stable", [][]int32{{0}, {1}, {2}, nil}, 4, 4, false},
		{"member idle while others own all", "Stable", [][]int32{{0, 1}, {2, 3}, {}, {}}, 4, 4, false},
		{"more members than partitions", "Stable", [][]int32{{0}, {1}, nil}, 3, 2, true},
	}
	for _, c := range cases {
		if got, why := groupStable(c.state, c.assigned, c.members, c.parts); got != c.want {
			t.Errorf("%s: %v (%s), want %v", c.name, got, why, c.want)
		}
	}
}
