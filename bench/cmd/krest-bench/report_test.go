package main

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/twmb/avro"
)

func side(recPerSec, p99 float64) *sideResult {
	return &sideResult{RecPerSec: recPerSec, P50ms: p99 / 2, P99ms: p99, Records: 1}
}

func TestFinishStatus(t *testing.T) {
	cases := []struct {
		name   string
		r      scenarioResult
		status string
		ratio  float64
	}{
		{"pass", scenarioResult{Target: target{MinRatio: 0.5}, Krest: side(60, 1), Direct: side(100, 1)}, "PASS", 0.6},
		{"fail", scenarioResult{Target: target{MinRatio: 0.5}, Krest: side(40, 1), Direct: side(100, 1)}, "FAIL", 0.4},
		{"ratio ok but p99 too high", scenarioResult{Target: target{MinRatio: 0.4, MaxP99ms: 10}, Krest: side(50, 11), Direct: side(100, 1)}, "FAIL", 0.5},
		{"ratio and p99 ok", scenarioResult{Target: target{MinRatio: 0.4, MaxP99ms: 10}, Krest: side(50, 10), Direct: side(100, 1)}, "PASS", 0.5},
		{"errors win over a pass", scenarioResult{Target: target{MinRatio: 0.5}, Krest: &sideResult{RecPerSec: 90, RecordErrors: 1}, Direct: side(100, 1)}, "ERR", 0.9},
		{"direct errors too", scenarioResult{Krest: side(90, 1), Direct: &sideResult{RecPerSec: 100, ClientErrors: 2}}, "ERR", 0.9},
		{"no target", scenarioResult{Krest: side(90, 1), Direct: side(100, 1)}, "", 0.9},
		{"skipped", scenarioResult{Skipped: "needs -registry (the schema registry krest uses)", Target: target{MinRatio: 0.5}}, "SKIP", 0},
		{"failed setup", scenarioResult{Failed: "create topic: boom"}, "FAILED", 0},
		{"direct side missing", scenarioResult{Krest: side(1, 1)}, "FAILED", 0},
		{"direct zero", scenarioResult{Target: target{MinRatio: 0.5}, Krest: side(1, 1), Direct: side(0, 0)}, "FAIL", 0},
	}
	for _, c := range cases {
		c.r.finish()
		if c.r.Status != c.status || (c.r.Ratio-c.ratio) > 1e-9 || (c.ratio-c.r.Ratio) > 1e-9 {
			t.Errorf("%s: status %q ratio %v, want %q %v", c.name, c.r.Status, c.r.Ratio, c.status, c.ratio)
		}
	}
}

// sample is a report with each kind of row.
func sample() []scenarioResult {
	rs := []scenarioResult{
		{Name: "produce-binary-1k-x100", Target: target{MinRatio: 0.5}, Krest: &sideResult{RecPerSec: 61234, MBPerSec: 62.7, P50ms: 12.5, P99ms: 40}, Direct: &sideResult{RecPerSec: 100000, MBPerSec: 102.4, P50ms: 0.8, P99ms: 3}},
		{Name: "produce-binary-1k-x1", Target: target{MinRatio: 0.4, MaxP99ms: 10}, Krest: &sideResult{RecPerSec: 1000, P50ms: 0.9, P99ms: 20, HTTPErrors: 3, FirstError: "HTTP 500: <boom> & \"x\""}, Direct: &sideResult{RecPerSec: 5000, P50ms: 0.1, P99ms: 0.4}},
		{Name: "produce-avro-1k-x100", Skipped: "needs -registry (the schema registry krest uses)"},
		{Name: "consume-binary-1k-group4", Krest: &sideResult{RecPerSec: 9_000_000, Duplicates: 12, Incomplete: true, Records: 10}, Direct: &sideResult{RecPerSec: 1_000_000}},
		{Name: "consume-json-1k", Failed: "krest side: POST /consumers/g: HTTP 503: not available"},
	}
	for i := range rs {
		rs[i].finish()
	}
	return rs
}

