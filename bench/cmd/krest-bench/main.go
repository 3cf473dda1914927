// Command krest-bench measures krest against a native Kafka client: each
// scenario runs the same workload first through krest's REST API and then
// through a franz-go client talking to the same broker directly, and the
// report gives both and the ratio krest / direct, with the project's
// targets marked pass or fail.
//
// The usual way to run it starts krest itself, on free ports with its
// embedded broker and a temporary data directory:
//
//	go build -o /tmp/krest ./cmd/krest
//	go build -o /tmp/krest-bench ./bench/cmd/krest-bench
//	/tmp/krest-bench -krest-bin /tmp/krest -json bench.json -svg bench.svg
//
// Against a krest that is already running (its pid gives its CPU figures):
//
//	/tmp/krest-bench -url http://127.0.0.1:8082 -bootstrap 127.0.0.1:9092 -registry http://127.0.0.1:8081 -pid $(pgrep -x krest)
//
// (-registry is the schema registry krest uses, for the avro scenario;
// without it that scenario is skipped and says so.)
//
// -footprint measures start-to-ready time, idle RSS and RSS with 1,000
// consumer instances instead; -flood measures krest's memory under a flood
// of large produce requests (flood.go). docs/performance.md describes the scenarios,
// the columns and how to read them.
//
// The bench is bounded: every scenario runs for -duration per side plus a
// small setup, -timeout caps the whole run, and it refuses non-loopback
// targets unless -allow-remote. It deletes its topics, groups and consumer
// instances afterwards (-keep-topics keeps the topics).
//
// Exit codes: 0 when every scenario ran without errors (a missed target is
// reported, not fatal, unless -strict), 1 when a scenario failed or had
// errors, 2 for bad flags.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// options are the command-line flags.
type options struct {
	url, bootstrap     string
	registry           string
	duration, warmup   time.Duration
	timeout            time.Duration
	scenarios          string
	conns, partitions  int
	topicPrefix        string
	pid                int
	krestBin           string
	krestArgs          string
	krestEnv           string
	httpClient         string
	pprofDir           string
	jsonOut, svgOut    string
	markdown           bool
	allowRemote        bool
	keepTopics         bool
	consumeRecords     int64
	maxBytes           int
	pollTimeout        time.Duration
	footprint          bool
	floodOn            bool
	flood              floodOptions
	footprintInstances int
	footprintSubscribe bool
	readyRuns          int
	strict             bool
	list               bool
	render             string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("krest-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8082", "krest base URL")
	fs.StringVar(&o.bootstrap, "bootstrap", "127.0.0.1:9092", "the Kafka bootstrap krest uses (comma-separated host:port), for the direct client")
	fs.StringVar(&o.registry, "registry", "", "base URL of the schema registry krest uses (its embedded one, or its registry_url), for the avro scenario, which is skipped without it; -krest-bin sets it to the started krest's embedded registry")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time per side and scenario (consume: the longest a side may take)")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured load before each produce side (connections, buffers, GC pacing); errors in it still count")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "bound on the whole run")
	fs.StringVar(&o.scenarios, "scenarios", "all", "all, or a comma-separated list of scenario names or prefixes (-list shows them)")
	fs.IntVar(&o.conns, "connections", 16, "concurrent HTTP connections (krest) and ProduceSync goroutines (direct) in produce scenarios")
	fs.IntVar(&o.partitions, "partitions", 4, "partitions of each scenario's topic")
	fs.StringVar(&o.topicPrefix, "topic-prefix", "bench-", "prefix of the topics and groups the bench creates")
	fs.IntVar(&o.pid, "pid", 0, "krest's pid, to report its CPU from /proc (automatic with -krest-bin)")
	fs.StringVar(&o.krestBin, "krest-bin", "", "start this krest binary on free ports with its embedded broker and registry (overrides -url, -bootstrap, -pid; sets -registry unless given)")
	fs.StringVar(&o.krestArgs, "krest-args", "", "extra arguments for the krest started by -krest-bin, space-separated")
	fs.StringVar(&o.krestEnv, "krest-env", "", "extra environment for the krest started by -krest-bin, space-separated KEY=VALUE (e.g. GOGC=200 or KREST_PRODUCER_LINGER_MS=1)")
	fs.StringVar(&o.httpClient, "http-client", "raw", "HTTP client of the produce workers: raw (a minimal keep-alive HTTP/1.1 client, cheap on a shared machine) or net (net/http's client)")
	fs.StringVar(&o.pprofDir, "pprof-dir", "", "write a CPU profile of krest during each scenario's krest side to DIR/<scenario>.cpu.pprof (krest must serve /debug/pprof/ on its REST listener: -krest-bin sets KREST_PPROF_ENABLED=true; profiling costs krest some CPU, so do not publish figures from such a run)")
	fs.StringVar(&o.jsonOut, "json", "", "write the results as JSON to this file")
	fs.StringVar(&o.svgOut, "svg", "", "write a bar chart of the ratios to this SVG file")
	fs.BoolVar(&o.markdown, "markdown", false, "print the table as Markdown (for docs/performance.md)")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback -url, -bootstrap or consumer base_uri")
	fs.BoolVar(&o.keepTopics, "keep-topics", false, "keep the scenario topics afterwards")
	fs.Int64Var(&o.consumeRecords, "consume-records", 500_000, "records pre-filled for each consume scenario; each side reads them all")
	fs.IntVar(&o.maxBytes, "max-bytes", 16<<20, "max_bytes of each records request")
	fs.DurationVar(&o.pollTimeout, "poll-timeout", time.Second, "timeout of each records request")
	fs.BoolVar(&o.footprint, "footprint", false, "measure start-to-ready time and RSS (idle, with -footprint-instances consumer instances) instead of the scenarios")
	fs.IntVar(&o.footprintInstances, "footprint-instances", 1000, "consumer instances created for the -footprint RSS figure")
	fs.BoolVar(&o.footprintSubscribe, "footprint-subscribe", true, "in -footprint, also subscribe the instances (each in its own group) to an empty topic and measure again")
	fs.IntVar(&o.readyRuns, "ready-runs", 5, "krest starts timed by -footprint (needs -krest-bin)")
	fs.BoolVar(&o.floodOn, "flood", false, "measure krest's memory under a flood of large produce requests instead of the scenarios (needs -krest-bin; see flood.go)")
	fs.IntVar(&o.flood.conns, "flood-connections", 2000, "in -flood, concurrent connections, one produce request each")
	fs.IntVar(&o.flood.bodySize, "flood-body", 1<<20-1024, "in -flood, bytes of each produce body (a binary record whose base64 value fills it)")
	fs.DurationVar(&o.flood.slow, "flood-slow", 0, "in -flood, send each body over this long instead of at once")
	fs.BoolVar(&o.flood.missing, "flood-missing-topic", false, "in -flood, produce to a topic that does not exist: every admitted body is read and decoded, then answered 404, and nothing reaches Kafka")
	fs.BoolVar(&o.strict, "strict", false, "exit 1 when a target is missed, too")
	fs.BoolVar(&o.list, "list", false, "list the scenarios and exit")
	fs.StringVar(&o.render, "render", "", "print the table (and write -svg) from a -json file of an earlier run instead of running")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	switch {
	case o.duration <= 0 || o.timeout <= 0 || o.warmup < 0 || o.pollTimeout < 0:
		return o, errors.New("-duration and -timeout must be positive, -warmup and -poll-timeout not negative")
	case o.conns < 1 || o.conns > 1024:
		return o, errors.New("-connections must be 1…1024")
	case o.partitions < 1:
		return o, errors.New("-partitions must be at least 1")
	case o.consumeRecords < 1 || o.maxBytes < 1:
		return o, errors.New("-consume-records and -max-bytes must be positive")
	case o.flood.conns < 1 || o.flood.bodySize < 64 || o.flood.slow < 0:
		return o, errors.New("-flood-connections must be positive, -flood-body at least 64, -flood-slow not negative")
	case o.footprintInstances < 0 || o.readyRuns < 0:
		return o, errors.New("-footprint-instances and -ready-runs must not be negative")
	case o.httpClient != "raw" && o.httpClient != "net":
		return o, errors.New("-http-client must be raw or net")
	}
	if _, err := selectScenarios(o.scenarios); err != nil {
		return o, err
	}
	return o, nil
}

