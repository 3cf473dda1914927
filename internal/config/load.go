package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
)

// ErrHelp is returned by Load when the arguments ask for help (-h or
// --help). The caller prints Usage and exits with status 0.
var ErrHelp = flag.ErrHelp

const (
	// envPrefix starts the environment variable of every key.
	envPrefix = "KREST_"
	// envConfigFile names the config file when --config is absent, for
	// container platforms where setting flags is awkward.
	envConfigFile = envPrefix + "CONFIG"
)

// Load builds the effective configuration. Each source overrides the ones
// before it: Default, then the JSON file named by --config (or
// KREST_CONFIG), then KREST_<KEY> environment variables, then flags.
//
// args are the command-line arguments without the program name
// (os.Args[1:]); env is an os.Environ-style list of "KEY=value" entries,
// where the last entry for a name wins and empty values are ignored. Taking
// both as parameters keeps Load free of process state, so tests can run in
// parallel.
//
// The returned configuration has passed Validate. warnings are things the
// operator should see but that do not stop krest (Karapace keys krest does
// not use yet, stray KREST_ variables); they are returned even when err is
// not nil. err is ErrHelp when help was asked for. Otherwise it joins one
// single-line error per problem, each naming the key or the environment
// variable or flag, and the offending value; cfg is then the zero Config.
func Load(args, env []string) (cfg Config, warnings []string, err error) {
	flagVals, path, err := parseFlags(args)
	if err != nil {
		return Config{}, nil, err
	}
	envVals := envMap(env)
	if path == "" {
		path = envVals[envConfigFile]
	}

	l := loader{origin: make(map[string]string)}
	cfg = Default()
	if path != "" {
		if err := l.applyFile(&cfg, path); err != nil {
			return Config{}, l.warnings, err
		}
	}
	l.applyEnv(&cfg, envVals)
	l.applyFlags(&cfg, flagVals)
	for _, p := range cfg.problems() {
		msg := p.key + ": " + p.msg
		if o := l.origin[p.key]; o != "" {
			msg += " (from " + o + ")"
		}
		l.errs = append(l.errs, errors.New(msg))
	}
	if len(l.errs) > 0 {
		return Config{}, l.warnings, errors.Join(l.errs...)
	}
	return cfg, l.warnings, nil
}

// loader collects what applying the sources finds, so that Load can report
// every problem at once.
type loader struct {
	warnings []string
	errs     []error
	// origin maps a key to the source that set it last, so that a
	// validation error can say where to fix it.
	origin map[string]string
}

func (l *loader) errorf(format string, args ...any) {
	l.errs = append(l.errs, fmt.Errorf(format, args...))
}

// applyFile applies a flat JSON object of Karapace-named keys. It returns an
// error only when the file cannot be used at all; problems with single keys
// are collected in l.
func (l *loader) applyFile(cfg *Config, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	entries, err := parseObject(data)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}

	setBy := make(map[*field]string) // the file key that set each field
	var unused []string
	for _, e := range entries {
		isNull := string(bytes.TrimSpace(e.value)) == "null"
		f := fieldByKey[e.key]
		switch {
		case f == nil && slices.Contains(karapaceOnlyKeys, e.key):
			if !isNull {
				unused = append(unused, e.key)
			}
			continue
		case f == nil:
			l.errorf("%s: unknown configuration key %q", path, e.key)
			continue
		case isNull:
			continue
		case setBy[f] == e.key:
			l.errorf("%s: key %q appears twice", path, e.key)
			continue
		case setBy[f] != "":
			l.errorf("%s: keys %q and %q set the same value; keep one", path, setBy[f], e.key)
			continue
		case f.key == "log_format" && isPythonLogFormat(e.value):
			l.warnings = append(l.warnings, fmt.Sprintf(
				"%s: ignoring log_format %s: it is a Python logging format from Karapace; krest's log_format is text or json", path, e.value))
			continue
		}
		setBy[f] = e.key
		if err := f.setJSON(cfg, e.value); err != nil {
			l.errorf("%s: %s: %v", path, e.key, err)
			continue
		}
		l.origin[f.key] = path
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		l.warnings = append(l.warnings, fmt.Sprintf(
			"%s: ignoring Karapace keys that krest does not use yet: %s", path, strings.Join(unused, ", ")))
	}
	return nil
}

