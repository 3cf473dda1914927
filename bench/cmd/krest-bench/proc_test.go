package main

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and a ')' must not shift the fields.
	line := "4242 (kr est) (x)) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 12 0 123 456 789\n"
	got, err := parseStatCPU([]byte(line))
	if err != nil {
		t.Fatal(err)
	}
	if want := 3250 * time.Millisecond; got != want {
		t.Fatalf("cpu %v, want %v", got, want)
	}
	if _, err := parseStatCPU([]byte("4242 (x) S 1 2")); err == nil {
		t.Fatal("short line accepted")
	}
}

func TestParseStatusMem(t *testing.T) {
	status := "Name:\tkrest\nVmPeak:\t  900 kB\nVmHWM:\t   30720 kB\nVmRSS:\t   20480 kB\nThreads:\t9\n"
	m, err := parseStatusMem([]byte(status))
	if err != nil || m.RSSKiB != 20480 || m.HWMKiB != 30720 {
		t.Fatalf("%+v, %v", m, err)
	}
	if _, err := parseStatusMem([]byte("Name:\tx\n")); err == nil {
		t.Fatal("status without VmRSS accepted")
	}
}

func TestProcSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux")
	}
	if _, err := procCPU(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	if m, err := procMem(os.Getpid()); err != nil || m.RSSKiB <= 0 {
		t.Fatalf("%+v, %v", m, err)
	}
}

func TestLoopbackChecks(t *testing.T) {
	ctx := context.Background()
	for _, ok := range []string{"http://127.0.0.1:8082", "http://localhost:1", "http://[::1]:8082/", "https://127.0.0.2"} {
		if err := checkLoopbackURL(ctx, ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8082", "http://[2001:db8::1]/", "ftp://127.0.0.1/", "http://:8082"} {
		if err := checkLoopbackURL(ctx, bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if err := checkLoopbackAddrs(ctx, []string{"127.0.0.1:9092", "localhost:9093"}); err != nil {
		t.Error(err)
	}
	if err := checkLoopbackAddrs(ctx, []string{"127.0.0.1:9092", "192.168.1.5:9092"}); err == nil {
		t.Error("remote broker accepted")
	}
	if err := checkLoopbackAddrs(ctx, []string{"127.0.0.1"}); err == nil {
		t.Error("address without port accepted")
	}
}