// report is the JSON output.
type report struct {
	Meta      meta             `json:"meta"`
	Scenarios []scenarioResult `json:"scenarios,omitzero"`
	Footprint *footprint       `json:"footprint,omitzero"`
}

type meta struct {
	Started      time.Time `json:"started"`
	Args         []string  `json:"args"`
	URL          string    `json:"url"`
	Bootstrap    string    `json:"bootstrap"`
	Registry     string    `json:"registry,omitzero"`
	KrestVersion string    `json:"krest_version,omitzero"`
	KrestPid     int       `json:"krest_pid,omitzero"`
	SelfStarted  bool      `json:"krest_started_by_bench"`
	Duration     string    `json:"duration"`
	Warmup       string    `json:"warmup"`
	Connections  int       `json:"connections"`
	Partitions   int       `json:"partitions"`
	ConsumeRecs  int64     `json:"consume_records"`
	MaxBytes     int       `json:"max_bytes"`
	HTTPClient   string    `json:"http_client,omitzero"`
	CPUs         int       `json:"cpus"`
	GoVersion    string    `json:"go_version"`
	OS           string    `json:"os"`
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "krest-bench:", err)
		return 2
	}
	if o.list {
		for _, sc := range scenarios {
			line := fmt.Sprintf("%-26s %s", sc.Name, sc.Description)
			if sc.Target.set() {
				line += " [target " + sc.Target.String() + "]"
			}
			if sc.Skip != "" {
				line += " [skipped: " + sc.Skip + "]"
			}
			fmt.Fprintln(stdout, line)
		}
		return 0
	}
	if o.render != "" {
		return renderSaved(o, stdout, stderr)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	rep := report{Meta: meta{
		Started: time.Now().UTC(), Args: args,
		Duration: o.duration.String(), Warmup: o.warmup.String(),
		Connections: o.conns, Partitions: o.partitions, ConsumeRecs: o.consumeRecords, MaxBytes: o.maxBytes, HTTPClient: o.httpClient,
		CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH,
	}}

	if o.floodOn {
		if err := runFlood(ctx, o, stdout); err != nil {
			fmt.Fprintln(stderr, "krest-bench:", err)
			return 1
		}
		return 0
	}
	if o.footprint {
		fp, err := measureFootprint(ctx, o)
		if err != nil {
			fmt.Fprintln(stderr, "krest-bench:", err)
			return 1
		}
		rep.Footprint = fp
		rep.Meta.SelfStarted = o.krestBin != ""
		if !rep.Meta.SelfStarted {
			rep.Meta.URL, rep.Meta.Bootstrap, rep.Meta.KrestPid = o.url, o.bootstrap, o.pid
		}
		printFootprint(stdout, fp, o.markdown)
		return writeOutputs(o, rep, stderr)
	}

	if o.krestBin != "" {
		env := splitArgs(o.krestEnv)
		if o.pprofDir != "" {
			env = append([]string{"KREST_PPROF_ENABLED=true"}, env...)
		}
		k, err := startKrest(ctx, o.krestBin, splitArgs(o.krestArgs), env)
		if err != nil {
			fmt.Fprintln(stderr, "krest-bench:", err)
			return 1
		}
		defer k.stop()
		o.url, o.bootstrap, o.pid = k.url, k.bootstrap, k.pid()
		if o.registry == "" {
			o.registry = k.registry
		}
		rep.Meta.SelfStarted = true
		logf("started krest (pid %d) at %s, embedded broker %s, schema registry %s, ready in %s", o.pid, o.url, o.bootstrap, orNone(o.registry), k.ready.Round(time.Millisecond))
	}
	rep.Meta.URL, rep.Meta.Bootstrap, rep.Meta.Registry, rep.Meta.KrestPid = o.url, o.bootstrap, o.registry, o.pid
	b, err := newBench(ctx, o)
	if err != nil {
		fmt.Fprintln(stderr, "krest-bench:", err)
		return 1
	}
	defer b.close()
	rep.Meta.KrestVersion = b.version

	list, _ := selectScenarios(o.scenarios)
	for _, sc := range list {
		if ctx.Err() != nil {
			res := scenarioResult{Name: sc.Name, Description: sc.Description, Target: sc.Target, Failed: "not run: " + context.Cause(ctx).Error()}
			res.finish()
			rep.Scenarios = append(rep.Scenarios, res)
			continue
		}
		res := b.runScenario(ctx, sc)
		logf("%s", summaryLine(res))
		rep.Scenarios = append(rep.Scenarios, res)
	}
	printTable(stdout, rep.Scenarios, o.markdown)
	code := writeOutputs(o, rep, stderr)
	for _, r := range rep.Scenarios {
		switch {
		case r.Status == "ERR" || r.Status == "FAILED":
			code = 1
		case r.Status == "FAIL" && o.strict:
			code = 1
		}
	}
	return code
}

