package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// childKrest is a krest the bench started itself (-krest-bin): on free
// loopback ports, with the embedded broker and a fresh data directory, so
// that one command reproduces a run.
type childKrest struct {
	cmd       *exec.Cmd
	dir       string // temporary: data dir and log, removed by stop
	url       string
	bootstrap string
	// registry is the schema registry the child uses: its embedded one on
	// the port the bench chose, or the registry_url given to it; "" when
	// the bench cannot tell (registry_port 0 or registry_host set).
	registry string
	ready    time.Duration // from exec to the first 200 from /_health
	logPath  string
	exited   chan struct{}
	waitErr  error
}

// freePort asks the kernel for a free loopback port. Another process could
// take it before krest binds it; krest then fails to start and the bench
// says so, which on a quiet machine does not happen.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startKrest runs bin with the given extra arguments after the port, broker
// port and data dir flags (so that extra arguments may override them), and
// waits until /_health answers 200.
// env is added to the child's environment (KEY=VALUE each). The embedded
// schema registry gets a free port the bench picks, through
// KREST_REGISTRY_PORT (registry_port has no flag; set before env, so env may
// override it): its default 8081 is often taken by another krest, and the
// avro scenario needs to know where it is.
func startKrest(ctx context.Context, bin string, extra, env []string) (*childKrest, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	bport, err := freePort()
	if err != nil {
		return nil, err
	}
	rport, err := freePort()
	if err != nil {
		return nil, err
	}
	env = append([]string{"KREST_REGISTRY_PORT=" + strconv.Itoa(rport)}, env...)
	dir, err := os.MkdirTemp("", "krest-bench-")
	if err != nil {
		return nil, err
	}
	k := &childKrest{
		dir:       dir,
		url:       "http://127.0.0.1:" + strconv.Itoa(port),
		bootstrap: "127.0.0.1:" + strconv.Itoa(bport),
		registry:  childRegistry(extra, env),
		logPath:   filepath.Join(dir, "krest.log"),
		exited:    make(chan struct{}),
	}
	logFile, err := os.Create(k.logPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	args := append([]string{
		"--port", strconv.Itoa(port),
		"--embedded-broker-port", strconv.Itoa(bport),
		"--data-dir", filepath.Join(dir, "data"),
	}, extra...)
	// Not CommandContext: the child must get SIGTERM and a chance to shut
	// down cleanly, not SIGKILL when the run's context ends.
	k.cmd = exec.Command(bin, args...)
	k.cmd.Stdout, k.cmd.Stderr = logFile, logFile
	k.cmd.Env = append(os.Environ(), env...)
	ownProcessGroup(k.cmd)
	start := time.Now()
	if err := k.cmd.Start(); err != nil {
		logFile.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		k.waitErr = k.cmd.Wait()
		logFile.Close()
		close(k.exited)
	}()
	if err := k.waitReady(ctx, start); err != nil {
		tail := k.logTail(20)
		k.stop()
		return nil, fmt.Errorf("krest did not become ready: %w\nkrest log:\n%s", err, tail)
	}
	return k, nil
}

// waitReady polls /_health every 2 ms: fine-grained enough to time a start
// of tens of milliseconds, cheap enough not to slow it.
func (k *childKrest) waitReady(ctx context.Context, start time.Time) error {
	hc := &http.Client{Timeout: time.Second, Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-k.exited:
			return fmt.Errorf("krest exited: %v", k.waitErr)
		default:
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", k.url+"/_health", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				k.ready = time.Since(start)
				return nil
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no 200 from %s/_health within 30s", k.url)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (k *childKrest) pid() int { return k.cmd.Process.Pid }

// stop sends SIGTERM (krest drains and persists), waits up to 20 s, then
// kills, and removes the temporary directory.
func (k *childKrest) stop() {
	select {
	case <-k.exited:
	default:
		_ = k.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-k.exited:
		case <-time.After(20 * time.Second):
			logf("warning: krest (pid %d) did not stop within 20s; killing it", k.pid())
			_ = k.cmd.Process.Kill()
			<-k.exited
		}
	}
	os.RemoveAll(k.dir)
}

// logTail is the end of krest's log, for error messages.
func (k *childKrest) logTail(lines int) string {
	b, err := os.ReadFile(k.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	ls := bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return string(bytes.Join(ls, []byte("\n")))
}

// childRegistry says which schema registry a krest started with these
// arguments and this extra environment uses (the last setting wins, flags
// over the environment, as in krest's config): registry_url's first URL
// when set, else the embedded registry on 127.0.0.1:registry_port. It
// returns "" when it cannot tell — registry_host, registry_enabled=false or
// a registry_port of 0 — and the avro scenario then needs -registry.
func childRegistry(args, env []string) string {
	var regURL, host, port, enabled string
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "KREST_REGISTRY_URL":
			regURL = v
		case "KREST_REGISTRY_HOST":
			host = v
		case "KREST_REGISTRY_PORT":
			port = v
		case "KREST_REGISTRY_ENABLED":
			enabled = v
		}
	}
	for i := 0; i < len(args); i++ {
		name, v, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if name != "registry-url" && name != "registry-enabled" {
			continue
		}
		if !hasValue && i+1 < len(args) {
			i++
			v = args[i]
		}
		if name == "registry-url" {
			regURL = v
		} else {
			enabled = v
		}
	}
	if first, _, _ := strings.Cut(regURL, ","); strings.TrimSpace(first) != "" {
		return strings.TrimRight(strings.TrimSpace(first), "/")
	}
	if host != "" || strings.EqualFold(enabled, "false") {
		return ""
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return ""
	}
	return "http://127.0.0.1:" + port
}

// splitArgs splits -krest-args on whitespace; krest's flags take no values
// with spaces.
func splitArgs(s string) []string { return strings.Fields(s) }
