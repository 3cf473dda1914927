package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/twmb/avro"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/app"
	"github.com/krest-dev/krest/internal/config"
)

// TestAvroScenarioAgainstKrest runs the avro scenario briefly against a
// real krest in process (embedded broker and registry), then reads every
// record of the scenario's topic back with an independent kgo client: each
// one, whichever side wrote it, must be in the Confluent wire format with
// the registered schema id and decode, with the schema the registry serves
// for that id, to exactly one of the values sent — and the topic must hold
// exactly the records the two sides counted.
func TestAvroScenarioAgainstKrest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts krest")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := config.Default()
	cfg.Host = "127.0.0.1"
	cfg.Port = 0
	cfg.EmbeddedBrokerPort = 0
	cfg.RegistryPort = 0
	cfg.DataDir = t.TempDir()
	a, err := app.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	defer a.Close(context.Background())
	if a.RegistryURL() == "" {
		t.Fatal("krest serves no embedded registry")
	}

	o, err := parseFlags([]string{
		"-url", a.URL(), "-bootstrap", a.BrokerAddr(), "-registry", a.RegistryURL(),
		"-duration", "400ms", "-warmup", "0s", "-connections", "4", "-partitions", "2",
		"-topic-prefix", "test-", "-keep-topics",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b, err := newBench(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	list, err := selectScenarios("produce-avro-1k-x100")
	if err != nil || len(list) != 1 {
		t.Fatal(list, err)
	}
	sc := list[0]
	res := b.runScenario(ctx, sc)
	if res.Failed != "" || res.Skipped != "" || res.Krest == nil || res.Direct == nil {
		t.Fatalf("scenario did not run: %+v", res)
	}
	if res.Krest.errors() != 0 || res.Direct.errors() != 0 {
		t.Fatalf("errors: krest %+v; direct %+v", res.Krest, res.Direct)
	}
	if res.Krest.Records == 0 || res.Direct.Records == 0 || res.SchemaID <= 0 || res.Status != "" {
		t.Fatalf("krest %d records, direct %d, schema id %d, status %q", res.Krest.Records, res.Direct.Records, res.SchemaID, res.Status)
	}

	wl, err := newWorkload("avro", sc.RecordSize, payloadCount)
	if err != nil {
		t.Fatal(err)
	}
	if err := wl.setSchemaID(res.SchemaID); err != nil {
		t.Fatal(err)
	}
	// Both sides book the stored bytes.
	if res.Krest.Bytes != res.Krest.Records*int64(wl.storedSize()) {
		t.Errorf("krest side: %d bytes for %d records of %d bytes", res.Krest.Bytes, res.Krest.Records, wl.storedSize())
	}
	if d := res.Direct.Bytes - res.Direct.Records*int64(wl.storedSize()); d < -res.Direct.Records || d > res.Direct.Records {
		t.Errorf("direct side: %d bytes for %d records", res.Direct.Bytes, res.Direct.Records)
	}

	// krest's real response to an avro produce takes the tool's fast path
	// (it names the schema id), so checking it costs the tool no more than
	// for binary.
	var buf bytes.Buffer
	status, body, err := b.k.do(ctx, "POST", b.k.base+"/topics/"+res.Topic, contentType("avro"), acceptV2, wl.body(0, sc.Batch), &buf)
	if err != nil || status != http.StatusOK {
		t.Fatalf("produce: %d %s %v", status, body, err)
	}
	if n, ok := fastProduceOK(body); !ok || n != sc.Batch {
		t.Errorf("fast path: %d %v for %s", n, ok, truncate(string(body), 200))
	}
	want := res.Krest.Records + res.Direct.Records + int64(sc.Batch)

	// The schema as the registry serves it for the id.
	var sbuf bytes.Buffer
	status, body, err = b.k.do(ctx, "GET", o.registry+"/schemas/ids/"+strconv.Itoa(res.SchemaID), "", "", nil, &sbuf)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET schema %d: %d %s %v", res.SchemaID, status, body, err)
	}
	var got struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	schema, err := avro.Parse(got.Schema)
	if err != nil {
		t.Fatal(err)
	}

	cl, err := kgo.NewClient(kgo.SeedBrokers(b.brokers...), kgo.ConsumeTopics(res.Topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var n int64
	producers := map[int64]int64{}
	seen := map[int64]bool{}
	for n < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %d of %d records", n, want)
		}
		fs.EachError(func(tp string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", tp, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			n++
			producers[r.ProducerID]++
			v := r.Value
			if len(v) < 5 || v[0] != 0 || int(binary.BigEndian.Uint32(v[1:5])) != res.SchemaID {
				t.Fatalf("%d/%d: not the wire format with schema id %d: % x", r.Partition, r.Offset, res.SchemaID, v[:min(len(v), 8)])
			}
			var ev benchEvent
			rest, err := schema.Decode(v[5:], &ev)
			if err != nil || len(rest) != 0 {
				t.Fatalf("%d/%d: decode: %v (%d bytes left)", r.Partition, r.Offset, err, len(rest))
			}
			if ev.ID < 0 || ev.ID >= payloadCount || !reflect.DeepEqual(ev, wl.events[ev.ID]) {
				t.Fatalf("%d/%d: decodes to %+v, not a value sent", r.Partition, r.Offset, ev)
			}
			if !bytes.Equal(v, wl.kafka[ev.ID]) {
				t.Fatalf("%d/%d: bytes differ from the direct encoding of value %d", r.Partition, r.Offset, ev.ID)
			}
			seen[ev.ID] = true
		})
	}
	// Nothing more than the counted records.
	ends, err := b.adm.ListEndOffsets(ctx, res.Topic)
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	ends.Each(func(lo kadm.ListedOffset) { total += lo.Offset })
	if total != want || n != want {
		t.Fatalf("topic holds %d records, read %d; the sides counted %d", total, n, want)
	}
	// Both producers wrote (krest's shared client and the direct client).
	if len(producers) < 2 {
		t.Fatalf("records from producers %v: want krest's and the direct client's", producers)
	}
	t.Logf("schema id %d; krest %d records (%.0f/s), direct %d (%.0f/s), producers %v", res.SchemaID, res.Krest.Records, res.Krest.RecPerSec, res.Direct.Records, res.Direct.RecPerSec, producers)
	if len(seen) != payloadCount {
		t.Errorf("%d distinct values read, want all %d", len(seen), payloadCount)
	}
}

// TestAvroScenarioNeedsRegistry checks that without a registry the avro
// scenario is skipped with a reason, never silently.
func TestAvroScenarioNeedsRegistry(t *testing.T) {
	list, _ := selectScenarios("produce-avro-1k-x100")
	b := &bench{o: options{}}
	res := b.runScenario(context.Background(), list[0])
	if res.Status != "SKIP" || res.Skipped != "needs -registry (the schema registry krest uses)" {
		t.Fatalf("%+v", res)
	}
	var out bytes.Buffer
	printTable(&out, []scenarioResult{res}, false)
	if !bytes.Contains(out.Bytes(), []byte("skipped: needs -registry")) {
		t.Fatalf("table:\n%s", out.String())
	}
}

func TestChildRegistry(t *testing.T) {
	for _, c := range []struct {
		args, env []string
		want      string
	}{
		{nil, []string{"KREST_REGISTRY_PORT=18081"}, "http://127.0.0.1:18081"},
		{nil, []string{"KREST_REGISTRY_PORT=18081", "KREST_REGISTRY_PORT=18099"}, "http://127.0.0.1:18099"},
		{nil, []string{"KREST_REGISTRY_PORT=18081", "KREST_REGISTRY_PORT=0"}, ""},
		{nil, []string{"KREST_REGISTRY_PORT=18081", "KREST_REGISTRY_URL=http://127.0.0.1:9999/,http://127.0.0.2:9999"}, "http://127.0.0.1:9999"},
		{[]string{"--registry-url", "http://127.0.0.1:7777"}, []string{"KREST_REGISTRY_PORT=18081"}, "http://127.0.0.1:7777"},
		{[]string{"--registry-url=http://127.0.0.1:7778"}, []string{"KREST_REGISTRY_PORT=18081"}, "http://127.0.0.1:7778"},
		{[]string{"--registry-enabled", "false"}, []string{"KREST_REGISTRY_PORT=18081"}, ""},
		{nil, []string{"KREST_REGISTRY_PORT=18081", "KREST_REGISTRY_HOST=reg"}, ""},
	} {
		if got := childRegistry(c.args, c.env); got != c.want {
			t.Errorf("%v %v: %q, want %q", c.args, c.env, got, c.want)
		}
	}
}
