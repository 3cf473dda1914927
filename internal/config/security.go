package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Security keys: parsing of the embedded broker's users and ACLs, and the
// rules that tie the TLS, SASL and authorization keys together.

// UserSpec is one parsed entry of EmbeddedUsers.
type UserSpec struct {
	Name     string
	Password string
}

// ACLSpec is one parsed entry of EmbeddedACLs:
// "user:operation:resource_type:name[:deny]".
type ACLSpec struct {
	// User is the principal's user name (Kafka principal "User:<name>").
	User string
	// Operation is a Kafka ACL operation, lower-case: read, write, create,
	// delete, alter, describe, describe_configs, alter_configs,
	// cluster_action, idempotent_write or all.
	Operation string
	// ResourceType is topic, group, cluster or transactional_id.
	ResourceType string
	// Name is the resource name; "*" matches every name.
	Name string
	// Prefixed is true when Name was written with a trailing "*" (and is
	// not "*" itself): Name holds the prefix without it.
	Prefixed bool
	// Deny makes the entry a DENY; otherwise it is an ALLOW.
	Deny bool
}

// ACLOperations and ACLResourceTypes are the accepted spellings.
var (
	ACLOperations    = []string{"all", "read", "write", "create", "delete", "alter", "describe", "cluster_action", "describe_configs", "alter_configs", "idempotent_write"}
	ACLResourceTypes = []string{"topic", "group", "cluster", "transactional_id"}
)

// EmbeddedUserSpecs returns EmbeddedUsers parsed; entries Validate rejects
// are left out.
func (c *Config) EmbeddedUserSpecs() []UserSpec {
	var out []UserSpec
	for _, s := range c.EmbeddedUsers {
		if u, err := parseUserSpec(s); err == nil {
			out = append(out, u)
		}
	}
	return out
}

