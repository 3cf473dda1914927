package restapi

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/krest-dev/krest/internal/consumer"
	"github.com/krest-dev/krest/internal/kafka"
)

func benchRecords(n, size int, value func(int) []byte) []consumer.Record {
	recs := make([]consumer.Record, n)
	for k := range recs {
		recs[k] = consumer.Record{Topic: "bench", Partition: int32(k % 4), Offset: int64(k), Timestamp: time.UnixMilli(1700000000000), Value: value(k)}
	}
	return recs
}

// BenchmarkAppendRecords measures the records response writer: 500 records
// of 1 KiB, binary (base64) and json (validated and compacted).
func BenchmarkAppendRecords(b *testing.B) {
	bin := benchRecords(500, 1024, func(int) []byte { return bytes.Repeat([]byte{0xab}, 1024) })
	js := benchRecords(500, 1024, func(k int) []byte {
		return fmt.Appendf(nil, `{"id": %d, "name": "record", "payload": "%s", "tags": ["a", "b"]}`, k, bytes.Repeat([]byte("x"), 950))
	})
	for _, bc := range []struct {
		name string
		recs []consumer.Record
		dec  embeddedDecoder
	}{{"binary", bin, binaryDecoder{}}, {"json", js, jsonDecoder{}}} {
		b.Run(bc.name, func(b *testing.B) {
			buf := make([]byte, 0, 1<<20)
			b.ReportAllocs()
			for b.Loop() {
				out, n, err := appendRecords(context.Background(), buf[:0], bc.recs, bc.dec, bc.name)
				if err != nil || n != len(bc.recs) {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(out)))
			}
		})
	}
}

// TestAppendRecordsIsValidJSON checks the hand-written writer against the
// JSON decoder for awkward inputs.
func TestAppendRecordsIsValidJSON(t *testing.T) {
	recs := []consumer.Record{
		{Topic: "t\"q\\\u2028", Key: []byte{}, Value: []byte{0, 1, 2}, Timestamp: time.UnixMilli(5)},
		{Topic: "t", Headers: []kafka.Header{{Key: "bad\xffkey", Value: nil}, {Key: "", Value: []byte{}}}},
	}
	out, n, err := appendRecords(context.Background(), nil, recs, binaryDecoder{}, "binary")
	if err != nil || n != 2 {
		t.Fatal(n, err)
	}
	var got []map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	want := "[{\"topic\":\"t\\\"q\\\\\u2028\",\"key\":\"\",\"value\":\"AAEC\",\"partition\":0,\"offset\":0,\"timestamp\":5}," +
		"{\"topic\":\"t\",\"key\":null,\"value\":null,\"partition\":0,\"offset\":0,\"timestamp\":-62135596800000,\"headers\":[{\"key\":\"bad\ufffdkey\",\"value\":null},{\"key\":\"\",\"value\":\"\"}]}]"
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}

}
