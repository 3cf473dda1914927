package app

// Fault tests: krest against a Kafka cluster that is missing, restarts, moves
// its partition leaders or answers with error codes. Every test here runs the
// real App over TCP against kfake and checks what krest answered against what
// an independent franz-go client finds in Kafka.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/krest-dev/krest/internal/config"
)

const (
	ctV2     = "application/vnd.kafka.v2+json"
	ctBinary = "application/vnd.kafka.binary.v2+json"
)

// faultClient has no keep-alives, so a broken server connection never hides
// behind a pooled one, and a hard per-request bound: a request that takes
// longer is reported as a hang by the callers.
var faultClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 20 * time.Second}

// freePort returns a loopback TCP port nothing listens on (a moment ago).
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startKfake starts a kfake cluster; it is closed when the test ends unless
// the test closed it already (Close is idempotent).
func startKfake(t testing.TB, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	var c *kfake.Cluster
	var err error
	for range 50 { // a port just released may still be bound for a moment
		if c, err = kfake.NewCluster(append([]kfake.Opt{kfake.DefaultNumPartitions(1), kfake.GroupMinSessionTimeout(100 * time.Millisecond)}, opts...)...); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// externalConfig is krest against an external cluster, without the embedded
// registry (it would create and read _schemas in the background, which only
// adds noise to the fault tests).
func externalConfig(t testing.TB, addrs []string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.Port = 0
	cfg.EmbeddedBrokerPort = 0
	cfg.RegistryPort = 0
	cfg.DataDir = t.TempDir()
	cfg.BootstrapURI = addrs
	cfg.RegistryEnabled = "false"
	cfg.KafkaRequestTimeoutMS = 3000
	cfg.MetadataMaxAgeMS = 5000 // franz-go refuses less than its 5 s minimum age
	cfg.AdminMetadataMaxAge = 0
	cfg.SessionTimeoutMS = 1000
	cfg.ConsumerRequestTimeoutMS = 500
	return cfg
}

func runApp(t testing.TB, cfg config.Config) *App {
	t.Helper()
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	a.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.Close(ctx)
	})
	return a
}

// reply is one HTTP answer; err is set when there was none (a hang past the
// client's bound or a broken connection).
type reply struct {
	status int
	body   []byte
	took   time.Duration
	err    error
}

func (r reply) String() string {
	if r.err != nil {
		return fmt.Sprintf("no answer after %v: %v", r.took, r.err)
	}
	return fmt.Sprintf("%d %s (%v)", r.status, bytes.TrimSpace(r.body), r.took)
}

// jsonError reports whether the body is a Kafka REST error body whose
// error_code agrees with the status.
func (r reply) jsonError() bool {
	var e struct {
		Code    *int    `json:"error_code"`
		Message *string `json:"message"`
	}
	if json.Unmarshal(r.body, &e) != nil || e.Code == nil || e.Message == nil {
		return false
	}
	c := *e.Code
	if c >= 10000 {
		c /= 100
	}
	return c == r.status
}

func do(ctx context.Context, method, url, ctype, body string, hdr ...string) reply {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return reply{err: err}
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for _, h := range hdr {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := faultClient.Do(req)
	if err != nil {
		return reply{err: err, took: time.Since(start)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, body: b, took: time.Since(start), err: err}
}

func call(method, url, ctype, body string, hdr ...string) reply {
	return do(context.Background(), method, url, ctype, body, hdr...)
}

// adminFor is an independent admin client on addrs.
func adminFor(t testing.TB, addrs []string) (*kadm.Client, *kgo.Client) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.DisableClientMetrics(), kgo.RetryTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return kadm.NewClient(cl), cl
}

func createTopic(t testing.TB, addrs []string, topic string, partitions int32) {
	t.Helper()
	adm, cl := adminFor(t, addrs)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := adm.CreateTopic(ctx, partitions, 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		t.Fatalf("create topic %s: %v", topic, err)
	}
}

// stored is one record as an independent client finds it in Kafka.
type stored struct {
	partition int32
	offset    int64
	key       string
	value     string
}

// readTopic reads every record of topic up to the end offsets it finds now,
// with a fresh independent client.
func readTopic(t testing.TB, addrs []string, topic string) []stored {
	t.Helper()
	adm, acl := adminFor(t, addrs)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	ends, err := adm.ListEndOffsets(ctx, topic)
	acl.Close()
	if err != nil {
		t.Fatalf("end offsets of %s: %v", topic, err)
	}
	want := map[int32]int64{}
	var total int64
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			t.Fatalf("end offset %s/%d: %v", topic, o.Partition, o.Err)
		}
		want[o.Partition] = o.Offset
		total += o.Offset
	})
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.DisableClientMetrics(),
		kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var out []stored
	for int64(len(out)) < total {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: %d of %d records", topic, len(out), total)
		}
		fs.EachError(func(_ string, p int32, err error) { t.Logf("read %s/%d: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			if r.Offset < want[r.Partition] {
				out = append(out, stored{r.Partition, r.Offset, string(r.Key), string(r.Value)})
			}
		})
	}
	return out
}