func TestPrintTableShowsEveryError(t *testing.T) {
	for _, md := range []bool{false, true} {
		var b bytes.Buffer
		printTable(&b, sample(), md)
		out := b.String()
		for _, want := range []string{
			"61.2k (62.7)", "100.0k (102.4)", "0.61", "≥ 0.50 PASS",
			"≥ 0.40, p99 ≤ 10.0ms ERR", "krest: 3 http", "HTTP 500: <boom>",
			"skipped: needs -registry (the schema registry krest uses)",
			"9.00M (0.0) partial", "12 dup", "read 10 of the pre-filled records",
			"FAILED (see below)", "consume-json-1k: krest side: POST /consumers/g: HTTP 503: not available",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("markdown=%v: output lacks %q:\n%s", md, want, out)
			}
		}
		if md {
			lines := strings.Split(out, "\n")
			if !strings.HasPrefix(lines[0], "| scenario |") || !strings.HasPrefix(lines[1], "|---|") {
				t.Errorf("not a Markdown table:\n%s", out)
			}
			// Every table row has as many cells as the header.
			for _, l := range lines[2:] {
				if !strings.HasPrefix(l, "| ") {
					break
				}
				if got := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|"); got != len(tableHeader)+1 {
					t.Errorf("row with %d separators: %s", got, l)
				}
			}
		}
	}
}

func TestSVGIsWellFormedAndScaled(t *testing.T) {
	var b bytes.Buffer
	if err := writeSVG(&b, sample(), `krest <dev> & "friends"`); err != nil {
		t.Fatal(err)
	}
	// Well-formed XML, an <svg> root, one bar (rect with a title) per
	// measured scenario.
	dec := xml.NewDecoder(bytes.NewReader(b.Bytes()))
	var root string
	bars := map[string]float64{}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed: %v\n%s", err, b.String())
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if root == "" {
			root = se.Name.Local
		}
		if se.Name.Local == "rect" {
			var w, title string
			for _, a := range se.Attr {
				if a.Name.Local == "width" {
					w = a.Value
				}
			}
			// The bar's <title> child names the scenario.
			if tok, _ := dec.Token(); tok != nil {
				if st, ok := tok.(xml.StartElement); ok && st.Name.Local == "title" {
					if cd, _ := dec.Token(); cd != nil {
						title = string(cd.(xml.CharData))
					}
				}
			}
			if name, _, ok := strings.Cut(title, ":"); ok {
				var f float64
				if _, err := fmtSscan(w, &f); err != nil {
					t.Fatalf("width %q: %v", w, err)
				}
				bars[name] = f
			}
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q", root)
	}
	if len(bars) != 3 {
		t.Fatalf("bars %v, want the three measured scenarios", bars)
	}
	// Widths are proportional to the ratio; the 9.0 ratio is clipped at the
	// axis end (4), so it is the widest but not 15× the 0.61 bar.
	p1, p2, c4 := bars["produce-binary-1k-x100"], bars["produce-binary-1k-x1"], bars["consume-binary-1k-group4"]
	if r := p1 / p2; r < 0.61/0.2*0.99 || r > 0.61/0.2*1.01 {
		t.Errorf("bar widths %v and %v not proportional to 0.61 and 0.2", p1, p2)
	}
	if c4 <= p1 || c4 > (svgPlotX1-svgPlotX0)+0.5 {
		t.Errorf("clipped bar width %v", c4)
	}
	for _, want := range []string{"krest &lt;dev&gt; &amp; &#34;friends&#34;", "skipped: needs -registry", "FAILED: krest side", "stroke-dasharray"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
}

func fmtSscan(s string, f *float64) (int, error) {
	return 1, json.Unmarshal([]byte(s), f)
}

func TestReportJSONRoundTrips(t *testing.T) {
	rep := report{Meta: meta{Connections: 16}, Scenarios: sample()}
	b, err := json.Marshal(rep, jsontext.Multiline(true))
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Scenarios []struct {
			Name   string
			Status string
			Ratio  float64
			Target struct {
				MinRatio float64 `json:"min_ratio"`
				MaxP99   float64 `json:"max_krest_p99_ms"`
			}
			Krest *struct {
				HTTPErrors int64 `json:"http_errors"`
			}
		}
	}
	if err := json.Unmarshal(b, &back, json.MatchCaseInsensitiveNames(true)); err != nil {
		t.Fatal(err)
	}
	if len(back.Scenarios) != 5 || back.Scenarios[0].Status != "PASS" || back.Scenarios[1].Krest.HTTPErrors != 3 ||
		back.Scenarios[1].Target.MaxP99 != 10 || back.Scenarios[2].Status != "SKIP" {
		t.Fatalf("round trip: %+v\n%s", back, b)
	}
}

