package restapi

import (
	"net/http"
	"testing"
)

// TestCORSOffByDefault: without access_control_allow_origins no response
// carries CORS headers and a preflight is the JSON 405 of any OPTIONS.
func TestCORSOffByDefault(t *testing.T) {
	e := newEnv(t)
	e.topic("t", 1)
	r := e.do("OPTIONS", "/topics/t", "", "Origin: https://app.example.com", "Access-Control-Request-Method: POST")
	r.expectError(t, 405, 405)
	for _, r := range []reply{r, e.do("GET", "/topics/t", "", "Origin: https://app.example.com")} {
		if v := r.header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("Access-Control-Allow-Origin %q with CORS off", v)
		}
	}
}

// TestCORSOnTheRESTAPI: with origins configured, preflights on every kind
// of route get 204 with that route's methods, and answers (errors and
// 429s included) carry the CORS headers a script needs to read them.
func TestCORSOnTheRESTAPI(t *testing.T) {
	const origin = "https://app.example.com"
	c := newConsumerEnv(t, nil, withServer(func(o *Options) { o.CORSOrigins = []string{origin} }))
	c.topic("t", 1)
	inst := c.createConsumer("g", `{"format":"binary"}`)
	for path, methods := range map[string]string{
		"/topics/t":         "GET, HEAD, POST, OPTIONS",
		"/topics/t/":        "GET, HEAD, POST, OPTIONS",
		inst:                "DELETE, OPTIONS",
		inst + "/records":   "GET, HEAD, OPTIONS",
		inst + "/positions": "POST, OPTIONS",
	} {
		r := c.do("OPTIONS", path, "", "Origin: "+origin, "Access-Control-Request-Method: POST",
			"Access-Control-Request-Headers: content-type, accept")
		if r.status != http.StatusNoContent {
			t.Fatalf("preflight %s: %d %s", path, r.status, r.body)
		}
		h := r.header
		if h.Get("Access-Control-Allow-Origin") != origin || h.Get("Access-Control-Allow-Methods") != methods ||
			h.Get("Access-Control-Allow-Headers") != "Authorization, Content-Type, Accept" ||
			h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Access-Control-Max-Age") == "" {
			t.Errorf("preflight %s: headers %v", path, h)
		}
	}
	r := c.do("GET", "/topics/nope", "", "Origin: "+origin)
	r.expectError(t, 404, 40401)
	if r.header.Get("Access-Control-Allow-Origin") != origin || r.header.Get("Vary") != "Origin" {
		t.Errorf("error answer: headers %v", r.header)
	}
	r = c.do("OPTIONS", "/topics/t", "", "Origin: https://evil.example.com", "Access-Control-Request-Method: POST")
	if r.status != 403 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin: %d %v", r.status, r.header)
	}
	if r := c.do("GET", "/topics/t", "", "Origin: https://evil.example.com"); r.status != 200 || r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("GET from another origin: %d %v", r.status, r.header)
	}
}

// TestCORSHeadersOn429: a script can read the 429 and its Retry-After.
func TestCORSHeadersOn429(t *testing.T) {
	e := newEnv(t, withServer(func(o *Options) {
		o.CORSOrigins = []string{"*"}
		o.MaxConcurrentRequests = 1
	}))
	startSlowProduce(t, e.url)
	var r reply
	eventually(t, "a 429", func() bool {
		r = e.do("GET", "/topics", "", "Origin: https://a.example")
		return r.status == 429
	})
	if r.header.Get("Access-Control-Allow-Origin") != "*" || r.header.Get("Access-Control-Expose-Headers") == "" {
		t.Errorf("429 headers %v", r.header)
	}
}