// produceEntry is one element of a produce response's offsets.
type produceEntry struct {
	Partition *int32  `json:"partition"`
	Offset    *int64  `json:"offset"`
	ErrorCode *int    `json:"error_code"`
	Error     *string `json:"error"`
}

// ledger collects what krest answered to produce requests, by unique value.
type ledger struct {
	mu         sync.Mutex
	acked      map[string][2]int64 // value → partition, offset
	failed     map[string]int      // value → per-record error_code
	reqFailed  map[string]string   // value → status of the failed request
	codes      map[int]int
	statuses   map[int]int
	violations []string
	ackTimes   []time.Time
	maxTook    time.Duration // the slowest produce answer
}

func newLedger() *ledger {
	return &ledger{acked: map[string][2]int64{}, failed: map[string]int{}, reqFailed: map[string]string{}, codes: map[int]int{}, statuses: map[int]int{}}
}

func (l *ledger) violate(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.violations) < 20 {
		l.violations = append(l.violations, fmt.Sprintf(format, args...))
	}
}

// produceLoad runs workers goroutines producing keyed binary records with
// unique values into topic until stop closes; request n of a worker carries
// one record when n is even and 50 when it is odd.
func produceLoad(url, topic string, workers int, stop <-chan struct{}, l *ledger) *sync.WaitGroup {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				size := 1
				if n%2 == 1 {
					size = 50
				}
				values := make([]string, size)
				var b strings.Builder
				b.WriteString(`{"records":[`)
				for i := range size {
					values[i] = fmt.Sprintf("w%d-r%d-i%d", w, n, i)
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, `{"key":%q,"value":%q}`,
						base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "key-%d-%d", w, i%7)),
						base64.StdEncoding.EncodeToString([]byte(values[i])))
				}
				b.WriteString(`]}`)
				r := call("POST", url+"/topics/"+topic, ctBinary, b.String())
				l.record(values, r)
			}
		}()
	}
	return &wg
}

