package registry

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/testutil"
)

// startBenchRegistry is startRegistry for benchmarks (which have no
// *testing.T).
func startBenchRegistry(b *testing.B, addrs []string) *Registry {
	b.Helper()
	reg, err := New(Options{KafkaOpts: []kgo.Opt{kgo.SeedBrokers(addrs...)}, AdvertisedURL: "http://127.0.0.1:1"})
	if err != nil {
		b.Fatal(err)
	}
	if err := reg.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	select {
	case <-reg.Ready():
	case <-time.After(60 * time.Second):
		b.Fatal("not ready")
	}
	return reg
}

func benchCluster(b *testing.B) []string {
	b.Helper()
	return testutil.NewCluster(b).ListenAddrs()
}

// BenchmarkRegister measures a registration of a new schema end to end
// through the in-process transport: validate, check compatibility, produce
// (acks=all), read the record back.
func BenchmarkRegister(b *testing.B) {
	reg := startBenchRegistry(b, benchCluster(b))
	defer reg.Close()
	for !reg.IsPrimary() {
		time.Sleep(10 * time.Millisecond)
	}
	cl := &http.Client{Transport: reg.Transport()}
	b.ResetTimer()
	for i := range b.N {
		schema := `{"type":"record","name":"R` + strconv.Itoa(i) + `","fields":[{"name":"a","type":"int"}]}`
		resp, err := cl.Post("http://r/subjects/s"+strconv.Itoa(i)+"/versions", mediaV1, stringsReader(avroBody(schema)))
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("register: %v %v", err, resp.Status)
		}
		resp.Body.Close()
	}
}

// BenchmarkGetSchemaByID measures the serializer's hot read, served from
// memory.
func BenchmarkGetSchemaByID(b *testing.B) {
	reg := startBenchRegistry(b, benchCluster(b))
	defer reg.Close()
	for !reg.IsPrimary() {
		time.Sleep(10 * time.Millisecond)
	}
	cl := &http.Client{Transport: reg.Transport()}
	resp, err := cl.Post("http://r/subjects/s/versions", mediaV1, stringsReader(avroBody(userV2)))
	if err != nil || resp.StatusCode != 200 {
		b.Fatal(err)
	}
	resp.Body.Close()
	b.ResetTimer()
	for range b.N {
		resp, err := cl.Get("http://r/schemas/ids/1")
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

// BenchmarkLoad measures the initial load of a topic of 10,000 schema
// records (distinct Avro records across 1,000 subjects).
func BenchmarkLoad(b *testing.B) {
	addrs := benchCluster(b)
	const n = 10000
	cl := testutil.NewClient(b, addrs, kgo.DefaultProduceTopic(DefaultTopic), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	testutil.CreateTopic(b, addrs, DefaultTopic, 1)
	recs := make([]*kgo.Record, 0, n)
	for i := range n {
		subject := "s" + strconv.Itoa(i%1000)
		version := 1 + i/1000
		schema := `{"type":"record","name":"R` + strconv.Itoa(i) + `","fields":[{"name":"a","type":"int","doc":"field ` + strconv.Itoa(i) + `"}]}`
		v, _ := marshalValue(schemaValue{Subject: subject, Version: version, ID: i + 1, Schema: schema})
		recs = append(recs, &kgo.Record{Key: schemaKey(subject, version), Value: v})
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		reg := startBenchRegistry(b, addrs)
		if got := reg.store.nextID(); got != n+1 {
			b.Fatalf("loaded up to id %d", got-1)
		}
		reg.Close()
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
