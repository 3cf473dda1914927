package consumer

import (
	"slices"
	"sync"

	"github.com/twmb/franz-go/pkg/kgo"
)

// state is what an instance shares with its client's rebalance callbacks:
// the buffer of polled records, the positions and the owned partitions. Its
// mutex is a leaf lock (see the package doc): it is never held during I/O
// and no other lock is taken under it.
type state struct {
	mu sync.Mutex

	// gen identifies the franz-go client the state belongs to. Every new
	// client gets a new generation; callbacks of an older client (still
	// running while it closes) see a different gen and change nothing.
	gen uint64

	// buf holds polled records not yet returned to the client, in poll
	// order (per partition, offset order).
	buf []Record
	// bufBytes is the key+value size of buf.
	bufBytes int64

	// position is, per partition, the offset of the next record the client
	// gets: the offset after the last returned record, or the target of
	// the last seek. It is what "commit everything fetched" and
	// auto-commit commit (Java's consumer position). A partition without a
	// position has nothing to commit.
	position map[TopicPartition]kgo.EpochOffset
	// committed is, per partition, the last offset this instance committed,
	// so unchanged positions are not committed again.
	committed map[TopicPartition]int64
	// owned is the set of partitions this instance reads: the group's
	// current assignment (subscriptions) or the manual assignment.
	owned tpSet
	// polled is, for manual assignments, the offset after the last record
	// polled from franz-go per partition: where a rebuilt client resumes.
	polled map[TopicPartition]int64
}

// reset starts a new generation with empty state and returns it.
func (s *state) reset(owned tpSet) uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	s.buf, s.bufBytes = nil, 0
	s.position = make(map[TopicPartition]kgo.EpochOffset)
	s.committed = make(map[TopicPartition]int64)
	s.polled = make(map[TopicPartition]int64)
	s.owned = owned
	if s.owned == nil {
		s.owned = make(tpSet)
	}
	return s.gen
}

// appendPolled moves polled records into the buffer, unless they belong to
// an older generation.
func (s *state) appendPolled(gen uint64, fs kgo.Fetches) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.gen {
		return
	}
	// One allocation per poll instead of a doubling series of them.
	s.buf = slices.Grow(s.buf, fs.NumRecords())
	fs.EachRecord(func(r *kgo.Record) {
		rec := fromKgo(r)
		s.buf = append(s.buf, rec)
		s.bufBytes += rec.size()
		s.polled[rec.tp()] = rec.Offset + 1
	})
}

// peek returns the head of the buffer up to maxBytes of keys and values,
// and at least one record when the buffer has any. The returned slice is
// valid until the next call that changes the buffer; only the goroutine
// holding the instance lock takes records, so it stays valid for that
// goroutine (a revoke may drop records from s.buf, but it builds a new
// slice and leaves this one intact).
func (s *state) peek(maxBytes int64) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum int64
	n := 0
	for n < len(s.buf) {
		sz := s.buf[n].size()
		if n > 0 && sum+sz > maxBytes {
			break
		}
		sum += sz
		n++
	}
	return s.buf[:n:n]
}

// take marks the first n records of peeked as returned: they leave the
// buffer and their partitions' positions move past them. Records a revoke
// or seek dropped since the peek are skipped: they are no longer ours.
func (s *state) take(peeked []Record, n int) {
	if n == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	taken := peeked[:n]
	// The common case: nothing changed since peek and the records are the
	// buffer's head.
	if len(s.buf) >= n && &s.buf[0] == &peeked[0] {
		for i := range taken {
			r := &taken[i]
			s.position[r.tp()] = kgo.EpochOffset{Epoch: r.epoch, Offset: r.Offset + 1}
			s.bufBytes -= r.size()
		}
		s.buf = s.buf[n:]
		if len(s.buf) == 0 {
			s.buf = nil // let the backing array go
		}
		return
	}
	// The buffer was rebuilt by a revoke or seek: remove exactly the taken
	// records that are still in it.
	gone := make(map[TopicPartition]int64, 1) // partition → highest taken offset
	for i := range taken {
		r := &taken[i]
		if _, owned := s.owned[r.tp()]; !owned {
			continue
		}
		s.position[r.tp()] = kgo.EpochOffset{Epoch: r.epoch, Offset: r.Offset + 1}
		gone[r.tp()] = r.Offset
	}
	s.filter(func(r *Record) bool {
		last, ok := gone[r.tp()]
		return !ok || r.Offset > last
	})
}

