package main

import (
	"math"
	"math/bits"
	"time"
)

// histSub is the number of linear sub-buckets per power of two. 64 bounds
// the relative error of a reported percentile by 1/64 (1.6 %), plenty for
// latencies that vary by far more than that between runs, and keeps a
// histogram at a fixed 30 KiB however long a run lasts (a slice of every
// sample would grow with duration × rate).
const (
	histSubBits = 6
	histSub     = 1 << histSubBits
	histBuckets = (64 - histSubBits + 1) * histSub
)

// histogram records durations (nanoseconds) in log-linear buckets. It is
// not safe for concurrent use: each worker goroutine owns one and they are
// merged at the end, so the hot path takes no lock.
type histogram struct {
	counts [histBuckets]uint64
	n      uint64
	sum    uint64
	max    uint64
}

// bucketOf maps v to its bucket: values below histSub have a bucket each;
// above, a bucket covers 1/histSub of its power of two.
func bucketOf(v uint64) int {
	if v < histSub {
		return int(v)
	}
	shift := bits.Len64(v) - histSubBits - 1 // keep the top histSubBits+1 bits
	return (shift+1)*histSub + int(v>>uint(shift)) - histSub
}

// bucketUpper is the largest value that falls in bucket b.
func bucketUpper(b int) uint64 {
	if b < histSub {
		return uint64(b)
	}
	shift := b/histSub - 1
	mant := uint64(b%histSub + histSub)
	return (mant+1)<<uint(shift) - 1
}

func (h *histogram) record(d time.Duration) {
	v := uint64(max(d, 0))
	h.counts[bucketOf(v)]++
	h.n++
	h.sum += v
	h.max = max(h.max, v)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the nearest-rank q-quantile (0 < q ≤ 1): the smallest
// recorded value v such that at least q of all samples are ≤ v, rounded up
// to its bucket's upper bound (never above the true maximum), so a
// reported p99 is never optimistic.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for b, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(min(bucketUpper(b), h.max))
		}
	}
	return time.Duration(h.max)
}

func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / h.n)
}

// offsetSet remembers which (partition, offset) pairs a consume scenario
// has seen, so a record delivered twice (a rebalance, a retried fetch) is
// counted once and the duplicate is reported. A bitmap per partition costs
// one bit per offset: 125 KB for a million records.
type offsetSet struct {
	parts map[int32][]uint64
	n     int64 // distinct pairs
	dups  int64 // pairs seen again
}

func newOffsetSet() *offsetSet { return &offsetSet{parts: make(map[int32][]uint64)} }

// add records (p, off) and reports whether it is new. Negative offsets are
// not valid Kafka offsets; they are reported as not new and not counted as
// duplicates: the caller counts them as errors.
func (s *offsetSet) add(p int32, off int64) bool {
	if off < 0 || p < 0 {
		return false
	}
	words := s.parts[p]
	w := int(off >> 6)
	if w >= len(words) {
		grown := make([]uint64, max(w+1, 2*len(words)))
		copy(grown, words)
		words = grown
		s.parts[p] = words
	}
	bit := uint64(1) << uint(off&63)
	if words[w]&bit != 0 {
		s.dups++
		return false
	}
	words[w] |= bit
	s.n++
	return true
}
