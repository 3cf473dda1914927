// Package testutil holds test helpers shared by krest's packages: an
// in-process Kafka-protocol broker (kfake) on a loopback port, an independent
// franz-go client to check what krest wrote, and golden-file comparison.
// Production code never imports it.
package testutil

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

var update = flag.Bool("update", false, "rewrite golden files")

// NewCluster starts a one-broker kfake cluster on 127.0.0.1 with a random
// port, closed when the test ends. Extra options are appended.
func NewCluster(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	base := []kfake.Opt{kfake.NumBrokers(1), kfake.DefaultNumPartitions(1)}
	c, err := kfake.NewCluster(append(base, opts...)...)
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// NewClient returns an independent franz-go client for checking what krest
// wrote, closed when the test ends.
func NewClient(t testing.TB, addrs []string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addrs...)}, opts...)...)
	if err != nil {
		t.Fatalf("kgo: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// CreateTopic creates a topic with n partitions through kadm.
func CreateTopic(t testing.TB, addrs []string, topic string, n int32) {
	t.Helper()
	cl := NewClient(t, addrs)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, n, 1, nil, topic); err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

// ReadAll consumes every record of topic from the start until it has want
// records or 10 s pass, with an independent client.
func ReadAll(t testing.TB, addrs []string, topic string, want int) []*kgo.Record {
	t.Helper()
	cl := NewClient(t, addrs, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []*kgo.Record
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: got %d records, want %d", topic, len(out), want)
		}
		for _, e := range fs.Errors() {
			t.Fatalf("read %s: %v", topic, e.Err)
		}
		out = append(out, fs.Records()...)
	}
	return out
}

// Golden compares got with testdata/golden/<name>.json, rewriting it with
// -update.
func Golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(bytes.TrimSpace(got), '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden %s: %v (run with -update to create it)", name, err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("golden %s mismatch:\n got: %s\nwant: %s", name, bytes.TrimSpace(got), bytes.TrimSpace(want))
	}
}
