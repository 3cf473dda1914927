package config

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// Mask replaces a secret in MaskedJSON's output.
const Mask = "*****"

// MaskedJSON returns c as an indented JSON object with one member per key,
// in the reference's order and under the config file's (Karapace's) names,
// so that the output loads again with --config. Secrets (fields tagged
// secret:"true") that are set are replaced by Mask, as is the password of
// any URL-valued key (http://user:password@host); unset secrets stay "" so
// that an operator can tell set from unset. "krest config print" writes it.
func (c *Config) MaskedJSON() []byte {
	var b bytes.Buffer
	b.WriteString("{\n")
	for i := range fields {
		f := &fields[i]
		v := f.value(c)
		var val any
		switch f.kind {
		case kindString:
			s := v.String()
			switch {
			case f.secret && s != "":
				s = Mask
			default:
				s = maskURLPasswords(s)
			}
			val = s
		case kindInt:
			val = v.Int()
		case kindBool:
			val = v.Bool()
		case kindList:
			list := append([]string{}, v.Interface().([]string)...) // [] rather than null when unset
			for k := range list {
				if f.secret && list[k] != "" {
					list[k] = Mask
				} else {
					list[k] = maskURLPasswords(list[k])
				}
			}
			val = list
		}
		enc, _ := json.Marshal(val) // strings, ints, bools and lists always marshal
		key, _ := json.Marshal(f.key)
		b.WriteString("  ")
		b.Write(key)
		b.WriteString(": ")
		b.Write(enc)
		if i < len(fields)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes()
}

// maskURLPasswords masks the password of each URL in a comma-separated
// value: a registry_url may carry Basic credentials
// (https://user:secret@registry), and a printed configuration ends up in
// tickets and chat.
func maskURLPasswords(s string) string {
	if !strings.Contains(s, "@") || !strings.Contains(s, "://") {
		return s
	}
	parts := strings.Split(s, ",")
	for k, p := range parts {
		trimmed := strings.TrimSpace(p)
		u, err := url.Parse(trimmed)
		if err != nil || u.User == nil {
			continue
		}
		if _, ok := u.User.Password(); ok {
			// Rebuilt by hand: url.URL.String would percent-encode the
			// mask's asterisks.
			user := url.User(u.User.Username()).String()
			u.User = nil
			scheme, rest, _ := strings.Cut(u.String(), "://")
			parts[k] = strings.Replace(p, trimmed, scheme+"://"+user+":"+Mask+"@"+rest, 1)
		}
	}
	return strings.Join(parts, ",")
}
