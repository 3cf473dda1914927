package restapi

import (
	"fmt"
	"testing"
)

// TestContentTypesAccepted checks every request Content-Type krest takes on
// produce (karapace-behaviour §2.3, decisions.md), and that each selects
// the right embedded format: binary unless the media type names json.
func TestContentTypesAccepted(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const binaryBody, jsonBody = `{"records":[{"value":"eyJhIjoxfQ=="}]}`, `{"records":[{"value":{"a":1}}]}`
	for i, tc := range []struct {
		ctype string // "" = no Content-Type header
		json  bool
	}{
		{"", false},
		{"application/json", false},
		{"application/json; charset=utf-8", false},
		{"application/octet-stream", false},
		{"application/vnd.kafka+json", false},
		{"application/vnd.kafka.v1+json", false},
		{"application/vnd.kafka.v2+json", false},
		{"application/vnd.kafka.binary+json", false},
		{"application/vnd.kafka.binary.v1+json", false},
		{"application/vnd.kafka.binary.v2+json", false},
		{"APPLICATION/VND.KAFKA.BINARY.V2+JSON", false},
		{"application/vnd.kafka.json+json", true},
		{"application/vnd.kafka.json.v1+json", true},
		{"application/vnd.kafka.json.v2+json", true},
		{"application/vnd.kafka.json.v2+json; charset=utf-8", true},
	} {
		name := tc.ctype
		if name == "" {
			name = "missing"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := e.sub(t)
			topic := fmt.Sprintf("ct-%d", i)
			e.topic(topic, 1)
			var headers []string
			if tc.ctype != "" {
				headers = append(headers, "Content-Type: "+tc.ctype)
			}
			body := binaryBody
			if tc.json {
				body = jsonBody
			}
			e.do("POST", "/topics/"+topic, body, headers...).expectAllProduced(t, 1)
			// Either way the stored value is the JSON text {"a":1}.
			if got := e.read(topic, 1)[0].Value; string(got) != `{"a":1}` {
				t.Errorf("stored value %q, want {\"a\":1}", got)
			}
		})
	}
}

// TestAcceptNegotiation checks the Accept headers krest answers on GET and
// produce (karapace-behaviour §2.3, with q-values honoured as decisions.md
// settles). The refused ones are in TestMetadataErrors and rejectedProduces.
func TestAcceptNegotiation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.topic("t", 1)
	n := 0
	for _, accept := range []string{
		"",
		"application/vnd.kafka.v1+json",
		"application/vnd.kafka.v2+json",
		"application/vnd.kafka+json",
		"application/vnd.kafka.binary.v2+json",
		"application/vnd.kafka.json.v2+json",
		"application/vnd.kafka.avro.v2+json",
		"application/json",
		"application/*",
		"*/json",
		"*/*",
		"text/html;q=1, application/json;q=0.5",
		"text/html, application/xhtml+xml, application/xml;q=0.9, */*;q=0.8",
		"application/octet-stream, application/json",
	} {
		name := accept
		if name == "" {
			name = "missing"
		}
		t.Run(name, func(t *testing.T) {
			e := e.sub(t)
			var h []string
			if accept != "" {
				h = append(h, "Accept: "+accept)
			}
			e.do("GET", "/topics", "", h...).expectOK(t)
			e.do("GET", "/topics/t/partitions/0", "", h...).expectOK(t)
			e.do("GET", "/brokers", "", h...).expectOK(t)
			e.do("POST", "/topics/t", `{"records":[{"value":"YQ=="}]}`, h...).expectAllProduced(t, 1)
			n++
		})
	}
	e.expectRecords("t", int64(n))
}
