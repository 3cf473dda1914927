package restapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/serde"
	"github.com/krest-dev/krest/internal/testutil"
)

// fuzzSeeds returns every produce body the other tests send, each with the
// Content-Type it was sent with, plus edge cases.
func fuzzSeeds() [][2]string {
	var seeds [][2]string
	ct := func(headers []string) string {
		for _, h := range headers {
			if v, ok := strings.CutPrefix(h, "Content-Type: "); ok {
				return v
			}
		}
		return ""
	}
	for _, tc := range producedCases {
		seeds = append(seeds, [2]string{tc.body, ct([]string{tc.ctype})})
	}
	for _, tc := range rejectedProduces {
		seeds = append(seeds, [2]string{tc.body, ct(tc.headers)})
	}
	for _, f := range formats {
		seeds = append(seeds, [2]string{`{"records":` + f.records + `}`, f.media})
	}
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	for _, body := range []string{
		`{"records":[{"value":` + deep + `}]}`,
		`{"records":[{"value":` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5000) + `}]}`,
		`{"records":[{"value":123456789012345678901234567890123456789}]}`,
		`{"records":[{"value":1e999999}]}`,
		`{"records":[{"value":-0}]}`,
		"{\"records\":[{\"value\":\"\xc3\x28\"}]}",
		"{\"records\":[{\"key\":\"\xed\xa0\x80\",\"value\":null}]}",
		`{"records":[{"value":"\ud800"}]}`,
		`{"records":[{"value":"\u0000","key":"\u0000"}]}`,
		`{"records":[{"value":"YQ==","headers":[{"key":"\u0000","value":"\u0000"}]}]}`,
		`{"records":[{"value":"YQ=="}],"records":[{"value":"Yg=="},{"value":"Yw=="}]}`,
		`{"records":[{"value":"YQ==","value":"Yg==","key":null,"key":"aw=="}]}`,
		`{"records":[{"value":"YQ==","partition":2147483647}]}`,
		`{"records":[{"value":"YQ==","partition":2147483648}]}`,
		`{"records":[{"value":"YQ==","partition":" 1 "}]}`,
		`{"records":[{"value":"YQ==","partition":"-1"}]}`,
		`{"records":[{"value":"YQ==","partition":null,"headers":null}]}`,
		`{"records":[{"value":"YQ==","headers":[]}]}`,
		`{"key_schema":123,"records":[{"value":"YQ=="}]}`,
		`{"key_schema_id":"5","value_schema_id":null,"records":[{"value":"YQ=="}]}`,
		"\xef\xbb\xbf{\"records\":[{\"value\":\"YQ==\"}]}",
		"{\"records\":[{\"value\":\"YQ==\"}]}\x00",
		`{"records":[{"value":"Y Q = =\n"}]}`,
		`{"records":[{"value":"YQ"}]}`,
		`{"records":[{}]}`,
		`{"records":[{"key":"YQ=="}]}`,
	} {
		for _, ctype := range []string{"", "application/vnd.kafka.json.v2+json", "application/vnd.kafka.avro.v2+json"} {
			seeds = append(seeds, [2]string{body, ctype})
		}
	}
	return seeds
}