// filter keeps the buffered records for which keep returns true, in a new
// backing array so slices returned by peek stay intact.
func (s *state) filter(keep func(*Record) bool) {
	var out []Record
	var bytes int64
	for i := range s.buf {
		if keep(&s.buf[i]) {
			out = append(out, s.buf[i])
			bytes += s.buf[i].size()
		}
	}
	s.buf, s.bufBytes = out, bytes
}

// dropLocked removes the buffered records of the given partitions. The
// caller holds s.mu.
func (s *state) dropLocked(tps tpSet) {
	if len(tps) == 0 || len(s.buf) == 0 {
		return
	}
	s.filter(func(r *Record) bool {
		_, drop := tps[r.tp()]
		return !drop
	})
}

// dirty returns the positions that differ from what this instance last
// committed, restricted to want when it is not nil.
func (s *state) dirty(want tpSet) map[TopicPartition]kgo.EpochOffset {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[TopicPartition]kgo.EpochOffset)
	for tp, eo := range s.position {
		if want != nil {
			if _, ok := want[tp]; !ok {
				continue
			}
		}
		if c, ok := s.committed[tp]; ok && c == eo.Offset {
			continue
		}
		out[tp] = eo
	}
	return out
}

// markCommitted records a successful commit of the given generation.
func (s *state) markCommitted(gen uint64, offsets map[TopicPartition]kgo.EpochOffset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.gen {
		return
	}
	for tp, eo := range offsets {
		if _, owned := s.owned[tp]; owned {
			s.committed[tp] = eo.Offset
		}
	}
}

// assigned adds partitions the group assigned.
func (s *state) assigned(gen uint64, m map[string][]int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.gen {
		return
	}
	for t, ps := range m {
		for _, p := range ps {
			s.owned[TopicPartition{t, p}] = struct{}{}
		}
	}
}

// revoked forgets partitions the group took away: their buffered records
// are dropped (the new owner reads them from the committed offset) and their
// positions, returned when wantDirty is set so the caller can commit them,
// are forgotten.
func (s *state) revoked(gen uint64, m map[string][]int32, wantDirty bool) map[TopicPartition]kgo.EpochOffset {
	s.mu.Lock()
	defer s.mu.Unlock()
	if gen != s.gen {
		return nil
	}
	tps := make(tpSet)
	for t, ps := range m {
		for _, p := range ps {
			tps[TopicPartition{t, p}] = struct{}{}
		}
	}
	s.dropLocked(tps)
	var dirty map[TopicPartition]kgo.EpochOffset
	for tp := range tps {
		if eo, ok := s.position[tp]; ok && wantDirty {
			if c, ok := s.committed[tp]; !ok || c != eo.Offset {
				if dirty == nil {
					dirty = make(map[TopicPartition]kgo.EpochOffset)
				}
				dirty[tp] = eo
			}
		}
		delete(s.position, tp)
		delete(s.committed, tp)
		delete(s.polled, tp)
		delete(s.owned, tp)
	}
	return dirty
}

// ownedSorted returns the owned partitions.
func (s *state) ownedSorted() []TopicPartition {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.owned.sorted()
}

// ownsAll returns the first partition of tps that is not owned, or ok.
func (s *state) ownsAll(tps []TopicPartition) (TopicPartition, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, tp := range tps {
		if _, ok := s.owned[tp]; !ok {
			return tp, false
		}
	}
	return TopicPartition{}, true
}

// seeked applies a seek to the state: buffered records of the partitions
// are dropped and their positions become the targets.
func (s *state) seeked(offsets []PartitionOffset) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tps := make(tpSet, len(offsets))
	for _, o := range offsets {
		tp := TopicPartition{o.Topic, o.Partition}
		tps[tp] = struct{}{}
		s.position[tp] = kgo.EpochOffset{Epoch: -1, Offset: o.Offset}
		delete(s.polled, tp)
	}
	s.dropLocked(tps)
}

// resume returns where a rebuilt direct client starts each owned partition:
// after the last polled record, else start.
func (s *state) resume(start map[TopicPartition]kgo.Offset) map[string]map[int32]kgo.Offset {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]map[int32]kgo.Offset)
	for tp := range s.owned {
		o, ok := start[tp]
		if next, polled := s.polled[tp]; polled {
			o, ok = kgo.NewOffset().At(next), true
		}
		if !ok {
			continue
		}
		if out[tp.Topic] == nil {
			out[tp.Topic] = make(map[int32]kgo.Offset)
		}
		out[tp.Topic][tp.Partition] = o
	}
	return out
}

func (s *state) buffered() (int, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.buf), s.bufBytes
}
