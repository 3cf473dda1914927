package restapi

import "testing"

func TestSmokeProduceBinary(t *testing.T) {
	e := newEnv(t)
	e.topic("t1", 3)
	r := e.do("POST", "/topics/t1", `{"records":[{"value":"Zm9v"},{"key":"a2V5","value":null}]}`, "Content-Type: application/vnd.kafka.binary.v2+json")
	t.Logf("%d %s", r.status, r.body)
	r = e.do("GET", "/topics/t1", "")
	t.Logf("%d %s", r.status, r.body)
	r = e.do("GET", "/topics", "")
	t.Logf("%d %s", r.status, r.body)
	r = e.do("GET", "/brokers", "")
	t.Logf("%d %s", r.status, r.body)
	r = e.do("GET", "/topics/t1/partitions/0/offsets", "")
	t.Logf("%d %s", r.status, r.body)
	r = e.do("GET", "/topics/nope", "")
	t.Logf("%d %s", r.status, r.body)
	r = e.do("DELETE", "/topics/t1", "")
	t.Logf("%d %s %v", r.status, r.body, r.header)
}
