package main

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/twmb/avro"
)

// op is what a scenario measures.
type op int

const (
	opProduce op = iota
	opConsume
)

// target is the bar a scenario's ratio (krest / direct records per second)
// must clear; the zero value means no target.
type target struct {
	MinRatio float64 `json:"min_ratio,omitzero"`
	MaxP99ms float64 `json:"max_krest_p99_ms,omitzero"` // krest's request latency
}

func (t target) set() bool { return t.MinRatio > 0 || t.MaxP99ms > 0 }

func (t target) String() string {
	if !t.set() {
		return ""
	}
	s := fmt.Sprintf("≥ %.2f", t.MinRatio)
	if t.MaxP99ms > 0 {
		s += ", p99 ≤ " + fmtMs(t.MaxP99ms)
	}
	return s
}

// scenario is one workload, run once through krest and once through a
// direct franz-go client. Adding a format is a new entry here plus a case
// in payloads and newWorkload (schema formats: a workload with a schema, see
// newAvroWorkload); a scenario that cannot run yet carries Skip.
type scenario struct {
	Name        string
	Description string
	Op          op
	Format      string // embedded format: binary, json, avro (protobuf, jsonschema later)
	RecordSize  int    // value bytes as stored in Kafka; avro: of the value's JSON form (the stored Avro is smaller)
	Batch       int    // records per produce request / ProduceSync call
	Consumers   int    // consume: instances in one group (krest) and group members (direct)
	Target      target
	// Skip, when set, reports the scenario as skipped with this reason and
	// runs nothing: a placeholder that keeps the row visible in the table.
	Skip string
}

// scenarios is the whole suite, in report order. Produce scenarios use
// -connections concurrent HTTP connections (krest) and as many goroutines
// calling ProduceSync on one shared client (direct).
var scenarios = []scenario{
	{
		Name:        "produce-binary-1k-x100",
		Description: "produce binary, 1 KiB values, 100 records per request",
		Op:          opProduce, Format: "binary", RecordSize: 1024, Batch: 100,
		Target: target{MinRatio: 0.50},
	},
	{
		Name:        "produce-binary-100b-x100",
		Description: "produce binary, 100 B values, 100 records per request",
		Op:          opProduce, Format: "binary", RecordSize: 100, Batch: 100,
		Target: target{MinRatio: 0.35},
	},
	{
		Name:        "produce-binary-1k-x1",
		Description: "produce binary, 1 KiB values, 1 record per request (direct: synchronous single-record ProduceSync)",
		Op:          opProduce, Format: "binary", RecordSize: 1024, Batch: 1,
		Target: target{MinRatio: 0.40, MaxP99ms: 10},
	},
	{
		Name:        "produce-json-1k-x100",
		Description: "produce json, 1 KiB JSON objects, 100 records per request (direct writes the same JSON bytes)",
		Op:          opProduce, Format: "json", RecordSize: 1024, Batch: 100,
		Target: target{MinRatio: 0.35},
	},
	{
		Name:        "produce-avro-1k-x100",
		Description: "produce avro, records whose JSON form is 1 KiB (~0.95 KiB as Avro), 100 records per request, value_schema_id (direct: encodes each record with twmb/avro into the Confluent wire format)",
		Op:          opProduce, Format: "avro", RecordSize: 1024, Batch: 100,
	},
	{
		Name:        "consume-binary-1k",
		Description: "consume binary, 1 KiB values, one consumer instance, large max_bytes (direct: one kgo group consumer)",
		Op:          opConsume, Format: "binary", RecordSize: 1024, Consumers: 1,
		Target: target{MinRatio: 0.30},
	},
	{
		Name:        "consume-json-1k",
		Description: "consume json, 1 KiB JSON objects, one consumer instance (direct: one kgo group consumer)",
		Op:          opConsume, Format: "json", RecordSize: 1024, Consumers: 1,
	},
	{
		Name:        "consume-binary-1k-group4",
		Description: "consume binary, 1 KiB values, four consumer instances in one group (direct: four kgo group members)",
		Op:          opConsume, Format: "binary", RecordSize: 1024, Consumers: 4,
	},
}

