package consumer

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// fill puts records of the given sizes into partition p of topic t.
func fill(s *state, t string, p int32, from int64, sizes ...int) {
	var fs kgo.Fetches
	var recs []*kgo.Record
	for k, sz := range sizes {
		recs = append(recs, &kgo.Record{Topic: t, Partition: p, Offset: from + int64(k), Value: make([]byte, sz)})
	}
	fs = append(fs, kgo.Fetch{Topics: []kgo.FetchTopic{{Topic: t, Partitions: []kgo.FetchPartition{{Partition: p, Records: recs}}}}})
	s.appendPolled(s.gen, fs)
}

func offsets(recs []Record) string {
	out := ""
	for _, r := range recs {
		out += fmt.Sprintf("%s%d/%d ", r.Topic, r.Partition, r.Offset)
	}
	return out
}

func TestStatePeekRespectsMaxBytesAndAlwaysGivesOne(t *testing.T) {
	var s state
	s.reset(tpSet{{"t", 0}: {}})
	fill(&s, "t", 0, 0, 10, 10, 10, 50)
	for _, tc := range []struct {
		max  int64
		want string
	}{
		{0, "t0/0 "},
		{5, "t0/0 "},
		{20, "t0/0 t0/1 "},
		{29, "t0/0 t0/1 "},
		{30, "t0/0 t0/1 t0/2 "},
		{1 << 20, "t0/0 t0/1 t0/2 t0/3 "},
	} {
		if got := offsets(s.peek(tc.max)); got != tc.want {
			t.Errorf("peek(%d) = %q, want %q", tc.max, got, tc.want)
		}
	}
	if n, b := s.buffered(); n != 4 || b != 80 {
		t.Fatalf("buffered = %d records, %d bytes", n, b)
	}
}

func TestStateTakeMovesPositionsAndKeepsTheRest(t *testing.T) {
	var s state
	s.reset(tpSet{{"t", 0}: {}, {"t", 1}: {}})
	fill(&s, "t", 0, 5, 1, 1, 1)
	fill(&s, "t", 1, 0, 1)
	recs := s.peek(2)
	s.take(recs, 1) // the caller consumed one of the two
	if got := offsets(s.peek(100)); got != "t0/6 t0/7 t1/0 " {
		t.Fatalf("buffer after take = %q", got)
	}
	if got := s.dirty(nil); len(got) != 1 || got[TopicPartition{"t", 0}].Offset != 6 {
		t.Fatalf("dirty = %v, want t0 at 6", got)
	}
	s.markCommitted(s.gen, s.dirty(nil))
	if got := s.dirty(nil); len(got) != 0 {
		t.Fatalf("dirty after commit = %v", got)
	}
	if n, b := s.buffered(); n != 3 || b != 3 {
		t.Fatalf("buffered = %d records, %d bytes", n, b)
	}
}

// A revoke between peek and take (the group gave a partition away while a
// response was being built) drops that partition's records; take then
// consumes only what is still ours.
func TestStateRevokeBetweenPeekAndTake(t *testing.T) {
	var s state
	s.reset(tpSet{{"t", 0}: {}, {"t", 1}: {}})
	fill(&s, "t", 0, 0, 1, 1)
	fill(&s, "t", 1, 0, 1, 1)
	recs := s.peek(3) // t0/0 t0/1 t1/0
	dirty := s.revoked(s.gen, map[string][]int32{"t": {0}}, true)
	if len(dirty) != 0 {
		t.Fatalf("nothing of t0 was returned, yet revoke wants to commit %v", dirty)
	}
	if got := offsets(recs); got != "t0/0 t0/1 t1/0 " {
		t.Fatalf("a revoke changed a peeked slice: %q", got)
	}
	s.take(recs, 3)
	if got := offsets(s.peek(100)); got != "t1/1 " {
		t.Fatalf("buffer = %q, want t1/1", got)
	}
	if got := s.dirty(nil); len(got) != 1 || got[TopicPartition{"t", 1}].Offset != 1 {
		t.Fatalf("positions = %v: only t1 may move", got)
	}
	// A revoke after records were returned hands their positions over.
	dirty = s.revoked(s.gen, map[string][]int32{"t": {1}}, true)
	if len(dirty) != 1 || dirty[TopicPartition{"t", 1}].Offset != 1 {
		t.Fatalf("revoke dirty = %v, want t1 at 1", dirty)
	}
	if got := offsets(s.peek(100)); got != "" {
		t.Fatalf("buffer after revoking everything = %q", got)
	}
}

func TestStateOldGenerationIsIgnored(t *testing.T) {
	var s state
	old := s.reset(tpSet{{"t", 0}: {}})
	s.reset(tpSet{{"t", 0}: {}})
	s.assigned(old, map[string][]int32{"t": {1}})
	fill(&s, "t", 0, 0, 1)
	if d := s.revoked(old, map[string][]int32{"t": {0}}, true); d != nil {
		t.Fatal("an old client's revoke touched the state")
	}
	if got := s.ownedSorted(); len(got) != 1 || got[0] != (TopicPartition{"t", 0}) {
		t.Fatalf("owned = %v", got)
	}
	if n, _ := s.buffered(); n != 1 {
		t.Fatal("an old client's revoke dropped records")
	}
}

func TestStateSeekDropsOnlyThatPartition(t *testing.T) {
	var s state
	s.reset(tpSet{{"t", 0}: {}, {"t", 1}: {}})
	fill(&s, "t", 0, 0, 1, 1)
	fill(&s, "t", 1, 0, 1, 1)
	s.seeked([]PartitionOffset{{"t", 0, 9}})
	if got := offsets(s.peek(100)); got != "t1/0 t1/1 " {
		t.Fatalf("buffer after seek = %q", got)
	}
	if got := s.dirty(nil)[TopicPartition{"t", 0}]; got.Offset != 9 {
		t.Fatalf("position after seek = %v, want 9", got)
	}
	start := map[TopicPartition]kgo.Offset{{"t", 0}: kgo.NewOffset().At(9), {"t", 1}: kgo.NewOffset().AtStart()}
	resume := s.resume(start)
	if fmt.Sprint(resume["t"][1]) != fmt.Sprint(kgo.NewOffset().At(2)) || fmt.Sprint(resume["t"][0]) != fmt.Sprint(kgo.NewOffset().At(9)) {
		t.Fatalf("resume = %v", resume)
	}
}
