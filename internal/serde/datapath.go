package serde

import (
	"fmt"
	"strconv"
)

// Error paths are built while an error unwinds: each level that descends
// into a field, element or map value prefixes its step to the error's Path.
// The success path pays nothing for them.

// dataErr returns a *DataError at the current value (the callers above add
// the path).
func dataErr(format string, args ...any) error {
	return &DataError{Reason: fmt.Sprintf(format, args...)}
}

// inField prefixes a field or map-key step to a *DataError's path.
func inField(err error, name string) error {
	if de, ok := err.(*DataError); ok {
		switch {
		case de.Path == "":
			de.Path = name
		case de.Path[0] == '[':
			de.Path = name + de.Path
		default:
			de.Path = name + "." + de.Path
		}
	}
	return err
}

// inQuotedField is inField for a member name still in its JSON quotes.
func inQuotedField(err error, quoted []byte) error {
	if _, ok := err.(*DataError); !ok {
		return err
	}
	var scratch []byte
	return inField(err, string(unquote(quoted, &scratch)))
}

// inIndex prefixes an array index step.
func inIndex(err error, i int) error {
	if de, ok := err.(*DataError); ok {
		step := "[" + strconv.Itoa(i) + "]"
		if de.Path == "" || de.Path[0] == '[' {
			de.Path = step + de.Path
		} else {
			de.Path = step + "." + de.Path
		}
	}
	return err
}

// mismatch reports a value of the wrong JSON kind.
func mismatch(want string, v []byte) error {
	return dataErr("expected %s, got %s", want, kindName(jsonKind(v)))
}
