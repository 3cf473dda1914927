package serde

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/sr"
)

func TestHeader(t *testing.T) {
	b := AppendHeader([]byte("x"), 0x01020304)
	if !bytes.Equal(b, []byte{'x', 0, 1, 2, 3, 4}) {
		t.Fatalf("AppendHeader = % x", b)
	}
	id, rest, err := ParseHeader(append(b[1:], 'p'))
	if err != nil || id != 0x01020304 || string(rest) != "p" {
		t.Fatalf("ParseHeader = %d %q %v", id, rest, err)
	}
	// The largest id a 4-byte header holds reads back unsigned.
	if id, _, _ := ParseHeader(AppendHeader(nil, 1<<32-1)); id != 1<<32-1 {
		t.Fatalf("max id = %d", id)
	}
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{nil, "payload too short: 0 bytes"},
		{[]byte{0, 0, 0, 1}, "payload too short: 4 bytes"},
		{[]byte("test-value"), "unknown magic byte 0x74"},
		{[]byte{0xff, 0, 0, 0, 1}, "unknown magic byte 0xff"},
	} {
		_, _, err := ParseHeader(tc.in)
		if !errors.Is(err, ErrWireFormat) || !bytes.Contains([]byte(err.Error()), []byte(tc.want)) {
			t.Errorf("ParseHeader(% x) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestMessageIndexes(t *testing.T) {
	var h sr.ConfluentHeader
	for _, idx := range [][]int{{0}, {1}, {0, 0}, {2, 5, 1}, {64}, {300}} {
		ours := AppendMessageIndexes(nil, idx)
		// franz-go writes the header and the indexes; compare the indexes.
		theirs, _ := h.AppendEncode(nil, 7, idx)
		if !bytes.Equal(ours, theirs[5:]) {
			t.Errorf("indexes %v: ours % x, franz-go % x", idx, ours, theirs[5:])
		}
		got, rest, err := ParseMessageIndexes(append(ours, 0xAA))
		if err != nil || !slices.Equal(got, idx) || !bytes.Equal(rest, []byte{0xAA}) {
			t.Errorf("ParseMessageIndexes(% x) = %v % x %v", ours, got, rest, err)
		}
		// And franz-go reads ours.
		fidx, _, err := h.DecodeIndex(ours, 0)
		if err != nil || !slices.Equal(fidx, idx) {
			t.Errorf("franz-go DecodeIndex(% x) = %v %v", ours, fidx, err)
		}
	}
	if b := AppendMessageIndexes(nil, nil); !bytes.Equal(b, []byte{0}) {
		t.Errorf("empty list = % x, want 00", b)
	}
	// [1] is count 1 (zig-zag 0x02), index 1 (zig-zag 0x02): not Karapace's
	// unsigned single varint.
	if b := AppendMessageIndexes(nil, []int{1}); !bytes.Equal(b, []byte{2, 2}) {
		t.Errorf("[1] = % x, want 02 02", b)
	}
	for _, bad := range [][]byte{
		nil,                // nothing
		{0x80},             // truncated varint
		{0x01},             // count -1
		{0x02},             // count 1, index missing
		{0x02, 0x01},       // index -1
		{0xca, 0x01},       // count 101 > MaxMessageIndexes
		{0xfe, 0xff, 0x03}, // count 32767
		{0x04, 0x02, 0x80}, // second index truncated
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // overlong varint
	} {
		if _, _, err := ParseMessageIndexes(bad); !errors.Is(err, ErrWireFormat) {
			t.Errorf("ParseMessageIndexes(% x) err = %v, want ErrWireFormat", bad, err)
		}
	}
}
