package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Validate reports every problem in c, not just the first, so that an
// operator can fix a configuration in one pass. The error is an
// errors.Join of one error per problem; each is a single line that starts
// with the key and shows the bad value, e.g.
//
//	port: 70000 is out of range 0..65535
//
// Validate returns nil when c is usable.
func (c *Config) Validate() error {
	var errs []error
	for _, p := range c.problems() {
		errs = append(errs, errors.New(p.key+": "+p.msg))
	}
	return errors.Join(errs...)
}

// problem is one validation failure of one key.
type problem struct {
	key string
	msg string
}

// problems checks every key in field order: first the min, max and enum
// tags, then the key's rule, if it has one.
func (c *Config) problems() []problem {
	var ps []problem
	for i := range fields {
		f := &fields[i]
		var msgs []string
		if msg := f.checkTags(c); msg != "" {
			msgs = append(msgs, msg)
		}
		if rule := rules[f.key]; rule != nil {
			msgs = append(msgs, rule(c)...)
		}
		for _, m := range msgs {
			ps = append(ps, problem{key: f.key, msg: m})
		}
	}
	return ps
}

// checkTags applies the min, max and enum tags.
func (f *field) checkTags(c *Config) string {
	v := f.value(c)
	switch {
	case f.kind == kindInt:
		n := v.Int()
		switch {
		case f.min != nil && f.max != nil && (n < *f.min || n > *f.max):
			return fmt.Sprintf("%d is out of range %d..%d", n, *f.min, *f.max)
		case f.min != nil && n < *f.min:
			return fmt.Sprintf("%d is below the minimum %d", n, *f.min)
		case f.max != nil && n > *f.max:
			return fmt.Sprintf("%d is above the maximum %d", n, *f.max)
		}
	case f.enum != nil:
		s := v.String()
		for _, e := range f.enum {
			if strings.EqualFold(s, e) {
				return ""
			}
		}
		return fmt.Sprintf("%q is not one of %s", s, strings.Join(f.enum, ", "))
	}
	return ""
}

// rules holds the checks that tags cannot express, by key. Each returns
// one message per problem, without the key.
var rules = map[string]func(*Config) []string{
	"host":                checkHost,
	"advertised_uri":      checkAdvertisedURI,
	"advertised_hostname": checkAdvertisedHostname,
	"advertised_port":     checkAdvertisedPort,
	"bootstrap_uri":       checkBootstrapURI,
	"embedded_topics":     checkEmbeddedTopics,
	"registry_url":        checkRegistryURL,
	"registry_host":       checkRegistryHost,
	"metrics_port":        checkMetricsPort,
}

// checkMetricsPort rejects a metrics listener on a port another listener of
// this krest binds, which would fail at start with a less helpful error.
func checkMetricsPort(c *Config) []string {
	p := c.MetricsPort
	switch {
	case p == 0:
		return nil
	case p == c.Port:
		return []string{fmt.Sprintf("%d is also port, the REST API's port; use another port or 0 to serve /metrics on the REST API's listener", p)}
	case p == c.RegistryPort && c.ServesRegistry():
		return []string{fmt.Sprintf("%d is also registry_port, the embedded schema registry's port", p)}
	case p == c.EmbeddedBrokerPort && c.UsesEmbeddedBroker():
		return []string{fmt.Sprintf("%d is also embedded_broker_port, the embedded broker's port", p)}
	}
	return nil
}

func checkRegistryURL(c *Config) []string {
	var msgs []string
	for _, raw := range strings.Split(c.RegistryURL, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" && c.RegistryURL == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			msgs = append(msgs, fmt.Sprintf("%q is not an absolute http or https URL", raw))
		}
	}
	return msgs
}

func checkRegistryHost(c *Config) []string {
	if c.RegistryHost != "" && !isHost(c.RegistryHost) {
		return []string{fmt.Sprintf("%q is not a host name or IP address", c.RegistryHost)}
	}
	return nil
}

func checkHost(c *Config) []string {
	if c.Host != "" && !isHost(c.Host) {
		return []string{fmt.Sprintf("%q is not a host name or IP address", c.Host)}
	}
	return nil
}

func checkAdvertisedURI(c *Config) []string {
	if c.AdvertisedURI == "" {
		return nil
	}
	u, err := url.Parse(c.AdvertisedURI)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return []string{fmt.Sprintf("%q is not an absolute http or https URL", c.AdvertisedURI)}
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		// Paths are appended to it, so a query or fragment would end up
		// in the middle of every consumer's base_uri.
		return []string{fmt.Sprintf("%q must not have user info, a query or a fragment", c.AdvertisedURI)}
	}
	return nil
}

func checkAdvertisedHostname(c *Config) []string {
	if c.AdvertisedHostname != "" && !isHost(c.AdvertisedHostname) {
		return []string{fmt.Sprintf("%q is not a host name or IP address", c.AdvertisedHostname)}
	}
	return nil
}

func checkAdvertisedPort(c *Config) []string {
	// With port 0 the listening port is only known at run time, so a base
	// URL built from advertised_hostname would say ":0".
	if c.AdvertisedURI == "" && c.AdvertisedHostname != "" && c.AdvertisedPort == 0 && c.Port == 0 {
		return []string{"0 cannot be used with port 0 when advertised_hostname is set; set advertised_port or advertised_uri"}
	}
	return nil
}

func checkBootstrapURI(c *Config) []string { return checkHostPorts(c.BootstrapURI) }

// checkHostPorts reports each address that is not host:port.
func checkHostPorts(addrs []string) []string {
	var msgs []string
	for _, addr := range addrs {
		host, port, err := net.SplitHostPort(addr)
		n, perr := strconv.Atoi(port)
		if err != nil || host == "" || !isHost(host) || perr != nil || n < 1 || n > 65535 {
			msgs = append(msgs, fmt.Sprintf("%q is not host:port", addr))
		}
	}
	return msgs
}

func checkEmbeddedTopics(c *Config) []string {
	var msgs []string
	seen := make(map[string]bool)
	for _, s := range c.EmbeddedTopics {
		spec, err := parseTopicSpec(s)
		switch {
		case err != nil:
			msgs = append(msgs, fmt.Sprintf("%q: %v", s, err))
		case seen[spec.Name]:
			msgs = append(msgs, fmt.Sprintf("%q: topic %q is listed twice", s, spec.Name))
		}
		seen[spec.Name] = true
	}
	return msgs
}

// isHost reports whether s looks like a host name or an IP address: no
// port, scheme, path or blanks. It does not resolve anything.
func isHost(s string) bool {
	if net.ParseIP(s) != nil {
		return true
	}
	return s != "" && !strings.ContainsAny(s, ":/?#@[] \t\r\n")
}
