package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBadConfigurationExitsTwoWithOneLinePerProblem(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"--port", "70000"}, []string{"KREST_PRODUCER_ACKS=2", "KREST_LOG_LEVEL=loud"}, &out, &errOut)
	if code != 2 {
		t.Fatalf("exit code %d, want 2; stderr %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("want one line per problem (3), got %d:\n%s", len(lines), errOut.String())
	}
	for _, key := range []string{"port", "producer_acks", "log_level"} {
		if !strings.Contains(errOut.String(), key) {
			t.Errorf("stderr does not name %s:\n%s", key, errOut.String())
		}
	}
}

func TestVersionAndHelpExitZero(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"version"}, nil, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "krest ") {
		t.Fatalf("version: code %d, out %q", code, out.String())
	}
	out.Reset()
	if code := run([]string{"--help"}, nil, &out, &errOut); code != 0 || !strings.Contains(out.String(), "--bootstrap-uri") {
		t.Fatalf("--help: code %d, out %q", code, out.String())
	}
}

func TestUnknownFlagExitsTwo(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"--no-such-flag"}, nil, &out, &errOut); code != 2 {
		t.Fatalf("exit code %d, want 2", code)
	}
}
