package archtest

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

type pkg struct {
	ImportPath string
	Name       string
	Doc        string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "github.com/krest-dev/krest/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

const mod = "github.com/krest-dev/krest/internal/"

func TestDependencyRules(t *testing.T) {
	for _, p := range listPackages(t) {
		name := strings.TrimPrefix(p.ImportPath, mod)
		for _, imp := range p.Imports {
			bad := ""
			switch {
			case imp == "testing" || strings.HasSuffix(imp, "/kfake") || strings.HasSuffix(imp, "/srfake"):
				// devbroker IS the embedded broker: the one place kfake is allowed.
				if name != "devbroker" && name != "testutil" {
					bad = "production code must not import test fakes"
				}
			case imp == mod+"config":
				if name != "app" && !strings.HasSuffix(p.ImportPath, "cmd/krest") {
					bad = "only app and cmd/krest import config; others take their own Options"
				}
			case imp == mod+"restapi":
				if name != "app" {
					bad = "only app imports the HTTP transport"
				}
			case imp == mod+"testutil":
				bad = "testutil is for tests only"
			}
			if name == "kafka" && (imp == "net/http" || imp == mod+"apierr") {
				bad = "kafka returns franz-go errors and knows nothing of HTTP"
			}
			if name == "auth" && (strings.Contains(imp, ".") || imp == "net/http") {
				bad = "auth is a leaf on the standard library: its pool is generic over the client, so it knows neither Kafka nor HTTP"
			}
			if name == "apierr" && strings.HasPrefix(imp, "github.com/") &&
				imp != "github.com/twmb/franz-go/pkg/kerr" && imp != "github.com/twmb/franz-go/pkg/kgo" {
				bad = "apierr is a leaf: stdlib, kerr and kgo only"
			}
			if bad != "" {
				t.Errorf("%s imports %s: %s", p.ImportPath, imp, bad)
			}
		}
	}
}

func TestEveryPackageHasADoc(t *testing.T) {
	for _, p := range listPackages(t) {
		if p.Doc == "" && p.Name != "" {
			t.Errorf("%s has no package doc comment", p.ImportPath)
		}
	}
}