// entry is one member of the config file's object, in file order.
type entry struct {
	key   string
	value json.RawMessage
}

// parseObject splits a JSON object into its members. Decoding into a map
// would hide duplicate keys, which are almost always a mistake in a file
// edited by hand.
func parseObject(data []byte) ([]entry, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	wrap := func(err error) error {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(data[:se.Offset], []byte("\n"))
			return fmt.Errorf("invalid JSON on line %d: %v", line, err)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return errors.New("invalid JSON: unexpected end of file")
		}
		return fmt.Errorf("invalid JSON: %v", err)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, wrap(err)
	}
	if tok != json.Delim('{') {
		return nil, errors.New("the config file must hold one JSON object")
	}
	var entries []entry
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, wrap(err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, wrap(err)
		}
		entries = append(entries, entry{key: tok.(string), value: raw})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, wrap(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: data after the closing brace")
	}
	return entries, nil
}

// isPythonLogFormat reports whether raw is a Python logging format string
// such as "%(name)s %(message)s", which Karapace's log_format holds.
func isPythonLogFormat(raw json.RawMessage) bool {
	var s string
	return json.Unmarshal(raw, &s) == nil && strings.Contains(s, "%(")
}

// envMap turns "KEY=value" entries into a map. Later entries win, as in
// os/exec, and empty values are dropped, as Karapace does, so that
// "KREST_PORT=" in a compose file means "not set".
func envMap(env []string) map[string]string {
	m := make(map[string]string)
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return m
}

// applyEnv applies KREST_<KEY> variables. KREST_ variables that name no
// key are a warning, not an error, because shells and orchestrators carry
// stray variables that should not stop a server.
func (l *loader) applyEnv(cfg *Config, env map[string]string) {
	known := map[string]bool{envConfigFile: true}
	for i := range fields {
		f := &fields[i]
		known[f.envVar] = true
		s, ok := env[f.envVar]
		if !ok {
			continue
		}
		if err := f.setString(cfg, s); err != nil {
			l.errorf("%s: %v", f.envVar, err)
			continue
		}
		l.origin[f.key] = f.envVar
	}
	var stray []string
	for k := range env {
		if strings.HasPrefix(k, envPrefix) && !known[k] {
			stray = append(stray, k)
		}
	}
	if len(stray) > 0 {
		sort.Strings(stray)
		noun := "variable"
		if len(stray) > 1 {
			noun = "variables"
		}
		l.warnings = append(l.warnings, fmt.Sprintf("ignoring unknown environment %s %s", noun, strings.Join(stray, ", ")))
	}
}

// flagValue records the text given for a flag. Parsing happens later, in
// applyFlags, so that flag values are checked with the same code and
// messages as environment variables, after the file and environment.
type flagValue struct {
	f    *field
	vals map[*field]string
}

func (v *flagValue) String() string     { return "" }
func (v *flagValue) Set(s string) error { v.vals[v.f] = s; return nil }

// boolFlagValue lets a bool flag be given without a value, as in
// --embedded-sync-writes.
type boolFlagValue struct{ flagValue }

func (boolFlagValue) IsBoolFlag() bool { return true }

// parseFlags parses args into the raw text of each given flag and the
// config file path.
func parseFlags(args []string) (vals map[*field]string, configPath string, err error) {
	fs := flag.NewFlagSet("krest", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {} // the caller prints Usage on ErrHelp
	fs.StringVar(&configPath, "config", "", "")
	vals = make(map[*field]string)
	for i := range fields {
		f := &fields[i]
		if f.flag == "" {
			continue
		}
		v := flagValue{f: f, vals: vals}
		if f.kind == kindBool {
			fs.Var(&boolFlagValue{v}, f.flag, f.help)
		} else {
			fs.Var(&v, f.flag, f.help)
		}
	}
	if err := fs.Parse(args); err != nil {
		return nil, "", err
	}
	if fs.NArg() > 0 {
		return nil, "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return vals, configPath, nil
}

// applyFlags applies the flag values in field order.
func (l *loader) applyFlags(cfg *Config, vals map[*field]string) {
	for i := range fields {
		f := &fields[i]
		s, ok := vals[f]
		if !ok {
			continue
		}
		if err := f.setString(cfg, s); err != nil {
			l.errorf("--%s: %v", f.flag, err)
			continue
		}
		l.origin[f.key] = "--" + f.flag
	}
}
