package serde

import (
	"errors"

	"github.com/go-json-experiment/json/jsontext"
)

// ErrInvalidJSON is returned when stored bytes of a json-format record are
// not valid JSON.
var ErrInvalidJSON = errors.New("not valid JSON")

// AppendJSON appends the stored bytes of a json-format key or value, which
// must be exactly one valid UTF-8 JSON value, compacted so the response stays
// compact. Duplicate object names are allowed (the last wins for readers, as
// in Python and Java). On error dst is returned unchanged.
func AppendJSON(dst, b []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, b...)
	out := jsontext.Value(dst[start:])
	if err := out.Compact(jsontext.AllowInvalidUTF8(false)); err != nil {
		return dst[:start], ErrInvalidJSON
	}
	return append(dst[:start], out...), nil
}