// renderSaved prints a saved run again, for instance as Markdown for
// docs/performance.md, without loading anything.
func renderSaved(o options, stdout, stderr io.Writer) int {
	b, err := os.ReadFile(o.render)
	var rep report
	if err == nil {
		err = json.Unmarshal(b, &rep)
	}
	if err != nil {
		fmt.Fprintln(stderr, "krest-bench: -render:", err)
		return 1
	}
	if len(rep.Scenarios) > 0 {
		printTable(stdout, rep.Scenarios, o.markdown)
	}
	if rep.Footprint != nil {
		if len(rep.Scenarios) > 0 {
			fmt.Fprintln(stdout)
		}
		printFootprint(stdout, rep.Footprint, o.markdown)
	}
	o.jsonOut = "" // never overwrite the input
	return writeOutputs(o, rep, stderr)
}

func writeOutputs(o options, rep report, stderr io.Writer) int {
	code := 0
	if o.jsonOut != "" {
		b, err := json.Marshal(rep, jsontext.Multiline(true), json.Deterministic(true))
		if err == nil {
			err = os.WriteFile(o.jsonOut, append(b, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintln(stderr, "krest-bench: -json:", err)
			code = 1
		}
	}
	if o.svgOut != "" && len(rep.Scenarios) > 0 {
		f, err := os.Create(o.svgOut)
		if err == nil {
			err = writeSVG(f, rep.Scenarios, svgTitle(rep.Meta))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "krest-bench: -svg:", err)
			code = 1
		}
	}
	return code
}

func svgTitle(m meta) string {
	v := m.KrestVersion
	if v == "" {
		v = "?"
	}
	return fmt.Sprintf("krest %s / direct franz-go — %s per side, %d connections, %d CPUs, %s",
		v, m.Duration, m.Connections, m.CPUs, m.Started.Format("2006-01-02"))
}

// bench holds what every scenario shares.
type bench struct {
	o       options
	k       *krestClient
	brokers []string
	adminCl *kgo.Client
	adm     *kadm.Client
	version string
}

func newBench(ctx context.Context, o options) (*bench, error) {
	brokers := strings.Split(o.bootstrap, ",")
	for i := range brokers {
		brokers[i] = strings.TrimSpace(brokers[i])
	}
	if !o.allowRemote {
		if err := checkLoopbackURL(ctx, o.url); err != nil {
			return nil, fmt.Errorf("-url: %w", err)
		}
		if err := checkLoopbackAddrs(ctx, brokers); err != nil {
			return nil, fmt.Errorf("-bootstrap: %w", err)
		}
		if o.registry != "" {
			if err := checkLoopbackURL(ctx, o.registry); err != nil {
				return nil, fmt.Errorf("-registry: %w", err)
			}
		}
	}
	b := &bench{
		o:       o,
		k:       &krestClient{base: strings.TrimRight(o.url, "/"), hc: newHTTPClient(o.conns, o.pollTimeout), allowRemote: o.allowRemote, raw: o.httpClient == "raw"},
		brokers: brokers,
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := b.k.health(hctx)
	if err != nil {
		return nil, fmt.Errorf("krest at %s: %w", o.url, err)
	}
	b.version = v
	b.adminCl, err = kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ClientID("krest-bench-admin"))
	if err != nil {
		return nil, err
	}
	b.adm = kadm.NewClient(b.adminCl)
	if _, err := b.adm.BrokerMetadata(hctx); err != nil {
		b.adminCl.Close()
		return nil, fmt.Errorf("kafka at %s: %w", o.bootstrap, err)
	}
	return b, nil
}

func (b *bench) close() {
	b.adminCl.Close()
	b.k.hc.CloseIdleConnections()
}

// budget bounds one scenario: both sides' warm-up and duration, a grace
// for requests in flight at the deadline, and setup (topic, pre-fill).
func (b *bench) budget(sc scenario) time.Duration {
	d := 2*(b.o.warmup+b.o.duration) + 60*time.Second
	if sc.Op == opConsume {
		d += 120 * time.Second // pre-fill
	}
	return d
}

func (b *bench) runScenario(ctx context.Context, sc scenario) (res scenarioResult) {
	res = scenarioResult{Name: sc.Name, Description: sc.Description, Target: sc.Target}
	defer res.finish()
	if sc.Skip != "" {
		res.Skipped = sc.Skip
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, b.budget(sc))
	defer cancel()
	wl, err := newWorkload(sc.Format, sc.RecordSize, payloadCount)
	if err != nil {
		res.Failed = err.Error()
		return res
	}
	if wl.schema != "" && b.o.registry == "" {
		res.Skipped = "needs -registry (the schema registry krest uses)"
		return res
	}
	topic := b.o.topicPrefix + sc.Name + "-" + randomSuffix()
	res.Topic = topic
	if err := b.createTopic(ctx, topic); err != nil {
		res.Failed = err.Error()
		return res
	}
	var groups []string
	defer func() { b.cleanup(topic, groups) }()
	if err := b.k.waitTopic(ctx, topic); err != nil {
		res.Failed = err.Error()
		return res
	}
	if wl.schema != "" {
		// Registered once, under the subject krest's default naming
		// strategy (TopicNameStrategy) checks the id against.
		subject := topic + "-value"
		id, err := registerSchema(ctx, b.k.hc, b.o.registry, subject, wl.schema)
		if err != nil {
			res.Failed = err.Error()
			return res
		}
		if !b.o.keepTopics {
			defer func() {
				if err := deleteSubject(b.k.hc, b.o.registry, subject); err != nil {
					logf("warning: %v", err)
				}
			}()
		}
		if err := wl.setSchemaID(id); err != nil {
			res.Failed = err.Error()
			return res
		}
		res.SchemaID = id
	}
	switch sc.Op {
	case opProduce:
		res.Krest, res.Direct, err = b.runProduce(ctx, sc, topic, wl)
	case opConsume:
		groups = []string{topic + "-krest", topic + "-direct"}
		res.Krest, res.Direct, err = b.runConsume(ctx, sc, topic, groups, wl.kafka)
	}
	if err != nil {
		res.Failed = err.Error()
	}
	return res
}

func (b *bench) runProduce(ctx context.Context, sc scenario, topic string, wl *workload) (*sideResult, *sideResult, error) {
	// Enough bodies that the requests cycle through every value.
	bodies := make([][]byte, max(1, payloadCount/sc.Batch))
	for i := range bodies {
		bodies[i] = wl.body(i*sc.Batch, sc.Batch)
	}
	// The krest side books each produced record's bytes as stored in
	// Kafka, as the direct side does (for avro they differ from the JSON
	// size the scenario is named by).
	ksc := sc
	ksc.RecordSize = wl.storedSize()

	logf("%s: krest side (%s warm-up, %s)", sc.Name, b.o.warmup, b.o.duration)
	var warm counters
	if b.o.warmup > 0 {
		b.k.produce(ctx, topic, ksc, bodies, b.o.conns, b.o.warmup, &warm, &cpuMeter{})
	}
	var c counters
	m := &cpuMeter{pid: b.o.pid}
	profiled := b.profileKrest(ctx, sc.Name, b.o.duration)
	b.k.produce(ctx, topic, ksc, bodies, b.o.conns, b.o.duration, &c, m)
	profiled()
	kr := sideFrom(&c, &warm, m)
	if ctx.Err() != nil {
		return kr, nil, context.Cause(ctx)
	}

	logf("%s: direct side", sc.Name)
	cl, err := kgo.NewClient(directProducerOpts(b.brokers)...)
	if err != nil {
		return kr, nil, err
	}
	defer cl.Close()
	var dwarm counters
	if b.o.warmup > 0 {
		directProduce(ctx, cl, topic, sc, wl, b.o.conns, b.o.warmup, &dwarm, &cpuMeter{})
	}
	var d counters
	dm := &cpuMeter{pid: b.o.pid}
	directProduce(ctx, cl, topic, sc, wl, b.o.conns, b.o.duration, &d, dm)
	dr := sideFrom(&d, &dwarm, dm)
	if ctx.Err() != nil {
		return kr, dr, context.Cause(ctx)
	}
	return kr, dr, nil
}

// sideFrom builds a produce side's result; errors from the warm-up are added
// so that none is hidden, but its records and latencies are not.
func sideFrom(c, warm *counters, m *cpuMeter) *sideResult {
	r := c.result(m.wall())
	m.fill(r)
	r.HTTPErrors += warm.httpErrs
	r.RecordErrors += warm.recErrs
	r.ClientErrors += warm.clientErrs
	if r.FirstError == "" && warm.firstErr != "" {
		r.FirstError = "warm-up: " + warm.firstErr
	}
	return r
}

func (b *bench) runConsume(ctx context.Context, sc scenario, topic string, groups []string, values [][]byte) (*sideResult, *sideResult, error) {
	logf("%s: pre-filling %d records", sc.Name, b.o.consumeRecords)
	if err := prefill(ctx, b.brokers, b.adm, topic, values, b.o.consumeRecords); err != nil {
		return nil, nil, err
	}
	ready := func(ctx context.Context, group string) (time.Duration, error) {
		return waitGroupStable(ctx, b.adm, group, topic, sc.Consumers, b.o.partitions)
	}
	logf("%s: krest side (up to %s)", sc.Name, b.o.duration)
	m := &cpuMeter{pid: b.o.pid}
	// The side usually ends sooner than -duration; a short profile (which
	// also covers the group's join) is what it gets.
	profiled := b.profileKrest(ctx, sc.Name, min(b.o.duration, 3*time.Second))
	kr, err := b.k.consume(ctx, topic, groups[0], sc, b.o.consumeRecords, b.o.maxBytes, b.o.pollTimeout, b.o.duration, ready, m)
	profiled()
	if err != nil {
		return nil, nil, fmt.Errorf("krest side: %w", err)
	}
	m.fill(kr)
	logf("%s: direct side (up to %s)", sc.Name, b.o.duration)
	dm := &cpuMeter{pid: b.o.pid}
	dr, err := directConsume(ctx, b.brokers, topic, groups[1], sc, b.o.consumeRecords, b.o.duration, ready, dm)
	if err != nil {
		return kr, nil, fmt.Errorf("direct side: %w", err)
	}
	dm.fill(dr)
	return kr, dr, nil
}

// profileKrest fetches a CPU profile of krest over d (whole seconds) into
// -pprof-dir/<name>.cpu.pprof in the background; the returned func waits
// for it. Without -pprof-dir it does nothing. A failure is a warning: the
// figures do not depend on it.
func (b *bench) profileKrest(ctx context.Context, name string, d time.Duration) (wait func()) {
	if b.o.pprofDir == "" {
		return func() {}
	}
	secs := max(1, int(d.Round(time.Second)/time.Second))
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := func() error {
			if err := os.MkdirAll(b.o.pprofDir, 0o755); err != nil {
				return err
			}
			hc := &http.Client{Timeout: time.Duration(secs)*time.Second + 30*time.Second}
			req, err := http.NewRequestWithContext(ctx, "GET", b.k.base+"/debug/pprof/profile?seconds="+strconv.Itoa(secs), nil)
			if err != nil {
				return err
			}
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return err
			}
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("HTTP %d: %s (start krest with pprof_enabled)", resp.StatusCode, truncate(string(body), 200))
			}
			return os.WriteFile(filepath.Join(b.o.pprofDir, name+".cpu.pprof"), body, 0o644)
		}()
		if err != nil {
			logf("warning: %s: CPU profile of krest: %v", name, err)
		}
	}()
	return func() { <-done }
}

func (b *bench) createTopic(ctx context.Context, topic string) error {
	resp, err := b.adm.CreateTopic(ctx, int32(b.o.partitions), 1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	return nil
}

// cleanup deletes the scenario's groups and (unless -keep-topics) its topic
// on a fresh context, so that it runs after a deadline or a signal too.
func (b *bench) cleanup(topic string, groups []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if len(groups) > 0 {
		if _, err := b.adm.DeleteGroups(ctx, groups...); err != nil {
			logf("warning: delete groups %v: %v", groups, err)
		}
	}
	if b.o.keepTopics {
		return
	}
	resp, err := b.adm.DeleteTopics(ctx, topic)
	if err == nil {
		err = resp.Error()
	}
	if err != nil {
		logf("warning: delete topic %s: %v", topic, err)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// randomSuffix makes every run's topics and groups fresh.
func randomSuffix() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
