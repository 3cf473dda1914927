package config

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// This file renders the key table for people: the Markdown reference in
// docs/configuration.md and the --help text. Both come from the same table
// as the loader, so they cannot drift from what krest accepts.

// MarkdownReference returns the configuration reference as a Markdown
// document, the exact content of docs/configuration.md. A test fails when
// the file differs; "go generate ./internal/config" rewrites it.
func MarkdownReference() string {
	var b strings.Builder
	b.WriteString(`# Configuration reference

<!-- Generated from internal/config/config.go by "go generate ./internal/config". Do not edit. -->

krest reads its configuration from four sources. Each overrides the ones before it:

1. the built-in defaults (the Default column below);
2. a JSON config file given with ` + "`--config FILE`" + ` (or ` + "`" + envConfigFile + "`" + `): one flat JSON object whose keys
   are the keys below. They are Karapace's names wherever Karapace has the setting, so a Karapace
   REST proxy config file can be used as it is;
3. environment variables ` + "`KREST_<KEY>`" + ` (the key in upper case); empty values are ignored;
4. command-line flags, for the most common keys (` + "`krest --help`" + ` lists them).

Values in the config file:

- int keys take a JSON number or a numeric string (` + "`8082` or `\"8082\"`" + `);
- bool keys take ` + "`true`/`false`" + `, also as strings;
- list keys take a JSON array of strings or one comma-separated string, the only form in
  environment variables and flags;
- ` + "`null`" + ` keeps the default, as it does in Karapace;
- keys of enumerated values are case-insensitive (` + "`\"log_level\": \"WARNING\"`" + ` works).

krest refuses to start, with exit status 2, when a value is invalid or the file has an unknown
key. It prints every problem on its own line, naming the key and the value.

| Key | Type | Default | Environment variable | Flag | Description |
|---|---|---|---|---|---|
`)
	def := Default()
	for i := range fields {
		f := &fields[i]
		flagCol := ""
		if f.flag != "" {
			flagCol = "`--" + f.flag + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | `%s` | %s | %s |\n",
			f.key, f.kind, mdDefault(f.format(&def)), f.envVar, flagCol,
			mdEscape(f.description(func(s string) string { return "`" + s + "`" })))
	}
	b.WriteString(`
## Karapace keys krest does not use yet

A config file may set these Karapace keys. krest ignores them and prints one warning naming
the ones the file sets (` + "`null`" + ` values are not counted):

`)
	for i, k := range karapaceOnlyKeys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("`" + k + "`")
	}
	b.WriteString(".\n\nEnvironment variables that start with `KREST_` but name no key are ignored with a warning.\n")
	return b.String()
}

// Usage writes the --help text: every flag with its description, default
// and environment variable, then the keys that have no flag.
func Usage(w io.Writer) {
	var b strings.Builder
	b.WriteString(`Usage: krest [flags]
       krest config print [flags]
       krest version

krest is a Kafka REST proxy. It reads built-in defaults, then the JSON file
named by --config, then KREST_<KEY> environment variables, then these flags;
each overrides the ones before.

"krest config print" writes the effective configuration, from the same
defaults, file, environment and flags, as JSON with the config file's key
names and secrets masked, and exits. "krest version" prints the version.

Flags:
  --config FILE
`)
	b.WriteString(wrap("JSON config file using Karapace's key names (env "+envConfigFile+").", "        "))
	def := Default()
	var noFlag []string
	for i := range fields {
		f := &fields[i]
		if f.flag == "" {
			noFlag = append(noFlag, f.key)
			continue
		}
		b.WriteString("  --" + f.flag)
		if f.kind != kindBool {
			b.WriteString(" " + f.kind.String())
		}
		b.WriteString("\n")
		dflt := f.format(&def)
		if f.kind == kindString || f.kind == kindList {
			dflt = strconv.Quote(dflt)
		}
		text := fmt.Sprintf("%s (default %s, env %s)", f.description(func(s string) string { return s }), dflt, f.envVar)
		b.WriteString(wrap(text, "        "))
	}
	b.WriteString("  -h, --help\n")
	b.WriteString(wrap("Show this help and exit.", "        "))
	b.WriteString("\nKeys without a flag, set in the config file or as KREST_<KEY>:\n")
	b.WriteString(wrap(strings.Join(noFlag, ", "), "  "))
	b.WriteString("\nSee docs/configuration.md for every key.\n")
	io.WriteString(w, b.String())
}

// description returns the help text followed by the constraints from the
// tags, with code formatting values (backticks in Markdown, nothing in
// plain text).
func (f *field) description(code func(string) string) string {
	parts := []string{f.help}
	switch {
	case f.min != nil && f.max != nil:
		parts = append(parts, fmt.Sprintf("Range %d..%d.", *f.min, *f.max))
	case f.min != nil:
		parts = append(parts, fmt.Sprintf("At least %d.", *f.min))
	case f.max != nil:
		parts = append(parts, fmt.Sprintf("At most %d.", *f.max))
	}
	if f.enum != nil {
		vals := make([]string, len(f.enum))
		for i, e := range f.enum {
			vals[i] = code(e)
		}
		parts = append(parts, "One of "+strings.Join(vals, ", ")+".")
	}
	if f.alias != "" {
		parts = append(parts, "Config file alias: "+code(f.alias)+".")
	}
	return strings.Join(parts, " ")
}

func mdDefault(s string) string {
	if s == "" {
		return "(empty)"
	}
	return "`" + s + "`"
}

// mdEscape keeps a pipe from ending a table cell.
func mdEscape(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// wrap fills text into lines of at most 80 columns, each starting with
// indent, and ends it with a newline.
func wrap(text, indent string) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > 80 {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	b.WriteString(line + "\n")
	return b.String()
}