// FuzzProduceRequest posts arbitrary bodies with arbitrary Content-Types to
// POST /topics/fuzz (3 partitions) through the real handler on a kfake
// broker. Invariants:
//   - the status is 200 or a 4xx, never a 5xx, and nothing panics;
//   - the body is JSON with the v2 Content-Type; an error body is
//     {"error_code","message"} with a code matching the status;
//   - a 200 is a produce response whose failed entries carry a per-record
//     code; anything else wrote nothing to Kafka.
func FuzzProduceRequest(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s[0], s[1])
	}
	cluster := testutil.NewCluster(f)
	addrs := cluster.ListenAddrs()
	testutil.CreateTopic(f, addrs, "fuzz", 3)
	k, err := kafka.New(kafka.Options{Brokers: addrs, Acks: -1, RequestTimeout: 10 * time.Second})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { k.Close(context.Background()) })
	h := New(Deps{Kafka: k, Logger: slog.New(slog.DiscardHandler)}, Options{}).Handler()
	produced := cluster.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Observe: true, Count: -1})

	f.Fuzz(func(t *testing.T, body, ctype string) {
		before := produced.Hits()
		req := httptest.NewRequest("POST", "/topics/fuzz", strings.NewReader(body))
		if ctype != "" {
			req.Header["Content-Type"] = []string{ctype}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		res := w.Result()
		got := w.Body.Bytes()
		if res.StatusCode != http.StatusOK && (res.StatusCode < 400 || res.StatusCode > 499) {
			t.Fatalf("status %d, want 200 or a 4xx; body %s", res.StatusCode, got)
		}
		if ct := res.Header.Get("Content-Type"); ct != contentTypeV2 {
			t.Errorf("Content-Type %q, want %q", ct, contentTypeV2)
		}
		if !jsontext.Value(got).IsValid() {
			t.Fatalf("body is not JSON: %q", got)
		}
		if res.StatusCode == http.StatusOK {
			var pr produceResponse
			if err := json.Unmarshal(got, &pr, json.RejectUnknownMembers(true)); err != nil || len(pr.Offsets) == 0 {
				t.Fatalf("200 body is not a produce response: %s (%v)", got, err)
			}
			for i, o := range pr.Offsets {
				if !o.ok() && (o.ErrorCode == nil || *o.ErrorCode != 40402 || o.Offset != nil) {
					t.Errorf("offsets[%d] = %v: neither a success nor an unknown partition", i, o)
				}
			}
			return
		}
		var eb struct {
			ErrorCode int    `json:"error_code"`
			Message   string `json:"message"`
		}
		if err := json.Unmarshal(got, &eb, json.RejectUnknownMembers(true)); err != nil || eb.Message == "" {
			t.Fatalf("error body %s is not {error_code, message}: %v", got, err)
		}
		if apierr.Code(eb.ErrorCode).Status() != res.StatusCode {
			t.Errorf("error_code %d does not match status %d", eb.ErrorCode, res.StatusCode)
		}
		if after := produced.Hits(); after != before {
			t.Errorf("status %d, but %d produce requests reached Kafka; body %s", res.StatusCode, after-before, got)
		}
	})
}

// FuzzDecodeProduce feeds arbitrary bodies to decodeProduce in every
// embedded format, without a broker. Invariants: it never panics; an error
// is an *apierr.Error with a 4xx status; a success comes from valid JSON and
// has at least one record, partitions of -1 or more, and, for binary and
// json, a key or value that is present exactly when it is not null; json
// payloads are valid compact JSON.
func FuzzDecodeProduce(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s[0], uint8(serde.Binary))
		f.Add(s[0], uint8(serde.JSON))
	}
	f.Fuzz(func(t *testing.T, body string, format uint8) {
		fm := serde.Format(format % 5)
		req, err := decodeProduce([]byte(body), fm)
		if err != nil {
			var ae *apierr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %T %v is not an *apierr.Error", err, err)
			}
			if s := ae.Status(); s < 400 || s > 499 {
				t.Fatalf("error %v has status %d, want a 4xx", ae, s)
			}
			if ae.Message == "" {
				t.Fatalf("error %v has no message", ae)
			}
			return
		}
		if len(req.records) == 0 {
			t.Fatal("success without records")
		}
		if !jsontext.Value(body).IsValid(jsontext.AllowDuplicateNames(true)) {
			t.Fatalf("accepted a body that is not valid JSON: %q", body)
		}
		for i, r := range req.records {
			if r.partition < -1 {
				t.Errorf("records[%d].partition = %d", i, r.partition)
			}
			if fm.NeedsSchema() {
				continue
			}
			if r.hasKey != (r.key != nil) || r.hasValue != (r.value != nil) {
				t.Errorf("records[%d]: hasKey %v key %q, hasValue %v value %q", i, r.hasKey, r.key, r.hasValue, r.value)
			}
			if fm == serde.JSON {
				for _, b := range [][]byte{r.key, r.value} {
					if b == nil {
						continue
					}
					// Duplicate names pass through as sent (AppendJSON
					// allows them on consume too: the last wins for readers).
					v := jsontext.Value(bytes.Clone(b))
					if !v.IsValid(jsontext.AllowDuplicateNames(true)) {
						t.Errorf("records[%d]: stored JSON %q is not valid", i, b)
					}
					if err := v.Compact(); err != nil || !bytes.Equal(v, b) {
						t.Errorf("records[%d]: stored JSON %q is not compact", i, b)
					}
				}
			}
		}
	})
}

