package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/go-json-experiment/json"
)

// acceptV2 asks for krest's own JSON responses (produce offsets, consumer
// creation).
const acceptV2 = "application/vnd.kafka.v2+json"

// krestClient drives the REST API over a tuned HTTP/1.1 client.
type krestClient struct {
	base        string // no trailing slash
	hc          *http.Client
	allowRemote bool
	// raw sends produce requests with rawConn instead of hc (-http-client).
	raw bool
}

// newHTTPClient keeps one idle keep-alive connection per worker (the
// default of 2 per host would make most requests open a new connection),
// never uses a proxy from the environment (the target is loopback), and
// does not ask for gzip: decompression would cost the generator CPU, and
// the direct side has no such step.
//
// Timeout bounds every request (long-polls included) so that a hung krest
// ends a scenario with counted errors instead of stalling the run.
func newHTTPClient(conns int, pollTimeout time.Duration) *http.Client {
	return &http.Client{Timeout: 30*time.Second + pollTimeout, Transport: &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        2*conns + 8,
		MaxIdleConnsPerHost: conns + 4, // a few spare for cleanup and setup calls
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
		WriteBufferSize:     64 << 10,
		ReadBufferSize:      64 << 10,
	}}
}

// do sends one request and reads the whole response into buf (reused by
// the caller): the latency includes reading the body, as a client's would.
func (k *krestClient) do(ctx context.Context, method, u, contentType, accept string, body []byte, buf *bytes.Buffer) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := k.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, buf.Bytes(), nil
}

// health returns krest's version from GET /_health.
func (k *krestClient) health(ctx context.Context) (string, error) {
	var buf bytes.Buffer
	status, body, err := k.do(ctx, "GET", k.base+"/_health", "", "", nil, &buf)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("GET /_health: HTTP %d: %s", status, truncate(string(body), 200))
	}
	var h struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(body, &h) // the version is informational
	return h.Version, nil
}

