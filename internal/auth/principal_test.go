package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func basic(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }

func TestParseBasic(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		user, pass   string
		err          error
	}{
		{"user-and-password", basic("alice:s3cret"), "alice", "s3cret", nil},
		{"password-with-colons", basic("alice:a:b:c"), "alice", "a:b:c", nil},
		{"empty-password-is-kafkas-call", basic("alice:"), "alice", "", nil},
		{"scheme-is-case-insensitive", "bAsIc " + base64.StdEncoding.EncodeToString([]byte("a:b")), "a", "b", nil},
		{"surrounding-blanks", "  " + basic("a:b") + "  ", "a", "b", nil},
		{"missing", "", "", "", ErrNoCredentials},
		{"bearer-is-not-supported", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", "", "", ErrUnsupportedScheme},
		{"other-scheme", "Digest username=alice", "", "", ErrUnsupportedScheme},
		{"scheme-without-credentials", "Basic", "", "", ErrMalformed},
		{"bad-base64", "Basic !!!notbase64", "", "", ErrMalformed},
		{"unpadded-base64", "Basic " + base64.RawStdEncoding.EncodeToString([]byte("a:bc")), "", "", ErrMalformed},
		{"no-colon", basic("alice"), "", "", ErrMalformed},
		{"empty-user", basic(":secret"), "", "", ErrMalformed},
		{"nul-in-user-would-forge-a-plain-authzid", basic("admin\x00alice:x"), "", "", ErrMalformed},
		{"nul-in-password", basic("alice:x\x00y"), "", "", ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseBasic(tc.header)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if p.User() != tc.user || p.Password() != tc.pass {
				t.Fatalf("got %q/%q, want %q/%q", p.User(), p.Password(), tc.user, tc.pass)
			}
		})
	}
}

// TestPrincipalNeverPrintsThePassword covers every way a principal could
// reach a log line or an error message.
func TestPrincipalNeverPrintsThePassword(t *testing.T) {
	const secret = "Tr0ub4dor&3-distinctive"
	p := NewPrincipal("alice", secret)
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%d", "%x"} {
		outs = append(outs, fmt.Sprintf(verb, p), fmt.Sprintf(verb, &p), fmt.Sprintf(verb, struct{ P Principal }{p}))
	}
	outs = append(outs, fmt.Sprint(p), fmt.Sprintln(p), fmt.Errorf("as %v: %w", p, errors.New("x")).Error())
	var buf bytes.Buffer
	for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
		slog.New(h).Info("request", "principal", p, "ptr", &p, slog.Any("any", p), slog.Group("g", "p", p))
	}
	outs = append(outs, buf.String())
	//lint:ignore SA9005 the point: marshaling a Principal must reveal nothing
	j, _ := json.Marshal(p)
	outs = append(outs, string(j))
	for _, o := range outs {
		if strings.Contains(o, secret) || strings.Contains(o, "Tr0ub") {
			t.Errorf("password printed: %s", o)
		}
	}
	if fmt.Sprint(p) != "alice" || !strings.Contains(buf.String(), "alice") {
		t.Errorf("user not printed: %q / %q", fmt.Sprint(p), buf.String())
	}
}
