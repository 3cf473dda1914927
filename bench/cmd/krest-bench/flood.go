package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/krest-dev/krest/internal/devbroker"
)

// -flood measures krest's memory under a flood of large produce requests:
// it starts the -krest-bin krest against an in-memory embedded broker that
// lives in this process (so the broker's copy of the records is not counted
// in krest's memory), opens -flood-connections connections at once, sends a
// produce request with a body of -flood-body bytes on each (all at once, or
// trickled over -flood-slow), and reports krest's peak RSS (VmHWM), its peak
// Go heap (sampled from /metrics, which the request cap exempts) and how the
// requests were answered. docs/operations.md ("Limits") quotes its figures.
// It needs Linux (/proc) and about 2 x connections file descriptors.

// floodOptions are the -flood-* flags.
type floodOptions struct {
	conns    int
	bodySize int
	slow     time.Duration
	missing  bool
}

func runFlood(ctx context.Context, o options, stdout io.Writer) error {
	if o.krestBin == "" {
		return errors.New("-flood needs -krest-bin")
	}
	f := o.flood
	broker, err := devbroker.Start(devbroker.Options{Topics: []devbroker.TopicSpec{{Name: "flood", Partitions: 1}}})
	if err != nil {
		return err
	}
	defer broker.Close()
	extra := append([]string{"--bootstrap-uri", broker.Addr(), "--registry-enabled", "false", "--log-level", "warning"}, splitArgs(o.krestArgs)...)
	k, err := startKrest(ctx, o.krestBin, extra, splitArgs(o.krestEnv))
	if err != nil {
		return err
	}
	defer k.stop()

	topic := "flood"
	if f.missing {
		topic = "no-such-topic"
	}
	body := produceBody(f.bodySize)
	head := []byte("POST /topics/" + topic + " HTTP/1.1\r\nHost: krest\r\nContent-Type: application/vnd.kafka.binary.v2+json\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n")

	base, err := procMem(k.pid())
	if err != nil {
		return err
	}
	baseHeap, _ := heapInuse(k.url)
	how := "sent at once"
	if f.slow > 0 {
		how = "trickled over " + f.slow.String()
	}
	fmt.Fprintf(stdout, "krest pid %d at %s; baseline RSS %s, heap in use %s\n", k.pid(), k.url, mibKiB(base.RSSKiB), mib(baseHeap))
	fmt.Fprintf(stdout, "flood: %d connections x %s body to topic %s, %s\n", f.conns, mib(int64(len(body))), topic, how)

	// Heap sampler: /metrics is exempt from http_max_concurrent_requests.
	var peakHeap atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if h, err := heapInuse(k.url); err == nil && h > peakHeap.Load() {
				peakHeap.Store(h)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	defer func() { close(stopSampling); <-sampled }()

	// Dial everything first, then release all senders together.
	cs := make([]net.Conn, 0, f.conns)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for range f.conns {
		c, err := net.Dial("tcp", strings.TrimPrefix(k.url, "http://"))
		if err != nil {
			return fmt.Errorf("dial after %d connections: %w", len(cs), err)
		}
		cs = append(cs, c)
	}
	var (
		mu       sync.Mutex
		statuses = map[string]int{}
		wg       sync.WaitGroup
		start    = make(chan struct{})
	)
	count := func(s string) { mu.Lock(); statuses[s]++; mu.Unlock() }
	for _, c := range cs {
		wg.Go(func() {
			<-start
			_ = c.SetDeadline(time.Now().Add(f.slow + 2*time.Minute))
			// The answer may come before the body is sent (a 429 after
			// the headers), so read while writing; the writer ends when
			// the connection is closed.
			var writer sync.WaitGroup
			writer.Go(func() { sendSlowly(c, head, body, f.slow) })
			defer writer.Wait()
			defer c.Close()
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				count("error: " + shortErr(err))
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			label := strconv.Itoa(resp.StatusCode)
			if code := errorCode(b); code != "" && resp.StatusCode >= 400 {
				label += "/" + code
			}
			count(label)
		})
	}
	t0 := time.Now()
	close(start)
	wg.Wait()
	fmt.Fprintf(stdout, "done in %s\n", time.Since(t0).Round(time.Millisecond))
	keys := make([]string, 0, len(statuses))
	for s := range statuses {
		keys = append(keys, s)
	}
	sort.Strings(keys)
	for _, s := range keys {
		fmt.Fprintf(stdout, "  %-28s %d\n", s, statuses[s])
	}
	after, err := procMem(k.pid())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "krest peak RSS (VmHWM) %s (+%s over baseline); peak heap in use (sampled) %s\n",
		mibKiB(after.HWMKiB), mibKiB(after.HWMKiB-base.RSSKiB), mib(peakHeap.Load()))
	fmt.Fprintf(stdout, "RSS after the flood %s\n", mibKiB(after.RSSKiB))
	return nil
}

// sendSlowly writes the request head, then the body at once or in 50
// steps over slow.
func sendSlowly(c net.Conn, head, body []byte, slow time.Duration) {
	if _, err := c.Write(head); err != nil {
		return
	}
	if slow <= 0 {
		_, _ = c.Write(body)
		return
	}
	const steps = 50
	for i := range steps {
		if _, err := c.Write(body[i*len(body)/steps : (i+1)*len(body)/steps]); err != nil {
			return
		}
		time.Sleep(slow / steps)
	}
}

// produceBody is a binary produce request of exactly size bytes: one record
// whose base64 value fills it.
func produceBody(size int) []byte {
	const pre, post = `{"records":[{"value":"`, `"}]}`
	n := (size - len(pre) - len(post)) / 4 * 3
	return []byte(pre + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'x'}, n)) + post)
}

// errorCode is the error_code of an error body, or "".
func errorCode(b []byte) string {
	const key = `"error_code":`
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return ""
	}
	rest := b[i+len(key):]
	j := bytes.IndexAny(rest, ",}")
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

func shortErr(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "closed without an answer"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "timeout"
	}
	return err.Error()
}

func mib(n int64) string      { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
func mibKiB(kib int64) string { return mib(kib << 10) }

var metricsClient = &http.Client{Timeout: 5 * time.Second}

// heapInuse reads go_memstats_heap_inuse_bytes from krest's /metrics.
func heapInuse(base string) (int64, error) {
	resp, err := metricsClient.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			f, err := strconv.ParseFloat(rest, 64)
			return int64(f), err
		}
	}
	return 0, errors.New("no go_memstats_heap_inuse_bytes in /metrics")
}
