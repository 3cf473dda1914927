package registry

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Headers between krest instances.
const (
	// headerForwarded marks a request one instance forwarded to the
	// primary. An instance that gets one while not being the primary (the
	// election moved on) answers 50003 instead of forwarding again, so a
	// request can never loop.
	headerForwarded = "Krest-Forwarded"
	// headerOffset carries the offset of the last record a write produced.
	// The forwarding instance waits until its own reader has applied it
	// before answering, so a client that writes through one instance and
	// reads through the same one sees its write.
	headerOffset = "Krest-Schemas-Offset"
)

// primaryOp is the part of a write that runs on the primary: it plans,
// produces records through r.write, and returns the response body and the
// offset of its last record (-1 when it wrote nothing).
type primaryOp func(ctx context.Context) (resp any, offset int64, err error)

// onPrimary runs op when this instance is the primary and forwards the
// request (with its already-read body) to the primary otherwise. Writes on
// the primary are serialised by writeMu.
func (r *Registry) onPrimary(w http.ResponseWriter, req *http.Request, body []byte, op primaryOp) error {
	if !r.IsPrimary() {
		return r.forward(w, req, body)
	}
	resp, off, forward, err := r.runLocked(op)
	if forward {
		return r.forward(w, req, body)
	}
	if err != nil {
		return err
	}
	if off >= 0 {
		w.Header().Set(headerOffset, strconv.FormatInt(off, 10))
	}
	return writeJSON(w, req, resp)
}

// runLocked runs op under writeMu if this instance is still the primary
// once it holds the lock; forward is true when it no longer is.
func (r *Registry) runLocked(op primaryOp) (resp any, off int64, forward bool, err error) {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	if !r.IsPrimary() {
		return nil, -1, true, nil
	}
	// The write runs to completion even if the client goes away (once
	// records are produced, the next write may only be planned after they
	// are applied), so it is bounded by the registry's life, not the
	// request's.
	ctx, cancel := context.WithTimeout(r.life, r.opts.Timeout)
	defer cancel()
	resp, off, err = r.runOp(ctx, op)
	return resp, off, false, err
}

// runOp runs op after a barrier when an earlier write ended without knowing
// whether its records reached the topic: then the state must catch up
// before anything is planned on it.
func (r *Registry) runOp(ctx context.Context, op primaryOp) (any, int64, error) {
	if r.dirty {
		if err := r.barrier(ctx); err != nil {
			return nil, -1, wrapErr(CodeStoreError, err, "Error while reading the Kafka store")
		}
		r.dirty = false
	}
	return op(ctx)
}

// write produces records to the topic in order and waits until the local
// state has applied the last of them. It returns the last offset. Callers
// hold writeMu.
func (r *Registry) write(ctx context.Context, recs ...*kgo.Record) (int64, error) {
	for _, rec := range recs {
		rec.Topic = r.opts.Topic
		rec.Partition = 0
	}
	if err := r.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		r.dirty = true
		if ctx.Err() != nil {
			return -1, wrapErr(CodeOperationTimeout, err, "Write to the Kafka store timed out")
		}
		return -1, wrapErr(CodeStoreError, err, "Error while writing to the Kafka store")
	}
	last := recs[len(recs)-1].Offset
	if err := r.progress.wait(ctx, last); err != nil {
		r.dirty = true
		return -1, wrapErr(CodeOperationTimeout, err, "The write was not applied in time")
	}
	return last, nil
}

// forward sends the request to the primary and relays its answer.
func (r *Registry) forward(w http.ResponseWriter, req *http.Request, body []byte) error {
	p := r.primary.Load()
	switch {
	case p == nil:
		return errorf(CodeForwardingFailed, "Error while forwarding the request to the primary: no primary is known")
	case p.self:
		return errorf(CodeForwardingFailed, "Error while forwarding the request to the primary: this instance is stepping up")
	case req.Header.Get(headerForwarded) != "":
		return errorf(CodeForwardingFailed, "Error while forwarding the request to the primary: the receiving instance is not the primary")
	}
	ctx, cancel := context.WithTimeout(req.Context(), r.opts.Timeout)
	defer cancel()
	u := p.url + req.URL.EscapedPath()
	if req.URL.RawQuery != "" {
		u += "?" + req.URL.RawQuery
	}
	freq, err := http.NewRequestWithContext(ctx, req.Method, u, bytes.NewReader(body))
	if err != nil {
		return wrapErr(CodeForwardingFailed, err, "Error while forwarding the request to the primary")
	}
	for _, h := range []string{"Content-Type", "Accept", "Authorization"} {
		if v := req.Header.Values(h); len(v) > 0 {
			freq.Header[h] = v
		}
	}
	freq.Header.Set(headerForwarded, r.URL())
	resp, err := r.opts.HTTPClient.Do(freq)
	if err != nil {
		return wrapErr(CodeForwardingFailed, err, "Error while forwarding the request to the primary %s", p.url)
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, r.opts.MaxBodyBytes))
	if err != nil {
		return wrapErr(CodeForwardingFailed, err, "Error while reading the primary's answer")
	}
	if off, err := strconv.ParseInt(resp.Header.Get(headerOffset), 10, 64); err == nil {
		if err := r.progress.wait(ctx, off); err != nil {
			return wrapErr(CodeOperationTimeout, err, "The primary accepted the write, but this instance did not read it back in time")
		}
		w.Header().Set(headerOffset, strconv.FormatInt(off, 10))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(rb)))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(rb)
	return nil
}
