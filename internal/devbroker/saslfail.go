package devbroker

import (
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A failed SASL login must reach the client as what it is. Kafka answers a
// SaslAuthenticate with a wrong password with SASL_AUTHENTICATION_FAILED
// (58) and then closes the connection (SaslServerAuthenticator), so clients
// give up at once and krest can answer 401/40101. kfake instead closes the
// connection without answering; franz-go then sees a bare EOF, which it
// treats as a network blip and retries until its retry timeout (about 10 s
// in krest) before failing with "EOF".
//
// authFailConn restores Kafka's behaviour from outside kfake: it follows
// the request frames kfake reads, and when kfake closes a connection whose
// last request was a SaslAuthenticate it has not answered, it writes that
// answer first. kfake handles one request per connection at a time and
// writes each response with one Write, which is what makes this tracking
// exact; the embedded broker speaks plaintext, so the frames are visible.

// authFailListener wraps every accepted connection in an authFailConn.
type authFailListener struct {
	net.Listener
	closing *atomic.Bool // set when the broker shuts down
}

func (l authFailListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &authFailConn{Conn: c, closing: l.closing}, nil
}

type authFailConn struct {
	net.Conn
	closing *atomic.Bool

	mu      sync.Mutex // guards the fields below; Read, Write and Close race
	in      frameTracker
	pending *pendingAuth // the unanswered SaslAuthenticate, if any
}

type pendingAuth struct {
	version int16
	corr    int32
}

func (c *authFailConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		c.in.feed(p[:n], func(key, version int16, corr int32) {
			c.pending = nil
			if key == int16(kmsg.SASLAuthenticate) {
				c.pending = &pendingAuth{version, corr}
			}
		})
		c.mu.Unlock()
	}
	return n, err
}

func (c *authFailConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	// Every response kfake writes is one whole frame: size, correlation ID.
	if c.pending != nil && len(p) >= 8 && int32(binary.BigEndian.Uint32(p[4:8])) == c.pending.corr {
		c.pending = nil
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// Close answers an unanswered SaslAuthenticate with
// SASL_AUTHENTICATION_FAILED, then closes. kfake closes the connection
// from its reader and its writer; the lock makes the second wait for the
// first, so the answer is written before the socket goes. At broker
// shutdown nothing is answered: the client should see a closed connection
// and retry elsewhere, not a login failure.
func (c *authFailConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := c.pending; p != nil && !c.closing.Load() {
		c.pending = nil
		_ = c.Conn.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.Conn.Write(authFailedFrame(p.version, p.corr))
	}
	return c.Conn.Close()
}

// authFailedFrame is a SaslAuthenticate response frame with error 58, in
// the request's version.
func authFailedFrame(version int16, corr int32) []byte {
	resp := kmsg.NewPtrSASLAuthenticateResponse()
	resp.Version = version
	resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
	// The message Kafka's PLAIN server gives; it names no user.
	msg := "Authentication failed: Invalid username or password"
	resp.ErrorMessage = &msg
	buf := make([]byte, 8, 96) // size, correlation ID
	if resp.IsFlexible() {
		buf = append(buf, 0) // the response header's empty tagged fields
	}
	buf = resp.AppendTo(buf)
	binary.BigEndian.PutUint32(buf[0:4], uint32(len(buf)-4))
	binary.BigEndian.PutUint32(buf[4:8], uint32(corr))
	return buf
}

// frameTracker follows the request frames in a byte stream, however the
// reads split it, and reports each frame's key, version and correlation
// ID (the first 12 bytes: size, then the request header).
type frameTracker struct {
	head [12]byte
	n    int   // bytes of head filled
	skip int64 // bytes of the current frame left after head
}

func (f *frameTracker) feed(p []byte, onRequest func(key, version int16, corr int32)) {
	for len(p) > 0 {
		if f.n < len(f.head) {
			k := copy(f.head[f.n:], p)
			f.n += k
			p = p[k:]
			if f.n < len(f.head) {
				return
			}
			onRequest(int16(binary.BigEndian.Uint16(f.head[4:6])), int16(binary.BigEndian.Uint16(f.head[6:8])), int32(binary.BigEndian.Uint32(f.head[8:12])))
			f.skip = int64(binary.BigEndian.Uint32(f.head[0:4])) - 8
			if f.skip <= 0 {
				f.n, f.skip = 0, 0 // malformed; kfake drops the connection
			}
			continue
		}
		k := int64(len(p))
		if k > f.skip {
			k = f.skip
		}
		p = p[k:]
		if f.skip -= k; f.skip == 0 {
			f.n = 0
		}
	}
}