// waitTopic waits until krest serves the topic's metadata: it proves that
// krest and -bootstrap point at the same cluster before anything is timed.
func (k *krestClient) waitTopic(ctx context.Context, topic string) error {
	var buf bytes.Buffer
	u := k.base + "/topics/" + url.PathEscape(topic)
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body, err := k.do(ctx, "GET", u, "", acceptV2, nil, &buf)
		if err == nil && status == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			if err == nil {
				err = fmt.Errorf("HTTP %d: %s", status, truncate(string(body), 200))
			}
			return fmt.Errorf("krest does not see topic %s created through -bootstrap (are they the same cluster?): %w", topic, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// produce runs conns workers, each sending pre-built bodies back to back
// until dur has passed. The window (m) ends at the last response: requests
// in flight at the deadline finish and count, so the rate is over the real
// time they took.
func (k *krestClient) produce(ctx context.Context, topic string, sc scenario, bodies [][]byte, conns int, dur time.Duration, c *counters, m *cpuMeter) {
	u := k.base + "/topics/" + url.PathEscape(topic)
	ct := contentType(sc.Format)
	// With the raw client every request is built once, whole.
	var reqs [][]byte
	var addr string
	if k.raw {
		host, a, prefix, err := rawTarget(k.base)
		if err != nil {
			c.fail(&c.clientErrs, 1, "%v", err)
			return
		}
		addr = a
		for _, b := range bodies {
			reqs = append(reqs, buildRawRequest(host, prefix+"/topics/"+url.PathEscape(topic), ct, acceptV2, b))
		}
	}
	var wg sync.WaitGroup
	m.begin()
	deadline := time.Now().Add(dur)
	for w := range conns {
		wg.Go(func() {
			var h histogram
			var p parser
			var buf bytes.Buffer
			rc := &rawConn{addr: addr, timeout: k.hc.Timeout}
			defer rc.close()
			for i := w; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				t0 := time.Now()
				var status int
				var body []byte
				var err error
				if k.raw {
					status, body, err = rc.do(ctx, reqs[i%len(reqs)], &buf)
				} else {
					status, body, err = k.do(ctx, "POST", u, ct, acceptV2, bodies[i%len(bodies)], &buf)
				}
				h.record(time.Since(t0))
				k.countProduce(c, sc, &p, status, body, err)
			}
			c.merge(&h)
		})
	}
	wg.Wait()
	m.end()
}

// countProduce books one produce response: every record must come back
// with an offset and no error_code, in an HTTP 200.
func (k *krestClient) countProduce(c *counters, sc scenario, p *parser, status int, body []byte, err error) {
	c.mu.Lock()
	c.requests++
	c.mu.Unlock()
	switch {
	case err != nil:
		c.fail(&c.clientErrs, 1, "request: %v", err)
		return
	case status != http.StatusOK:
		c.fail(&c.httpErrs, 1, "HTTP %d: %s", status, body)
		return
	}
	res, err := p.parseProduce(body)
	if err != nil {
		c.fail(&c.clientErrs, 1, "unparsable produce response: %v: %s", err, body)
		return
	}
	if res.failed > 0 {
		c.fail(&c.recErrs, int64(res.failed), "record error: %s", res.firstErr)
	}
	if n := res.ok + res.failed; n != sc.Batch {
		c.fail(&c.recErrs, int64(max(sc.Batch-n, 1)), "produce response has %d offsets for %d records", n, sc.Batch)
		res.ok = min(res.ok, sc.Batch)
	}
	c.mu.Lock()
	c.records += int64(res.ok)
	c.bytes += int64(res.ok) * int64(sc.RecordSize)
	c.mu.Unlock()
}

// instance is a consumer instance krest created for the bench.
type instance struct{ baseURI string }

// createConsumer creates an instance reading from the earliest offset and
// returns its base_uri, which must be loopback too (krest builds it from
// advertised_uri or the Host header).
func (k *krestClient) createConsumer(ctx context.Context, group, format string) (instance, error) {
	var buf bytes.Buffer
	body := []byte(`{"format":"` + format + `","auto.offset.reset":"earliest"}`)
	status, resp, err := k.do(ctx, "POST", k.base+"/consumers/"+url.PathEscape(group), acceptV2, acceptV2, body, &buf)
	if err != nil {
		return instance{}, err
	}
	if status != http.StatusOK {
		return instance{}, fmt.Errorf("POST /consumers/%s: HTTP %d: %s", group, status, truncate(string(resp), 300))
	}
	var out struct {
		InstanceID string `json:"instance_id"`
		BaseURI    string `json:"base_uri"`
	}
	if err := json.Unmarshal(resp, &out); err != nil || out.BaseURI == "" {
		return instance{}, fmt.Errorf("POST /consumers/%s: unexpected body %s", group, truncate(string(resp), 300))
	}
	if !k.allowRemote {
		if err := checkLoopbackURL(ctx, out.BaseURI); err != nil {
			// Not a URL to send anything to; remove the instance through
			// the URL we were given instead.
			own := instance{baseURI: k.base + "/consumers/" + url.PathEscape(group) + "/instances/" + url.PathEscape(out.InstanceID)}
			if derr := k.deleteConsumer(own); derr != nil {
				logf("warning: %v", derr)
			}
			return instance{}, fmt.Errorf("base_uri %s (set krest's advertised_uri, or pass -allow-remote): %w", out.BaseURI, err)
		}
	}
	return instance{baseURI: out.BaseURI}, nil
}

func (k *krestClient) subscribe(ctx context.Context, in instance, topic string) error {
	var buf bytes.Buffer
	body := []byte(`{"topics":[` + strconv.Quote(topic) + `]}`)
	status, resp, err := k.do(ctx, "POST", in.baseURI+"/subscription", acceptV2, acceptV2, body, &buf)
	if err != nil {
		return err
	}
	if status != http.StatusNoContent && status != http.StatusOK {
		return fmt.Errorf("subscribe: HTTP %d: %s", status, truncate(string(resp), 300))
	}
	return nil
}

// deleteConsumer removes an instance; it runs on a fresh context so that
// cleanup happens even after the run's deadline.
func (k *krestClient) deleteConsumer(in instance) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var buf bytes.Buffer
	status, resp, err := k.do(ctx, "DELETE", in.baseURI, "", acceptV2, nil, &buf)
	if err != nil {
		return err
	}
	if status != http.StatusNoContent && status != http.StatusOK {
		return fmt.Errorf("DELETE %s: HTTP %d: %s", in.baseURI, status, truncate(string(resp), 200))
	}
	return nil
}

// consumeRun is the shared state of one consume side: the set of records
// seen and when the window ends.
type consumeRun struct {
	want   int64
	set    *offsetSet
	c      *counters
	start  time.Time
	first  time.Time // first record
	last   time.Time // last new record
	cancel context.CancelFunc
}

