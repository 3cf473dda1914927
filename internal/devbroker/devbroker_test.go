package devbroker

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

// crashChildEnv, when set, turns the test binary into the child process of
// TestCrashKeepsAcknowledgedRecords; its value is the data directory.
const crashChildEnv = "KREST_DEVBROKER_CRASH_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir) // never returns: the parent kills us
	}
	// The tests are sequential, so every goroutine left at the end was
	// leaked by a Broker or a client that was not closed.
	goleak.VerifyTestMain(m)
}

// start starts a broker and closes it when the test ends.
func start(t testing.TB, opts Options) *Broker {
	t.Helper()
	b, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// newClient returns an independent franz-go client talking to addr over TCP,
// closed when the test ends (closing earlier is fine).
func newClient(t testing.TB, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// testRecord is record i of the restart test. It covers the shapes a broker
// could plausibly mangle: null key, null value, empty value, several
// headers including an empty one, and an explicit timestamp.
func testRecord(topic string, i int) *kgo.Record {
	r := &kgo.Record{
		Topic:     topic,
		Partition: 0,
		Key:       []byte(fmt.Sprintf("key-%04d", i)),
		Value:     []byte(fmt.Sprintf("value-%04d-%s", i, strings.Repeat("x", i%50))),
		Timestamp: time.UnixMilli(1_700_000_000_000 + int64(i)),
		Headers: []kgo.RecordHeader{
			{Key: "i", Value: []byte(strconv.Itoa(i))},
			{Key: "empty", Value: []byte{}},
			{Key: "dup", Value: []byte("a")},
			{Key: "dup", Value: []byte("b")},
		},
	}
	switch {
	case i == 500:
		r.Value = nil // a tombstone must stay null, not become ""
	case i == 501:
		r.Value = []byte{}
	case i%7 == 0:
		r.Key = nil
	}
	return r
}

// checkRecord reports how got differs from testRecord(topic, i) at offset i.
func checkRecord(t *testing.T, got *kgo.Record, topic string, i int) {
	t.Helper()
	want := testRecord(topic, i)
	if got.Offset != int64(i) {
		t.Errorf("record %d: offset %d", i, got.Offset)
	}
	if !bytes.Equal(got.Key, want.Key) || (got.Key == nil) != (want.Key == nil) {
		t.Errorf("record %d: key %q (nil %t), want %q (nil %t)", i, got.Key, got.Key == nil, want.Key, want.Key == nil)
	}
	if !bytes.Equal(got.Value, want.Value) || (got.Value == nil) != (want.Value == nil) {
		t.Errorf("record %d: value %q (nil %t), want %q (nil %t)", i, got.Value, got.Value == nil, want.Value, want.Value == nil)
	}
	if !got.Timestamp.Equal(want.Timestamp) {
		t.Errorf("record %d: timestamp %v, want %v", i, got.Timestamp, want.Timestamp)
	}
	if len(got.Headers) != len(want.Headers) {
		t.Errorf("record %d: %d headers, want %d", i, len(got.Headers), len(want.Headers))
		return
	}
	for j, h := range got.Headers {
		if h.Key != want.Headers[j].Key || !bytes.Equal(h.Value, want.Headers[j].Value) {
			t.Errorf("record %d: header %d is %s=%q, want %s=%q", i, j, h.Key, h.Value, want.Headers[j].Key, want.Headers[j].Value)
		}
	}
}

// consumeAll reads partition 0 of topic from the start until it has n
// records, failing the test on timeout.
func consumeAll(t *testing.T, addr, topic string, n int) []*kgo.Record {
	t.Helper()
	cl := newClient(t, addr,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchMaxWait(200*time.Millisecond))
	defer cl.Close()
	ctx := testCtx(t)
	var recs []*kgo.Record
	for len(recs) < n {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("consumed %d of %d records of %s: %v", len(recs), n, topic, err)
		}
		if errs := fs.Errors(); len(errs) > 0 {
			t.Fatalf("fetch: %v", errs)
		}
		recs = append(recs, fs.Records()...)
	}
	return recs
}

// TestRestartKeepsRecords produces with an independent client, restarts the
// broker on the same directory and checks everything came back.
func TestRestartKeepsRecords(t *testing.T) {
	const topic, n = "orders", 1000
	dir := t.TempDir()
	opts := Options{DataDir: dir, Topics: []TopicSpec{{Name: topic, Partitions: 3}}}

	b := start(t, opts)
	cl := newClient(t, b.Addr(), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	recs := make([]*kgo.Record, n)
	for i := range recs {
		recs[i] = testRecord(topic, i)
	}
	// kgo's defaults are acks=all and idempotence, so offsets follow
	// the slice order.
	if err := cl.ProduceSync(testCtx(t), recs...).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	for i, r := range recs {
		if r.Offset != int64(i) {
			t.Fatalf("record %d acknowledged at offset %d", i, r.Offset)
		}
	}
	cl.Close()
	b.Close()

	b = start(t, opts)
	for i, r := range consumeAll(t, b.Addr(), topic, n) {
		checkRecord(t, r, topic, i)
	}

	adm := kadm.NewClient(newClient(t, b.Addr()))
	ctx := testCtx(t)
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	if got := len(md.Topics[topic].Partitions); got != 3 {
		t.Errorf("after restart %s has %d partitions, want 3", topic, got)
	}
	if md.Cluster != ClusterID {
		t.Errorf("cluster ID after restart = %q, want %q", md.Cluster, ClusterID)
	}
	if len(md.Brokers) != 1 {
		t.Errorf("%d brokers, want 1", len(md.Brokers))
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	if o, _ := ends.Lookup(topic, 0); o.Offset != n {
		t.Errorf("end offset of %s-0 = %d, want %d", topic, o.Offset, n)
	}
	bc, err := adm.DescribeBrokerConfigs(ctx, 0)
	if err != nil {
		t.Fatalf("describe broker configs: %v", err)
	}
	for key, want := range map[string]string{"log.cleaner.backoff.ms": "30000", "default.replication.factor": "1"} {
		if got := configValue(bc[0], key); got != want {
			t.Errorf("broker config %s = %q, want %q", key, got, want)
		}
	}
}

// configValue returns the value of key in rc, or "" if it is absent or null.
func configValue(rc kadm.ResourceConfig, key string) string {
	for _, c := range rc.Configs {
		if c.Key == key && c.Value != nil {
			return *c.Value
		}
	}
	return ""
}

// TestClientCreatedTopicSurvivesRestart checks that CreateTopics from a
// Kafka client works, uses DefaultPartitions for -1, and is persisted with
// its configs.
func TestClientCreatedTopicSurvivesRestart(t *testing.T) {
	const topic = "made-by-client"
	dir := t.TempDir()
	opts := Options{DataDir: dir, DefaultPartitions: 4}

	b := start(t, opts)
	cl := newClient(t, b.Addr())
	adm := kadm.NewClient(cl)
	resp, err := adm.CreateTopic(testCtx(t), -1, -1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}, topic)
	if err != nil {
		t.Fatalf("create topic: %v", err)
	}
	if resp.NumPartitions != 4 || resp.ReplicationFactor != 1 {
		t.Errorf("created with %d partitions, RF %d; want 4, 1", resp.NumPartitions, resp.ReplicationFactor)
	}
	if err := cl.ProduceSync(testCtx(t), &kgo.Record{Topic: topic, Key: []byte("k"), Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
	cl.Close()
	b.Close()

	b = start(t, opts)
	adm = kadm.NewClient(newClient(t, b.Addr()))
	ctx := testCtx(t)
	topics, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatalf("list topics: %v", err)
	}
	if got := len(topics[topic].Partitions); got != 4 {
		t.Fatalf("after restart %s has %d partitions, want 4 (topics: %v)", topic, got, topics.Names())
	}
	rc, err := adm.DescribeTopicConfigs(ctx, topic)
	if err != nil {
		t.Fatalf("describe topic configs: %v", err)
	}
	if policy := configValue(rc[0], "cleanup.policy"); policy != "compact" {
		t.Errorf("cleanup.policy after restart = %q, want compact", policy)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("list end offsets: %v", err)
	}
	var total int64
	ends.Each(func(o kadm.ListedOffset) { total += o.Offset })
	if total != 1 {
		t.Errorf("after restart %s holds %d records, want 1", topic, total)
	}
}

// TestSeedTopicsOnRestart checks that topics added to Options.Topics later
// are created on a reloaded directory (kfake.SeedTopics would skip them),
// and that existing topics keep their partition count.
func TestSeedTopicsOnRestart(t *testing.T) {
	dir := t.TempDir()
	b := start(t, Options{DataDir: dir, DefaultPartitions: 3, Topics: []TopicSpec{{Name: "a", Partitions: 2}, {Name: "b"}}})
	b.Close()

	var logs bytes.Buffer
	b = start(t, Options{
		DataDir: dir,
		Topics:  []TopicSpec{{Name: "a", Partitions: 5}, {Name: "c", Partitions: 1}},
		Logger:  slog.New(slog.NewTextHandler(&logs, nil)),
	})
	cl := newClient(t, b.Addr())
	topics, err := kadm.NewClient(cl).ListTopics(testCtx(t))
	if err != nil {
		t.Fatalf("list topics: %v", err)
	}
	for name, want := range map[string]int{"a": 2, "b": 3, "c": 1} {
		if got := len(topics[name].Partitions); got != want {
			t.Errorf("topic %s has %d partitions, want %d", name, got, want)
		}
	}
	if !strings.Contains(logs.String(), "existing topic keeps its partition count") {
		t.Errorf("no warning about topic a's partition count; logs:\n%s", logs.String())
	}
}

// TestNoAutoTopicCreation checks that a Metadata request asking for auto
// creation of an unknown topic gets UNKNOWN_TOPIC_OR_PARTITION and creates
// nothing, so the REST layer can answer 40401.
func TestNoAutoTopicCreation(t *testing.T) {
	b := start(t, Options{})
	cl := newClient(t, b.Addr())
	ask := func() int16 {
		req := kmsg.NewPtrMetadataRequest()
		rt := kmsg.NewMetadataRequestTopic()
		rt.Topic = kmsg.StringPtr("typo")
		req.Topics = append(req.Topics, rt)
		req.AllowAutoTopicCreation = true
		resp, err := req.RequestWith(testCtx(t), cl)
		if err != nil {
			t.Fatalf("metadata: %v", err)
		}
		return resp.Topics[0].ErrorCode
	}
	for range 2 { // the second asks whether the first created it
		if code := ask(); code != kerr.UnknownTopicOrPartition.Code {
			t.Fatalf("metadata for unknown topic: error %v, want UNKNOWN_TOPIC_OR_PARTITION", kerr.ErrorForCode(code))
		}
	}
}

// TestDataDirLock checks that a second Start on a directory in use fails
// with a clear error and succeeds once the first broker is closed.
func TestDataDirLock(t *testing.T) {
	dir := t.TempDir()
	first := start(t, Options{DataDir: dir})

	second, err := Start(Options{DataDir: dir})
	if err == nil {
		second.Close()
		t.Fatal("second Start on a locked data dir succeeded")
	}
	if !errors.Is(err, ErrDataDirInUse) {
		t.Errorf("error %v does not match ErrDataDirInUse", err)
	}
	want := fmt.Sprintf("embedded broker: data dir %s is in use by another krest (pid %d)", dir, os.Getpid())
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}

	first.Close()
	start(t, Options{DataDir: dir}).Close()
}

// TestPortInUse checks the error for a taken port, and that the failed
// Start released the data dir lock.
func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	dir := t.TempDir()

	b, err := Start(Options{Port: port, DataDir: dir})
	if err == nil {
		b.Close()
		t.Fatal("Start on a port in use succeeded")
	}
	want := fmt.Sprintf("embedded broker: listen 127.0.0.1:%d: address already in use", port)
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("error %v does not match syscall.EADDRINUSE", err)
	}
	start(t, Options{DataDir: dir}).Close()
}

