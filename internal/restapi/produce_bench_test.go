package restapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/consumer"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/serde"
	"github.com/krest-dev/krest/internal/testutil"
)

// Benchmarks of the produce and fetch hot paths (docs/performance.md):
//
//	go test ./internal/restapi -run '^$' -bench 'Produce|Records|Handler' -benchmem
//
// The Handler benchmarks run the real handler on httptest with a kfake
// broker in the same process, so they include HTTP, JSON, base64, franz-go
// and the broker itself.

// benchProduceBody builds a produce body of n records with size-byte values
// in the given format: random bytes in base64 (binary), or JSON objects of
// about size bytes (json, avro: the same object as Avro-JSON of a record
// with one string field).
func benchProduceBody(format serde.Format, n, size int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	var b bytes.Buffer
	if format == serde.Avro {
		b.WriteString(`{"value_schema_id":1,"records":[`)
	} else {
		b.WriteString(`{"records":[`)
	}
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		switch format {
		case serde.Binary:
			v := make([]byte, size)
			for k := range v {
				v[k] = byte(rng.Uint32())
			}
			b.WriteString(`{"value":"`)
			b.WriteString(base64.StdEncoding.EncodeToString(v))
			b.WriteString(`"}`)
		default:
			pad := strings.Repeat("x", max(0, size-40))
			fmt.Fprintf(&b, `{"value":{"id":%d,"name":"record","payload":"%s"}}`, i, pad)
		}
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

// BenchmarkDecodeProduce measures decoding alone: the body is already in
// memory, nothing is produced.
func BenchmarkDecodeProduce(b *testing.B) {
	for _, bc := range []struct {
		name   string
		format serde.Format
		n      int
		size   int
	}{
		{"binary-1k-x100", serde.Binary, 100, 1024},
		{"binary-100b-x100", serde.Binary, 100, 100},
		{"binary-1k-x1", serde.Binary, 1, 1024},
		{"json-1k-x100", serde.JSON, 100, 1024},
		{"avro-1k-x100", serde.Avro, 100, 1024},
	} {
		body := benchProduceBody(bc.format, bc.n, bc.size)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				// As the handler does: a recycled request and arena.
				req := getProduceRequest()
				if err := req.decode(body, bc.format); err != nil || len(req.records) != bc.n {
					b.Fatal(err)
				}
				req.release()
			}
		})
	}
}

// BenchmarkAppendProduceResponse measures the produce response writer for
// 100 acknowledged records.
func BenchmarkAppendProduceResponse(b *testing.B) {
	recs := make([]kafka.Record, 100)
	for i := range recs {
		recs[i] = kafka.Record{Partition: int32(i % 4), Offset: int64(1_000_000 + i)}
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = appendProduceResponse(buf[:0], schemaIDs{}, recs)
	}
}

// benchServer is a krest REST server on httptest with a kfake broker, both
// on loopback in this process.
type benchServer struct {
	url   string
	addrs []string
	hc    *http.Client
	reg   *consumer.Registry
}

func newBenchServer(b *testing.B, topic string, partitions int32) *benchServer {
	b.Helper()
	c := testutil.NewCluster(b)
	bs := &benchServer{addrs: c.ListenAddrs()}
	testutil.CreateTopic(b, bs.addrs, topic, partitions)
	ko := kafka.Options{Brokers: bs.addrs, Acks: -1, RequestTimeout: 10 * time.Second, TopicCacheAge: 5 * time.Second}
	k, err := kafka.New(ko)
	if err != nil {
		b.Fatal(err)
	}
	co := consumerTestOptions(ko)
	co.MaxBytes = 64 << 20
	reg, err := consumer.New(co)
	if err != nil {
		b.Fatal(err)
	}
	srv := New(Deps{Kafka: k, Consumers: reg, Logger: slog.New(slog.DiscardHandler)}, Options{MaxBodyBytes: 16 << 20})
	hs := httptest.NewServer(srv.Handler())
	bs.url, bs.reg = hs.URL, reg
	bs.hc = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Cleanup(func() {
		hs.Close()
		reg.Close(context.Background())
		k.Close(context.Background())
	})
	return bs
}

