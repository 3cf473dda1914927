package serde

import (
	"encoding/base64"
	"errors"
)

// ErrBase64 is returned for a binary key, value or header that is not base64.
var ErrBase64 = errors.New("not a base64 string")

// DecodeBase64 decodes standard base64 (RFC 4648 §4). Padding is optional, as
// in Java's decoder that Confluent's proxy uses; ASCII whitespace (line breaks
// from `base64` tools) is ignored. Anything else outside the alphabet is an
// error: Karapace silently drops such characters, which turns typos into
// corrupt data.
func DecodeBase64(s []byte) ([]byte, error) {
	dst := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(dst, s)
	if err == nil {
		return dst[:n], nil
	}
	// Slow path: whitespace or missing padding.
	clean := make([]byte, 0, len(s))
	for _, c := range s {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			clean = append(clean, c)
		}
	}
	for len(clean) > 0 && clean[len(clean)-1] == '=' {
		clean = clean[:len(clean)-1]
	}
	dst = make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err = base64.RawStdEncoding.Decode(dst, clean)
	if err != nil {
		return nil, ErrBase64
	}
	return dst[:n], nil
}

// AppendBase64 appends b as a JSON string of standard padded base64.
func AppendBase64(dst, b []byte) []byte {
	dst = append(dst, '"')
	dst = base64.StdEncoding.AppendEncode(dst, b)
	return append(dst, '"')
}