// EmbeddedACLSpecs returns EmbeddedACLs parsed; entries Validate rejects
// are left out.
func (c *Config) EmbeddedACLSpecs() []ACLSpec {
	var out []ACLSpec
	for _, s := range c.EmbeddedACLs {
		if a, err := parseACLSpec(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// KafkaTLS reports whether krest's own Kafka clients use TLS.
func (c *Config) KafkaTLS() bool {
	return c.SecurityProtocol == "ssl" || c.SecurityProtocol == "sasl_ssl"
}

// KafkaSASL reports whether krest's own Kafka clients authenticate with
// SASL (with sasl_plain_username and sasl_plain_password).
func (c *Config) KafkaSASL() bool {
	return c.SecurityProtocol == "sasl_plaintext" || c.SecurityProtocol == "sasl_ssl"
}

// UserBootstrapURI is where the per-user clients of rest_authorization
// connect: sasl_bootstrap_uri, else bootstrap_uri. Empty with the embedded
// broker.
func (c *Config) UserBootstrapURI() []string {
	if len(c.SASLBootstrapURI) > 0 {
		return c.SASLBootstrapURI
	}
	return c.BootstrapURI
}

// ServesTLS reports whether the REST API and embedded registry listeners
// serve HTTPS.
func (c *Config) ServesTLS() bool { return c.ServerTLSCertfile != "" }

// ClientAuth is server_tls_client_auth with "auto" resolved: "require"
// when server_tls_cafile is set, else "none".
func (c *Config) ClientAuth() string {
	if c.ServerTLSClientAuth == "auto" || c.ServerTLSClientAuth == "" {
		if c.ServerTLSCAfile != "" {
			return "require"
		}
		return "none"
	}
	return c.ServerTLSClientAuth
}

func parseUserSpec(s string) (UserSpec, error) {
	name, pass, ok := strings.Cut(s, ":")
	switch {
	case !ok:
		return UserSpec{}, fmt.Errorf("is not user:password")
	case name == "":
		return UserSpec{}, fmt.Errorf("has an empty user name")
	case pass == "":
		return UserSpec{}, fmt.Errorf("user %q has an empty password", name)
	case name == "*" || strings.HasPrefix(name, "__"):
		// "*" is the wildcard principal of ACLs; names starting with "__"
		// are reserved for krest's own identity on the embedded broker.
		return UserSpec{}, fmt.Errorf("user name %q is reserved (\"*\" and names starting with \"__\")", name)
	case strings.ContainsAny(name, ",= \t"):
		// SCRAM escapes ',' and '='; refusing them keeps names
		// unambiguous in ACL entries and logs.
		return UserSpec{}, fmt.Errorf("user name %q has a comma, '=' or a blank", name)
	}
	return UserSpec{Name: name, Password: pass}, nil
}

func parseACLSpec(s string) (ACLSpec, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	var a ACLSpec
	if n := len(parts); n == 5 && strings.EqualFold(parts[4], "deny") {
		a.Deny = true
		parts = parts[:4]
	} else if n == 5 && strings.EqualFold(parts[4], "allow") {
		parts = parts[:4]
	}
	if len(parts) != 4 {
		return a, fmt.Errorf("is not user:operation:resource_type:name[:deny]")
	}
	a.User, a.Operation, a.ResourceType, a.Name = parts[0], strings.ToLower(parts[1]), strings.ToLower(parts[2]), parts[3]
	switch {
	case a.User == "":
		return a, fmt.Errorf("has an empty user")
	case !slices.Contains(ACLOperations, a.Operation):
		return a, fmt.Errorf("operation %q is not one of %s", a.Operation, strings.Join(ACLOperations, ", "))
	case !slices.Contains(ACLResourceTypes, a.ResourceType):
		return a, fmt.Errorf("resource type %q is not one of %s", a.ResourceType, strings.Join(ACLResourceTypes, ", "))
	case a.Name == "":
		return a, fmt.Errorf("has an empty resource name (use * for every name)")
	}
	if a.ResourceType == "cluster" && a.Name != "*" && a.Name != "kafka-cluster" {
		return a, fmt.Errorf("a cluster resource is named * or kafka-cluster, not %q", a.Name)
	}
	if len(a.Name) > 1 && strings.HasSuffix(a.Name, "*") {
		a.Prefixed, a.Name = true, strings.TrimSuffix(a.Name, "*")
	}
	return a, nil
}

func init() {
	for k, r := range map[string]func(*Config) []string{
		"server_tls_certfile":          checkServerTLS,
		"server_tls_client_auth":       checkClientAuth,
		"access_control_allow_origins": checkOrigins,
		"rest_authorization":           checkRestAuthorization,
		"sasl_plain_username":          checkSASLUser,
		"ssl_certfile":                 checkSSLPair,
		"sasl_bootstrap_uri":           checkSASLBootstrap,
		"embedded_users":               checkEmbeddedUsers,
		"embedded_acls":                checkEmbeddedACLs,
		"security_protocol":            checkEmbeddedSecurity,
	} {
		rules[k] = r
	}
}

func checkServerTLS(c *Config) []string {
	if (c.ServerTLSCertfile == "") != (c.ServerTLSKeyfile == "") {
		return []string{"server_tls_certfile and server_tls_keyfile must be set together"}
	}
	if c.ServerTLSCertfile == "" && c.ServerTLSCAfile != "" {
		return []string{"server_tls_cafile is set but HTTPS is off; set server_tls_certfile and server_tls_keyfile"}
	}
	return nil
}

func checkClientAuth(c *Config) []string {
	if (c.ServerTLSClientAuth == "request" || c.ServerTLSClientAuth == "require") && c.ServerTLSCAfile == "" {
		return []string{fmt.Sprintf("%q needs server_tls_cafile, the CAs client certificates must chain to", c.ServerTLSClientAuth)}
	}
	return nil
}

func checkSSLPair(c *Config) []string {
	if (c.SSLCertfile == "") != (c.SSLKeyfile == "") {
		return []string{"ssl_certfile and ssl_keyfile must be set together"}
	}
	return nil
}

func checkSASLUser(c *Config) []string {
	// With the embedded broker krest makes its own identity.
	if c.KafkaSASL() && !c.UsesEmbeddedBroker() && (c.SASLPlainUsername == "" || c.SASLPlainPassword == "") {
		return []string{fmt.Sprintf("security_protocol %s needs sasl_plain_username and sasl_plain_password (krest's own clients use them)", strings.ToUpper(c.SecurityProtocol))}
	}
	return nil
}

func checkSASLBootstrap(c *Config) []string {
	msgs := checkHostPorts(c.SASLBootstrapURI)
	if len(c.SASLBootstrapURI) > 0 && !c.RestAuthorization {
		msgs = append(msgs, "is only used with rest_authorization: true")
	}
	return msgs
}

func checkRestAuthorization(c *Config) []string {
	if c.RestAuthorization && c.UsesEmbeddedBroker() && len(c.EmbeddedUsers) == 0 {
		return []string{"with the embedded broker, set embedded_users (and embedded_acls) so that someone can log in"}
	}
	return nil
}

func checkEmbeddedUsers(c *Config) []string {
	var msgs []string
	if len(c.EmbeddedUsers) > 0 && (!c.RestAuthorization || !c.UsesEmbeddedBroker()) {
		msgs = append(msgs, "is only used by the embedded broker with rest_authorization: true")
	}
	seen := map[string]bool{}
	for i, s := range c.EmbeddedUsers {
		u, err := parseUserSpec(s)
		switch {
		case err != nil:
			// Never echo the entry: it holds a password.
			msgs = append(msgs, fmt.Sprintf("entry %d %v", i+1, err))
		case seen[u.Name]:
			msgs = append(msgs, fmt.Sprintf("user %q is listed twice", u.Name))
		}
		seen[u.Name] = true
	}
	return msgs
}

func checkEmbeddedACLs(c *Config) []string {
	var msgs []string
	if len(c.EmbeddedACLs) > 0 && (!c.RestAuthorization || !c.UsesEmbeddedBroker()) {
		msgs = append(msgs, "is only used by the embedded broker with rest_authorization: true")
	}
	users := map[string]bool{}
	for _, u := range c.EmbeddedUserSpecs() {
		users[u.Name] = true
	}
	for _, s := range c.EmbeddedACLs {
		a, err := parseACLSpec(s)
		switch {
		case err != nil:
			msgs = append(msgs, fmt.Sprintf("%q %v", s, err))
		case a.User != "*" && !users[a.User]:
			msgs = append(msgs, fmt.Sprintf("%q names user %q, who is not in embedded_users", s, a.User))
		}
	}
	return msgs
}

func checkOrigins(c *Config) []string {
	var msgs []string
	for _, o := range c.AccessControlAllowOrigins {
		if o == "*" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
			msgs = append(msgs, fmt.Sprintf("%q is not * or an origin like https://app.example.com", o))
		}
	}
	return msgs
}

// checkEmbeddedSecurity refuses Kafka connection security settings with the
// embedded broker, which speaks plaintext (with SASL under
// rest_authorization, with krest's own identity): silently ignoring them
// would let an operator believe the connection is protected.
func checkEmbeddedSecurity(c *Config) []string {
	if !c.UsesEmbeddedBroker() {
		return nil
	}
	if c.SecurityProtocol != "plaintext" || c.SSLCAfile != "" || c.SSLCertfile != "" || c.SASLPlainUsername != "" {
		return []string{"security_protocol, ssl_* and sasl_plain_* apply to a Kafka cluster given by bootstrap_uri; the embedded broker is plaintext on loopback (with SASL users from embedded_users under rest_authorization)"}
	}
	return nil
}
