package httpx

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// corsTarget is a small API like krest's: a ServeMux with GET and POST on
// /topics/{topic}, DELETE on /things/{id}, and net/http's own 404/405 for
// misses (which carry Allow, as the JSON ones of restapi do).
func corsTarget() http.Handler {
	mux := http.NewServeMux()
	ok := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Handler", r.Method)
		w.WriteHeader(200)
	}
	mux.HandleFunc("GET /topics/{topic}", ok)
	mux.HandleFunc("POST /topics/{topic}", ok)
	mux.HandleFunc("DELETE /things/{id}", ok)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		TrimTrailingSlash(r)
		mux.ServeHTTP(w, r)
	})
}

func serveCORS(origins []string, method, path string, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, nil)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		r.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	w := httptest.NewRecorder()
	NewCORS(origins).Handler(corsTarget()).ServeHTTP(w, r)
	return w
}

var corsHeaderNames = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Max-Age", "Access-Control-Expose-Headers",
}

func noCORSHeaders(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	for _, h := range corsHeaderNames {
		if v := w.Header().Get(h); v != "" {
			t.Errorf("%s: %q, want none", h, v)
		}
	}
}

func TestCORSOffAddsNothing(t *testing.T) {
	if NewCORS(nil) != nil {
		t.Fatal("NewCORS(nil) is not nil (off)")
	}
	w := serveCORS(nil, "GET", "/topics/a", "Origin: https://app.example.com")
	noCORSHeaders(t, w)
	if w.Header().Get("Vary") != "" {
		t.Errorf("Vary %q with CORS off", w.Header().Get("Vary"))
	}
	// A preflight is just an OPTIONS the API does not route: its 405.
	w = serveCORS(nil, "OPTIONS", "/topics/a", "Origin: https://app.example.com", "Access-Control-Request-Method: POST")
	if w.Code != 405 {
		t.Fatalf("preflight with CORS off: %d, want 405", w.Code)
	}
	noCORSHeaders(t, w)
}

func TestCORSExplicitOrigin(t *testing.T) {
	origins := []string{"https://app.example.com", "http://localhost:3000/"}
	for _, origin := range []string{"https://app.example.com", "http://localhost:3000", "HTTPS://APP.example.com:443"} {
		w := serveCORS(origins, "GET", "/topics/a", "Origin: "+origin)
		if w.Code != 200 || w.Header().Get("X-Handler") != "GET" {
			t.Fatalf("%s: %d, handler %q", origin, w.Code, w.Header().Get("X-Handler"))
		}
		h := w.Header()
		if h.Get("Access-Control-Allow-Origin") != origin || h.Get("Access-Control-Allow-Credentials") != "true" ||
			h.Get("Vary") != "Origin" || !strings.Contains(h.Get("Access-Control-Expose-Headers"), "Retry-After") {
			t.Errorf("%s: headers %v", origin, h)
		}
	}
}

func TestCORSStarNeverAllowsCredentials(t *testing.T) {
	w := serveCORS([]string{"*"}, "POST", "/topics/a", "Origin: https://anything.example")
	h := w.Header()
	if h.Get("Access-Control-Allow-Origin") != "*" || h.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("headers %v", h)
	}
	w = serveCORS([]string{"*"}, "OPTIONS", "/topics/a", "Origin: https://anything.example", "Access-Control-Request-Method: POST")
	if w.Code != 204 || w.Header().Get("Access-Control-Allow-Origin") != "*" || w.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight: %d %v", w.Code, w.Header())
	}
}

func TestCORSPreflight(t *testing.T) {
	origins := []string{"https://app.example.com"}
	for _, tc := range []struct {
		name, path, reqHeaders string
		wantMethods            string
		wantHeaders            string
	}{
		{"route-methods", "/topics/a", "", "GET, HEAD, POST, OPTIONS", "Authorization, Content-Type"},
		{"trailing-slash", "/topics/a/", "", "GET, HEAD, POST, OPTIONS", "Authorization, Content-Type"},
		{"delete-route", "/things/1", "", "DELETE, OPTIONS", "Authorization, Content-Type"},
		{"safe-headers-added", "/topics/a", "content-type, accept,Authorization", "GET, HEAD, POST, OPTIONS", "Authorization, Content-Type, Accept"},
		{"unsafe-headers-left-out", "/topics/a", "X-Evil, Accept-Language", "GET, HEAD, POST, OPTIONS", "Authorization, Content-Type, Accept-Language"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hdr := []string{"Origin: https://app.example.com", "Access-Control-Request-Method: POST"}
			if tc.reqHeaders != "" {
				hdr = append(hdr, "Access-Control-Request-Headers: "+tc.reqHeaders)
			}
			w := serveCORS(origins, "OPTIONS", tc.path, hdr...)
			h := w.Header()
			if w.Code != 204 || w.Body.Len() != 0 || h.Get("X-Handler") != "" {
				t.Fatalf("status %d body %q handler %q", w.Code, w.Body, h.Get("X-Handler"))
			}
			if got := h.Get("Access-Control-Allow-Methods"); got != tc.wantMethods {
				t.Errorf("Allow-Methods %q, want %q", got, tc.wantMethods)
			}
			if got := h.Get("Access-Control-Allow-Headers"); got != tc.wantHeaders {
				t.Errorf("Allow-Headers %q, want %q", got, tc.wantHeaders)
			}
			if h.Get("Access-Control-Max-Age") != "600" || h.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
				t.Errorf("headers %v", h)
			}
		})
	}
}

func TestCORSPreflightOfUnknownPathIsTheAPIs404(t *testing.T) {
	w := serveCORS([]string{"*"}, "OPTIONS", "/nowhere", "Origin: https://a.example", "Access-Control-Request-Method: GET")
	if w.Code != 404 || w.Header().Get("Access-Control-Allow-Methods") != "" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
}

func TestCORSDisallowedOrigin(t *testing.T) {
	origins := []string{"https://app.example.com"}
	for _, origin := range []string{"https://evil.example.com", "http://app.example.com", "https://app.example.com.evil.example", "null"} {
		w := serveCORS(origins, "GET", "/topics/a", "Origin: "+origin)
		if w.Code != 200 {
			t.Fatalf("%s: %d (the request itself is served; the browser withholds the answer)", origin, w.Code)
		}
		noCORSHeaders(t, w)
		w = serveCORS(origins, "OPTIONS", "/topics/a", "Origin: "+origin, "Access-Control-Request-Method: GET")
		if w.Code != 403 || !strings.HasPrefix(w.Body.String(), `{"error_code":403,`) || w.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("%s preflight: %d %q", origin, w.Code, w.Body)
		}
		noCORSHeaders(t, w)
	}
}

func TestCORSOptionsWithoutPreflightGoesToTheAPI(t *testing.T) {
	w := serveCORS([]string{"*"}, "OPTIONS", "/topics/a", "Origin: https://a.example")
	if w.Code != 405 || w.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("%d %v", w.Code, w.Header())
	}
}
