package main

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseProduce(t *testing.T) {
	cases := []struct {
		name            string
		body            string
		ok, failed      int
		wantErr, errSub string
	}{
		{
			name: "all ok",
			body: `{"key_schema_id":null,"value_schema_id":null,"offsets":[{"partition":1,"offset":0,"error_code":null,"error":null},{"partition":1,"offset":1,"error_code":null,"error":null}]}`,
			ok:   2,
		},
		{
			name: "members in any order, whitespace",
			body: ` { "offsets" : [ { "error" : null , "offset" : 7 , "partition" : 0 } ] , "value_schema_id" : 3 } `,
			ok:   1,
		},
		{
			name:   "a record error",
			body:   `{"offsets":[{"partition":0,"offset":5,"error_code":null,"error":null},{"partition":null,"offset":null,"error_code":50002,"error":"Kafka error: NOT_LEADER"}]}`,
			ok:     1,
			failed: 1,
			errSub: `error_code 50002: "Kafka error: NOT_LEADER"`,
		},
		{
			name:   "acks=0 style unknown offset",
			body:   `{"offsets":[{"partition":0,"offset":-1,"error_code":null,"error":null}]}`,
			failed: 1,
			errSub: "valid offset",
		},
		{
			name:   "missing offset",
			body:   `{"offsets":[{"partition":0,"error_code":null}]}`,
			failed: 1,
		},
		{name: "no offsets member", body: `{"error_code":40401,"message":"Topic x not found"}`, wantErr: "no offsets"},
		{name: "truncated", body: `{"offsets":[{"partition":0,"offset":1`, wantErr: "EOF"},
		{name: "not an object", body: `[]`, wantErr: "want"},
		{name: "offsets not an array", body: `{"offsets":{}}`, wantErr: "offsets"},
	}
	var p parser // reused across cases, as a worker does
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := p.parseProduce([]byte(c.body))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.ok != c.ok || res.failed != c.failed {
				t.Fatalf("ok=%d failed=%d, want %d and %d", res.ok, res.failed, c.ok, c.failed)
			}
			if !strings.Contains(res.firstErr, c.errSub) {
				t.Fatalf("firstErr %q, want it to contain %q", res.firstErr, c.errSub)
			}
		})
	}
}

func TestParseRecords(t *testing.T) {
	v1 := base64.StdEncoding.EncodeToString(make([]byte, 1024))
	v2 := base64.StdEncoding.EncodeToString([]byte("hello")) // one '=' of padding
	v3 := base64.StdEncoding.EncodeToString([]byte("hi"))    // two
	body := `[{"topic":"t","key":null,"value":"` + v1 + `","partition":0,"offset":0,"timestamp":1700000000000},` +
		`{"topic":"t","key":"a2V5","value":"` + v2 + `","partition":3,"offset":12345678901,"timestamp":1,"headers":[{"key":"h","value":"eA=="}]},` +
		`{"value":"` + v3 + `","offset":2,"partition":1,"topic":"\u0074"},` +
		`{"topic":"t","value":null,"partition":0,"offset":1,"timestamp":1}]`
	var p parser
	var got []consumedRecord
	if err := p.parseRecords([]byte(body), "t", true, func(r consumedRecord) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	want := []consumedRecord{{0, 0, 1024}, {3, 12345678901, 5}, {1, 2, 2}, {0, 1, 0}}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("record %d: %+v, want %+v", i, got[i], want[i])
		}
	}

	// json format: the value's size is its JSON text.
	got = nil
	jsonBody := `[{"topic":"t","key":null,"value":{"a":[1,2,"x"]},"partition":0,"offset":9,"timestamp":1}]`
	if err := p.parseRecords([]byte(jsonBody), "t", false, func(r consumedRecord) { got = append(got, r) }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].size != len(`{"a":[1,2,"x"]}`) || got[0].offset != 9 {
		t.Fatalf("json record: %+v", got)
	}

	if err := p.parseRecords([]byte(`[]`), "t", true, func(consumedRecord) { t.Fatal("no records expected") }); err != nil {
		t.Fatalf("empty array: %v", err)
	}

	bad := map[string]string{
		"other topic":       `[{"topic":"u","value":null,"partition":0,"offset":0}]`,
		"no offset":         `[{"topic":"t","value":null,"partition":0}]`,
		"negative offset":   `[{"topic":"t","value":null,"partition":0,"offset":-1}]`,
		"fractional offset": `[{"topic":"t","value":null,"partition":0,"offset":1.5}]`,
		"bad base64 length": `[{"topic":"t","value":"abc","partition":0,"offset":0}]`,
		"value not string":  `[{"topic":"t","value":5,"partition":0,"offset":0}]`,
		"error object":      `{"error_code":40403,"message":"Consumer instance not found"}`,
		"trailing data":     `[] []`,
		"truncated":         `[{"topic":"t"`,
	}
	for name, body := range bad {
		if err := p.parseRecords([]byte(body), "t", true, func(consumedRecord) {}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestBase64Len(t *testing.T) {
	for n := range 10 {
		s := base64.StdEncoding.EncodeToString(make([]byte, n))
		got, err := base64Len([]byte(s))
		if err != nil || got != n {
			t.Errorf("len %d: got %d, %v", n, got, err)
		}
	}
}

// TestFastProduceOK checks that the fast path takes only what the full
// parser counts as all-successful, with the same count.
func TestFastProduceOK(t *testing.T) {
	entry := `{"partition":3,"offset":12345,"error_code":null,"error":null}`
	head := `{"key_schema_id":null,"value_schema_id":null,"offsets":[`
	for _, c := range []struct {
		body string
		n    int
		ok   bool
	}{
		{head + entry + `]}`, 1, true},
		{head + entry + "," + entry + "," + entry + `]}`, 3, true},
		{head + `]}`, 0, false},
		{head + entry + `]} `, 0, false},
		{head + entry + `,]}`, 0, false},
		{head + `{"partition":3,"offset":-1,"error_code":null,"error":null}]}`, 0, false},
		{head + `{"partition":3,"offset":01,"error_code":null,"error":null}]}`, 0, false},
		{head + `{"partition":null,"offset":null,"error_code":50002,"error":"x"}]}`, 0, false},
		// Schema formats answer with their schema ids.
		{`{"key_schema_id":1,"value_schema_id":null,"offsets":[` + entry + `]}`, 1, true},
		{`{"key_schema_id":null,"value_schema_id":42,"offsets":[` + entry + "," + entry + `]}`, 2, true},
		{`{"key_schema_id":null,"value_schema_id":-1,"offsets":[` + entry + `]}`, 0, false},
		{`{"key_schema_id":null,"value_schema_id":"1","offsets":[` + entry + `]}`, 0, false},
		{`{"key_schema_id":nul,"value_schema_id":1,"offsets":[` + entry + `]}`, 0, false},
		{`{"value_schema_id":1,"key_schema_id":null,"offsets":[` + entry + `]}`, 0, false},
	} {
		n, ok := fastProduceOK([]byte(c.body))
		if n != c.n || ok != c.ok {
			t.Errorf("%s: %d %v, want %d %v", c.body, n, ok, c.n, c.ok)
		}
		if ok {
			res, err := (&parser{}).parseProduceFull([]byte(c.body))
			if err != nil || res.ok != n || res.failed != 0 {
				t.Errorf("%s: full parser says %+v %v", c.body, res, err)
			}
		}
	}
}
