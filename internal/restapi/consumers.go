package restapi

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/consumer"
	"github.com/krest-dev/krest/internal/kafka"
	"github.com/krest-dev/krest/internal/serde"
)

// createConsumer answers POST /consumers/{group}. Validation follows
// Karapace's order: a duplicate name (409/40902) wins over invalid settings
// (422/42204). Unknown members are ignored.
func (s *Server) createConsumer(w http.ResponseWriter, r *http.Request) error {
	if _, err := requestFormat(r); err != nil {
		return err
	}
	if s.consumers == nil {
		return errNoConsumers()
	}
	group := r.PathValue("group")
	body, err := readConsumerBody(r)
	if err != nil {
		return err
	}
	cfg, invalid := parseConsumerConfig(body)
	cfg.Owner = s.owner(r)
	if cfg.Name != "" && s.consumers.Exists(cfg.Owner, group, cfg.Name) {
		return apierr.New(apierr.ConsumerAlreadyExists, "Consumer %s already exists", cfg.Name)
	}
	if invalid != nil {
		return invalid
	}
	if _, err := s.decoderFor(cfg.Format); err != nil {
		return err
	}
	cfg.Kafka = s.ownerKafka(r)
	inst, err := s.consumers.Create(group, cfg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, createConsumerResponse{
		InstanceID: inst.Name(),
		BaseURI:    s.instanceURI(r, group, inst.Name()),
	})
}

// instanceURI is the absolute base_uri of an instance: the configured
// advertised URI, else the scheme and Host of the request (decisions.md;
// forwarding headers are deliberately not trusted).
func (s *Server) instanceURI(r *http.Request, group, name string) string {
	base := strings.TrimRight(s.opts.BaseURI, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/consumers/" + url.PathEscape(group) + "/instances/" + url.PathEscape(name)
}

// deleteConsumer answers DELETE /consumers/{group}/instances/{instance}:
// the instance commits (with auto-commit), leaves its group and is gone.
func (s *Server) deleteConsumer(w http.ResponseWriter, r *http.Request) error {
	if s.consumers == nil {
		return errNoConsumers()
	}
	if err := s.consumers.Delete(r.Context(), s.owner(r), r.PathValue("group"), r.PathValue("instance")); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

// consumerInstance resolves the instance a request names: every consumer
// handler but create and delete reaches its instance here, and nowhere
// else, so a layer that forwards requests to the krest owning an instance
// has one place to hook in.
func (s *Server) consumerInstance(r *http.Request) (*consumer.Instance, error) {
	if s.consumers == nil {
		return nil, errNoConsumers()
	}
	return s.consumers.Lookup(s.owner(r), r.PathValue("group"), r.PathValue("instance"))
}

func errNoConsumers() *apierr.Error {
	return apierr.New(apierr.ServiceUnavailable, "consumer instances are not available on this server")
}

// parseConsumerConfig reads the create body into a Config. It returns the
// first invalid setting as a 422/42204 error, after reading the name, so
// the caller can report a duplicate name first.
func parseConsumerConfig(body consumerBody) (consumer.Config, error) {
	var cfg consumer.Config
	if body.has("name") {
		name, ok := unquote(body["name"])
		if !ok {
			return cfg, invalidConfig("name must be a string, not %s", body["name"])
		}
		cfg.Name = name
	}
	if body.has("format") {
		f, ok := unquote(body["format"])
		format, known := serde.ParseFormat(f)
		if !ok || !known {
			return cfg, invalidConfig("Invalid format type %s: format must be one of binary, json, avro, jsonschema, protobuf", body["format"])
		}
		cfg.Format = format
	}
	if body.has("auto.offset.reset") {
		v := body["auto.offset.reset"]
		s, _ := unquote(v)
		reset, ok := consumer.ParseOffsetReset(s)
		if !ok {
			return cfg, invalidConfig("Invalid value %s for configuration auto.offset.reset: String must be one of: latest, earliest", v)
		}
		cfg.OffsetReset = reset
	}
	if body.has("auto.commit.enable") {
		v := body["auto.commit.enable"]
		var on bool
		switch s, _ := unquote(v); {
		case v.Kind() == 't' || strings.EqualFold(strings.TrimSpace(s), "true"):
			on = true
		case v.Kind() == 'f' || strings.EqualFold(strings.TrimSpace(s), "false"):
		default:
			return cfg, invalidConfig("Invalid value %s for configuration auto.commit.enable: Expected value to be either true or false", v)
		}
		cfg.AutoCommit = &on
	}
	if body.has("fetch.min.bytes") {
		v := body["fetch.min.bytes"]
		n, ok := parseJSONInt(v)
		if !ok || n < -1 || n > math.MaxInt32 {
			return cfg, invalidConfig("Invalid value %s for configuration fetch.min.bytes: Expected an integer >= -1", v)
		}
		m := int32(n)
		cfg.FetchMinBytes = &m
	}
	if body.has("consumer.request.timeout.ms") {
		v := body["consumer.request.timeout.ms"]
		n, ok := parseJSONInt(v)
		if !ok || n < 0 || n > math.MaxInt32 {
			return cfg, invalidConfig("Invalid value %s for configuration consumer.request.timeout.ms: Expected an integer >= 0", v)
		}
		d := time.Duration(n) * time.Millisecond
		cfg.RequestTimeout = &d
	}
	return cfg, nil
}

func invalidConfig(format string, args ...any) *apierr.Error {
	return apierr.New(apierr.InvalidConsumerConfig, format, args...)
}

// checkPartitions maps each partition to 40401/40402 when it does not exist.
func (s *Server) checkPartitions(r *http.Request, tps []consumer.TopicPartition) error {
	for _, tp := range tps {
		if _, _, err := s.kafkaFor(r).Partition(r.Context(), tp.Topic, tp.Partition); err != nil {
			if errors.Is(err, kafka.ErrUnknownPartition) {
				return apierr.New(apierr.PartitionNotFound, "Partition %d not found for topic %s", tp.Partition, tp.Topic)
			}
			return topicError(err, tp.Topic)
		}
	}
	return nil
}
