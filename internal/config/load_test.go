package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeFile writes content to a fresh file and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "krest.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustLoad calls Load and fails the test on an error or a warning.
func mustLoad(t *testing.T, args, env []string) Config {
	t.Helper()
	cfg, warnings, err := Load(args, env)
	if err != nil {
		t.Fatalf("Load(%q, %q) error:\n%v", args, env, err)
	}
	if len(warnings) > 0 {
		t.Fatalf("Load(%q, %q) warnings: %q", args, env, warnings)
	}
	return cfg
}

// loadErr calls Load, which must fail, and returns the error's lines.
func loadErr(t *testing.T, args, env []string) []string {
	t.Helper()
	_, _, err := Load(args, env)
	if err == nil {
		t.Fatalf("Load(%q, %q) succeeded, want an error", args, env)
	}
	return strings.Split(err.Error(), "\n")
}

func TestLoadWithNothingGivesDefaults(t *testing.T) {
	if got := mustLoad(t, nil, nil); !reflect.DeepEqual(got, Default()) {
		t.Errorf("Load() = %+v, want Default()", got)
	}
}

func TestLoadFile(t *testing.T) {
	path := writeFile(t, `{
		"host": "0.0.0.0",
		"port": 9000,
		"bootstrap_uri": "a:9092, b:9092",
		"consumer_enable_auto_commit": false,
		"embedded_topics": ["x", "y:2"],
		"log_level": "DEBUG"
	}`)
	got := mustLoad(t, []string{"--config", path}, nil)
	want := Default()
	want.Host = "0.0.0.0"
	want.Port = 9000
	want.BootstrapURI = []string{"a:9092", "b:9092"}
	want.ConsumerEnableAutoCommit = false
	want.EmbeddedTopics = []string{"x", "y:2"}
	want.LogLevel = "debug"
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestLoadKarapaceRESTConfigFile(t *testing.T) {
	cfg, warnings, err := Load([]string{"--config", "testdata/karapace-rest.json"}, nil)
	if err != nil {
		t.Fatalf("Load() error:\n%v", err)
	}
	wantWarning := "testdata/karapace-rest.json: ignoring Karapace keys that krest does not use yet: " +
		"access_logs_debug, connections_max_idle_ms, consumer_idle_disconnect_timeout, " +
		"karapace_registry, karapace_rest, log_handler, " +
		"producer_count, protobuf_runtime_directory, sentry, statsd_port, tags"
	if len(warnings) != 1 || warnings[0] != wantWarning {
		t.Errorf("warnings =\n%q\nwant exactly\n%q", warnings, wantWarning)
	}

	want := Default()
	want.Host = "0.0.0.0"
	want.Port = 8082
	want.AdvertisedHostname = "rest.example.com"
	want.AdvertisedPort = 443
	want.AdvertisedProtocol = "https"
	want.BootstrapURI = []string{"kafka-1.example.com:9093", "kafka-2.example.com:9093"}
	want.ClientID = "karapace-rest"
	want.ConsumerRequestTimeoutMS = 11000
	want.ProducerAcks = "1"
	want.ProducerLingerMS = 100
	want.ProducerMaxRequestSize = 2097152
	want.RegistryScheme = "https"
	want.RegistryHost = "schema-registry.example.com"
	want.SecurityProtocol = "ssl"
	want.SSLCAfile = "/etc/karapace/ca.pem"
	want.SSLCertfile = "/etc/karapace/service.cert"
	want.SSLKeyfile = "/etc/karapace/service.key"
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("Load() =\n%+v\nwant\n%+v", cfg, want)
	}
	if got := cfg.BaseURI(); got != "https://rest.example.com:443" {
		t.Errorf("BaseURI() = %q", got)
	}
	if got := cfg.MaxRequestBytes(); got != 3145728 {
		t.Errorf("MaxRequestBytes() = %d, want 3 MiB (Karapace's rule)", got)
	}
}

