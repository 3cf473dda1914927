package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawConn is a minimal HTTP/1.1 keep-alive client for the produce workers
// (-http-client raw, the default). Each request is one pre-built buffer —
// request line, headers and body — sent with one write; the response is
// read with a reused bufio.Reader into the caller's buffer. It speaks just
// what krest's produce answers need: a status line, headers, a
// Content-Length body, and Connection: close.
//
// Why: the load tool shares the machine with krest. On the 2-core
// reference machine net/http's client cost about 60 µs of CPU per request
// (a read and a write goroutine per connection, header maps, a dozen
// allocations), which the tool took from krest in the single-record
// scenario. This client costs a fraction of that, so the figures measure
// krest rather than the tool; -http-client net keeps net/http's client
// for comparison. What is measured does not change: latency runs from
// before the write to the last byte of the body, and every response is
// checked as before.
type rawConn struct {
	addr    string // host:port
	timeout time.Duration
	c       net.Conn
	br      *bufio.Reader
	stop    func() bool // unregisters the context hook of c
}

// rawTarget returns the Host header, the address to dial and the path
// prefix of an http:// base URL, or an error when the raw client cannot
// serve it (https).
func rawTarget(base string) (host, addr, prefix string, err error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", "", "", err
	}
	if u.Scheme != "http" {
		return "", "", "", fmt.Errorf("-http-client raw speaks http only, not %s", u.Scheme)
	}
	addr = u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	return u.Host, addr, u.EscapedPath(), nil
}

// buildRawRequest returns a complete HTTP/1.1 POST request.
func buildRawRequest(host, path, contentType, accept string, body []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(body) + 256)
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nAccept: %s\r\nContent-Length: %d\r\n\r\n",
		path, host, contentType, accept, len(body))
	b.Write(body)
	return b.Bytes()
}

// close drops the connection; the next request dials again.
func (rc *rawConn) close() {
	if rc.c != nil {
		rc.stop()
		rc.c.Close()
		rc.c = nil
	}
}

// do sends req and reads the response body into buf. Any error closes the
// connection. The request is bounded by rc.timeout and by ctx.
func (rc *rawConn) do(ctx context.Context, req []byte, buf *bytes.Buffer) (int, []byte, error) {
	if err := ctx.Err(); err != nil {
		return 0, nil, err
	}
	if rc.c == nil {
		c, err := (&net.Dialer{Timeout: 5 * time.Second}).DialContext(ctx, "tcp", rc.addr)
		if err != nil {
			return 0, nil, err
		}
		rc.c = c
		// Ctrl-C or the run's end interrupts a request in flight.
		rc.stop = context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
		if rc.br == nil {
			rc.br = bufio.NewReaderSize(c, 64<<10)
		} else {
			rc.br.Reset(c)
		}
	}
	if err := rc.c.SetDeadline(time.Now().Add(rc.timeout)); err != nil {
		rc.close()
		return 0, nil, err
	}
	if _, err := rc.c.Write(req); err != nil {
		rc.close()
		return 0, nil, err
	}
	status, body, keep, err := readRawResponse(rc.br, buf)
	if err != nil || !keep {
		rc.close()
	}
	return status, body, err
}

// readRawResponse reads one response with a Content-Length body into buf.
// keep is false when the server closes the connection afterwards.
func readRawResponse(br *bufio.Reader, buf *bytes.Buffer) (status int, body []byte, keep bool, err error) {
	line, err := readLine(br)
	if err != nil {
		return 0, nil, false, err
	}
	// HTTP/1.1 200 OK
	proto, rest, ok := bytes.Cut(line, []byte(" "))
	if !ok || !bytes.HasPrefix(proto, []byte("HTTP/1.")) || len(rest) < 3 {
		return 0, nil, false, fmt.Errorf("malformed status line %q", line)
	}
	status, err = strconv.Atoi(string(rest[:3]))
	if err != nil {
		return 0, nil, false, fmt.Errorf("malformed status line %q", line)
	}
	keep = bytes.Equal(proto, []byte("HTTP/1.1"))
	length := -1
	for {
		line, err := readLine(br)
		if err != nil {
			return status, nil, false, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return status, nil, false, fmt.Errorf("malformed header %q", line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return status, nil, false, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			return status, nil, false, fmt.Errorf("Transfer-Encoding %q is not supported by -http-client raw", value)
		case bytes.EqualFold(name, []byte("Connection")):
			if bytes.EqualFold(value, []byte("close")) {
				keep = false
			}
		}
	}
	if status == 204 || status == 304 || status/100 == 1 {
		length = 0
	}
	if length < 0 {
		return status, nil, false, errors.New("response without Content-Length")
	}
	buf.Reset()
	buf.Grow(length)
	b := buf.AvailableBuffer()[:length]
	if _, err := io.ReadFull(br, b); err != nil {
		return status, nil, false, err
	}
	return status, b, keep, nil
}

// readLine reads a CRLF-terminated line without the CRLF.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("response header line too long")
		}
		return nil, err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r")), nil
}
