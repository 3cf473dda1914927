package app

import (
	"crypto/tls"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/config"
	"github.com/krest-dev/krest/internal/kafka"
)

// ownKafkaSecurity returns the TLS and SASL options of krest's own Kafka
// clients (shared producer/admin, consumer instances without
// rest_authorization, the embedded registry): security_protocol, ssl_* and
// sasl_* keys.
func ownKafkaSecurity(cfg config.Config) ([]kgo.Opt, error) {
	var tlsCfg *tls.Config
	if cfg.KafkaTLS() {
		var err error
		if tlsCfg, err = userKafkaTLS(cfg); err != nil {
			return nil, err
		}
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
// use TLS when security_protocol is SSL or SASL_SSL.
func userKafkaTLS(cfg config.Config) (*tls.Config, error) {
	if !cfg.KafkaTLS() {
		return nil, nil
	}
	return kafka.LoadTLS(kafka.TLSFiles{
		CAFile:            cfg.SSLCAfile,
		CertFile:          cfg.SSLCertfile,
		KeyFile:           cfg.SSLKeyfile,
		SkipHostnameCheck: !cfg.SSLCheckHostname,
	})
}