func (bs *benchServer) do(b *testing.B, method, path, contentType string, body []byte) []byte {
	req, err := http.NewRequest(method, bs.url+path, bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := bs.hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode/100 != 2 {
		b.Fatalf("%s %s: %d %s %v", method, path, resp.StatusCode, out, err)
	}
	return out
}

// BenchmarkHandlerProduce posts produce requests to the real handler over
// loopback HTTP from 1 goroutine (latency) and from 16 (throughput, as the
// load tool's 16 connections). rec/s is records acknowledged by Kafka
// per second.
func BenchmarkHandlerProduce(b *testing.B) {
	for _, bc := range []struct {
		name   string
		format serde.Format
		n      int
		size   int
	}{
		{"binary-1k-x100", serde.Binary, 100, 1024},
		{"binary-100b-x100", serde.Binary, 100, 100},
		{"binary-1k-x1", serde.Binary, 1, 1024},
		{"json-1k-x100", serde.JSON, 100, 1024},
	} {
		body := benchProduceBody(bc.format, bc.n, bc.size)
		ct := "application/vnd.kafka." + bc.format.String() + ".v2+json"
		for _, conns := range []int{1, 16} {
			b.Run(fmt.Sprintf("%s/conns=%d", bc.name, conns), func(b *testing.B) {
				bs := newBenchServer(b, "bench", 4)
				bs.do(b, "POST", "/topics/bench", ct, body) // warm the metadata cache and connections
				b.ReportAllocs()
				b.SetBytes(int64(len(body)))
				post := func() {
					out := bs.do(b, "POST", "/topics/bench", ct, body)
					if bytes.Contains(out, []byte(`"error_code":4`)) || bytes.Contains(out, []byte(`"error_code":5`)) {
						b.Fatalf("record error: %s", out)
					}
				}
				var reqs atomic.Int64
				b.ResetTimer()
				if conns == 1 {
					for b.Loop() {
						post()
						reqs.Add(1)
					}
				} else {
					// RunParallel starts parallelism × GOMAXPROCS goroutines.
					b.SetParallelism(max(1, conns/runtime.GOMAXPROCS(0)))
					b.RunParallel(func(pb *testing.PB) {
						for pb.Next() {
							post()
							reqs.Add(1)
						}
					})
				}
				b.ReportMetric(float64(reqs.Load())*float64(bc.n)/b.Elapsed().Seconds(), "rec/s")
			})
		}
	}
}

// BenchmarkHandlerRecords reads 1 KiB binary (or json) records through a
// subscribed consumer instance: each iteration is one GET .../records with
// max_bytes 1 MiB (about 1,000 records). 50,000 records are pre-filled;
// once all were read the instance seeks to the beginning (outside the
// timer).
func BenchmarkHandlerRecords(b *testing.B) {
	for _, format := range []serde.Format{serde.Binary, serde.JSON} {
		b.Run(format.String(), func(b *testing.B) {
			const total = 50_000
			bs := newBenchServer(b, "bench", 4)
			pr := testutil.NewClient(b, bs.addrs, kgo.DisableClientMetrics(), kgo.ProducerBatchCompression(kgo.NoCompression()))
			value := bytes.Repeat([]byte{0xab}, 1024)
			if format == serde.JSON {
				value = fmt.Appendf(nil, `{"id":1,"name":"record","payload":"%s"}`, bytes.Repeat([]byte("x"), 984))
			}
			recs := make([]*kgo.Record, total)
			for i := range recs {
				recs[i] = &kgo.Record{Topic: "bench", Value: value}
			}
			if err := pr.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
				b.Fatal(err)
			}
			var created struct {
				BaseURI string `json:"base_uri"`
			}
			out := bs.do(b, "POST", "/consumers/bench", contentTypeV2,
				fmt.Appendf(nil, `{"format":%q,"auto.offset.reset":"earliest","auto.commit.enable":"false"}`, format.String()))
			if err := json.Unmarshal(out, &created); err != nil {
				b.Fatal(err)
			}
			inst := strings.TrimPrefix(created.BaseURI, bs.url)
			bs.do(b, "POST", inst+"/subscription", contentTypeV2, []byte(`{"topics":["bench"]}`))
			accept := "application/vnd.kafka." + format.String() + ".v2+json"
			get := func() int {
				req, _ := http.NewRequest("GET", bs.url+inst+"/records?max_bytes=1048576&timeout=1000", nil)
				req.Header.Set("Accept", accept)
				resp, err := bs.hc.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Fatalf("%d %s", resp.StatusCode, body)
				}
				b.SetBytes(int64(len(body)))
				return bytes.Count(body, []byte(`"offset":`))
			}
			// The first requests wait for the group join.
			first := 0
			for first == 0 {
				first = get()
			}
			pass := first
			consumed := 0
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				n := get()
				consumed += n
				// Seek back once every record was read: waiting for an
				// empty answer would time the long-poll's timeout.
				if pass += n; pass >= total {
					pass = 0
					b.StopTimer()
					bs.do(b, "POST", inst+"/positions/beginning", contentTypeV2, []byte(`{"partitions":[{"topic":"bench","partition":0},{"topic":"bench","partition":1},{"topic":"bench","partition":2},{"topic":"bench","partition":3}]}`))
					b.StartTimer()
				}
			}
			b.ReportMetric(float64(consumed)/b.Elapsed().Seconds(), "rec/s")
		})
	}
}
