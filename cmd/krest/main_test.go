package main

import (
	"bytes"
	"encoding/json"
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

func TestConfigPrintShowsTheEffectiveConfigurationMasked(t *testing.T) {
	var out, errOut bytes.Buffer
	env := []string{"KREST_PORT=9999", "KREST_REGISTRY_PASSWORD=hunter2"}
	code := run([]string{"config", "print", "--metrics-port", "9102"}, env, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit code %d; stderr %s", code, errOut.String())
	}
	var m map[string]any
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		t.Fatalf("config print is not JSON: %v\n%s", err, out.String())
	}
	if m["port"] != float64(9999) || m["metrics_port"] != float64(9102) {
		t.Errorf("port %v, metrics_port %v: the environment and flags are not applied", m["port"], m["metrics_port"])
	}
	if strings.Contains(out.String(), "hunter2") || m["registry_password"] != "*****" {
		t.Errorf("registry_password printed as %v", m["registry_password"])
	}
}

func TestConfigPrintRejectsBadConfigurationAndUnknownSubcommands(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"config", "print", "--port", "70000"}, nil, &out, &errOut); code != 2 || out.Len() != 0 {
		t.Errorf("invalid configuration: exit %d, stdout %q", code, out.String())
	}
	if code := run([]string{"config", "show"}, nil, &out, &errOut); code != 2 {
		t.Errorf("krest config show: exit %d, want 2", code)
	}
}
