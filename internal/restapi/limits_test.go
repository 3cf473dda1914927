package restapi

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/testutil"
)

// newLimitServer runs the REST handler on kfake behind the http.Server
// krest uses (NewHTTPServer, whose limits the env's httptest server lacks)
// and returns its base URL and the server, adjustable before it starts.
func newLimitServer(t *testing.T, so Options, adjust func(*http.Server)) string {
	t.Helper()
	c := testutil.NewCluster(t)
	k, err := kafka.New(kafka.Options{Brokers: c.ListenAddrs(), Acks: -1, RequestTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	so.Version = "test"
	h := New(Deps{Kafka: k, Logger: slog.New(slog.DiscardHandler)}, so).Handler()
	hs := httptest.NewUnstartedServer(h)
	hs.Config = NewHTTPServer(h, so.MaxHeaderBytes)
	if adjust != nil {
		adjust(hs.Config)
	}
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		k.Close(context.Background())
	})
	return hs.URL
}

// rawConn opens a TCP connection to the server of base (an http:// URL),
// closed when the test ends.
func rawConn(t *testing.T, base string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readReply reads one response from c within d.
func readReply(t *testing.T, c net.Conn, d time.Duration) reply {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// startSlowProduce sends the headers and the first bytes of a produce
// whose body never completes: the request holds its slot while its handler
// waits for the rest.
func startSlowProduce(t *testing.T, base string) net.Conn {
	t.Helper()
	c := rawConn(t, base)
	req := "POST /topics/slow HTTP/1.1\r\nHost: krest\r\nContent-Type: application/vnd.kafka.binary.v2+json\r\nContent-Length: 100\r\n\r\n{\"records\":"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestConcurrentRequestsOverTheCapGet429: with http_max_concurrent_requests
// requests in flight the next is refused at once with 429/42902 and
// Retry-After, the probes still answer, and a freed slot is usable again.
func TestConcurrentRequestsOverTheCapGet429(t *testing.T) {
	e := newEnv(t, withServer(func(o *Options) { o.MaxConcurrentRequests = 2 }))
	e.topic("t", 1)
	slow := []net.Conn{startSlowProduce(t, e.url), startSlowProduce(t, e.url)}

	var r reply
	eventually(t, "a 429 while two requests hold the slots", func() bool {
		r = e.do("POST", "/topics/t", `{"records":[{"value":"aGk="}]}`, "Content-Type: application/vnd.kafka.binary.v2+json")
		if r.status == http.StatusTooManyRequests {
			return true
		}
		// This probe races the slow requests for the slots: one the
		// server read later was refused instead. Send it again.
		for i, c := range slow {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
			if n, _ := c.Read(make([]byte, 512)); n > 0 {
				c.Close()
				slow[i] = startSlowProduce(t, e.url)
			}
		}
		return false
	})
	msg := r.expectError(t, 429, 42902)
	if r.header.Get("Retry-After") != "1" || !strings.Contains(msg, "http_max_concurrent_requests") {
		t.Errorf("Retry-After %q, message %q", r.header.Get("Retry-After"), msg)
	}
	loadOpenAPI(t).validateResponse(t, "POST", "/topics/{topic}", r)
	e.do("GET", "/topics", "").expectError(t, 429, 42902)
	for _, path := range []string{"/_health", "/_ready"} {
		if got := e.do("GET", path, ""); got.status != 200 {
			t.Errorf("%s while saturated: %d %s", path, got.status, got.body)
		}
	}
	// Route misses are not counted: still a JSON 404.
	e.do("GET", "/nowhere", "").expectError(t, 404, 404)

	for _, c := range slow {
		c.Close()
	}
	eventually(t, "a freed slot", func() bool {
		return e.do("POST", "/topics/t", `{"records":[{"value":"aGk="}]}`, "Content-Type: application/vnd.kafka.binary.v2+json").status == 200
	})
}

// TestRecordsRequestsOverTheWaitingCapGet429: consumer_max_waiting_requests
// long-polls wait; the next records request is refused at once with
// 429/42903, and is served again once the waiting one returned.
func TestRecordsRequestsOverTheWaitingCapGet429(t *testing.T) {
	c := newConsumerEnv(t, nil, withServer(func(o *Options) { o.MaxWaitingRequests = 1 }))
	c.topic("lp", 1)
	const create = `{"format":"binary","consumer.request.timeout.ms":10000}`
	a, b := c.createConsumer("g1", create), c.createConsumer("g2", create)
	c.assign(a, "lp", 0)
	c.assign(b, "lp", 0)

	waited := make(chan reply, 1)
	go func() {
		// b's probes below race a for the only slot: a retries until it
		// holds it (b's timeout=0 requests give it back at once).
		for {
			r := c.call("GET", a+"/records?timeout=8000", "", "Accept: application/vnd.kafka.binary.v2+json")
			if r.status != http.StatusTooManyRequests {
				waited <- r
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	var r reply
	eventually(t, "a 429 while a long-poll waits", func() bool {
		r = c.call("GET", b+"/records?timeout=0", "", "Accept: application/vnd.kafka.binary.v2+json")
		return r.status == http.StatusTooManyRequests
	})
	msg := r.expectError(t, 429, 42903)
	if r.header.Get("Retry-After") != "1" || !strings.Contains(msg, "consumer_max_waiting_requests") {
		t.Errorf("Retry-After %q, message %q", r.header.Get("Retry-After"), msg)
	}
	loadOpenAPI(t).validateResponse(t, "GET", "/consumers/{group}/instances/{instance}/records", r)

	c.produceTo("lp", 0, "v")
	if got := <-waited; got.status != 200 || !strings.Contains(string(got.body), `"value":"dg=="`) {
		t.Fatalf("the waiting long-poll: %d %s", got.status, got.body)
	}
	c.call("GET", b+"/records?timeout=2000", "", "Accept: application/vnd.kafka.binary.v2+json").expectStatus(t, 200)
}

// TestOversizedHeadersGetJSON431: up to twice http_request_max_header_size
// krest answers 431 in JSON; beyond, net/http's own plain-text 431 (the
// documented remainder).
func TestOversizedHeadersGetJSON431(t *testing.T) {
	const limit = 8 << 10
	base := newLimitServer(t, Options{MaxHeaderBytes: limit}, nil)
	get := func(headerBytes int) reply {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/topics/t", strings.NewReader(`{"records":[]}`))
		req.Header.Set("Content-Type", "application/vnd.kafka.binary.v2+json")
		req.Header.Set("X-Big", strings.Repeat("a", headerBytes))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return reply{status: resp.StatusCode, header: resp.Header, body: b}
	}
	if r := get(limit / 2); r.status == 431 {
		t.Fatalf("headers under the limit: %d %s", r.status, r.body)
	}
	r := get(limit + 100)
	msg := r.expectError(t, 431, 431)
	if !strings.Contains(msg, "http_request_max_header_size") {
		t.Errorf("message %q", msg)
	}
	loadOpenAPI(t).validateResponse(t, "POST", "/topics/{topic}", r)
	if r := get(3 * limit); r.status != 431 || r.header.Get("Content-Type") == contentTypeV2 {
		t.Fatalf("beyond twice the limit: %d %q %s (want net/http's text 431)", r.status, r.header.Get("Content-Type"), r.body)
	}
}

func TestNewHTTPServerTimeouts(t *testing.T) {
	s := NewHTTPServer(http.NotFoundHandler(), 1<<16)
	if s.ReadHeaderTimeout <= 0 || s.ReadHeaderTimeout > 30*time.Second || s.ReadTimeout <= 0 || s.IdleTimeout <= 0 {
		t.Errorf("ReadHeaderTimeout %v, ReadTimeout %v, IdleTimeout %v: slow and idle clients must be cut off",
			s.ReadHeaderTimeout, s.ReadTimeout, s.IdleTimeout)
	}
	// It would count a records long-poll's wait (see NewHTTPServer).
	if s.WriteTimeout != 0 {
		t.Errorf("WriteTimeout %v, want none", s.WriteTimeout)
	}
	if s.MaxHeaderBytes != 2<<16 {
		t.Errorf("MaxHeaderBytes %d, want twice the configured limit", s.MaxHeaderBytes)
	}
}

// TestSlowlorisHeadersAreCutOff: a client that trickles its headers is
// disconnected after ReadHeaderTimeout (shortened here from 10 s).
func TestSlowlorisHeadersAreCutOff(t *testing.T) {
	base := newLimitServer(t, Options{MaxHeaderBytes: 1 << 16}, func(s *http.Server) { s.ReadHeaderTimeout = 300 * time.Millisecond })
	c := rawConn(t, base)
	start := time.Now()
	closed := make(chan error, 1)
	go func() {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, err := c.Read(make([]byte, 1))
		closed <- err
	}()
	_, _ = io.WriteString(c, "GET /topics HTTP/1.1\r\nHost: krest\r\n")
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-closed:
			if ne := (net.Error)(nil); errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("the connection stayed open for 10 s")
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("closed after %v", d)
			}
			return
		case <-tick.C:
			_, _ = io.WriteString(c, "X-Drip: 1\r\n") // never the final CRLF
		}
	}
}

// TestSlowBodyGets408: a body that does not arrive within the server's
// ReadTimeout (shortened here from 60 s) ends in a JSON 408, not a hung
// handler or a 500.
func TestSlowBodyGets408(t *testing.T) {
	base := newLimitServer(t, Options{MaxHeaderBytes: 1 << 16}, func(s *http.Server) { s.ReadTimeout = 300 * time.Millisecond })
	c := startSlowProduce(t, base)
	start := time.Now()
	r := readReply(t, c, 10*time.Second)
	msg := r.expectError(t, 408, 408)
	if d := time.Since(start); d > 5*time.Second || !strings.Contains(msg, "not received") {
		t.Errorf("408 after %v, message %q", d, msg)
	}
	loadOpenAPI(t).validateResponse(t, "POST", "/topics/{topic}", r)
}

// TestLongPollOutlivesTheWriteTimeout: the write deadline starts when the
// response does, so a long-poll longer than it still answers, also on a
// keep-alive connection whose previous responses set deadlines.
func TestLongPollOutlivesTheWriteTimeout(t *testing.T) {
	c := newConsumerEnv(t, nil, withServer(func(o *Options) { o.WriteTimeout = 200 * time.Millisecond }))
	c.topic("lp", 1)
	inst := c.createConsumer("g", `{"format":"binary","consumer.request.timeout.ms":5000}`)
	c.assign(inst, "lp", 0)
	// One raw keep-alive connection for all requests: net/http's client
	// would retry a GET that failed on a reused connection and hide it.
	conn := rawConn(t, c.url)
	br := bufio.NewReader(conn)
	do := func(method, path, body string) (int, string) {
		t.Helper()
		req := method + " " + path + " HTTP/1.1\r\nHost: krest\r\nAccept: application/vnd.kafka.binary.v2+json\r\n" +
			"Content-Type: application/vnd.kafka.v2+json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
		if _, err := io.WriteString(conn, req); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: reading the body: %v", method, path, err)
		}
		return resp.StatusCode, string(b)
	}
	if st, body := do("GET", "/topics", ""); st != 200 {
		t.Fatalf("GET /topics: %d %s", st, body)
	}
	if st, body := do("POST", inst+"/positions/beginning", `{"partitions":[{"topic":"lp","partition":0}]}`); st != 204 {
		t.Fatalf("seek: %d %s", st, body)
	}
	start := time.Now()
	st, body := do("GET", inst+"/records?timeout=1000", "")
	if st != 200 || body != "[]" || time.Since(start) < 900*time.Millisecond {
		t.Fatalf("long-poll: %d %q after %v", st, body, time.Since(start))
	}
}

// TestReadTimeoutSparesLongHandlers: ReadTimeout bounds reading the
// request only; a handler that runs longer (a long-poll, a produce waiting
// for Kafka), with or without a body, keeps its context.
func TestReadTimeoutSparesLongHandlers(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			w.WriteHeader(500)
			return
		}
		select {
		case <-time.After(400 * time.Millisecond):
			w.WriteHeader(200)
		case <-r.Context().Done():
			w.WriteHeader(499)
		}
	})
	hs := httptest.NewUnstartedServer(h)
	hs.Config = NewHTTPServer(h, 1<<16)
	hs.Config.ReadTimeout = 100 * time.Millisecond
	hs.Start()
	t.Cleanup(hs.Close)
	for _, body := range []string{"", "a body"} {
		req, _ := http.NewRequest("POST", hs.URL, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("body %q: status %d: the request's context ended at ReadTimeout", body, resp.StatusCode)
		}
	}
}

