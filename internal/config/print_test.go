package config

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMaskedJSONMasksSecretsAndLoadsBack(t *testing.T) {
	c := Default()
	c.RegistryPassword = "hunter2"
	c.RegistryURL = "https://alice:s3cret@registry.example:8081,https://registry2.example"
	c.BootstrapURI = []string{"k1:9092", "k2:9092"}
	out := c.MaskedJSON()
	text := string(out)
	for _, leaked := range []string{"hunter2", "s3cret"} {
		if strings.Contains(text, leaked) {
			t.Errorf("the printed configuration shows the secret %q:\n%s", leaked, text)
		}
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, text)
	}
	if len(m) != len(fields) {
		t.Errorf("%d members, want one per key (%d)", len(m), len(fields))
	}
	if m["registry_password"] != Mask {
		t.Errorf("registry_password = %v, want %q", m["registry_password"], Mask)
	}
	if want := "https://alice:" + Mask + "@registry.example:8081,https://registry2.example"; m["registry_url"] != want {
		t.Errorf("registry_url = %v, want %v", m["registry_url"], want)
	}
	if m["port"] != float64(8082) || m["metrics_enabled"] != true {
		t.Errorf("port = %v, metrics_enabled = %v", m["port"], m["metrics_enabled"])
	}

	// The output is a config file: it loads back to the same configuration
	// (secrets aside, which print as the mask).
	path := filepath.Join(t.TempDir(), "krest.json")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	back, _, err := Load([]string{"--config", path}, nil)
	if err != nil {
		t.Fatalf("loading the printed configuration: %v", err)
	}
	if back.Port != c.Port || strings.Join(back.BootstrapURI, ",") != "k1:9092,k2:9092" || back.RegistryPassword != Mask {
		t.Errorf("loaded back: port %d, bootstrap %v, password %q", back.Port, back.BootstrapURI, back.RegistryPassword)
	}
}

func TestMaskedJSONKeepsUnsetSecretsEmpty(t *testing.T) {
	c := Default()
	var m map[string]any
	if err := json.Unmarshal(c.MaskedJSON(), &m); err != nil {
		t.Fatal(err)
	}
	if m["registry_password"] != "" {
		t.Errorf("unset registry_password printed as %v, want \"\"", m["registry_password"])
	}
	if l, ok := m["bootstrap_uri"].([]any); !ok || len(l) != 0 {
		t.Errorf("unset bootstrap_uri printed as %v, want []", m["bootstrap_uri"])
	}
}

func TestMetricsPortMustNotCollide(t *testing.T) {
	c := Default()
	c.MetricsPort = c.Port
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "metrics_port") {
		t.Errorf("metrics_port = port: Validate() = %v", err)
	}
	c.MetricsPort = c.RegistryPort // the embedded registry is served by default
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "registry_port") {
		t.Errorf("metrics_port = registry_port: Validate() = %v", err)
	}
	c.RegistryURL = "http://elsewhere:8081" // no embedded registry: the port is free
	if err := c.Validate(); err != nil {
		t.Errorf("metrics_port = registry_port of an external registry: Validate() = %v", err)
	}
	c.MetricsPort = 9102
	if err := c.Validate(); err != nil {
		t.Errorf("metrics_port 9102: Validate() = %v", err)
	}
}
