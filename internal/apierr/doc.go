package apierr

import (
	"fmt"
	"strings"
)

//go:generate go test -run TestErrorsDocMatchesCatalog -update

// MarkdownTable renders the catalog as the table of docs/errors.md.
func MarkdownTable() string {
	var b strings.Builder
	b.WriteString("| error_code | HTTP status | name | meaning |\n|---|---|---|---|\n")
	for _, c := range catalog {
		fmt.Fprintf(&b, "| %d | %d | %s | %s |\n", c.Code, c.Code.Status(), c.Name, c.Use)
	}
	return b.String()
}
