// Command krest-flood measures krest's memory under a flood of large
// produce requests: it starts a krest binary on a free port against an
// in-memory embedded broker (internal/devbroker) that lives in this process (so the broker's copy of the records is
// not counted in krest's memory), opens -connections connections at once,
// sends a produce request with a body of -body bytes on each (all at once,
// or trickled over -slow), and reports krest's peak RSS (VmHWM), its peak
// Go heap (sampled from /metrics, which the request cap exempts) and how
// the requests were answered.
//
//	go build -o /tmp/krest ./cmd/krest
//	go run ./bench/cmd/krest-flood -krest-bin /tmp/krest
//	go run ./bench/cmd/krest-flood -krest-bin /tmp/krest -slow 20s
//	go run ./bench/cmd/krest-flood -krest-bin /tmp/krest -krest-env KREST_HTTP_MAX_CONCURRENT_REQUESTS=256
//
// docs/operations.md ("Limits") quotes its figures. It needs Linux (/proc)
// and about 2 x connections file descriptors.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/krest-dev/krest/internal/devbroker"
)

func main() {
	bin := flag.String("krest-bin", "", "the krest binary to start (required)")
	env := flag.String("krest-env", "", "extra environment for krest, space-separated KEY=VALUE")
	conns := flag.Int("connections", 2000, "concurrent connections, one produce request each")
	bodySize := flag.Int("body", 1<<20-1024, "bytes of each produce body (a binary record whose base64 value fills it)")
	slow := flag.Duration("slow", 0, "send each body over this long instead of at once")
	missing := flag.Bool("missing-topic", false, "produce to a topic that does not exist: every admitted body is read and decoded, then answered 404, and nothing reaches Kafka")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "krest-flood: -krest-bin is required")
		os.Exit(2)
	}
	if err := run(*bin, strings.Fields(*env), *conns, *bodySize, *slow, *missing); err != nil {
		fmt.Fprintln(os.Stderr, "krest-flood:", err)
		os.Exit(1)
	}
}

func run(bin string, env []string, conns, bodySize int, slow time.Duration, missing bool) error {
	// The embedded broker's package, in memory, in this process: its
	// copy of the records is not in krest's memory figures.
	broker, err := devbroker.Start(devbroker.Options{Topics: []devbroker.TopicSpec{{Name: "flood", Partitions: 1}}})
	if err != nil {
		return err
	}
	defer broker.Close()
	k, err := startKrest(bin, broker.Addr(), env)
	if err != nil {
		return err
	}
	defer k.stop()

	topic := "flood"
	if missing {
		topic = "no-such-topic"
	}
	body := produceBody(bodySize)
	head := []byte("POST /topics/" + topic + " HTTP/1.1\r\nHost: krest\r\nContent-Type: application/vnd.kafka.binary.v2+json\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n")

	baseRSS := procStatus(k.pid(), "VmRSS")
	baseHeap, _ := heapInuse(k.url)
	fmt.Printf("krest pid %d at %s; baseline RSS %s, heap in use %s\n", k.pid(), k.url, mib(baseRSS), mib(baseHeap))
	fmt.Printf("flood: %d connections x %s body to topic %s, %s\n", conns, mib(int64(len(body))), topic, map[bool]string{true: "trickled over " + slow.String(), false: "sent at once"}[slow > 0])

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

	// Dial everything first, then release all senders together.
	cs := make([]net.Conn, 0, conns)
	for range conns {
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
			defer c.Close()
			<-start
			_ = c.SetDeadline(time.Now().Add(slow + 2*time.Minute))
			// The answer may come before the body is sent (a 429 after
			// the headers), so read while writing.
			go func() {
				if _, err := c.Write(head); err != nil {
					return
				}
				if slow <= 0 {
					_, _ = c.Write(body)
					return
				}
				const steps = 50
				for i := range steps {
					chunk := body[i*len(body)/steps : (i+1)*len(body)/steps]
					if _, err := c.Write(chunk); err != nil {
						return
					}
					time.Sleep(slow / steps)
				}
			}()
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
	elapsed := time.Since(t0)
	close(stopSampling)
	<-sampled

	fmt.Printf("done in %s\n", elapsed.Round(time.Millisecond))
	keys := make([]string, 0, len(statuses))
	for s := range statuses {
		keys = append(keys, s)
	}
	sort.Strings(keys)
	for _, s := range keys {
		fmt.Printf("  %-28s %d\n", s, statuses[s])
	}
	peakRSS := procStatus(k.pid(), "VmHWM")
	fmt.Printf("krest peak RSS (VmHWM) %s (+%s over baseline); peak heap in use (sampled) %s\n",
		mib(peakRSS), mib(peakRSS-baseRSS), mib(peakHeap.Load()))
	fmt.Printf("RSS after the flood %s\n", mib(procStatus(k.pid(), "VmRSS")))
	return nil
}

// produceBody is a binary produce request of exactly size bytes: one record
// whose base64 value fills it.
func produceBody(size int) []byte {
	const pre, post = `{"records":[{"value":"`, `"}]}`
	n := (size - len(pre) - len(post)) / 4 * 3
	b := []byte(pre + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{'x'}, n)) + post)
	return b
}

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

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }

// procStatus reads a kB field of /proc/<pid>/status in bytes.
func procStatus(pid int, field string) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

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

// krest is the child process.
type krest struct {
	cmd  *exec.Cmd
	dir  string
	url  string
	done chan struct{}
}

func (k *krest) pid() int { return k.cmd.Process.Pid }

func startKrest(bin, bootstrap string, env []string) (*krest, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dir, err := os.MkdirTemp("", "krest-flood-")
	if err != nil {
		return nil, err
	}
	logf, err := os.Create(filepath.Join(dir, "krest.log"))
	if err != nil {
		return nil, err
	}
	k := &krest{dir: dir, url: "http://127.0.0.1:" + strconv.Itoa(port), done: make(chan struct{})}
	k.cmd = exec.Command(bin, "--port", strconv.Itoa(port), "--bootstrap-uri", bootstrap,
		"--metrics-enabled", "--registry-enabled", "false", "--log-level", "warning")
	k.cmd.Stdout, k.cmd.Stderr = logf, logf
	k.cmd.Env = append(os.Environ(), env...)
	if err := k.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { _ = k.cmd.Wait(); logf.Close(); close(k.done) }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", k.url+"/_health", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return k, nil
			}
		}
		select {
		case <-k.done:
			return nil, fmt.Errorf("krest exited; see %s", logf.Name())
		case <-ctx.Done():
			k.stop()
			return nil, errors.New("krest did not answer /_health within 30 s")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (k *krest) stop() {
	_ = k.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-k.done:
	case <-time.After(20 * time.Second):
		_ = k.cmd.Process.Kill()
		<-k.done
	}
	os.RemoveAll(k.dir)
}
