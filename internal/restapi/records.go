package restapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/consumer"
	"github.com/krest-dev/krest/internal/serde"
)

// getRecords answers GET .../records?timeout=&max_bytes=: a long-poll that
// returns as soon as records are available and [] only when none arrived in
// time. timeout (ms) is used only when below the instance's
// consumer.request.timeout.ms; max_bytes is capped by
// consumer_request_max_bytes. Records beyond max_bytes stay buffered for the
// next request. A record the consumer's format cannot render fails the
// request with 422 when it comes first; after other records, those are
// returned and it comes first in the next request, until the client seeks
// past it.
func (s *Server) getRecords(w http.ResponseWriter, r *http.Request) error {
	if r.Method == http.MethodHead {
		// ServeMux routes HEAD to GET patterns, but a HEAD would consume
		// records whose body nobody reads.
		w.Header().Set("Allow", "GET")
		return apierr.New(apierr.MethodNotAllowed, "HTTP 405 Method Not Allowed: HEAD would consume records; use GET")
	}
	inst, err := s.consumerInstance(r)
	if err != nil {
		return err
	}
	opts := consumer.FetchOptions{Timeout: -1, MaxBytes: -1}
	q := r.URL.Query()
	if ms, ok, err := queryInt(q.Get("timeout"), "timeout"); err != nil {
		return err
	} else if ok {
		opts.Timeout = msDuration(ms)
	}
	if n, ok, err := queryInt(q.Get("max_bytes"), "max_bytes"); err != nil {
		return err
	} else if ok {
		opts.MaxBytes = n
	}
	if acc, _ := acceptedFormat(r); acc.named && acc.format != inst.Format() {
		return apierr.New(apierr.ConsumerFormatMismatch, "Consumer format %s does not match the embedded format requested by the Accept header", inst.Format())
	}
	dec, err := s.decoderFor(inst.Format())
	if err != nil {
		return err
	}
	if err := s.enterLongPoll(w); err != nil {
		return err
	}
	defer s.leaveLongPoll()
	var body []byte
	err = inst.Fetch(r.Context(), opts, func(recs []consumer.Record) (int, error) {
		var n int
		var err error
		// A recycled buffer: a response is up to max_bytes (tens of MB)
		// of base64, which the GC would otherwise clear and scan for
		// every request.
		body, n, err = appendRecords(r.Context(), getBuf(recordsSize(recs)), recs, dec, inst.Format().String())
		if err != nil && n == 0 {
			putBuf(body)
			return 0, err
		}
		return n, nil // a bad record after others waits for the next request
	})
	if err != nil {
		return err
	}
	writeBody(w, http.StatusOK, inst.Format().MediaType(), body)
	putBuf(body) // the response writer has copied it
	return nil
}

// queryInt parses a non-negative integer query parameter; "" is absent.
func queryInt(v, name string) (int64, bool, error) {
	if v == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false, apierr.New(apierr.UnprocessableEntity, "Invalid request parameter %s=%q: must be a non-negative integer", name, v)
	}
	return n, true, nil
}

// msDuration converts milliseconds, saturating instead of overflowing.
func msDuration(ms int64) time.Duration {
	const maxMS = int64(1<<63-1) / int64(time.Millisecond)
	return time.Duration(min(ms, maxMS)) * time.Millisecond
}

// appendRecords writes the records response by hand (the fetch hot path):
// [{"topic","key","value","partition","offset","timestamp","headers"?}].
// It stops at the first record dec cannot render and returns how many
// records it wrote, dst holding a complete array of those.
func appendRecords(ctx context.Context, dst []byte, recs []consumer.Record, dec embeddedDecoder, format string) ([]byte, int, error) {
	if dst == nil {
		dst = make([]byte, 0, recordsSize(recs))
	}
	w := recordWriter{dec: dec}
	dst = append(dst, '[')
	for k := range recs {
		mark := len(dst)
		if k > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = w.append(ctx, dst, &recs[k]); err != nil {
			rec := &recs[k]
			dst = append(dst[:mark], ']')
			if ae := (*apierr.Error)(nil); errors.As(err, &ae) {
				return dst, k, ae // not about the record (e.g. registry down)
			}
			return dst, k, apierr.Wrap(apierr.UnprocessableEntity, err,
				"%s deserialization error for format %s: topic %s, partition %d, offset %d: %v (seek past offset %d to skip the record)",
				partOf(err), format, rec.Topic, rec.Partition, rec.Offset, err, rec.Offset)
		}
	}
	return append(dst, ']'), len(recs), nil
}

// recordsSize estimates the records response of recs (exact for binary
// without headers but for the numbers' digits), so it is written without
// growing the buffer.
func recordsSize(recs []consumer.Record) int {
	size := 2
	for k := range recs {
		rec := &recs[k]
		size += 96 + len(rec.Topic) + (len(rec.Key)+len(rec.Value))*4/3
		for _, h := range rec.Headers {
			size += 24 + len(h.Key) + len(h.Value)*4/3
		}
	}
	return size
}

// partError names the part of the record an error is about.
type partError struct {
	part recordPart
	err  error
}

func (e *partError) Error() string { return e.err.Error() }
func (e *partError) Unwrap() error { return e.err }

func partOf(err error) recordPart {
	if pe, ok := err.(*partError); ok {
		return pe.part
	}
	return partValue
}

// recordWriter appends records; it remembers the last topic quoted, since
// a response's records mostly share one.
type recordWriter struct {
	dec         embeddedDecoder
	topic       string
	quotedTopic []byte
}

func (w *recordWriter) append(ctx context.Context, dst []byte, rec *consumer.Record) ([]byte, error) {
	var err error
	if w.quotedTopic == nil || rec.Topic != w.topic {
		w.topic = rec.Topic
		w.quotedTopic, _ = jsontext.AppendQuote(w.quotedTopic[:0], rec.Topic)
	}
	dst = append(dst, `{"topic":`...)
	dst = append(dst, w.quotedTopic...)
	dst = append(dst, `,"key":`...)
	if dst, err = w.appendPart(ctx, dst, rec, partKey, rec.Key); err != nil {
		return dst, err
	}
	dst = append(dst, `,"value":`...)
	if dst, err = w.appendPart(ctx, dst, rec, partValue, rec.Value); err != nil {
		return dst, err
	}
	dst = append(dst, `,"partition":`...)
	dst = strconv.AppendInt(dst, int64(rec.Partition), 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, rec.Offset, 10)
	dst = append(dst, `,"timestamp":`...)
	dst = strconv.AppendInt(dst, rec.Timestamp.UnixMilli(), 10)
	if len(rec.Headers) > 0 {
		dst = append(dst, `,"headers":[`...)
		for k, h := range rec.Headers {
			if k > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"key":`...)
			// Invalid UTF-8 in a header key is replaced, not fatal: the
			// key is informational and the record must stay readable.
			dst, _ = jsontext.AppendQuote(dst, h.Key)
			dst = append(dst, `,"value":`...)
			if h.Value == nil {
				dst = append(dst, "null"...)
			} else {
				dst = serde.AppendBase64(dst, h.Value)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}

// appendPart writes a key or value: null for a Kafka null, else the
// decoder's rendering.
func (w *recordWriter) appendPart(ctx context.Context, dst []byte, rec *consumer.Record, part recordPart, data []byte) ([]byte, error) {
	if data == nil {
		return append(dst, "null"...), nil
	}
	out, err := w.dec.appendJSON(ctx, dst, rec.Topic, part, data)
	if err != nil {
		return dst, &partError{part, err}
	}
	return out, nil
}
