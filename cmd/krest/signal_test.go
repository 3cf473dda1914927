package main

// Signal handling of the real binary: the first SIGTERM shuts krest down
// gracefully (exit 0, "krest stopped"), a second one during a slow shutdown
// exits at once.

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildKrest builds this command into a temp dir.
func buildKrest(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "krest")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// krestProc is a running krest binary with its JSON log lines collected.
type krestProc struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	lines  []map[string]any
	raw    []string
	url    chan string
	exited chan struct{}
	err    error // Wait's result, set before exited closes
}

// startKrest runs bin on free ports with an embedded broker and JSON logs
// and waits until it logs that it is serving.
func startKrest(t *testing.T, bin string, env ...string) *krestProc {
	t.Helper()
	cmd := exec.Command(bin, "--port", "0", "--host", "127.0.0.1", "--embedded-broker-port", "0", "--data-dir", t.TempDir(), "--embedded-topics", "idle")
	cmd.Env = append(os.Environ(), append([]string{"KREST_LOG_FORMAT=json", "KREST_REGISTRY_PORT=0", "KREST_LOG_LEVEL=info"}, env...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &krestProc{cmd: cmd, url: make(chan string, 1), exited: make(chan struct{})}
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			_ = json.Unmarshal(sc.Bytes(), &m)
			p.mu.Lock()
			p.lines = append(p.lines, m)
			p.raw = append(p.raw, sc.Text())
			p.mu.Unlock()
			if m["msg"] == "krest is serving the Kafka REST API" {
				if u, ok := m["url"].(string); ok {
					p.url <- u
				}
			}
		}
		p.err = cmd.Wait()
		close(p.exited)
	}()
	select {
	case <-p.exited:
		t.Fatalf("krest exited at start: %v\n%s", p.err, p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("krest never logged that it is serving\n%s", p.log())
	case u := <-p.url:
		p.url <- u
	}
	return p
}

func (p *krestProc) URL() string { u := <-p.url; p.url <- u; return u }

func (p *krestProc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.raw, "\n")
}

func (p *krestProc) logged(msg string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range p.lines {
		if m["msg"] == msg {
			return true
		}
	}
	return false
}

// waitExit waits up to d for the process to exit and returns its exit
// code, or -1 if it was killed by a signal.
func (p *krestProc) waitExit(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(d):
		t.Fatalf("krest still running %v later\n%s", d, p.log())
	}
	var ee *exec.ExitError
	if p.err == nil {
		return 0
	}
	if errors.As(p.err, &ee) {
		return ee.ExitCode()
	}
	t.Fatalf("wait: %v", p.err)
	return 0
}

func send(t *testing.T, method, url, ctype, body string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSIGTERMShutsDownGracefully: one SIGTERM → exit code 0, "krest
// stopped" logged, and the REST port is closed.
func TestSIGTERMShutsDownGracefully(t *testing.T) {
	bin := buildKrest(t)
	p := startKrest(t, bin)
	if code := send(t, "POST", p.URL()+"/topics/idle", "application/vnd.kafka.binary.v2+json", `{"records":[{"value":"aGk="}]}`); code != 200 {
		t.Fatalf("produce: %d", code)
	}
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.waitExit(t, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0\n%s", code, p.log())
	}
	if !p.logged("krest stopped") {
		t.Fatalf("no \"krest stopped\" line:\n%s", p.log())
	}
	t.Logf("exited 0 %v after SIGTERM", time.Since(start))
}

// TestSecondSIGTERMExitsAtOnce: a long-poll holds the graceful shutdown
// (shutdown_timeout_ms 30 s, request timeout 20 s); the process is still
// running a second after the first SIGTERM, and a second SIGTERM ends it
// within 2 s.
func TestSecondSIGTERMExitsAtOnce(t *testing.T) {
	bin := buildKrest(t)
	p := startKrest(t, bin, "KREST_SHUTDOWN_TIMEOUT_MS=30000", "KREST_CONSUMER_REQUEST_TIMEOUT_MS=20000")
	u := p.URL()
	if code := send(t, "POST", u+"/consumers/g", "application/vnd.kafka.v2+json", `{"name":"i","format":"binary","consumer.request.timeout.ms":20000}`); code != 200 {
		t.Fatalf("create consumer: %d", code)
	}
	if code := send(t, "POST", u+"/consumers/g/instances/i/subscription", "application/vnd.kafka.v2+json", `{"topics":["idle"]}`); code != 200 && code != 204 {
		t.Fatalf("subscribe: %d", code)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "GET", u+"/consumers/g/instances/i/records?timeout=20000", nil)
		req.Header.Set("Accept", "application/vnd.kafka.binary.v2+json")
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}()
	time.Sleep(500 * time.Millisecond) // the long-poll is waiting
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
		t.Fatalf("krest exited %v after the first SIGTERM although a long-poll was in flight\n%s", p.err, p.log())
	case <-time.After(time.Second):
	}
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	code := p.waitExit(t, 2*time.Second)
	t.Logf("exit code %d %v after the second SIGTERM", code, time.Since(start))
}
