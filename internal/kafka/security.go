package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// TLSFiles names the PEM files of a TLS connection to Kafka.
type TLSFiles struct {
	// CAFile lists the trusted CAs; "" trusts the system roots.
	CAFile string
	// CertFile and KeyFile are the client certificate and key; both ""
	// means no client certificate.
	CertFile, KeyFile string
	// SkipHostnameCheck accepts a broker certificate that chains to a
	// trusted CA but does not name the broker's host (ssl_check_hostname:
	// false). The chain is still verified.
	SkipHostnameCheck bool
}

// LoadTLS reads the files into a client tls.Config (TLS 1.2 or newer). An
// unreadable or invalid file is an error naming it.
func LoadTLS(f TLSFiles) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CAFile != "" {
		pem, err := os.ReadFile(f.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ssl_cafile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ssl_cafile: %s holds no PEM certificate", f.CAFile)
		}
		cfg.RootCAs = pool
	}
	if f.CertFile != "" || f.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("ssl_certfile/ssl_keyfile: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if f.SkipHostnameCheck {
		// Go has no "verify the chain but not the name" switch: turn the
		// built-in verification off and verify the chain ourselves.
		roots := cfg.RootCAs
		cfg.InsecureSkipVerify = true
		cfg.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("kafka: broker sent no certificate")
			}
			opts := x509.VerifyOptions{Roots: roots, Intermediates: x509.NewCertPool()}
			for _, c := range cs.PeerCertificates[1:] {
				opts.Intermediates.AddCert(c)
			}
			_, err := cs.PeerCertificates[0].Verify(opts)
			return err
		}
	}
	return cfg, nil
}

// SASL mechanism names, as config spells them (lower-case).
const (
	MechPlain       = "plain"
	MechScramSHA256 = "scram-sha-256"
	MechScramSHA512 = "scram-sha-512"
)

// NewSASL returns the franz-go mechanism for name (case-insensitive) with
// fixed credentials.
func NewSASL(name, user, pass string) (sasl.Mechanism, error) {
	switch strings.ToLower(name) {
	case MechPlain, "":
		return plain.Auth{User: user, Pass: pass}.AsMechanism(), nil
	case MechScramSHA256:
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism(), nil
	case MechScramSHA512:
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism(), nil
	}
	return nil, fmt.Errorf("kafka: unknown SASL mechanism %q", name)
}

// SecurityOpts returns the client options for TLS (nil: plaintext) and
// SASL (nil: none). TLS dials through a dialer with the same timeout
// franz-go uses for plaintext.
func SecurityOpts(tlsCfg *tls.Config, mech sasl.Mechanism) []kgo.Opt {
	var opts []kgo.Opt
	if tlsCfg != nil {
		d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: tlsCfg}
		opts = append(opts, kgo.Dialer(d.DialContext))
	}
	if mech != nil {
		opts = append(opts, kgo.SASL(mech))
	}
	return opts
}
