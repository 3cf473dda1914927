package kafka

import (
	"bytes"
	"fmt"
	"hash/crc32"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

func topicPart(t *testing.T, name string) *topicPartitioner {
	t.Helper()
	tp, ok := newPartitioner(name).ForTopic("t").(*topicPartitioner)
	if !ok {
		t.Fatal("ForTopic did not return a *topicPartitioner")
	}
	return tp
}

func testKeys() [][]byte {
	keys := [][]byte{[]byte("123456789"), {0xff, 0x00, 0x80}, []byte("a-little-bit-long-string")}
	for i := range 40 {
		keys = append(keys, []byte(fmt.Sprintf("key-%d", i)))
	}
	return keys
}

func TestPartitionerExplicitPartitionIsKept(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"murmur2", "crc32"} {
		for _, k := range []struct {
			name string
			key  []byte
		}{{"no-key", nil}, {"empty-key", []byte{}}, {"key", []byte("k")}} {
			key := k.key
			t.Run(name+"/"+k.name, func(t *testing.T) {
				p := topicPart(t, name)
				for _, want := range []int32{0, 2, 7} {
					r := &kgo.Record{Key: key, Partition: want, Context: explicitCtx}
					if !p.RequiresConsistency(r) {
						t.Errorf("explicit partition %d does not require consistency: kgo could move it", want)
					}
					if got := p.PartitionByBackup(r, 8, nil); got != int(want) {
						t.Errorf("PartitionByBackup = %d, want %d", got, want)
					}
					if got := p.Partition(r, 8); got != int(want) {
						t.Errorf("Partition = %d, want %d", got, want)
					}
				}
			})
		}
	}
}

func TestPartitionerKeyedMurmur2IsJavas(t *testing.T) {
	t.Parallel()
	ref := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	for _, name := range []string{"", "murmur2", "anything-else"} {
		p := topicPart(t, name)
		for _, n := range []int{1, 3, 10, 100} {
			for _, k := range append(testKeys(), []byte{}) {
				r := &kgo.Record{Key: k}
				if !p.RequiresConsistency(r) {
					t.Errorf("%q: keyed record %q does not require consistency", name, k)
				}
				want := ref.Partition(&kgo.Record{Key: k}, n)
				if got := p.PartitionByBackup(r, n, nil); got != want {
					t.Errorf("%q: key %q on %d partitions → %d, want murmur2's %d", name, k, n, got, want)
				}
			}
		}
	}
	// Java's Utils.murmur2("foobar") = -790332482; toPositive % 10 = 6.
	if got := topicPart(t, "murmur2").PartitionByBackup(&kgo.Record{Key: []byte("foobar")}, 10, nil); got != int((-790332482&0x7fffffff)%10) {
		t.Errorf("foobar → %d, want Java's %d", got, (-790332482&0x7fffffff)%10)
	}
}

func TestPartitionerKeyedCRC32IsLibrdkafkas(t *testing.T) {
	t.Parallel()
	p := topicPart(t, "crc32")
	differs := false
	murmur := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	for _, n := range []int{1, 3, 10, 100} {
		for _, k := range testKeys() {
			r := &kgo.Record{Key: k}
			if !p.RequiresConsistency(r) {
				t.Errorf("keyed record %q does not require consistency", k)
			}
			want := int(crc32.ChecksumIEEE(k) % uint32(n))
			got := p.PartitionByBackup(r, n, nil)
			if got != want {
				t.Errorf("key %q on %d partitions → %d, want crc32 %% n = %d", k, n, got, want)
			}
			differs = differs || got != murmur.Partition(&kgo.Record{Key: k}, n)
		}
	}
	if !differs {
		t.Error("crc32 placed every key as murmur2 does")
	}
}