func (l *ledger) record(values []string, r reply) {
	if r.err != nil {
		l.violate("produce got no answer: %v", r)
		l.mu.Lock()
		for _, v := range values {
			l.reqFailed[v] = "no answer"
		}
		l.mu.Unlock()
		return
	}
	l.mu.Lock()
	l.statuses[r.status]++
	l.maxTook = max(l.maxTook, r.took)
	l.mu.Unlock()
	if r.status != 200 {
		if r.status < 500 || !r.jsonError() {
			l.violate("produce answered %v, want 200 or a JSON 5xx", r)
		}
		l.mu.Lock()
		for _, v := range values {
			l.reqFailed[v] = strconv.Itoa(r.status)
		}
		l.mu.Unlock()
		return
	}
	var resp struct {
		Offsets []produceEntry `json:"offsets"`
	}
	if err := json.Unmarshal(r.body, &resp); err != nil || len(resp.Offsets) != len(values) {
		l.violate("produce 200 body does not have %d offsets: %v", len(values), r)
		return
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, e := range resp.Offsets {
		switch {
		case e.ErrorCode == nil && e.Offset != nil && e.Partition != nil && e.Error == nil:
			l.acked[values[i]] = [2]int64{int64(*e.Partition), *e.Offset}
			l.ackTimes = append(l.ackTimes, now)
		case e.ErrorCode != nil && e.Offset == nil && e.Error != nil && (*e.ErrorCode == 50002 || *e.ErrorCode == 50003):
			l.failed[values[i]] = *e.ErrorCode
			l.codes[*e.ErrorCode]++
		default:
			if len(l.violations) < 20 {
				l.violations = append(l.violations, fmt.Sprintf("record %d of a 200 has neither an offset nor a 50002/50003 error: %s", i, r.body))
			}
		}
	}
}

// check compares the ledger with what Kafka holds: every acknowledged value
// is stored at exactly the partition and offset krest answered, no value is
// stored twice, and every stored value was sent (acknowledged or failed).
func (l *ledger) check(t *testing.T, recs []stored) {
	t.Helper()
	for _, v := range l.violations {
		t.Error(v)
	}
	where := map[string][][2]int64{}
	for _, r := range recs {
		where[r.value] = append(where[r.value], [2]int64{int64(r.partition), r.offset})
	}
	var dup, lost, moved, unacked int
	for v, ws := range where {
		if len(ws) > 1 {
			dup++
			if dup <= 5 {
				t.Errorf("value %s is stored %d times: %v", v, len(ws), ws)
			}
		}
		if _, ok := l.acked[v]; !ok {
			_, f := l.failed[v]
			_, rf := l.reqFailed[v]
			if !f && !rf {
				t.Errorf("value %s is in Kafka but krest never answered for it", v)
			}
			unacked++ // failed or timed out, yet written: allowed (the client retries)
		}
	}
	for v, at := range l.acked {
		ws := where[v]
		if len(ws) == 0 {
			lost++
			if lost <= 5 {
				t.Errorf("value %s was acknowledged at %d/%d but is not in Kafka", v, at[0], at[1])
			}
			continue
		}
		if !slices.Contains(ws, at) {
			moved++
			if moved <= 5 {
				t.Errorf("value %s was acknowledged at %d/%d but is stored at %v", v, at[0], at[1], ws)
			}
		}
	}
	t.Logf("produce: %d acknowledged, %d failed per record %v, %d in failed requests, statuses %v, slowest answer %v; Kafka holds %d records (%d written but not acknowledged); %d lost, %d misplaced, %d duplicated",
		len(l.acked), len(l.failed), l.codes, len(l.reqFailed), l.statuses, l.maxTook, len(recs), unacked, lost, moved, dup)
}

// TestKafkaUnreachableAtStartThenRecovers: krest starts although nothing
// listens on bootstrap_uri, answers /_health, answers every data request
// quickly with a JSON 5xx (or, for a consumer, an empty 200 or a JSON 5xx),
// and once a broker comes up on that port it produces and consumes without
// a restart.
func TestKafkaUnreachableAtStartThenRecovers(t *testing.T) {
	port := freePort(t)
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cfg := externalConfig(t, []string{addr})
	cfg.KafkaRequestTimeoutMS = 1000
	a := runApp(t, cfg)
	const bound = 6 * time.Second // kafka_request_timeout_ms plus franz-go's overhead

	if r := call("GET", a.URL()+"/_health", "", ""); r.status != 200 {
		t.Fatalf("/_health with Kafka down: %v", r)
	}
	expect5xx := func(what string, r reply) {
		t.Helper()
		if r.err != nil || r.status < 500 || !r.jsonError() || r.took > bound {
			t.Errorf("%s with Kafka down: %v; want a JSON 5xx within %v", what, r, bound)
		}
	}
	expect5xx("GET /topics", call("GET", a.URL()+"/topics", "", ""))
	expect5xx("GET /topics/t", call("GET", a.URL()+"/topics/t", "", ""))
	expect5xx("produce", call("POST", a.URL()+"/topics/t", ctBinary, `{"records":[{"value":"aGk="}]}`))
	expect5xx("produce to a partition", call("POST", a.URL()+"/topics/t/partitions/0", ctBinary, `{"records":[{"value":"aGk="}]}`))

	// Consumers: creating needs no Kafka; subscribing and fetching must
	// answer within the bound, with 2xx or a JSON 5xx.
	base := a.URL() + "/consumers/g/instances/c1"
	if r := call("POST", a.URL()+"/consumers/g", ctV2, `{"name":"c1","format":"binary","auto.offset.reset":"earliest"}`); r.status != 200 {
		t.Fatalf("create consumer with Kafka down: %v", r)
	}
	okOr5xx := func(what string, r reply, ok ...int) {
		t.Helper()
		if r.err != nil || r.took > bound || (!slices.Contains(ok, r.status) && (r.status < 500 || !r.jsonError())) {
			t.Errorf("%s with Kafka down: %v; want %d or a JSON 5xx within %v", what, r, ok, bound)
		}
	}
	okOr5xx("subscribe", call("POST", base+"/subscription", ctV2, `{"topics":["t"]}`), 204)
	for range 2 {
		okOr5xx("records", call("GET", base+"/records?timeout=500", "", "", "Accept: "+ctBinary), 200)
	}
	okOr5xx("commit", call("POST", base+"/offsets", ctV2, ""), 200, 204)
	okOr5xx("committed offsets", call("GET", base+"/offsets", ctV2, `{"partitions":[{"topic":"t","partition":0}]}`), 200)
	if t.Failed() {
		return
	}

	// Kafka appears on the configured port.
	c := startKfake(t, kfake.Ports(port))
	createTopic(t, c.ListenAddrs(), "t", 1)
	deadline := time.Now().Add(15 * time.Second)
	var r reply
	for {
		r = call("POST", a.URL()+"/topics/t", ctBinary, `{"records":[{"value":"aGk="}]}`)
		if r.status == 200 && !strings.Contains(string(r.body), `"error_code":5`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("produce never recovered after Kafka came up: %v", r)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := call("GET", a.URL()+"/topics", "", ""); r.status != 200 || !strings.Contains(string(r.body), `"t"`) {
		t.Fatalf("GET /topics after recovery: %v", r)
	}
	// The instance subscribed while Kafka was down reads the record.
	for {
		r = call("GET", base+"/records?timeout=1000", "", "", "Accept: "+ctBinary)
		if r.status == 200 && strings.Contains(string(r.body), `"aGk="`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the consumer subscribed while Kafka was down never read the record: %v", r)
		}
	}
}

// restartable is a one-broker kfake cluster on a fixed port and data dir
// that a test can stop and start again.
type restartable struct {
	t    *testing.T
	port int
	dir  string
	opts []kfake.Opt
	mu   sync.Mutex
	c    *kfake.Cluster
}

func newRestartable(t *testing.T, opts ...kfake.Opt) *restartable {
	r := &restartable{t: t, port: freePort(t), dir: t.TempDir(), opts: opts}
	r.start()
	return r
}

func (r *restartable) addrs() []string { return []string{"127.0.0.1:" + strconv.Itoa(r.port)} }

func (r *restartable) start() {
	c := startKfake(r.t, append([]kfake.Opt{kfake.Ports(r.port), kfake.DataDir(r.dir)}, r.opts...)...)
	r.mu.Lock()
	r.c = c
	r.mu.Unlock()
}

// restart closes the cluster (persisting it), waits down, and starts it
// again on the same port and data dir.
func (r *restartable) restart(down time.Duration) {
	r.mu.Lock()
	c := r.c
	r.mu.Unlock()
	c.Close()
	time.Sleep(down)
	r.start()
}

// TestProduceAcrossBrokerRestart: 8 goroutines produce keyed single-record
// and 50-record requests while the broker is closed and restarted on the
// same port and data dir, once for less than kafka_request_timeout_ms and
// once for longer. Every record krest acknowledged is in Kafka at
// exactly the partition and offset it answered, no value is stored twice
// (the idempotent producer), every failure is a per-record 50002/50003 or
// a JSON 5xx, and every request is answered within
// kafka_request_timeout_ms plus franz-go's 5 s request overhead.
func TestProduceAcrossBrokerRestart(t *testing.T) {
	b := newRestartable(t)
	createTopic(t, b.addrs(), "load", 3)
	cfg := externalConfig(t, b.addrs())
	a := runApp(t, cfg)

	l := newLedger()
	stop := make(chan struct{})
	wg := produceLoad(a.URL(), "load", 8, stop, l)
	time.Sleep(time.Second)
	// Down for less than kafka_request_timeout_ms (3 s): requests wait and
	// succeed. Then down for longer: requests in flight fail.
	b.restart(1500 * time.Millisecond)
	time.Sleep(1500 * time.Millisecond)
	b.restart(4 * time.Second)
	restarted := time.Now()
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	l.check(t, readTopic(t, b.addrs(), "load"))
	var after int
	for _, at := range l.ackTimes {
		if at.After(restarted) {
			after++
		}
	}
	if after == 0 {
		t.Errorf("nothing was acknowledged after the broker came back")
	}
	// Records not yet sent fail at kafka_request_timeout_ms (the test with
	// Kafka unreachable at start checks that bound). A batch already sent
	// when the broker died cannot be failed by an idempotent producer — the
	// broker may have written it — so krest must wait until the broker
	// answers again: the downtime, franz-go's request-timeout overhead (5 s)
	// and its retry backoff. The answer must still come, well before a hang.
	if bound := time.Duration(cfg.KafkaRequestTimeoutMS)*time.Millisecond + 4*time.Second + 5*time.Second + 8*time.Second; l.maxTook > bound {
		t.Errorf("the slowest produce answered after %v; kafka_request_timeout_ms %d bounds it to %v", l.maxTook, cfg.KafkaRequestTimeoutMS, bound)
	}
}

// TestProduceAcrossLeaderChanges: the same load on a three-broker cluster
// whose partition leaders move every 150 ms.
func TestProduceAcrossLeaderChanges(t *testing.T) {
	c := startKfake(t, kfake.NumBrokers(3))
	createTopic(t, c.ListenAddrs(), "load", 6)
	a := runApp(t, externalConfig(t, c.ListenAddrs()))

	l := newLedger()
	stop := make(chan struct{})
	wg := produceLoad(a.URL(), "load", 8, stop, l)
	for i := range 20 {
		time.Sleep(150 * time.Millisecond)
		if i%2 == 0 {
			c.ShufflePartitionLeaders()
		} else if err := c.MoveTopicPartition("load", int32(i%6), int32(i%3)); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	l.check(t, readTopic(t, c.ListenAddrs(), "load"))
	if len(l.acked) == 0 {
		t.Fatal("nothing was acknowledged")
	}
}

// consumed is one record a records request returned.
type consumed struct {
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Value     []byte `json:"value"` // binary format: base64 decodes into bytes
}

func fetchRecords(t *testing.T, base string, maxBytes int) ([]consumed, reply) {
	t.Helper()
	r := call("GET", base+"/records?timeout=1000&max_bytes="+strconv.Itoa(maxBytes), "", "", "Accept: "+ctBinary)
	if r.err != nil {
		t.Fatalf("records: %v", r)
	}
	if r.status != 200 {
		if r.status < 400 || !r.jsonError() {
			t.Fatalf("records: %v; want 200 or a JSON error", r)
		}
		return nil, r
	}
	var recs []consumed
	if err := json.Unmarshal(r.body, &recs); err != nil {
		t.Fatalf("records body: %v: %s", err, r.body)
	}
	return recs, r
}

// committed returns the group's committed offsets of topic's partitions
// through the instance (GET .../offsets).
func committed(t *testing.T, base, topic string, partitions int32) map[int32]int64 {
	t.Helper()
	var ps []string
	for p := range partitions {
		ps = append(ps, fmt.Sprintf(`{"topic":%q,"partition":%d}`, topic, p))
	}
	r := call("GET", base+"/offsets", ctV2, `{"partitions":[`+strings.Join(ps, ",")+`]}`)
	if r.status != 200 {
		t.Fatalf("committed offsets: %v", r)
	}
	var resp struct {
		Offsets []struct {
			Partition int32 `json:"partition"`
			Offset    int64 `json:"offset"`
		} `json:"offsets"`
	}
	if err := json.Unmarshal(r.body, &resp); err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	for _, o := range resp.Offsets {
		out[o.Partition] = o.Offset
	}
	return out
}

// produceDirect writes n records with values v-<p>-<i> to each partition
// with an independent client.
func produceDirect(t testing.TB, addrs []string, topic string, partitions int32, n int) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addrs...), kgo.DisableClientMetrics(), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var recs []*kgo.Record
	for p := range partitions {
		for i := range n {
			recs = append(recs, &kgo.Record{Topic: topic, Partition: p, Value: fmt.Appendf(nil, "v-%d-%d", p, i)})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// TestConsumerInstancesSurviveBrokerRestart: a subscribed and an assigned
// instance with auto-commit read part of a two-partition topic, commit, the
// broker restarts on the same port and data dir, and the same instance keeps
// fetching. The rule asserted, per partition, over the records the instance
// returned in order:
//
//   - no skip: the next offset is never above the previous one + 1, and every
//     offset of the partition is returned eventually;
//   - a rewind (an offset not above the previous one) is a duplicate, allowed
//     only for records at or after the offset committed just before the
//     restart, that is records returned after the last commit (a subscribed
//     instance may be assigned its partitions again from the committed
//     offset after the restart);
//   - an assigned instance has no group membership to lose, so it must not
//     rewind at all.
func TestConsumerInstancesSurviveBrokerRestart(t *testing.T) {
	for _, mode := range []string{"subscribe", "assign"} {
		t.Run(mode, func(t *testing.T) {
			b := newRestartable(t)
			const topic, parts, perPart = "c", int32(2), 150
			createTopic(t, b.addrs(), topic, parts)
			produceDirect(t, b.addrs(), topic, parts, perPart)
			cfg := externalConfig(t, b.addrs())
			a := runApp(t, cfg)

			group := "g-" + mode
			base := a.URL() + "/consumers/" + group + "/instances/i"
			if r := call("POST", a.URL()+"/consumers/"+group, ctV2, `{"name":"i","format":"binary","auto.offset.reset":"earliest","auto.commit.enable":"true"}`); r.status != 200 {
				t.Fatalf("create: %v", r)
			}
			if mode == "subscribe" {
				if r := call("POST", base+"/subscription", ctV2, `{"topics":["c"]}`); r.status != 204 {
					t.Fatalf("subscribe: %v", r)
				}
			} else if r := call("POST", base+"/assignments", ctV2, `{"partitions":[{"topic":"c","partition":0},{"topic":"c","partition":1}]}`); r.status != 204 {
				t.Fatalf("assign: %v", r)
			}

			last := map[int32]int64{0: -1, 1: -1}
			seen := map[int32]map[int64]int{0: {}, 1: {}}
			var floor map[int32]int64 // committed before the restart
			var dups, errs int
			take := func(recs []consumed) {
				for _, r := range recs {
					prev := last[r.Partition]
					switch {
					case r.Offset > prev+1:
						t.Errorf("partition %d: offset %d returned after %d: records %d..%d skipped", r.Partition, r.Offset, prev, prev+1, r.Offset-1)
					case r.Offset <= prev:
						dups++
						if floor == nil || r.Offset < floor[r.Partition] || mode == "assign" {
							t.Errorf("partition %d: rewound from %d to %d (committed before the restart: %v)", r.Partition, prev, r.Offset, floor)
						}
					}
					if want := fmt.Sprintf("v-%d-%d", r.Partition, r.Offset); string(r.Value) != want {
						t.Errorf("partition %d offset %d has value %q, want %q", r.Partition, r.Offset, r.Value, want)
					}
					last[r.Partition] = r.Offset
					seen[r.Partition][r.Offset]++
				}
			}
			total := func() int { return len(seen[0]) + len(seen[1]) }
			deadline := time.Now().Add(15 * time.Second)
			for total() < 100 && time.Now().Before(deadline) {
				recs, _ := fetchRecords(t, base, 200) // small: a few records per request
				take(recs)
			}
			if r := call("POST", base+"/offsets", ctV2, ""); r.status != 200 && r.status != 204 {
				t.Fatalf("commit: %v", r)
			}
			floor = committed(t, base, topic, parts)
			t.Logf("before the restart: returned %d records, committed %v", total(), floor)

			b.restart(time.Second)
			for total() < int(parts)*perPart && time.Now().Before(deadline) && !t.Failed() {
				recs, r := fetchRecords(t, base, 2000)
				if r.status != 200 {
					errs++
				}
				take(recs)
			}
			t.Logf("after the restart: %d of %d records returned, %d duplicates, %d error answers", total(), int(parts)*perPart, dups, errs)
			if total() != int(parts)*perPart {
				t.Fatalf("the instance returned %d distinct records of %d within 15 s (last offsets %v)", total(), int(parts)*perPart, last)
			}
		})
	}
}

// TestInjectedKafkaErrorsOnConsumerRequests: Fetch, OffsetCommit,
// JoinGroup, SyncGroup and Heartbeat answer with transient error codes for a
// while. Every REST request answers 200/204 or a JSON 4xx/5xx that is not
// the generic 500, within its bound, and the instances recover: they read
// every record and their commits land.
func TestInjectedKafkaErrorsOnConsumerRequests(t *testing.T) {
	for _, mode := range []string{"subscribe", "assign"} {
		t.Run(mode, func(t *testing.T) { injectedErrors(t, mode) })
	}
}

func injectedErrors(t *testing.T, mode string) {
	c := startKfake(t, kfake.NumBrokers(1))
	addrs := c.ListenAddrs()
	const topic, parts, perPart = "f", int32(2), 40
	createTopic(t, addrs, topic, parts)
	produceDirect(t, addrs, topic, parts, perPart)
	a := runApp(t, externalConfig(t, addrs))

	faults := c.Fault(
		kfake.Fault{Keys: []kmsg.Key{kmsg.JoinGroup}, Err: kerr.RebalanceInProgress, Count: 2},
		kfake.Fault{Keys: []kmsg.Key{kmsg.JoinGroup}, Err: kerr.NotCoordinator, Count: 1},
		kfake.Fault{Keys: []kmsg.Key{kmsg.SyncGroup}, Err: kerr.RebalanceInProgress, Count: 1},
		kfake.Fault{Keys: []kmsg.Key{kmsg.Heartbeat}, Err: kerr.RebalanceInProgress, Count: 2},
		kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Topic: topic, Err: kerr.UnknownTopicOrPartition, Count: 2},
		kfake.Fault{Keys: []kmsg.Key{kmsg.Fetch}, Topic: topic, Err: kerr.NotLeaderForPartition, Count: 2},
		kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetCommit}, Err: kerr.NotCoordinator, Count: 2},
		kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetCommit}, Err: kerr.RebalanceInProgress, Count: 1},
		kfake.Fault{Keys: []kmsg.Key{kmsg.OffsetFetch}, Err: kerr.CoordinatorLoadInProgress, Count: 2},
	)
	defer faults.Remove()

	var errAnswers int
	check := func(what string, r reply, ok ...int) {
		t.Helper()
		switch {
		case r.err != nil || r.took > 8*time.Second:
			t.Errorf("%s: %v: hung", what, r)
		case slices.Contains(ok, r.status):
		case r.status >= 400 && r.jsonError() && !strings.Contains(string(r.body), "Internal Server Error"):
			errAnswers++ // an error answer, allowed while faults are injected
			t.Logf("%s: %v", what, r)
		default:
			t.Errorf("%s: %v; want %v or a JSON 4xx/5xx that is not the generic 500", what, r, ok)
		}
	}
	group := "fg-" + mode
	base := a.URL() + "/consumers/" + group + "/instances/i"
	if r := call("POST", a.URL()+"/consumers/"+group, ctV2, `{"name":"i","format":"binary","auto.offset.reset":"earliest","auto.commit.enable":"false"}`); r.status != 200 {
		t.Fatalf("create: %v", r)
	}
	deadline := time.Now().Add(12 * time.Second)
	for {
		var r reply
		if mode == "subscribe" {
			r = call("POST", base+"/subscription", ctV2, `{"topics":["f"]}`)
		} else {
			r = call("POST", base+"/assignments", ctV2, `{"partitions":[{"topic":"f","partition":0},{"topic":"f","partition":1}]}`)
		}
		check(mode, r, 204)
		if r.status == 204 || t.Failed() || time.Now().After(deadline) {
			break
		}
	}
	seen := map[string]bool{}
	for len(seen) < int(parts)*perPart && time.Now().Before(deadline) && !t.Failed() {
		r := call("GET", base+"/records?timeout=500", "", "", "Accept: "+ctBinary)
		check("records", r, 200)
		if r.status == 200 {
			var recs []consumed
			if err := json.Unmarshal(r.body, &recs); err != nil {
				t.Fatalf("records body: %s", r.body)
			}
			for _, rec := range recs {
				seen[string(rec.Value)] = true
			}
			check("commit", call("POST", base+"/offsets", ctV2, ""), 200, 204)
		}
		check("committed offsets", call("GET", base+"/offsets", ctV2, `{"partitions":[{"topic":"f","partition":0}]}`), 200)
	}
	if len(seen) != int(parts)*perPart {
		t.Fatalf("read %d of %d records within 12 s under faults", len(seen), int(parts)*perPart)
	}
	// Commits land once the faults are used up.
	var r reply
	for range 10 {
		if r = call("POST", base+"/offsets", ctV2, ""); r.status == 200 || r.status == 204 {
			break
		}
	}
	if got := committed(t, base, topic, parts); got[0] != perPart || got[1] != perPart {
		t.Fatalf("committed %v after reading everything, want %d on each partition (last commit %v)", got, perPart, r)
	}
	check("delete", call("DELETE", base, "", ""), 204)
	t.Logf("fault hits: %d, error answers: %d", faults.Hits(), errAnswers)
}
