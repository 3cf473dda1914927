package apierr

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestCatalogCodesAreUniqueAndValid(t *testing.T) {
	seen := map[Code]string{}
	names := map[string]bool{}
	for _, c := range catalog {
		if prev, ok := seen[c.Code]; ok {
			t.Errorf("duplicate error code %d: %s and %s", c.Code, prev, c.Name)
		}
		seen[c.Code] = c.Name
		if names[c.Name] {
			t.Errorf("duplicate name %s", c.Name)
		}
		names[c.Name] = true
		if s := c.Code.Status(); s < 400 || s > 599 {
			t.Errorf("%s (%d) derives status %d, not a 4xx/5xx", c.Name, c.Code, s)
		}
	}
	for code := range kafkaCodes {
		if _, ok := seen[kafkaCodes[code]]; !ok {
			t.Errorf("kafka code %d maps to %d, which is not in the catalog", code, kafkaCodes[code])
		}
	}
}

func TestStatusDerivesFromCode(t *testing.T) {
	for code, want := range map[Code]int{40401: 404, 40403: 404, 42201: 422, 50003: 500, 50302: 503, 415: 415, 40801: 408} {
		if got := code.Status(); got != want {
			t.Errorf("%d.Status() = %d, want %d", code, got, want)
		}
	}
}

func TestFromKafka(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want Code
	}{
		{"unknown-topic", kerr.UnknownTopicOrPartition, TopicNotFound},
		{"authorization", fmt.Errorf("wrapped: %w", kerr.TopicAuthorizationFailed), KafkaAuthorization},
		{"retriable-unmapped", kerr.NotLeaderForPartition, KafkaRetriable},
		{"rebalance-is-worth-retrying", kerr.RebalanceInProgress, KafkaRetriable},
		{"non-retriable-unmapped", kerr.MessageTooLarge, KafkaError},
		{"closed", kgo.ErrClientClosed, ServiceUnavailable},
		{"timeout", context.DeadlineExceeded, KafkaRetriable},
		{"record-timeout", kgo.ErrRecordTimeout, KafkaRetriable},
		{"unknown", errors.New("boom"), Internal},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := FromKafka(tc.err)
			if got.Code != tc.want {
				t.Fatalf("code = %d, want %d", got.Code, tc.want)
			}
			if tc.want == Internal && got.Message != "Internal Server Error" {
				t.Fatalf("internal error leaks its cause: %q", got.Message)
			}
		})
	}
}

func TestFromKeepsAPIErrors(t *testing.T) {
	e := New(PartitionNotFound, "Partition %d not found", 3)
	if got := From(fmt.Errorf("ctx: %w", e)); got != e {
		t.Fatalf("From did not unwrap the *Error: %v", got)
	}
	if From(nil) != nil {
		t.Fatal("From(nil) != nil")
	}
}

var update = flag.Bool("update", false, "rewrite docs/errors.md")

// TestErrorsDocMatchesCatalog keeps docs/errors.md generated from the catalog.
func TestErrorsDocMatchesCatalog(t *testing.T) {
	const path = "../../docs/errors.md"
	want := errorsDocHeader + MarkdownTable()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("docs/errors.md is stale: run go generate ./internal/apierr")
	}
}

const errorsDocHeader = `# Error codes

<!-- Generated from internal/apierr/codes.go by "go generate ./internal/apierr". Do not edit. -->

Every error krest answers is JSON: ` + "`" + `{"error_code": <code>, "message": "<text>"}` + "`" + `, with
Content-Type ` + "`application/vnd.kafka.v2+json`" + `. The HTTP status is derived from the code:
five-digit codes carry it in their first three digits (40403 → 404), three-digit codes are the
status itself. Produce answers 200 when the request itself was valid and reports per-record
failures in ` + "`offsets[i].error_code`" + ` (40101, 40301, 40401, 40402, 50002, 50003).

`