// FuzzDecodeBinaryFast checks the binary fast path against the full
// decoder: whenever the fast path takes a body, the full decoder must
// accept it too and give the same records (keys, values, null-ness and
// partitions).
func FuzzDecodeBinaryFast(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s[0])
	}
	for _, s := range []string{
		` { "records" : [ { "value" : "YQ==" , "key" : null , "partition" : 0 } , {"key":"","value":""} ] } `,
		`{"records":[{"value":"YQ==","partition":01}]}`,
		`{"records":[{"value":"YQ==","partition":1.5}]}`,
		`{"records":[{"value":"YQ==","partition":1e0}]}`,
		`{"records":[{"value":"YQ\u003d="}]}`,
		`{"records":[{"value":"YQ=\"="}]}`,
		"{\"records\":[{\"value\":\"YQ\n==\"}]}",
		`{"records":[{"value":"YQ=="}]}  x`,
		`{"records":[{"value":nul}]}`,
		`{"records":[{"value":null,"value":"YQ==","value":null}]}`,
		`{"records":[{"value":"YQ==",}]}`,
		`{"records":[{"value":"YQ=="},]}`,
		`{"records":[]}`,
		`{"records":[{"partition":2147483647},{"partition":2147483648}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		fast := new(produceRequest)
		if !fast.decodeBinaryFast([]byte(body)) {
			return
		}
		full := new(produceRequest)
		if err := full.decodeFull([]byte(body), serde.Binary); err != nil {
			t.Fatalf("fast path took %q, the full decoder rejects it: %v", body, err)
		}
		if len(fast.records) != len(full.records) {
			t.Fatalf("%q: %d records, full decoder %d", body, len(fast.records), len(full.records))
		}
		for i := range fast.records {
			a, b := &fast.records[i], &full.records[i]
			if a.hasKey != b.hasKey || a.hasValue != b.hasValue || a.partition != b.partition ||
				!bytes.Equal(a.key, b.key) || !bytes.Equal(a.value, b.value) ||
				(a.key == nil) != (b.key == nil) || (a.value == nil) != (b.value == nil) || len(b.headers) != 0 {
				t.Fatalf("%q: records[%d] fast %+v, full %+v", body, i, *a, *b)
			}
		}
	})
}

// FuzzAppendCompactJSON checks the produce path's compaction against
// jsontext's Compact for every valid JSON value.
func FuzzAppendCompactJSON(f *testing.F) {
	for _, s := range []string{
		`{"a" : [1, 2 , "x y\"z\\", {"b":null}] , "c":"\\\\" }`,
		"\t\n \"\\\\\\\" \" ",
		`"a\\"`, `[ ]`, `{ }`, `-1.5e3`, `true`, `"\u00e9 \ud83d\ude00"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		v := jsontext.Value(in)
		if !v.IsValid(jsontext.AllowDuplicateNames(true)) {
			return
		}
		want := jsontext.Value(bytes.Clone(v))
		if err := want.Compact(); err != nil {
			t.Fatal(err)
		}
		want = bytes.TrimSpace(want)
		if got := appendCompactJSON([]byte("prefix"), []byte(in)); string(got) != "prefix"+string(want) {
			t.Fatalf("%q: got %q, want %q", in, got[6:], want)
		}
	})
}