// TestStartOnPort checks that a fixed port is used and reported.
func TestStartOnPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // a small race with other processes; fine on a test box
	b := start(t, Options{Port: port})
	if want := fmt.Sprintf("127.0.0.1:%d", port); b.Addr() != want {
		t.Errorf("Addr() = %q, want %q", b.Addr(), want)
	}
}

func TestInvalidOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"negative-port", Options{Port: -1}, "port -1 out of range"},
		{"port-too-big", Options{Port: 65536}, "port 65536 out of range"},
		{"negative-default-partitions", Options{DefaultPartitions: -1}, "negative default partitions"},
		{"empty-topic-name", Options{Topics: []TopicSpec{{}}}, "empty topic name"},
		{"dot-topic-name", Options{Topics: []TopicSpec{{Name: ".."}}}, `topic name ".." is not allowed`},
		{"slash-in-topic-name", Options{Topics: []TopicSpec{{Name: "a/b"}}}, `illegal character '/'`},
		{"long-topic-name", Options{Topics: []TopicSpec{{Name: strings.Repeat("a", 250)}}}, "longer than 249"},
		{"negative-partitions", Options{Topics: []TopicSpec{{Name: "t", Partitions: -2}}}, "negative partitions -2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := Start(tc.opts)
			if err == nil {
				b.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

// TestCloseIdempotentNoLeaks checks that concurrent and repeated Close
// calls are safe, that Close stops every goroutine kfake started, and that
// it releases the lock.
func TestCloseIdempotentNoLeaks(t *testing.T) {
	defer goleak.VerifyNone(t) // runs before t.Cleanup, so close by hand
	dir := t.TempDir()
	b, err := Start(Options{DataDir: dir, Topics: []TopicSpec{{Name: "t", Partitions: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatal(err)
	}
	cl.Close()

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(b.Close)
	}
	wg.Wait()
	b.Close()

	b2, err := Start(Options{DataDir: dir})
	if err != nil {
		t.Fatalf("Start after Close: %v", err)
	}
	b2.Close()
}

// TestCompaction checks that kfake's cleaner runs on the backoff we set:
// with kfake's default of 1 h a compacted topic would never be compacted
// during a test or a short development session.
func TestCompaction(t *testing.T) {
	const topic = "compacted"
	b := start(t, Options{cleanerBackoff: 100 * time.Millisecond})
	cl := newClient(t, b.Addr())
	ctx := testCtx(t)
	if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, -1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}, topic); err != nil {
		t.Fatalf("create topic: %v", err)
	}
	// One batch each: kfake never compacts the last batch, as Kafka never
	// compacts the active segment.
	for _, kv := range [][2]string{{"k", "v1"}, {"k", "v2"}, {"z", "1"}} {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte(kv[0]), Value: []byte(kv[1])}).FirstErr(); err != nil {
			t.Fatalf("produce: %v", err)
		}
	}
	for {
		var offsets []int64
		for _, r := range consumeAll(t, b.Addr(), topic, 1) {
			offsets = append(offsets, r.Offset)
		}
		// The fetch may return fewer than all; offset 0 present means
		// not compacted yet.
		if offsets[0] == 1 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("offset 0 (k=v1) still present; offsets %v", offsets)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestCrashKeepsAcknowledgedRecords SIGKILLs a child process running a
// broker (no Close, no chance to flush anything) after its records were
// acknowledged, then restarts on the same directory. It backs the claim in
// the package doc that, even without SyncWrites, a krest crash loses no
// acknowledged record, and checks that a crashed holder leaves no lock.
func TestCrashKeepsAcknowledgedRecords(t *testing.T) {
	dir := t.TempDir()
	ctx := testCtx(t)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("reading child output: %v", err)
	}
	cmd.Process.Kill() // SIGKILL
	cmd.Wait()
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "acked "))
	if err != nil {
		t.Fatalf("child said %q", line)
	}

	b := start(t, Options{DataDir: dir}) // fails if the dead child still held the lock
	recs := consumeAll(t, b.Addr(), "crash", n)
	if len(recs) != n {
		t.Fatalf("got %d records, want %d", len(recs), n)
	}
	for i, r := range recs {
		if r.Offset != int64(i) || string(r.Value) != strconv.Itoa(i) {
			t.Fatalf("record %d: offset %d value %q", i, r.Offset, r.Value)
		}
	}
}

