package devbroker

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkProduce measures what Options.SyncWrites costs, on a real data
// directory (b.TempDir, so the disk under $TMPDIR), with an independent kgo
// client over TCP producing 1 KiB records with acks=all (kgo's default,
// with idempotence) to a 3-partition topic:
//
//   - pipelined: Produce without waiting, so kgo packs many records into
//     each batch and one fsync covers many records (a bulk load, or a REST
//     produce with many records);
//   - serial: ProduceSync of one record at a time, so every record is its
//     own batch and pays its own fsync (one REST produce per record).
//
// Compression is off so the broker writes what the metric says: with kgo's
// default snappy, identical values would shrink to nothing.
//
// Run: go test -run xxx -bench . -benchtime 3s ./internal/devbroker/
func BenchmarkProduce(b *testing.B) {
	for _, mode := range []string{"pipelined", "serial"} {
		for _, sync := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/sync=%t", mode, sync), func(b *testing.B) {
				benchProduce(b, mode == "serial", sync)
			})
		}
	}
}

func benchProduce(b *testing.B, serial, syncWrites bool) {
	const topic = "bench"
	br, err := Start(Options{DataDir: b.TempDir(), SyncWrites: syncWrites, Topics: []TopicSpec{{Name: topic, Partitions: 3}}})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(br.Addr()),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()

	value := make([]byte, 1024)
	rand.Read(value)
	ctx := context.Background()
	// Warm up: metadata, producer ID and connections are not produce cost.
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: value}).FirstErr(); err != nil {
		b.Fatal(err)
	}

	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	b.ResetTimer()
	if serial {
		for range b.N {
			if err := cl.ProduceSync(ctx, &kgo.Record{Value: value}).FirstErr(); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			firstErr error
		)
		wg.Add(b.N)
		for range b.N {
			cl.Produce(ctx, &kgo.Record{Value: value}, func(_ *kgo.Record, err error) {
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
				wg.Done()
			})
		}
		wg.Wait()
		if firstErr != nil {
			b.Fatal(firstErr)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