// selectScenarios resolves -scenarios: "all", or a comma-separated list of
// names or name prefixes ("produce" selects every produce scenario; a full
// name selects only that one, though it is a prefix of another).
func selectScenarios(spec string) ([]scenario, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || spec == "all" {
		return scenarios, nil
	}
	var out []scenario
	picked := make(map[string]bool)
	for _, want := range strings.Split(spec, ",") {
		want = strings.TrimSpace(want)
		if want == "" {
			continue
		}
		exact := false
		for _, sc := range scenarios {
			exact = exact || sc.Name == want
		}
		found := false
		for _, sc := range scenarios {
			if sc.Name == want || (!exact && strings.HasPrefix(sc.Name, want)) {
				found = true
				if !picked[sc.Name] {
					picked[sc.Name] = true
					out = append(out, sc)
				}
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", want, scenarioNames())
		}
	}
	return out, nil
}

func scenarioNames() string {
	names := make([]string, len(scenarios))
	for i, sc := range scenarios {
		names[i] = sc.Name
	}
	return strings.Join(names, ", ")
}

// contentType is the produce Content-Type and records Accept of a format.
func contentType(format string) string {
	return "application/vnd.kafka." + format + ".v2+json"
}

// payloadCount is how many distinct values a scenario cycles through: enough
// that a batch does not repeat one value, few enough to build in a moment.
const payloadCount = 100

// payloads builds the values a scenario writes, exactly as Kafka stores them
// (the bytes both sides produce, and what a consumer reads back). They are
// deterministic (fixed seed) so that runs are comparable; binary values are
// random and thus incompressible.
func payloads(format string, size, n int) ([][]byte, error) {
	rng := rand.New(rand.NewPCG(1, uint64(size)))
	out := make([][]byte, n)
	for i := range out {
		switch format {
		case "binary":
			b := make([]byte, size)
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			out[i] = b
		case "json":
			out[i] = jsonValue(rng, i, size)
		default:
			return nil, fmt.Errorf("format %s has no payload generator yet", format)
		}
	}
	return out, nil
}

// jsonValue is a compact JSON object of exactly size bytes (when size is
// at least ~120): a few typed fields like an application event, padded by a
// text field. Compact, so krest stores it byte for byte as the direct side.
func jsonValue(rng *rand.Rand, i, size int) []byte {
	head := `{"id":` + strconv.Itoa(i) + `,"user":"user-` + strconv.Itoa(rng.IntN(1_000_000)) +
		`","active":true,"score":` + strconv.FormatFloat(float64(rng.IntN(10000))/100, 'f', 2, 64) +
		`,"tags":["alpha","beta","gamma"],"note":"`
	tail := `"}`
	pad := size - len(head) - len(tail)
	const letters = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789"
	b := make([]byte, 0, size)
	b = append(b, head...)
	for range max(pad, 0) {
		b = append(b, letters[rng.IntN(len(letters))])
	}
	return append(b, tail...)
}

// workload is what a scenario writes, in both shapes.
type workload struct {
	// kafka holds each value as Kafka stores it: what the direct side
	// produces (unless encode is set), the pre-fill writes and consumers
	// read back.
	kafka [][]byte
	// rest holds the same values as the "value" member of a produce body
	// (JSON text): base64 strings for binary, the JSON itself for json and
	// avro (Avro's JSON input form).
	rest [][]byte
	// head goes before "records" in a produce body: a schema format's
	// "value_schema_id":N, once setSchemaID has it.
	head string

	// Schema formats only. schema is the value schema's text, registered
	// under <topic>-value before the run; setSchemaID then sets head,
	// writes the id into the kafka values' Confluent header and sets
	// encode, which the direct side calls per record: it appends value i,
	// encoded and framed as kafka[i] is, to dst. A client application has
	// to encode its records too, so the direct side does that work per
	// record rather than sending the pre-encoded kafka values.
	schema string
	avro   *avro.Schema
	events []benchEvent
	encode func(dst []byte, i int) ([]byte, error)
}

// storedSize is the mean size of the values as Kafka stores them: what a
// produced record adds to the MB/s figure.
func (w *workload) storedSize() int {
	var sum int
	for _, v := range w.kafka {
		sum += len(v)
	}
	return (sum + len(w.kafka)/2) / max(1, len(w.kafka))
}

// newWorkload builds a scenario's values once, before any timing.
func newWorkload(format string, size, n int) (*workload, error) {
	if format == "avro" {
		return newAvroWorkload(size, n)
	}
	kafka, err := payloads(format, size, n)
	if err != nil {
		return nil, err
	}
	w := &workload{kafka: kafka, rest: make([][]byte, n)}
	for i, v := range kafka {
		switch format {
		case "binary":
			b := make([]byte, 0, base64.StdEncoding.EncodedLen(len(v))+2)
			b = append(b, '"')
			b = base64.StdEncoding.AppendEncode(b, v)
			w.rest[i] = append(b, '"')
		case "json":
			w.rest[i] = v
		default:
			return nil, fmt.Errorf("format %s has no REST encoding yet", format)
		}
	}
	return w, nil
}

// body is a produce request body carrying n values from index from on
// (wrapping around), built once per scenario so the hot path only sends
// bytes.
func (w *workload) body(from, n int) []byte {
	b := append([]byte("{"), w.head...)
	b = append(b, `"records":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"value":`...)
		b = append(b, w.rest[(from+i)%len(w.rest)]...)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}
