package registry

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
)

// Transport returns an http.RoundTripper that serves requests with the
// registry's Handler in process: no socket, no port, no TLS. krest's own
// proxy points a franz-go sr client at it:
//
//	sr.NewClient(sr.URLs("http://krest-registry"),
//		sr.HTTPClient(&http.Client{Transport: reg.Transport()}))
//
// The host of the URL is ignored. Writes still reach the primary: on a
// non-primary instance the handler forwards them over HTTP as for any
// client.
func (r *Registry) Transport() http.RoundTripper { return handlerTransport{h: r.handler} }

// handlerTransport runs an http.Handler as a RoundTripper.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// A RoundTripper must not modify the request, and must close its body.
	sreq := req.Clone(req.Context())
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	sreq.RequestURI = req.URL.RequestURI()
	sreq.RemoteAddr = "in-process"
	defer func() {
		if req.Body != nil {
			_ = req.Body.Close()
		}
	}()
	rec := &responseBuffer{header: http.Header{}}
	t.h.ServeHTTP(rec, sreq)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{
		Status:        strconv.Itoa(rec.status) + " " + http.StatusText(rec.status),
		StatusCode:    rec.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rec.header,
		Body:          io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		ContentLength: int64(rec.body.Len()),
		Request:       req,
	}, nil
}

// responseBuffer is an http.ResponseWriter that keeps the response in
// memory.
type responseBuffer struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *responseBuffer) Header() http.Header { return b.header }

func (b *responseBuffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *responseBuffer) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
