package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCountProduce(t *testing.T) {
	sc := scenario{Batch: 2, RecordSize: 10}
	k := &krestClient{}
	var c counters
	var p parser
	ok := `{"offsets":[{"partition":0,"offset":1,"error_code":null,"error":null},{"partition":0,"offset":2,"error_code":null,"error":null}]}`
	oneBad := `{"offsets":[{"partition":0,"offset":1,"error_code":null},{"partition":null,"offset":null,"error_code":50003,"error":"timeout"}]}`
	short := `{"offsets":[{"partition":0,"offset":3,"error_code":null}]}`
	k.countProduce(&c, sc, &p, 200, []byte(ok), nil)
	k.countProduce(&c, sc, &p, 200, []byte(oneBad), nil)
	k.countProduce(&c, sc, &p, 200, []byte(short), nil)
	k.countProduce(&c, sc, &p, 500, []byte(`{"error_code":500}`), nil)
	k.countProduce(&c, sc, &p, 200, []byte(`{"offs`), nil)
	k.countProduce(&c, sc, &p, 0, nil, fmt.Errorf("connection reset"))
	if c.requests != 6 || c.records != 4 || c.bytes != 40 {
		t.Errorf("requests %d records %d bytes %d, want 6, 4, 40", c.requests, c.records, c.bytes)
	}
	if c.recErrs != 2 || c.httpErrs != 1 || c.clientErrs != 2 {
		t.Errorf("record %d http %d client %d errors, want 2, 1, 2", c.recErrs, c.httpErrs, c.clientErrs)
	}
	if !strings.Contains(c.firstErr, "50003") {
		t.Errorf("first error %q", c.firstErr)
	}
}

// fakeProduce answers produce requests like krest: one offsets entry per
// record in the body, every tenth request with a failed record.
func fakeProduce(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != "POST" || r.Header.Get("Content-Type") != "application/vnd.kafka.binary.v2+json" {
			http.Error(w, "bad request", 400)
			return
		}
		body, _ := io.ReadAll(r.Body)
		recs := strings.Count(string(body), `"value"`)
		i := n.Add(1)
		var b strings.Builder
		b.WriteString(`{"key_schema_id":null,"value_schema_id":null,"offsets":[`)
		for j := range recs {
			if j > 0 {
				b.WriteByte(',')
			}
			if i%10 == 0 && j == 0 {
				b.WriteString(`{"partition":null,"offset":null,"error_code":50002,"error":"boom"}`)
				continue
			}
			fmt.Fprintf(&b, `{"partition":0,"offset":%d,"error_code":null,"error":null}`, i*100+int64(j))
		}
		b.WriteString(`]}`)
		w.Header().Set("Content-Type", "application/vnd.kafka.v2+json")
		io.WriteString(w, b.String())
	})), &n
}

func TestProduceLoopCountsEveryResponse(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprintf("raw=%v", raw), func(t *testing.T) { testProduceLoop(t, raw) })
	}
}

func testProduceLoop(t *testing.T, raw bool) {
	srv, served := fakeProduce(t)
	defer srv.Close()
	k := &krestClient{base: srv.URL, hc: newHTTPClient(4, time.Second), raw: raw}
	wl, err := newWorkload("binary", 100, payloadCount)
	if err != nil {
		t.Fatal(err)
	}
	sc := scenario{Format: "binary", RecordSize: 100, Batch: 5}
	bodies := [][]byte{wl.body(0, 5), wl.body(5, 5)}
	var c counters
	m := &cpuMeter{}
	k.produce(context.Background(), "t", sc, bodies, 4, 100*time.Millisecond, &c, m)
	n := served.Load()
	if n == 0 || c.requests != n || c.hist.n != uint64(n) {
		t.Fatalf("served %d, counted %d requests and %d latencies", n, c.requests, c.hist.n)
	}
	failed := n / 10
	if c.recErrs != failed || c.records != 5*n-failed || c.bytes != 100*c.records {
		t.Fatalf("served %d: records %d, record errors %d, bytes %d", n, c.records, c.recErrs, c.bytes)
	}
	if w := m.wall(); w < 100*time.Millisecond || w > 2*time.Second {
		t.Fatalf("window %v", w)
	}
}

// fakeConsumer serves records like a krest consumer instance: parts
// partitions of perPart records each, handed out in chunks, with the
// first chunk of every partition sent twice (a redelivery).
func fakeConsumer(parts, perPart, chunk int) *httptest.Server {
	var mu sync.Mutex
	next := make([]int, parts)
	resent := make([]bool, parts)
	p := 0
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/consumers/g":
			fmt.Fprintf(w, `{"instance_id":"i","base_uri":"http://%s/consumers/g/instances/i"}`, r.Host)
			return
		case r.Method == "POST" && strings.HasSuffix(r.URL.Path, "/subscription"):
			w.WriteHeader(204)
			return
		case r.Method == "DELETE":
			w.WriteHeader(204)
			return
		case r.Method != "GET" || r.Header.Get("Accept") != "application/vnd.kafka.binary.v2+json":
			http.Error(w, "unexpected", 400)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		var b strings.Builder
		b.WriteByte('[')
		part := p % parts
		p++
		from := next[part]
		if from == chunk && !resent[part] {
			from, resent[part] = 0, true
		}
		to := min(from+chunk, perPart)
		for off := from; off < to; off++ {
			if off > from {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"topic":"t","key":null,"value":"AAAA","partition":%d,"offset":%d,"timestamp":1}`, part, off)
		}
		if from >= next[part] {
			next[part] = to
		}
		b.WriteByte(']')
		io.WriteString(w, b.String())
	}))
}

func TestConsumeLoopDedupsAndStops(t *testing.T) {
	srv := fakeConsumer(3, 50, 10)
	defer srv.Close()
	k := &krestClient{base: srv.URL, hc: newHTTPClient(2, time.Second)}
	sc := scenario{Format: "binary", Consumers: 1}
	readyCalled := false
	ready := func(context.Context, string) (time.Duration, error) {
		readyCalled = true
		return 5 * time.Millisecond, nil
	}
	res, err := k.consume(context.Background(), "t", "g", sc, 150, 1<<20, 10*time.Millisecond, 5*time.Second, ready, &cpuMeter{})
	if err != nil {
		t.Fatal(err)
	}
	if !readyCalled {
		t.Fatal("the clock started without waiting for the group")
	}
	if res.Records != 150 || res.Bytes != 150*3 || res.Incomplete {
		t.Fatalf("records %d bytes %d incomplete %v, want 150, 450, false", res.Records, res.Bytes, res.Incomplete)
	}
	if res.Duplicates != 30 { // the first chunk of each of 3 partitions again
		t.Fatalf("duplicates %d, want 30", res.Duplicates)
	}
	if res.errors() != 0 || res.GroupStableMs != 5 || res.Seconds <= 0 || res.Seconds > 5 {
		t.Fatalf("%+v", res)
	}

	// Fewer records than wanted: the side stops at its duration and says
	// so, and its window is the whole duration.
	srv2 := fakeConsumer(3, 50, 10)
	defer srv2.Close()
	k2 := &krestClient{base: srv2.URL, hc: newHTTPClient(2, time.Second)}
	res, err = k2.consume(context.Background(), "t", "g", sc, 1000, 1<<20, 10*time.Millisecond, 100*time.Millisecond, ready, &cpuMeter{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Incomplete || res.Records != 150 || res.Seconds < 0.1 {
		t.Fatalf("incomplete %v, %d records after %.3fs", res.Incomplete, res.Records, res.Seconds)
	}
}