// TestGuardCutsOffAClientThatDoesNotRead: a response that cannot be
// delivered within the write timeout fails, so its handler returns (and
// frees its slot and consumer instance) instead of blocking for ever.
func TestGuardCutsOffAClientThatDoesNotRead(t *testing.T) {
	g := &guard{writeTimeout: 300 * time.Millisecond}
	var once sync.Once
	done := make(chan error, 1)
	hs := httptest.NewServer(g.handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		w.Header().Set("Content-Length", strconv.Itoa(1<<30))
		var err error
		for i := 0; i < 1<<10 && err == nil; i++ {
			_, err = w.Write(chunk)
		}
		once.Do(func() { done <- err })
	})))
	t.Cleanup(hs.Close)
	c := rawConn(t, hs.URL)
	_, _ = io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("1 GiB written to a client that reads nothing")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the handler is still writing after 20 s")
	}
}

// TestRefusedSlowBodyIsAnsweredAtOnce: a request refused for
// http_max_concurrent_requests gets its 429 without krest first reading
// the body it will not use (net/http would, for a slow client until the
// read timeout), and the connection is closed.
func TestRefusedSlowBodyIsAnsweredAtOnce(t *testing.T) {
	e := newEnv(t, withServer(func(o *Options) { o.MaxConcurrentRequests = 1 }))
	e.topic("t", 1)
	holder := startSlowProduce(t, e.url)
	eventually(t, "the slot held", func() bool {
		if e.do("GET", "/topics", "").status == http.StatusTooManyRequests {
			return true
		}
		_ = holder.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if n, _ := holder.Read(make([]byte, 512)); n > 0 { // lost the race to the probe
			holder.Close()
			holder = startSlowProduce(t, e.url)
		}
		return false
	})
	refused := startSlowProduce(t, e.url)
	start := time.Now()
	r := readReply(t, refused, 5*time.Second)
	r.expectError(t, 429, 42902)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("the 429 took %v: krest waited for the body", took)
	}
	_ = refused.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := refused.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("after the 429 the connection gives %v, want EOF (closed)", err)
	}
}