// crashChild is the child side of TestCrashKeepsAcknowledgedRecords. It
// acknowledges records one produce request at a time (the shape of a REST
// produce), reports how many, and waits to be killed.
func crashChild(dir string) {
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(2)
	}
	b, err := Start(Options{DataDir: dir, Topics: []TopicSpec{{Name: "crash", Partitions: 1}}})
	if err != nil {
		fail(err)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.DefaultProduceTopic("crash"))
	if err != nil {
		fail(err)
	}
	const n = 300
	for i := range n {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Value: []byte(strconv.Itoa(i))}).FirstErr(); err != nil {
			fail(err)
		}
	}
	fmt.Printf("acked %d\n", n)
	time.Sleep(time.Minute)
	fail(errors.New("not killed"))
}

func TestLoggerLevels(t *testing.T) {
	var buf bytes.Buffer
	l := slogLogger{slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))}
	l.Logf(kfake.LogLevelError, "e %d", 1)
	l.Logf(kfake.LogLevelWarn, "w %s", "x")
	l.Logf(kfake.LogLevelInfo, "consumerJoin: group=%s", "g") // chatter: Debug, filtered
	l.Logf(kfake.LogLevelDebug, "d")
	got := buf.String()
	for _, want := range []string{`level=ERROR msg="e 1"`, `level=WARN msg="w x"`} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "consumerJoin") || strings.Contains(got, `msg=d`) {
		t.Errorf("kfake info/debug chatter logged above Debug:\n%s", got)
	}
	for lvl, want := range map[kfake.LogLevel]slog.Level{
		kfake.LogLevelError: slog.LevelError,
		kfake.LogLevelWarn:  slog.LevelWarn,
		kfake.LogLevelInfo:  slog.LevelDebug,
		kfake.LogLevelDebug: slog.LevelDebug,
	} {
		if got := slogLevel(lvl); got != want {
			t.Errorf("slogLevel(%v) = %v, want %v", lvl, got, want)
		}
	}
}
