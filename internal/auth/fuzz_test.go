package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// FuzzParseBasic feeds arbitrary Authorization header values to
// ParseBasic. Invariants: it never panics; it fails with one of its three
// errors or returns a principal whose user is non-empty, holds no colon and
// no control character, and which re-encodes to the same credentials; and
// no verb of fmt prints the password.
func FuzzParseBasic(f *testing.F) {
	enc := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, s := range []string{
		"", "Basic", "Basic ", "basic " + enc("a:b"), "Basic " + enc("alice:pa:ss"), "Bearer x.y.z",
		"Basic " + enc(":x"), "Basic " + enc("a"), "Basic " + enc("a\x00b:c"), "Basic !!!", "Basic  " + enc("u:p") + " ",
		"Basic " + enc("ü:ß"), "Basic " + base64.RawStdEncoding.EncodeToString([]byte("ab:c")),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, header string) {
		p, err := ParseBasic(header)
		if err != nil {
			if !errors.Is(err, ErrNoCredentials) && !errors.Is(err, ErrUnsupportedScheme) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if p.User() == "" || strings.Contains(p.User(), ":") || hasControl(p.User()) || hasControl(p.Password()) {
			t.Fatalf("accepted user %q password %q", p.User(), p.Password())
		}
		again, err := ParseBasic("Basic " + enc(p.User()+":"+p.Password()))
		if err != nil || again != p {
			t.Fatalf("re-encoding %q gives %v, %v", p.User(), again, err)
		}
		if pw := p.Password(); len(pw) >= 4 && !strings.Contains(p.User(), pw) {
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
				if out := fmt.Sprintf(verb, p); strings.Contains(out, pw) {
					t.Fatalf("%s prints the password: %q", verb, out)
				}
			}
		}
	})
}