// Every key can be written in the file, in the environment and (if it has
// one) as a flag. Setting each to its default text must give Default back,
// with no warning.
func TestEveryKeyIsReadFromEverySource(t *testing.T) {
	def := Default()
	file := make(map[string]any)
	var env, args []string
	for i := range fields {
		f := &fields[i]
		v := f.value(&def).Interface()
		if f.kind == kindList {
			v = []string{} // null would not exercise the key
		}
		file[f.key] = v
		if text := f.format(&def); text != "" {
			env = append(env, f.envVar+"="+text)
			if f.flag != "" {
				args = append(args, "--"+f.flag+"="+text)
			}
		}
	}
	data, err := json.Marshal(file)
	if err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, string(data))
	for name, in := range map[string]struct{ args, env []string }{
		"file":  {[]string{"--config", path}, nil},
		"env":   {nil, env},
		"flags": {args, nil},
	} {
		t.Run(name, func(t *testing.T) {
			got := mustLoad(t, in.args, in.env)
			// [] vs nil
			got.BootstrapURI, got.EmbeddedTopics, got.SASLBootstrapURI = nil, nil, nil
			got.AccessControlAllowOrigins, got.EmbeddedUsers, got.EmbeddedACLs = nil, nil, nil
			if !reflect.DeepEqual(got, def) {
				t.Errorf("Load() =\n%+v\nwant Default()\n%+v", got, def)
			}
		})
	}
}