func TestPayloadsAndBodies(t *testing.T) {
	for _, format := range []string{"binary", "json"} {
		for _, size := range []int{100, 1024} {
			vals, err := payloads(format, size, payloadCount)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := payloads(format, size, payloadCount)
			for i, v := range vals {
				if len(v) != size {
					t.Fatalf("%s %d: value %d has %d bytes", format, size, i, len(v))
				}
				if !bytes.Equal(v, again[i]) {
					t.Fatalf("%s: payloads are not deterministic", format)
				}
				if format == "json" && !jsontext.Value(v).IsValid() {
					t.Fatalf("json value %d is not JSON: %s", i, v)
				}
			}
			// The body carries exactly these values, in order, wrapping
			// around at the end.
			wl, err := newWorkload(format, size, payloadCount)
			if err != nil {
				t.Fatal(err)
			}
			body := wl.body(payloadCount-1, 3)
			want := [][]byte{vals[payloadCount-1], vals[0], vals[1]}
			var req struct {
				Records []struct {
					Value jsontext.Value `json:"value"`
				} `json:"records"`
			}
			if err := json.Unmarshal(body, &req); err != nil {
				t.Fatalf("%s body: %v", format, err)
			}
			for i, r := range req.Records {
				got := []byte(r.Value)
				if format == "binary" {
					var s string
					if err := json.Unmarshal(r.Value, &s); err != nil {
						t.Fatal(err)
					}
					if got, err = base64.StdEncoding.DecodeString(s); err != nil {
						t.Fatal(err)
					}
				}
				if !bytes.Equal(got, want[i]) {
					t.Fatalf("%s body record %d differs", format, i)
				}
			}
			if len(req.Records) != 3 {
				t.Fatalf("%s body has %d records", format, len(req.Records))
			}
		}
	}
	if _, err := newWorkload("protobuf", 1024, 1); err == nil {
		t.Fatal("protobuf has no generator yet; want an error")
	}
}

