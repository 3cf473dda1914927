package config

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite docs/configuration.md from MarkdownReference")

const docsPath = "../../docs/configuration.md"

func TestMarkdownReferenceMatchesDocs(t *testing.T) {
	want := MarkdownReference()
	if *update {
		if err := os.WriteFile(docsPath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatalf("%v; run go generate ./internal/config", err)
	}
	if string(got) != want {
		t.Errorf("%s is out of date; run go generate ./internal/config", docsPath)
	}
}

func TestMarkdownReferenceListsEveryKey(t *testing.T) {
	doc := MarkdownReference()
	for _, f := range fields {
		if !strings.Contains(doc, "| `"+f.key+"` |") || !strings.Contains(doc, "`"+f.envVar+"`") {
			t.Errorf("the reference has no row for %s", f.key)
		}
	}
	for _, k := range karapaceOnlyKeys {
		if !strings.Contains(doc, "`"+k+"`") {
			t.Errorf("the reference does not list the Karapace key %s", k)
		}
	}
}

func TestUsageListsEveryFlagAndKey(t *testing.T) {
	var b strings.Builder
	Usage(&b)
	help := b.String()
	for _, f := range fields {
		if f.flag != "" && !strings.Contains(help, "  --"+f.flag+" ") && !strings.Contains(help, "  --"+f.flag+"\n") {
			t.Errorf("--help does not show --%s", f.flag)
		}
		if f.flag != "" && !strings.Contains(help, f.envVar) {
			t.Errorf("--help does not show %s", f.envVar)
		}
		if !strings.Contains(help, f.key) && !strings.Contains(help, f.flag) {
			t.Errorf("--help does not mention %s", f.key)
		}
	}
	for line := range strings.SplitSeq(help, "\n") {
		if len(line) > 80 {
			t.Errorf("--help line is wider than 80 columns: %q", line)
		}
	}
}
