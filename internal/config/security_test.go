package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestValidateSecurityKeys(t *testing.T) {
	auth := func(c *Config) { c.RestAuthorization, c.EmbeddedUsers = true, []string{"alice:pw", "bob:pw"} }
	tests := []struct {
		set  func(*Config)
		want string // "" = valid
	}{
		{func(c *Config) { c.ServerTLSCertfile = "c.pem" }, `server_tls_certfile: server_tls_certfile and server_tls_keyfile must be set together`},
		{func(c *Config) { c.ServerTLSCAfile = "ca.pem" }, `server_tls_certfile: server_tls_cafile is set but HTTPS is off; set server_tls_certfile and server_tls_keyfile`},
		{func(c *Config) { c.ServerTLSCertfile, c.ServerTLSKeyfile, c.ServerTLSClientAuth = "c", "k", "require" },
			`server_tls_client_auth: "require" needs server_tls_cafile, the CAs client certificates must chain to`},
		{func(c *Config) { c.ServerTLSClientAuth = "optional" }, `server_tls_client_auth: "optional" is not one of auto, none, request, require`},
		{func(c *Config) { c.SSLKeyfile = "k.pem" }, `ssl_certfile: ssl_certfile and ssl_keyfile must be set together`},
		{func(c *Config) { c.BootstrapURI, c.SecurityProtocol = []string{"k:9092"}, "sasl" }, `security_protocol: "sasl" is not one of plaintext, ssl, sasl_plaintext, sasl_ssl`},
		{func(c *Config) { c.BootstrapURI, c.SecurityProtocol = []string{"k:9092"}, "sasl_ssl" },
			`sasl_plain_username: security_protocol SASL_SSL needs sasl_plain_username and sasl_plain_password (krest's own clients use them)`},
		{func(c *Config) { c.SASLMechanism = "gssapi" }, `sasl_mechanism: "gssapi" is not one of plain, scram-sha-256, scram-sha-512`},
		{func(c *Config) { c.SASLBootstrapURI = []string{"k:9093"} }, `sasl_bootstrap_uri: is only used with rest_authorization: true`},
		{func(c *Config) { c.RestAuthorization = true }, `rest_authorization: with the embedded broker, set embedded_users (and embedded_acls) so that someone can log in`},
		{func(c *Config) { c.EmbeddedUsers = []string{"a:b"} }, `embedded_users: is only used by the embedded broker with rest_authorization: true`},
		{func(c *Config) { auth(c); c.EmbeddedUsers = append(c.EmbeddedUsers, "carol") }, `embedded_users: entry 3 is not user:password`},
		{func(c *Config) { auth(c); c.EmbeddedUsers = append(c.EmbeddedUsers, "alice:x") }, `embedded_users: user "alice" is listed twice`},
		{func(c *Config) { auth(c); c.EmbeddedACLs = []string{"alice:write:topic"} }, `embedded_acls: "alice:write:topic" is not user:operation:resource_type:name[:deny]`},
		{func(c *Config) { auth(c); c.EmbeddedACLs = []string{"alice:fly:topic:x"} },
			`embedded_acls: "alice:fly:topic:x" operation "fly" is not one of all, read, write, create, delete, alter, describe, cluster_action, describe_configs, alter_configs, idempotent_write`},
		{func(c *Config) { auth(c); c.EmbeddedACLs = []string{"alice:read:table:x"} },
			`embedded_acls: "alice:read:table:x" resource type "table" is not one of topic, group, cluster, transactional_id`},
		{func(c *Config) { auth(c); c.EmbeddedACLs = []string{"eve:read:topic:x"} }, `embedded_acls: "eve:read:topic:x" names user "eve", who is not in embedded_users`},
		{func(c *Config) { auth(c); c.EmbeddedUsers = append(c.EmbeddedUsers, "__krest:x") },
			`embedded_users: entry 3 user name "__krest" is reserved ("*" and names starting with "__")`},
		{func(c *Config) { c.SecurityProtocol = "ssl" },
			`security_protocol: security_protocol, ssl_* and sasl_plain_* apply to a Kafka cluster given by bootstrap_uri; the embedded broker is plaintext on loopback (with SASL users from embedded_users under rest_authorization)`},
		{func(c *Config) { c.AccessControlAllowOrigins = []string{"example.com"} },
			`access_control_allow_origins: "example.com" is not * or an origin like https://app.example.com`},
		{func(c *Config) { c.AccessControlAllowOrigins = []string{"*", "https://a.example.com:8443"} }, ""},
		{func(c *Config) {
			auth(c)
			c.EmbeddedACLs = []string{"alice:write:topic:orders", "bob:READ:Topic:logs-*", "alice:all:group:*:deny", "*:describe:cluster:kafka-cluster"}
		}, ""},
	}
	for _, tt := range tests {
		c := Default()
		tt.set(&c)
		err := c.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Validate() = %v, want nil", err)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("Validate() = %v\nwant %s", err, tt.want)
		}
	}
}

func TestEmbeddedACLSpecs(t *testing.T) {
	c := Default()
	c.RestAuthorization, c.EmbeddedUsers = true, []string{"alice:p:w"}
	c.EmbeddedACLs = []string{"alice:Write:topic:orders", "alice:read:topic:logs-*:deny", "alice:read:group:*"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := c.EmbeddedUserSpecs(); !reflect.DeepEqual(got, []UserSpec{{"alice", "p:w"}}) {
		t.Errorf("users = %+v (a password may hold ':')", got)
	}
	want := []ACLSpec{
		{User: "alice", Operation: "write", ResourceType: "topic", Name: "orders"},
		{User: "alice", Operation: "read", ResourceType: "topic", Name: "logs-", Prefixed: true, Deny: true},
		{User: "alice", Operation: "read", ResourceType: "group", Name: "*"},
	}
	if got := c.EmbeddedACLSpecs(); !reflect.DeepEqual(got, want) {
		t.Errorf("acls =\n%+v\nwant\n%+v", got, want)
	}
}

func TestValidateNeverEchoesPasswords(t *testing.T) {
	c := Default()
	c.RestAuthorization, c.EmbeddedUsers = true, []string{"s3cr3t-no-colon", ":s3cr3t"}
	err := c.Validate()
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("Validate() = %v; want errors that do not show the password", err)
	}
}

func TestClientAuthAuto(t *testing.T) {
	c := Default()
	if c.ClientAuth() != "none" {
		t.Errorf("ClientAuth() = %q without a CA", c.ClientAuth())
	}
	c.ServerTLSCAfile = "ca.pem"
	if c.ClientAuth() != "require" {
		t.Errorf("ClientAuth() = %q with a CA, want require (Karapace)", c.ClientAuth())
	}
}
