package app

import (
	"crypto/tls"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/krest-dev/krest/internal/config"
	"github.com/krest-dev/krest/internal/devbroker"
	"github.com/krest-dev/krest/internal/kafka"
)

// ownKafkaSecurity returns the TLS and SASL options of krest's own Kafka
// clients (shared producer/admin, consumer instances without
// rest_authorization, the embedded registry), which New puts in
// kafka.Options.Extra.
//
// With bootstrap_uri they follow security_protocol, ssl_* and sasl_*; an
// unreadable or invalid PEM file is an error naming its key (ssl_cafile,
// ssl_certfile, ssl_keyfile). With the embedded broker (broker non-nil)
// those keys do not apply — it speaks plaintext — and krest logs in as the
// broker's internal superuser when the broker runs with SASL
// (rest_authorization), else not at all.
//
// Per-user clients must not start from these options: kgo.SASL appends,
// and franz-go logs in with the first mechanism given, so a user's
// mechanism after krest's would act as krest.
func ownKafkaSecurity(cfg config.Config, broker *devbroker.Broker) ([]kgo.Opt, error) {
	if broker != nil {
		return kafka.SecurityOpts(nil, broker.SASL()), nil
	}
	tlsCfg, err := userKafkaTLS(cfg)
	if err != nil {
		return nil, err
	}
	if !cfg.KafkaSASL() {
		return kafka.SecurityOpts(tlsCfg, nil), nil
	}
	mech, err := kafka.NewSASL(cfg.SASLMechanism, cfg.SASLPlainUsername, cfg.SASLPlainPassword)
	if err != nil {
		return nil, err
	}
	return kafka.SecurityOpts(tlsCfg, mech), nil
}

// userKafkaTLS returns the TLS configuration of the per-user clients of
// rest_authorization (and of krest's own clients when security_protocol
// is SSL or SASL_SSL); nil means plaintext. As Karapace, per-user clients
// use TLS when security_protocol is SSL or SASL_SSL. The embedded broker
// speaks plaintext only, so with it the answer is always nil. Errors name
// the config key of the file that cannot be used.
func userKafkaTLS(cfg config.Config) (*tls.Config, error) {
	if !cfg.KafkaTLS() || cfg.UsesEmbeddedBroker() {
		return nil, nil
	}
	return kafka.LoadTLS(kafka.TLSFiles{
		CAFile:            cfg.SSLCAfile,
		CertFile:          cfg.SSLCertfile,
		KeyFile:           cfg.SSLKeyfile,
		SkipHostnameCheck: !cfg.SSLCheckHostname,
	})
}

// embeddedAuth is the embedded broker's Auth: with rest_authorization the
// users of embedded_users and the ACLs of embedded_acls; nil (no SASL, no
// ACLs) otherwise. config.Validate has checked every entry; an operation
// or resource type that still does not parse stays Unknown, which
// devbroker.Start rejects.
func embeddedAuth(cfg config.Config) *devbroker.Auth {
	if !cfg.RestAuthorization {
		return nil
	}
	a := &devbroker.Auth{}
	for _, u := range cfg.EmbeddedUserSpecs() {
		a.Users = append(a.Users, devbroker.User{Name: u.Name, Password: u.Password})
	}
	for _, s := range cfg.EmbeddedACLSpecs() {
		op, _ := kmsg.ParseACLOperation(s.Operation)        // "describe_configs" → DescribeConfigs
		typ, _ := kmsg.ParseACLResourceType(s.ResourceType) // "transactional_id" → TransactionalId
		a.ACLs = append(a.ACLs, devbroker.ACL{
			User:      s.User,
			Resource:  typ,
			Name:      s.Name,
			Prefixed:  s.Prefixed,
			Operation: op,
			Deny:      s.Deny,
		})
	}
	return a
}
