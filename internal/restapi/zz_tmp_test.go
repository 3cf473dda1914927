package restapi

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"bytes"

	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/serde"
	"github.com/krest-dev/krest/internal/testutil"
)

func BenchmarkZZ(b *testing.B) {
	c := testutil.NewCluster(b)
	addrs := c.ListenAddrs()
	testutil.CreateTopic(b, addrs, "bench", 4)
	k, _ := kafka.New(kafka.Options{Brokers: addrs, Acks: -1, RequestTimeout: 10 * time.Second, TopicCacheAge: 5 * time.Second})
	defer k.Close(context.Background())
	val := bytes.Repeat([]byte{1}, 100)
	b.Run("direct", func(b *testing.B) {
		var n atomic.Int64
		var lat atomic.Int64
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			recs := make([]kafka.Record, 100)
			for pb.Next() {
				for i := range recs { recs[i] = kafka.Record{Value: val, Partition: -1} }
				t0 := time.Now()
				k.Produce(context.Background(), "bench", 4, recs)
				lat.Add(int64(time.Since(t0)))
				n.Add(100)
			}
		})
		b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "rec/s")
		b.ReportMetric(float64(lat.Load())/float64(n.Load()/100)/1e3, "µs/lat")
	})
	srv := New(Deps{Kafka: k, Logger: slog.New(slog.DiscardHandler)}, Options{MaxBodyBytes: 16 << 20})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	bs := &benchServer{url: hs.URL, hc: hs.Client()}
	bs.hc.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	body := benchProduceBody(serde.Binary, 100, 100)
	b.Run("http", func(b *testing.B) {
		var n atomic.Int64
		var lat atomic.Int64
		b.SetParallelism(8)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				t0 := time.Now()
				bs.do(b, "POST", "/topics/bench", "application/vnd.kafka.binary.v2+json", body)
				lat.Add(int64(time.Since(t0)))
				n.Add(100)
			}
		})
		b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "rec/s")
		b.ReportMetric(float64(lat.Load())/float64(n.Load()/100)/1e3, "µs/lat")
	})
}