func TestLoadPrecedence(t *testing.T) {
	path := writeFile(t, `{"port": 1001}`)
	tests := []struct {
		name             string
		file, env, flags bool
		want             int
	}{
		{"default alone", false, false, false, 8082},
		{"file overrides default", true, false, false, 1001},
		{"env overrides default", false, true, false, 1002},
		{"flag overrides default", false, false, true, 1003},
		{"env overrides file", true, true, false, 1002},
		{"flag overrides file", true, false, true, 1003},
		{"flag overrides env", false, true, true, 1003},
		{"flag overrides env and file", true, true, true, 1003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var args, env []string
			if tt.file {
				args = append(args, "--config", path)
			}
			if tt.env {
				env = append(env, "KREST_PORT=1002")
			}
			if tt.flags {
				args = append(args, "--port", "1003")
			}
			if got := mustLoad(t, args, env).Port; got != tt.want {
				t.Errorf("port = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestLoadFileValueForms(t *testing.T) {
	tests := []struct {
		name string
		json string
		want func(*Config)
	}{
		{"int from numeric string", `{"port": "8083"}`, func(c *Config) { c.Port = 8083 }},
		{"int from numeric string with blanks", `{"port": " 8083 "}`, func(c *Config) { c.Port = 8083 }},
		{"negative int", `{"fetch_min_bytes": -1}`, func(c *Config) { c.FetchMinBytes = -1 }},
		{"bool from string", `{"consumer_enable_auto_commit": "false"}`, func(c *Config) { c.ConsumerEnableAutoCommit = false }},
		{"bool from JSON", `{"embedded_sync_writes": true}`, func(c *Config) { c.EmbeddedSyncWrites = true }},
		{"string from number", `{"producer_acks": -1}`, func(c *Config) { c.ProducerAcks = "-1" }},
		{"enum is lower-cased", `{"producer_acks": "ALL", "log_level": "WARNING"}`, func(c *Config) { c.LogLevel = "warning" }},
		{"list from comma-separated string", `{"bootstrap_uri": "a:1,b:2"}`, func(c *Config) { c.BootstrapURI = []string{"a:1", "b:2"} }},
		{"list from array", `{"bootstrap_uri": ["a:1", " b:2 ", ""]}`, func(c *Config) { c.BootstrapURI = []string{"a:1", "b:2"} }},
		{"empty list string means no brokers", `{"bootstrap_uri": ""}`, func(c *Config) {}},
		{"null keeps the default", `{"port": null, "producer_compression_type": null, "log_level": null, "bootstrap_uri": null}`, func(c *Config) {}},
		{"rest_base_uri sets advertised_uri", `{"rest_base_uri": "https://rest.example"}`, func(c *Config) { c.AdvertisedURI = "https://rest.example" }},
		{"empty object", `{}`, func(c *Config) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustLoad(t, []string{"--config", writeFile(t, tt.json)}, nil)
			want := Default()
			tt.want(&want)
			if len(got.BootstrapURI) == 0 {
				got.BootstrapURI = nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load() =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestLoadEmbeddedTopicsFromEverySource(t *testing.T) {
	want := []TopicSpec{{"a", 1}, {"b", 3}}
	tests := []struct {
		name       string
		args, env  []string
		configJSON string
	}{
		{name: "file array", configJSON: `{"embedded_topics": ["a", "b:3"]}`},
		{name: "file string", configJSON: `{"embedded_topics": "a,b:3"}`},
		{name: "env", env: []string{"KREST_EMBEDDED_TOPICS=a,b:3"}},
		{name: "flag", args: []string{"--embedded-topics", "a, b:3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.configJSON != "" {
				args = []string{"--config", writeFile(t, tt.configJSON)}
			}
			cfg := mustLoad(t, args, tt.env)
			if got := cfg.EmbeddedTopicSpecs(); !reflect.DeepEqual(got, want) {
				t.Errorf("EmbeddedTopicSpecs() = %v, want %v", got, want)
			}
		})
	}
}

func TestLoadEnv(t *testing.T) {
	t.Run("empty values are ignored", func(t *testing.T) {
		cfg := mustLoad(t, nil, []string{"KREST_PORT=", "KREST_HOST="})
		if cfg.Port != 8082 || cfg.Host != "127.0.0.1" {
			t.Errorf("port, host = %d, %q; want the defaults", cfg.Port, cfg.Host)
		}
	})
	t.Run("the last entry wins", func(t *testing.T) {
		if got := mustLoad(t, nil, []string{"KREST_PORT=1", "KREST_PORT=2"}).Port; got != 2 {
			t.Errorf("port = %d, want 2", got)
		}
	})
	t.Run("other variables are ignored", func(t *testing.T) {
		mustLoad(t, nil, []string{"PATH=/bin", "HOME=/root", "KARAPACE_PORT=1", "NOEQUALS"})
	})
	t.Run("stray KREST_ variables are one warning", func(t *testing.T) {
		cfg, warnings, err := Load(nil, []string{"KREST_PORT=1", "KREST_FOO=1", "KREST_SSL_CRLFILE=x"})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"ignoring unknown environment variables KREST_FOO, KREST_SSL_CRLFILE"}
		if !reflect.DeepEqual(warnings, want) || cfg.Port != 1 {
			t.Errorf("warnings = %q, port = %d; want %q, 1", warnings, cfg.Port, want)
		}
	})
	t.Run("KREST_CONFIG names the file", func(t *testing.T) {
		path := writeFile(t, `{"port": 1001}`)
		if got := mustLoad(t, nil, []string{"KREST_CONFIG=" + path}).Port; got != 1001 {
			t.Errorf("port = %d, want 1001", got)
		}
	})
	t.Run("--config wins over KREST_CONFIG", func(t *testing.T) {
		envPath := writeFile(t, `{"port": 1001}`)
		flagPath := writeFile(t, `{"port": 1002}`)
		if got := mustLoad(t, []string{"--config=" + flagPath}, []string{"KREST_CONFIG=" + envPath}).Port; got != 1002 {
			t.Errorf("port = %d, want 1002", got)
		}
	})
}

func TestLoadFlags(t *testing.T) {
	t.Run("a bool flag needs no value", func(t *testing.T) {
		if !mustLoad(t, []string{"--embedded-sync-writes"}, nil).EmbeddedSyncWrites {
			t.Error("embedded_sync_writes = false, want true")
		}
	})
	t.Run("single dash works too", func(t *testing.T) {
		if got := mustLoad(t, []string{"-port=1"}, nil).Port; got != 1 {
			t.Errorf("port = %d, want 1", got)
		}
	})
	for _, arg := range []string{"-h", "--help", "-help"} {
		t.Run(arg+" returns ErrHelp", func(t *testing.T) {
			if _, _, err := Load([]string{"--port", "1", arg}, nil); !errors.Is(err, ErrHelp) {
				t.Errorf("Load(%q) error = %v, want ErrHelp", arg, err)
			}
		})
	}
}

func TestLoadWarnsAboutKarapaceLogFormat(t *testing.T) {
	path := writeFile(t, `{"log_format": "%(name)-20s\t%(message)s"}`)
	cfg, warnings, err := Load([]string{"--config", path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "ignoring log_format") || cfg.LogFormat != "text" {
		t.Errorf("warnings = %q, log_format = %q; want one warning and text", warnings, cfg.LogFormat)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name       string
		configJSON string // written to a file and passed with --config when set
		args, env  []string
		want       string // the one line expected; "FILE" stands for the file's path
	}{
		{name: "unknown file key", configJSON: `{"port": 1, "foo": 2}`, want: `FILE: unknown configuration key "foo"`},
		{name: "unknown key even when null", configJSON: `{"foo": null}`, want: `FILE: unknown configuration key "foo"`},
		{name: "not an integer", configJSON: `{"port": "abc"}`, want: `FILE: port: "abc" is not an integer`},
		{name: "fractional integer", configJSON: `{"port": 80.5}`, want: `FILE: port: 80.5 is not an integer`},
		{name: "integer too large", configJSON: `{"port": 99999999999999999999}`, want: `FILE: port: 99999999999999999999 is not an integer`},
		{name: "bool for an int", configJSON: `{"port": true}`, want: `FILE: port: true is not an integer`},
		{name: "not a boolean", configJSON: `{"embedded_sync_writes": "yes"}`, want: `FILE: embedded_sync_writes: "yes" is not a boolean`},
		{name: "number for a bool", configJSON: `{"embedded_sync_writes": 1}`, want: `FILE: embedded_sync_writes: 1 is not a boolean`},
		{name: "object for a string", configJSON: `{"host": {}}`, want: `FILE: host: {} is not a string`},
		{name: "array of numbers for a list", configJSON: `{"embedded_topics": [1]}`, want: `FILE: embedded_topics: [1] is not an array of strings`},
		{name: "duplicate key", configJSON: `{"port": 1, "port": 2}`, want: `FILE: key "port" appears twice`},
		{name: "key and alias", configJSON: `{"advertised_uri": "http://a", "rest_base_uri": "http://b"}`, want: `FILE: keys "advertised_uri" and "rest_base_uri" set the same value; keep one`},
		{name: "not an object", configJSON: `["port"]`, want: `FILE: the config file must hold one JSON object`},
		{name: "invalid JSON", configJSON: "{\n\"port\": 1,\n}", want: `FILE: invalid JSON on line 3: invalid character '}' looking for beginning of object key string`},
		{name: "truncated JSON", configJSON: `{"port": 1`, want: `FILE: invalid JSON: unexpected end of file`},
		{name: "data after the object", configJSON: `{} {}`, want: `FILE: invalid JSON: data after the closing brace`},
		{name: "missing file", args: []string{"--config", "testdata/missing.json"}, want: `config file: open testdata/missing.json: no such file or directory`},
		{name: "bad env int", env: []string{"KREST_PORT=eighty"}, want: `KREST_PORT: "eighty" is not an integer`},
		{name: "bad env bool", env: []string{"KREST_EMBEDDED_SYNC_WRITES=maybe"}, want: `KREST_EMBEDDED_SYNC_WRITES: "maybe" is not a boolean (true or false)`},
		{name: "bad flag int", args: []string{"--port", "x"}, want: `--port: "x" is not an integer`},
		{name: "empty flag int", args: []string{"--port="}, want: `--port: "" is not an integer`},
		{name: "unknown flag", args: []string{"--foo"}, want: `flag provided but not defined: -foo`},
		{name: "missing flag value", args: []string{"--port"}, want: `flag needs an argument: -port`},
		{name: "positional argument", args: []string{"serve"}, want: `unexpected argument "serve"`},
		{name: "invalid value names its source", env: []string{"KREST_PORT=70000"}, want: `port: 70000 is out of range 0..65535 (from KREST_PORT)`},
		{name: "invalid file value names the file", configJSON: `{"log_level": "loud"}`, want: `log_level: "loud" is not one of debug, info, warn, warning, error, critical (from FILE)`},
		{name: "invalid flag value names the flag", args: []string{"--bootstrap-uri", "kafka"}, want: `bootstrap_uri: "kafka" is not host:port (from --bootstrap-uri)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args, path := tt.args, ""
			if tt.configJSON != "" {
				path = writeFile(t, tt.configJSON)
				args = append([]string{"--config", path}, args...)
			}
			got := loadErr(t, args, tt.env)
			want := strings.ReplaceAll(tt.want, "FILE", path)
			if len(got) != 1 || got[0] != want {
				t.Errorf("error lines = %q\nwant exactly  %q", got, want)
			}
		})
	}
}

func TestLoadReportsEveryProblemOnItsOwnLine(t *testing.T) {
	path := writeFile(t, `{"foo": 1, "port": "x", "producer_acks": "2"}`)
	got := loadErr(t, []string{"--config", path, "--log-level", "loud"}, []string{"KREST_SESSION_TIMEOUT_MS=soon"})
	want := []string{
		path + `: unknown configuration key "foo"`,
		path + `: port: "x" is not an integer`,
		`KREST_SESSION_TIMEOUT_MS: "soon" is not an integer`,
		`producer_acks: "2" is not one of all, -1, 0, 1 (from ` + path + `)`,
		`log_level: "loud" is not one of debug, info, warn, warning, error, critical (from --log-level)`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("error lines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadReturnsWarningsWithErrors(t *testing.T) {
	path := writeFile(t, `{"ssl_crlfile": "crl.pem", "port": -1}`)
	_, warnings, err := Load([]string{"--config", path}, nil)
	if err == nil || len(warnings) != 1 {
		t.Errorf("Load() = %q, %v; want one warning and an error", warnings, err)
	}
}