// TestPartitionerUnkeyedIsStickyPerRequest checks unkeyed records (and,
// with crc32, empty keys as librdkafka): they stay on one partition within
// a request until 64 KiB went there, and each request (the first record of
// a Produce call carries requestCtx) picks afresh, so requests spread.
func TestPartitionerUnkeyedIsStickyPerRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, keyName string
		key           []byte
	}{
		{"murmur2", "no-key", nil},
		{"crc32", "no-key", nil},
		{"crc32", "empty-key", []byte{}},
	} {
		t.Run(tc.name+"/"+tc.keyName, func(t *testing.T) {
			p := topicPart(t, tc.name)
			const n = 10
			if r := (&kgo.Record{Key: tc.key}); p.RequiresConsistency(r) {
				t.Fatal("an unkeyed record requires consistency: it could not avoid a partition without a leader")
			}
			seen := map[int]bool{}
			for range 50 {
				first := p.PartitionByBackup(&kgo.Record{Key: tc.key, Value: []byte("v"), Context: requestCtx}, n, nil)
				seen[first] = true
				for j := range 20 {
					if got := p.PartitionByBackup(&kgo.Record{Key: tc.key, Value: []byte("v")}, n, nil); got != first {
						t.Fatalf("record %d of a request went to %d, the request's first to %d", j+1, got, first)
					}
				}
			}
			if len(seen) < 2 {
				t.Errorf("50 requests all went to partitions %v", seen)
			}
			// Within one request, 64 KiB moves the sticky partition.
			big := bytes.Repeat([]byte("x"), 30<<10)
			moved := map[int]bool{}
			for range 40 {
				moved[p.PartitionByBackup(&kgo.Record{Key: tc.key, Value: big}, 100, nil)] = true
			}
			if len(moved) < 2 {
				t.Errorf("1.2 MB of unkeyed records all went to %v", moved)
			}
			// A shrunk partition count never yields an index out of range.
			for range 10 {
				if got := p.PartitionByBackup(&kgo.Record{Key: tc.key}, 1, nil); got != 0 {
					t.Fatalf("with one writable partition, got index %d", got)
				}
			}
		})
	}
}

// backupIter is a kgo.TopicBackupIter over fixed per-partition counts.
type backupIter struct {
	counts []int64
	next   int
}

func (b *backupIter) Next() (int, int64) { b.next++; return b.next - 1, b.counts[b.next-1] }
func (b *backupIter) Rem() int           { return len(b.counts) - b.next }

// TestPartitionerUnkeyedJoinsPendingRecords checks that a request joins
// the sticky partition while records are pending there (concurrent
// requests share a batch), and picks afresh once nothing is pending.
func TestPartitionerUnkeyedJoinsPendingRecords(t *testing.T) {
	t.Parallel()
	p := topicPart(t, "murmur2")
	const n = 8
	first := p.PartitionByBackup(&kgo.Record{Value: []byte("v"), Context: requestCtx}, n, &backupIter{counts: make([]int64, n)})
	busy := make([]int64, n)
	busy[first] = 3
	for range 50 {
		if got := p.PartitionByBackup(&kgo.Record{Value: []byte("v"), Context: requestCtx}, n, &backupIter{counts: busy}); got != first {
			t.Fatalf("a request went to %d while %d had records pending", got, first)
		}
	}
	seen := map[int]bool{}
	for range 50 {
		seen[p.PartitionByBackup(&kgo.Record{Value: []byte("v"), Context: requestCtx}, n, &backupIter{counts: make([]int64, n)})] = true
	}
	if len(seen) < 2 {
		t.Errorf("with nothing pending, 50 requests all went to %v", seen)
	}
	// A keyed request never consults the backlog and is hashed.
	if got, want := p.PartitionByBackup(&kgo.Record{Key: []byte("k"), Context: requestCtx}, n, &backupIter{counts: busy}), p.PartitionByBackup(&kgo.Record{Key: []byte("k")}, n, nil); got != want {
		t.Errorf("keyed record: %d, want %d", got, want)
	}
}
