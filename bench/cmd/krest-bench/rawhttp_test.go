package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRawConn checks the raw client against net/http's server: keep-alive
// reuse, error statuses with their bodies, Connection: close, and that an
// unsupported chunked answer is an error, not a misread.
func TestRawConn(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/echo":
			if r.Header.Get("Content-Type") != "ct/x" || r.Header.Get("Accept") != "acc/y" {
				http.Error(w, "headers", 400)
				return
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
			w.Write(body)
		case "/fail":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			io.WriteString(w, `{"error_code":50001}`)
		case "/close":
			w.Header().Set("Connection", "close")
			io.WriteString(w, "bye")
		case "/chunked":
			io.WriteString(w, "a")
			w.(http.Flusher).Flush()
			io.WriteString(w, "b")
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	host, addr, prefix, err := rawTarget(srv.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	rc := &rawConn{addr: addr, timeout: 5 * time.Second}
	defer rc.close()
	var buf bytes.Buffer
	ctx := context.Background()
	req := func(path, body string) []byte {
		return buildRawRequest(host, strings.TrimSuffix(prefix, "/")+path, "ct/x", "acc/y", []byte(body))
	}
	for i := range 3 {
		status, body, err := rc.do(ctx, req("/echo", strings.Repeat("x", i*70000)), &buf)
		if err != nil || status != 200 || len(body) != i*70000 {
			t.Fatalf("echo %d: %d %d bytes %v", i, status, len(body), err)
		}
	}
	if status, body, err := rc.do(ctx, req("/fail", ""), &buf); err != nil || status != 500 || string(body) != `{"error_code":50001}` {
		t.Fatalf("fail: %d %q %v", status, body, err)
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("%d connections for 4 keep-alive requests", n)
	}
	if status, body, err := rc.do(ctx, req("/close", ""), &buf); err != nil || status != 200 || string(body) != "bye" || rc.c != nil {
		t.Fatalf("close: %d %q %v, conn kept: %v", status, body, err, rc.c != nil)
	}
	if _, _, err := rc.do(ctx, req("/chunked", ""), &buf); err == nil || rc.c != nil {
		t.Fatalf("chunked: err %v, conn kept: %v", err, rc.c != nil)
	}
	if status, _, err := rc.do(ctx, req("/echo", "again"), &buf); err != nil || status != 200 {
		t.Fatalf("after errors: %d %v", status, err)
	}
	if n := conns.Load(); n != 3 {
		t.Fatalf("%d connections, want 3 (after close and after the error)", n)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := rc.do(cctx, req("/echo", ""), &buf); err == nil {
		t.Fatal("a cancelled context sent a request")
	}
	if _, _, _, err := rawTarget("https://127.0.0.1:1"); err == nil {
		t.Fatal("https accepted")
	}
}

func TestReadRawResponseRejectsGarbage(t *testing.T) {
	var buf bytes.Buffer
	for _, in := range []string{
		"garbage\r\n\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc",
		"HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
	} {
		if _, _, _, err := readRawResponse(bufio.NewReader(strings.NewReader(in)), &buf); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
	st, body, keep, err := readRawResponse(bufio.NewReader(strings.NewReader("HTTP/1.0 204 No Content\r\n\r\n")), &buf)
	if err != nil || st != 204 || len(body) != 0 || keep {
		t.Errorf("204: %d %q keep=%v %v", st, body, keep, err)
	}
}
