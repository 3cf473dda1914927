package restapi

import (
	"bytes"
	"errors"
	"io"
	"math/bits"
	"net/http"
	"sync"

	"github.com/krest-dev/krest/internal/kafka"
)

// Buffers of the produce and records hot paths are recycled: the request
// body, the arena of decoded keys and values, the produce request and the
// response. Without this every request allocated (and the GC scanned and
// cleared) about twice its body size; under the load tool's produce
// scenarios allocation and GC took about 30 % of krest's CPU
// (docs/performance.md).
//
// Ownership is strict: a buffer goes back to its pool only once nothing
// can read it. Keys and values in the arena are handed to franz-go, which
// reads them until ProduceSync returns (each record's promise runs after
// its batch was serialised into the produce request); the produce handler
// puts them back only after that and after the response was written.

const (
	minPoolClass = 12 // 4 KiB: smaller buffers are cheap to allocate
	maxPoolClass = 24 // 16 MiB: larger ones are rare and not kept
)

// bufPools holds one pool per power-of-two capacity class, of *[]byte.
// The empty *[]byte holders go back to holders, so that neither getBuf nor
// putBuf allocates.
var (
	bufPools [maxPoolClass + 1]sync.Pool
	holders  = sync.Pool{New: func() any { return new([]byte) }}
)

// poolClass returns the class whose buffers hold n bytes.
func poolClass(n int) int {
	if n <= 1<<minPoolClass {
		return minPoolClass
	}
	return bits.Len(uint(n - 1))
}

// getBuf returns an empty buffer with capacity of at least n.
func getBuf(n int) []byte {
	c := poolClass(n)
	if c > maxPoolClass {
		return make([]byte, 0, n)
	}
	if p, _ := bufPools[c].Get().(*[]byte); p != nil {
		b := (*p)[:0]
		*p = nil
		holders.Put(p)
		return b
	}
	return make([]byte, 0, 1<<c)
}

// putBuf recycles b; nothing may use b afterwards.
func putBuf(b []byte) {
	c := cap(b)
	if c < 1<<minPoolClass || c > 1<<maxPoolClass || c&(c-1) != 0 {
		return // not from getBuf (or grown by append): let the GC have it
	}
	p := holders.Get().(*[]byte)
	*p = b[:0]
	bufPools[bits.Len(uint(c))-1].Put(p)
}

// readBody reads the whole request body into a pooled buffer, sized from
// Content-Length when the client sent one (one read, no growth). Errors
// are io.ReadAll's: a *http.MaxBytesError past http_request_max_size.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	size := 64 << 10
	if cl := r.ContentLength; cl >= 0 && cl < limit {
		size = int(cl) + 1 // +1: room to see EOF without growing
	} else if cl >= limit {
		size = int(limit) + 1
	}
	b := getBuf(size)
	for {
		if len(b) == cap(b) {
			nb := getBuf(2 * cap(b))
			nb = append(nb, b...)
			putBuf(b)
			b = nb
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			putBuf(b)
			return nil, err
		}
	}
}

// produceRequests recycles decoded produce requests with their records and
// the kafka.Record slice built from them.
var produceRequests = sync.Pool{New: func() any { return new(produceRequest) }}

func getProduceRequest() *produceRequest {
	return produceRequests.Get().(*produceRequest)
}

// release recycles req and its arena; nothing may use req, its records or
// their bytes afterwards.
func (req *produceRequest) release() {
	if cap(req.records) > 4096 || cap(req.out) > 4096 {
		return // an unusually large request: do not keep its slices
	}
	putBuf(req.arena)
	req.arena = nil
	req.reset()
	produceRequests.Put(req)
}

// reset empties req for another decode, keeping its slices' capacity and
// its arena. The records are cleared so no stale references remain.
func (req *produceRequest) reset() {
	clear(req.records)
	clear(req.out)
	*req = produceRequest{records: req.records[:0], out: req.out[:0], arena: req.arena[:0]}
}

// arenaCopy appends v to the arena and returns the copy, its capacity
// limited so that nothing appended later reaches into it.
func (req *produceRequest) arenaCopy(v []byte) []byte {
	a := req.arena
	if cap(a)-len(a) < len(v) {
		return append([]byte(nil), v...) // not sized for this body
	}
	n := len(a)
	req.arena = append(a, v...)
	return req.arena[n:len(req.arena):len(req.arena)]
}

// arenaCompact appends v, a valid JSON value, to the arena without
// whitespace outside strings and returns the copy, its capacity limited so
// that nothing appended later reaches into it.
func (req *produceRequest) arenaCompact(v []byte) []byte {
	a := req.arena
	if cap(a)-len(a) < len(v) {
		return appendCompactJSON(nil, v) // not sized for this body
	}
	n := len(a)
	req.arena = appendCompactJSON(a, v)
	return req.arena[n:len(req.arena):len(req.arena)]
}

// appendCompactJSON appends v, which must be valid JSON, without the
// whitespace between tokens: the output jsontext.Value.Compact gives, as
// it keeps strings and numbers as they are. Strings are copied whole.
func appendCompactJSON(dst, v []byte) []byte {
	for i := 0; i < len(v); {
		switch c := v[i]; c {
		case ' ', '\t', '\n', '\r':
			i++
		case '"':
			end := i + 1
			for {
				k := bytes.IndexByte(v[end:], '"')
				if k < 0 {
					return append(dst, v[i:]...) // not valid JSON; cannot happen
				}
				end += k + 1
				// The quote ends the string unless an odd number of
				// backslashes escapes it.
				bs := 0
				for j := end - 2; j > i && v[j] == '\\'; j-- {
					bs++
				}
				if bs%2 == 0 {
					break
				}
			}
			dst = append(dst, v[i:end]...)
			i = end
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}

// kafkaRecords returns req.out resized to n records.
func (req *produceRequest) kafkaRecords(n int) []kafka.Record {
	if cap(req.out) < n {
		req.out = make([]kafka.Record, n)
	}
	req.out = req.out[:n]
	return req.out
}