// TestAvroWorkload checks the avro scenario's values before any krest is
// involved: the body names the schema id and carries the json scenario's
// objects; the stored values are the wire format (magic byte, id, Avro
// binary of those objects); the direct side's per-record encoding yields
// exactly the stored bytes.
func TestAvroWorkload(t *testing.T) {
	wl, err := newWorkload("avro", 1024, payloadCount)
	if err != nil {
		t.Fatal(err)
	}
	if wl.schema == "" || wl.encode != nil {
		t.Fatal("an avro workload has a schema and no encoder before its id is known")
	}
	if err := wl.setSchemaID(0x01020304); err != nil {
		t.Fatal(err)
	}
	jsonVals, _ := payloads("json", 1024, payloadCount)
	body := wl.body(payloadCount-1, 3)
	var req struct {
		ValueSchemaID int `json:"value_schema_id"`
		Records       []struct {
			Value jsontext.Value `json:"value"`
		} `json:"records"`
	}
	if err := json.Unmarshal(body, &req, json.RejectUnknownMembers(true)); err != nil {
		t.Fatalf("body: %v\n%.300s", err, body)
	}
	if req.ValueSchemaID != 0x01020304 || len(req.Records) != 3 {
		t.Fatalf("body: id %d, %d records", req.ValueSchemaID, len(req.Records))
	}
	for i, r := range req.Records {
		if want := jsonVals[(payloadCount-1+i)%payloadCount]; !bytes.Equal(r.Value, want) {
			t.Fatalf("record %d is not the json scenario's object", i)
		}
	}
	schema := avro.MustParse(benchAvroSchema)
	var total int
	for i, v := range wl.kafka {
		total += len(v)
		if !bytes.Equal(v[:5], []byte{0, 1, 2, 3, 4}) {
			t.Fatalf("value %d header % x", i, v[:5])
		}
		var ev benchEvent
		rest, err := schema.Decode(v[5:], &ev)
		if err != nil || len(rest) != 0 {
			t.Fatalf("value %d: %v, %d bytes left", i, err, len(rest))
		}
		var fromJSON benchEvent
		if err := json.Unmarshal(jsonVals[i], &fromJSON); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ev, fromJSON) || ev.ID != int64(i) || len(ev.Note) < 800 {
			t.Fatalf("value %d decodes to %+v, want %+v", i, ev, fromJSON)
		}
		enc, err := wl.encode([]byte("prefix"), i)
		if err != nil || !bytes.Equal(enc, append([]byte("prefix"), v...)) {
			t.Fatalf("direct encoding of value %d differs from the stored one (%v)", i, err)
		}
	}
	if s := wl.storedSize(); s != (total+payloadCount/2)/payloadCount || s < 900 || s >= 1024 {
		t.Fatalf("stored size %d", s)
	}
	if err := (&workload{}).setSchemaID(1); err == nil {
		t.Fatal("setSchemaID on a binary workload")
	}
}

func TestSelectScenarios(t *testing.T) {
	all, err := selectScenarios("all")
	if err != nil || len(all) != len(scenarios) {
		t.Fatalf("all: %d, %v", len(all), err)
	}
	got, err := selectScenarios("consume, produce-binary-1k-x1,consume-json-1k")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sc := range got {
		names = append(names, sc.Name)
	}
	if strings.Join(names, ",") != "consume-binary-1k,consume-json-1k,consume-binary-1k-group4,produce-binary-1k-x1" {
		t.Fatalf("selected %v", names)
	}
	if _, err := selectScenarios("nope"); err == nil {
		t.Fatal("unknown scenario accepted")
	}
	// Every scenario has a unique name, and every runnable one a format
	// with a payload generator.
	seen := map[string]bool{}
	for _, sc := range scenarios {
		if seen[sc.Name] {
			t.Errorf("duplicate scenario %s", sc.Name)
		}
		seen[sc.Name] = true
		if _, err := newWorkload(sc.Format, sc.RecordSize, 1); err != nil && sc.Skip == "" {
			t.Errorf("%s: %v", sc.Name, err)
		}
	}
}

func TestParseFlags(t *testing.T) {
	if _, err := parseFlags([]string{"-duration", "0s"}, io.Discard); err == nil {
		t.Error("zero duration accepted")
	}
	if _, err := parseFlags([]string{"-scenarios", "bogus"}, io.Discard); err == nil {
		t.Error("unknown scenario accepted")
	}
	o, err := parseFlags([]string{"-connections", "4", "-scenarios", "produce"}, io.Discard)
	if err != nil || o.conns != 4 || o.url != "http://127.0.0.1:8082" || o.bootstrap != "127.0.0.1:9092" || o.registry != "" {
		t.Errorf("flags: %+v, %v", o, err)
	}
	if o, err := parseFlags([]string{"-registry", "http://127.0.0.1:8081"}, io.Discard); err != nil || o.registry != "http://127.0.0.1:8081" {
		t.Errorf("-registry: %+v, %v", o, err)
	}
}