// add books a batch of records under the counters' lock and ends the run
// once every pre-filled record has been seen.
func (r *consumeRun) add(recs []consumedRecord) {
	if len(recs) == 0 {
		return
	}
	now := time.Now()
	r.c.mu.Lock()
	defer r.c.mu.Unlock()
	if r.first.IsZero() {
		r.first = now
	}
	for _, rec := range recs {
		if r.set.add(rec.partition, rec.offset) {
			r.c.records++
			r.c.bytes += int64(rec.size)
			r.last = now
		}
	}
	if r.set.n >= r.want {
		r.cancel()
	}
}

// result closes the run: the window runs from the first records request
// (after the group settled) to the last new record, or to the deadline
// when not every record arrived.
func (r *consumeRun) result(end time.Time) *sideResult {
	r.c.mu.Lock()
	complete := r.set.n >= r.want
	dups := r.set.dups
	last, first := r.last, r.first
	r.c.mu.Unlock()
	window := end.Sub(r.start)
	if complete {
		window = last.Sub(r.start)
	}
	res := r.c.result(window)
	res.Duplicates = dups
	res.Incomplete = !complete
	if !first.IsZero() {
		res.FirstRecordMs = ms(first.Sub(r.start))
	}
	return res
}

// consume creates sc.Consumers instances in one fresh group, subscribes
// them to topic, waits until ready says the group has settled, and reads
// until every one of want records was seen or dur has passed. Instances are
// deleted afterwards, whatever happened.
func (k *krestClient) consume(ctx context.Context, topic, group string, sc scenario, want int64, maxBytes int, pollTimeout, dur time.Duration, ready readyFunc, m *cpuMeter) (*sideResult, error) {
	var insts []instance
	defer func() {
		for _, in := range insts {
			if err := k.deleteConsumer(in); err != nil {
				logf("warning: %v", err)
			}
		}
	}()
	for range sc.Consumers {
		in, err := k.createConsumer(ctx, group, sc.Format)
		if in.baseURI != "" {
			insts = append(insts, in)
		}
		if err != nil {
			return nil, err
		}
	}
	for _, in := range insts {
		if err := k.subscribe(ctx, in, topic); err != nil {
			return nil, err
		}
	}
	stableIn, err := ready(ctx, group)
	if err != nil {
		return nil, err
	}
	c := &counters{}
	cctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	run := &consumeRun{want: want, set: newOffsetSet(), c: c, cancel: cancel}
	accept := contentType(sc.Format)
	binary := sc.Format == "binary"
	var wg sync.WaitGroup
	m.begin()
	run.start = time.Now()
	for _, in := range insts {
		u := in.baseURI + "/records?max_bytes=" + strconv.Itoa(maxBytes) +
			"&timeout=" + strconv.FormatInt(pollTimeout.Milliseconds(), 10)
		wg.Go(func() {
			var h histogram
			var p parser
			var buf bytes.Buffer
			var recs []consumedRecord
			for cctx.Err() == nil {
				t0 := time.Now()
				status, body, err := k.do(cctx, "GET", u, "", accept, nil, &buf)
				lat := time.Since(t0)
				if cctx.Err() != nil {
					break // the run ended while this poll waited: not an error
				}
				h.record(lat)
				c.mu.Lock()
				c.requests++
				c.mu.Unlock()
				switch {
				case err != nil:
					c.fail(&c.clientErrs, 1, "records request: %v", err)
					pause(cctx)
					continue
				case status != http.StatusOK:
					c.fail(&c.httpErrs, 1, "records: HTTP %d: %s", status, body)
					pause(cctx)
					continue
				}
				recs = recs[:0]
				if err := p.parseRecords(body, topic, binary, func(r consumedRecord) { recs = append(recs, r) }); err != nil {
					c.fail(&c.clientErrs, 1, "unparsable records response: %v", err)
					continue
				}
				run.add(recs)
			}
			c.merge(&h)
		})
	}
	wg.Wait()
	end := time.Now()
	m.end()
	if ctx.Err() != nil {
		return nil, context.Cause(ctx) // the whole run was stopped (-timeout or a signal)
	}
	res := run.result(end)
	res.GroupStableMs = ms(stableIn)
	return res, nil
}

// pause backs off briefly after a failed request so that a broken krest
// yields a count of errors, not a busy loop.
func pause(ctx context.Context) {
	t := time.NewTimer(50 * time.Millisecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
