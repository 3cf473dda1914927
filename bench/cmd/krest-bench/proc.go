package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat.
// It is 100 on every Linux architecture Go supports (the kernel ABI fixes
// it regardless of CONFIG_HZ), which saves a cgo call to sysconf.
const clockTicks = 100

// procCPU returns the CPU time (user + system) a process has used so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatCPU(b)
}

// parseStatCPU reads utime and stime (fields 14 and 15) from a
// /proc/<pid>/stat line. The command name (field 2) is in parentheses and
// may hold spaces or parentheses itself, so fields are counted from the
// last ')'.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat line")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), so utime (14) is f[11] and stime (15) f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("short stat line")
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad utime/stime %q %q", f[11], f[12])
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// memStatus is a process's resident memory from /proc/<pid>/status.
type memStatus struct {
	RSSKiB int64 `json:"rss_kib"` // VmRSS: resident now
	HWMKiB int64 `json:"hwm_kib"` // VmHWM: peak resident
}

func procMem(pid int) (memStatus, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return memStatus{}, err
	}
	return parseStatusMem(b)
}

func parseStatusMem(b []byte) (memStatus, error) {
	var m memStatus
	var found int
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return m, fmt.Errorf("unexpected %s line %q", name, sc.Text())
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, err
		}
		if name == "VmRSS" {
			m.RSSKiB = n
		} else {
			m.HWMKiB = n
		}
		found++
	}
	if found != 2 {
		return m, fmt.Errorf("no VmRSS/VmHWM in status")
	}
	return m, nil
}

// cpuMeter measures one side's load phase: its wall time, krest's CPU (when
// the pid is known) and the generator's own CPU over the same interval.
type cpuMeter struct {
	pid              int
	t0, t1           time.Time
	krest0, krest1   time.Duration
	self0, self1     time.Duration
	krestOK, started bool
}

func (m *cpuMeter) begin() {
	m.started = true
	m.krestOK = false
	if m.pid > 0 {
		var err error
		m.krest0, err = procCPU(m.pid)
		m.krestOK = err == nil
	}
	m.self0 = selfCPU()
	m.t0 = time.Now()
}

func (m *cpuMeter) end() {
	m.t1 = time.Now()
	m.self1 = selfCPU()
	if m.krestOK {
		var err error
		m.krest1, err = procCPU(m.pid)
		m.krestOK = err == nil
	}
}

func (m *cpuMeter) wall() time.Duration { return m.t1.Sub(m.t0) }

// fill adds the CPU figures to a side's result.
func (m *cpuMeter) fill(r *sideResult) {
	w := m.wall().Seconds()
	if !m.started || w <= 0 {
		return
	}
	r.BenchCPU = (m.self1 - m.self0).Seconds() / w
	if m.krestOK {
		v := (m.krest1 - m.krest0).Seconds() / w
		r.KrestCPU = &v
	}
}

// checkLoopbackURL refuses a URL whose host is not a loopback address: the
// bench saturates what it points at, so pointing it elsewhere takes
// -allow-remote.
func checkLoopbackURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%s: want an http(s) URL", raw)
	}
	return checkLoopbackHost(ctx, u.Hostname())
}

// checkLoopbackAddrs checks host:port broker addresses.
func checkLoopbackAddrs(ctx context.Context, addrs []string) error {
	for _, a := range addrs {
		host, _, err := net.SplitHostPort(a)
		if err != nil {
			return fmt.Errorf("bootstrap %q: %w", a, err)
		}
		if err := checkLoopbackHost(ctx, host); err != nil {
			return err
		}
	}
	return nil
}

// checkLoopbackHost accepts a loopback IP, "localhost", or a name that
// resolves only to loopback addresses.
func checkLoopbackHost(ctx context.Context, host string) error {
	if host == "" {
		return fmt.Errorf("empty host")
	}
	if ip := net.ParseIP(host); ip != nil {
		if ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%s is not a loopback address (pass -allow-remote to load a remote server)", host)
	}
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return fmt.Errorf("%s: %w", host, err)
	}
	for _, a := range addrs {
		if !a.IP.IsLoopback() {
			return fmt.Errorf("%s resolves to %s, not a loopback address (pass -allow-remote to load a remote server)", host, a.IP)
		}
	}
	if len(addrs) == 0 {
		return fmt.Errorf("%s resolves to nothing", host)
	}
	return nil
}

// logf writes a progress line to stderr: stdout carries only the report.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "krest-bench: "+format+"\n", args...)
}
