package httpx

import (
	"net/http"
	"net/url"
	"strings"
)

// CORS is a Cross-Origin Resource Sharing policy (access_control_allow_origins):
// which browser origins may call an API, and the preflight answers that tell
// the browser so. decisions.md: off by default; with origins configured,
// OPTIONS preflights are answered. Build it with NewCORS; a nil *CORS is
// CORS off.
type CORS struct {
	any     bool            // "*": every origin, answered with "*"
	origins map[string]bool // normalised origins (see normOrigin)
}

// CORS headers and the answers krest gives.
const (
	// corsMethods is Karapace's Access-Control-Allow-Methods, used when
	// the handler does not say which methods a path takes.
	corsMethods = "DELETE, GET, OPTIONS, POST, PUT"
	// corsHeaders are always allowed (Karapace's list): the credentials of
	// rest_authorization and the media type of a request body.
	corsHeaders = "Authorization, Content-Type"
	// corsExpose are the response headers, beyond the CORS-safelisted
	// ones, a script may read: when to retry a 429, and the challenge of
	// a 401.
	corsExpose = "Retry-After, WWW-Authenticate"
	// corsMaxAge lets a browser cache a preflight answer for 10 minutes
	// (Chrome caps it at 2 h), so a change of the allowed origins takes
	// effect soon.
	corsMaxAge = "600"
)

// corsSafeHeaders are the request headers a preflight may ask for besides
// corsHeaders. Accept and the language headers are CORS-safelisted only with
// short, simple values, so browsers ask for them when a value is unusual
// (Accept: application/vnd.kafka.binary.v2+json is). Any other header is
// left out of the answer, and the browser then refuses the request.
var corsSafeHeaders = map[string]string{
	"accept":           "Accept",
	"accept-language":  "Accept-Language",
	"content-language": "Content-Language",
	"x-requested-with": "X-Requested-With",
}

// NewCORS returns the policy for origins: "*" allows every origin, other
// entries are origins such as https://app.example.com (config validates
// them; a trailing slash and a default port are ignored). No origins
// returns nil: CORS off.
func NewCORS(origins []string) *CORS {
	if len(origins) == 0 {
		return nil
	}
	c := &CORS{origins: map[string]bool{}}
	for _, o := range origins {
		if strings.TrimSpace(o) == "*" {
			c.any = true
			continue
		}
		c.origins[normOrigin(o)] = true
	}
	return c
}

// normOrigin lower-cases scheme and host and drops a trailing slash and a
// default port, the form a browser's Origin header has.
func normOrigin(o string) string {
	o = strings.TrimRight(strings.TrimSpace(o), "/")
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return strings.ToLower(o)
	}
	scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	if port := u.Port(); (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		host = strings.ToLower(u.Hostname())
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
	}
	return scheme + "://" + host
}

// allows reports whether a request's Origin header names an allowed origin.
func (c *CORS) allows(origin string) bool {
	return c.any || c.origins[normOrigin(origin)]
}

// Handler wraps next with the policy; with a nil c it returns next.
//
// A request whose Origin is allowed gets Access-Control-Allow-Origin (the
// origin, or "*" when every origin is), Access-Control-Expose-Headers, and,
// for an explicitly listed origin, Access-Control-Allow-Credentials (never
// with "*", which browsers refuse). A preflight (OPTIONS with
// Access-Control-Request-Method) from an allowed origin is answered 204
// with the path's methods (from next's 405 Allow header for OPTIONS; next
// must route no OPTIONS itself), the allowed request headers and a max age;
// a preflight for a path next does not know goes to next (its 404). A
// preflight from any other origin gets 403 JSON; its other requests pass
// without CORS headers, so the browser keeps the answer from the script.
// Every response says Vary: Origin, since it depends on it.
func (c *CORS) Handler(next http.Handler) http.Handler {
	if c == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if !c.allows(origin) {
			if preflight {
				h.Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusForbidden)
				_, _ = w.Write([]byte(`{"error_code":403,"message":"CORS: the origin is not allowed (access_control_allow_origins)"}`))
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		if c.any {
			h.Set("Access-Control-Allow-Origin", "*")
		} else {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if !preflight {
			h.Set("Access-Control-Expose-Headers", corsExpose)
			next.ServeHTTP(w, r)
			return
		}
		methods := routeMethods(next, r)
		if methods == "" {
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Methods", methods)
		h.Set("Access-Control-Allow-Headers", allowedHeaders(r.Header.Values("Access-Control-Request-Headers")))
		h.Set("Access-Control-Max-Age", corsMaxAge)
		w.WriteHeader(http.StatusNoContent)
	})
}

// routeMethods asks next what it answers an OPTIONS request for the path: a
// 405's Allow header lists the path's methods (OPTIONS is added), a 404
// means no such path (""), anything else gets Karapace's list.
func routeMethods(next http.Handler, r *http.Request) string {
	probe := r.Clone(r.Context()) // next may rewrite the URL (trailing slash)
	rec := &statusRecorder{header: http.Header{}}
	next.ServeHTTP(rec, probe)
	switch allow := rec.header.Get("Allow"); {
	case rec.status == http.StatusNotFound:
		return ""
	case rec.status == http.StatusMethodNotAllowed && allow != "":
		if !strings.Contains(allow, http.MethodOptions) {
			allow += ", " + http.MethodOptions
		}
		return allow
	}
	return corsMethods
}

// allowedHeaders is Access-Control-Allow-Headers for a preflight that asks
// for the given headers (comma-separated lists).
func allowedHeaders(requested []string) string {
	out := corsHeaders
	seen := map[string]bool{"authorization": true, "content-type": true}
	for _, list := range requested {
		for name := range strings.SplitSeq(list, ",") {
			name = strings.ToLower(strings.TrimSpace(name))
			if canon, ok := corsSafeHeaders[name]; ok && !seen[name] {
				seen[name] = true
				out += ", " + canon
			}
		}
	}
	return out
}
