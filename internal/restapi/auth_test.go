package restapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/krest-dev/krest/internal/auth"
	"github.com/krest-dev/krest/internal/kafka"
)

// authServer serves the route table with rest_authorization on and a pool
// whose logins all fail with err: no request reaches Kafka. internal/app's
// auth tests run the whole path against kfake with SASL and ACLs.
func authServer(t *testing.T, err error) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var logins atomic.Int32
	pool := auth.NewPool(auth.PoolOptions[*kafka.Client]{
		New: func(context.Context, auth.Principal) (*kafka.Client, error) {
			logins.Add(1)
			return nil, err
		},
		Close: func(*kafka.Client) {},
	})
	t.Cleanup(pool.Close)
	s := New(Deps{Authorization: &Authorization{Clients: pool, ConsumerKafka: func(auth.Principal) kafka.Options { return kafka.Options{} }}},
		Options{Version: "test", Metrics: http.NotFoundHandler(), Pprof: true})
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return hs, &logins
}

// TestEveryRouteButThePublicOnesNeedsCredentials walks the route table, so
// a route added later cannot skip authentication by accident.
func TestEveryRouteButThePublicOnesNeedsCredentials(t *testing.T) {
	hs, logins := authServer(t, kerr.SaslAuthenticationFailed)
	s := New(Deps{}, Options{Metrics: http.NotFoundHandler(), Pprof: true})
	public := map[string]bool{"GET /": true, "GET /_health": true, "GET /_ready": true, "GET /openapi.json": true, "GET /openapi.yaml": true}
	for _, rt := range s.routes() {
		path := strings.NewReplacer("{$}", "", "{topic}", "t", "{partition}", "0", "{group}", "g", "{instance}", "i", "{profile}", "heap").Replace(rt.pattern)
		name := rt.method + " " + path
		for _, header := range []string{"", "Bearer abc.def.ghi", "Basic bm9jb2xvbg=="} {
			req, _ := http.NewRequest(rt.method, hs.URL+path, strings.NewReader(`{}`))
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if public[name] {
				if resp.StatusCode == 401 {
					t.Errorf("%s is public but answered 401", name)
				}
				break
			}
			if resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != challenge ||
				resp.Header.Get("Content-Type") != contentTypeV2 || !strings.HasPrefix(string(body), `{"error_code":401,"message":"Unauthorized`) {
				t.Errorf("%s with %q: %d %q %s", name, header, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
			}
		}
	}
	if n := logins.Load(); n != 0 {
		t.Errorf("%d Kafka logins for requests without usable credentials", n)
	}
	// A route miss needs no credentials: it reaches nothing.
	resp, err := http.Get(hs.URL + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("route miss: %d", resp.StatusCode)
	}
}

func TestLoginFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"kafka-rejects-the-credentials", fmt.Errorf("sasl: %w", kerr.SaslAuthenticationFailed), 401, `"error_code":40101`},
		{"too-many-logins-in-progress", auth.ErrBusy, 429, `"error_code":429`},
		{"shutting-down", auth.ErrClosed, 503, `"error_code":503`},
		{"kafka-unreachable", kerr.BrokerNotAvailable, 503, `"error_code":50302`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs, _ := authServer(t, tc.err)
			req, _ := http.NewRequest("GET", hs.URL+"/topics", nil)
			req.SetBasicAuth("alice", "distinctive-secret")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.code) || strings.Contains(string(body), "distinctive-secret") {
				t.Fatalf("%d %s", resp.StatusCode, body)
			}
			if (tc.status == 401) != (resp.Header.Get("WWW-Authenticate") != "") {
				t.Fatalf("WWW-Authenticate %q on a %d", resp.Header.Get("WWW-Authenticate"), tc.status)
			}
		})
	}
}
