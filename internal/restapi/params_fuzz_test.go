package restapi

import (
	"net/url"
	"strings"
	"testing"
)

// paramRoutes are request shapes whose path segments and query the fuzzer
// fills in: {t} topic, {p} partition, {g} group, {i} instance, {q} the query
// string.
var paramRoutes = []struct{ method, path string }{
	{"GET", "/topics/{t}"},
	{"GET", "/topics/{t}/partitions"},
	{"GET", "/topics/{t}/partitions/{p}"},
	{"GET", "/topics/{t}/partitions/{p}/offsets"},
	{"POST", "/topics/{t}"},
	{"POST", "/topics/{t}/partitions/{p}"},
	{"GET", "/consumers/{g}/instances/{i}/records?{q}"},
	{"GET", "/consumers/fg/instances/live/records?{q}"},
	{"GET", "/consumers/{g}/instances/{i}/subscription"},
	{"GET", "/consumers/{g}/instances/{i}/assignments"},
	{"DELETE", "/consumers/{g}/instances/{i}/subscription"},
	{"DELETE", "/consumers/{g}/instances/{i}"},
	{"POST", "/consumers/{g}"},
	{"GET", "/brokers?{q}"},
	{"GET", "/topics?{q}"},
}

// FuzzQueryAndPathParams fills topic, partition, group and instance path
// segments (percent-encoded, so any byte reaches the handler), the query
// string (timeout, max_bytes and whatever else) and the Accept and
// Content-Type headers of the metadata, produce and consumer routes. One
// live instance ("fg"/"live", assigned to t's partitions) makes the records
// route reach the fetch path.
//
// Invariant: every answer is 2xx or a 4xx with a JSON error body whose
// error_code matches the status; never a 5xx, a panic or a hang.
func FuzzQueryAndPathParams(f *testing.F) {
	e := newFuzzEnv(f)
	v2 := map[string]string{"Content-Type": "application/vnd.kafka.v2+json"}
	r := e.do(f, "POST", "/consumers/fg", v2, []byte(`{"name":"live","format":"binary","auto.offset.reset":"earliest","auto.commit.enable":"false"}`))
	if r.status != 200 {
		f.Fatalf("create the live instance: %d %s", r.status, r.body)
	}
	if r := e.do(f, "POST", "/consumers/fg/instances/live/assignments", v2, []byte(`{"partitions":[{"topic":"t","partition":0},{"topic":"t","partition":1}]}`)); r.status != 204 {
		f.Fatalf("assign the live instance: %d %s", r.status, r.body)
	}
	bin := "application/vnd.kafka.binary.v2+json"
	seeds := []struct {
		route                       uint8
		topic, part, group, inst, q string
		accept, ctype               string
	}{
		{0, "t", "0", "fg", "live", "", "", ""},
		{2, "t", "1", "", "", "", "application/vnd.kafka.v2+json", ""},
		{3, "t", "-1", "", "", "", "", ""},
		{3, "t", "2147483648", "", "", "", "", ""},
		{3, "t", "0x1", "", "", "", "", ""},
		{3, "nope", "0", "", "", "", "", ""},
		{2, "t", "+1", "", "", "", "", ""},
		{0, "..", "", "", "", "", "", ""},
		{0, "a/b", "", "", "", "", "", ""},
		{0, strings.Repeat("x", 300), "", "", "", "", "", ""},
		{0, "t\x00", "", "", "", "", "*/*", ""},
		{4, "t", "", "", "", "", "", bin},
		{5, "t", "1", "", "", "", "", bin},
		{5, "t", "99", "", "", "", "", "application/vnd.kafka.json.v2+json"},
		{4, "", "", "", "", "", "", "application/vnd.kafka.avro.v2+json"},
		{6, "", "", "fg", "live", "timeout=100&max_bytes=1", bin, ""},
		{7, "", "", "", "", "timeout=-1&max_bytes=-1", bin, ""},
		{7, "", "", "", "", "timeout=99999999999999999999", bin, ""},
		{7, "", "", "", "", "max_bytes=9223372036854775807&timeout=0", bin, ""},
		{7, "", "", "", "", "timeout=1e3", "application/vnd.kafka.json.v2+json", ""},
		{7, "", "", "", "", "timeout=100&timeout=200", "application/vnd.kafka.avro.v2+json", ""},
		{7, "", "", "", "", "max_bytes=", "application/json;q=0, */*;q=0.1", ""},
		{7, "", "", "", "", "timeout=50", "text/html", ""},
		{7, "", "", "", "", "%zz", "application/vnd.kafka.binary.v2+json; charset=utf-8", ""},
		{6, "", "", "fg", "nobody", "timeout=100", bin, ""},
		{8, "", "", "fg", "live", "", "", ""},
		{9, "", "", "fg", "live", "", "", ""},
		{10, "", "", "nogroup", "x", "", "", ""},
		{11, "", "", "nogroup", "x", "", "", ""},
		{12, "", "", "g\x7f", "", "", "", "application/vnd.kafka.v2+json"},
		{13, "", "", "", "", "x=1", "application/vnd.kafka.v2+json", ""},
		{14, "", "", "", "", "", "application/vnd.kafka.v3+json", ""},
	}
	for _, s := range seeds {
		f.Add(s.route, s.topic, s.part, s.group, s.inst, s.q, s.accept, s.ctype)
	}
	f.Fuzz(func(t *testing.T, route uint8, topic, part, group, inst, q, accept, ctype string) {
		rt := paramRoutes[int(route)%len(paramRoutes)]
		if rt.method == "DELETE" && group == "fg" && inst == "live" {
			return // keep the live instance
		}
		path := strings.NewReplacer(
			"{t}", url.PathEscape(topic),
			"{p}", url.PathEscape(part),
			"{g}", url.PathEscape(group),
			"{i}", url.PathEscape(inst),
			"{q}", q,
		).Replace(rt.path)
		if strings.ContainsAny(q, "# \x00\r\n\t") || strings.Contains(path, "//") {
			return // not one request target (a fragment, or a client-side parse error)
		}
		hdr := map[string]string{}
		if accept != "" {
			hdr["Accept"] = accept
		}
		if ctype != "" {
			hdr["Content-Type"] = ctype
		}
		var body []byte
		if rt.method == "POST" {
			body = []byte(`{"records":[{"value":"aGk="}]}`)
			if strings.HasPrefix(rt.path, "/consumers/") {
				body = []byte(`{"format":"binary"}`)
			}
		}
		r := e.do(t, rt.method, path, hdr, body)
		if rt.path == "/consumers/{g}" && r.status == 200 {
			// Do not accumulate instances: delete what was created.
			e.do(t, "DELETE", "/consumers/"+url.PathEscape(group)+"/instances/"+instanceID(r.body), nil, nil)
		}
	})
}

// instanceID extracts instance_id from a create answer, path-escaped.
func instanceID(b []byte) string {
	_, after, _ := strings.Cut(string(b), `"instance_id":"`)
	id, _, _ := strings.Cut(after, `"`)
	return url.PathEscape(id)
}
