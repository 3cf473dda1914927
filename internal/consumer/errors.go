package consumer

import (
	"errors"
	"fmt"

	"github.com/krest-dev/krest/internal/apierr"
)

// ErrClosed is the cause of errors for requests that reach a Registry after
// Close began; the REST error is 503.
var ErrClosed = errors.New("consumer registry closed")

// The errors below are *apierr.Error values: the transport writes them as
// they are, so their codes and messages are the API.

func errNotFound(group, name string) *apierr.Error {
	return apierr.New(apierr.ConsumerInstanceNotFound, "Consumer instance %s not found in group %s", name, group)
}

func errExists(name string) *apierr.Error {
	return apierr.New(apierr.ConsumerAlreadyExists, "Consumer %s already exists", name)
}

func errRegistryClosed() *apierr.Error {
	return apierr.Wrap(apierr.ServiceUnavailable, ErrClosed, "krest is shutting down")
}

func errTooMany(limit int) *apierr.Error {
	return apierr.New(apierr.TooManyRequests, "Too many consumer instances: this krest allows %d (consumer_max_instances); delete unused instances or retry later", limit)
}

func errTooManyForOwner(owner string, limit int) *apierr.Error {
	return apierr.New(apierr.TooManyRequests, "Too many consumer instances for %s: each principal may own %d (consumer_max_instances_per_principal); delete unused instances or retry later", owner, limit)
}

// errMixed is Confluent's text for mixing subscriptions and assignments.
func errMixed() *apierr.Error {
	return apierr.New(apierr.IllegalState, "Subscription to topics, partitions and pattern are mutually exclusive")
}

func errNoSubscription() *apierr.Error {
	return apierr.New(apierr.IllegalState, "Consumer is not subscribed to any topics or assigned any partitions")
}

func errUnassigned(what string, tp TopicPartition) *apierr.Error {
	return apierr.New(apierr.IllegalState, "%s: partition %d of topic %s is not assigned to this consumer instance", what, tp.Partition, tp.Topic)
}

// kafkaErr maps a franz-go error, keeping what was being done for the log.
func kafkaErr(err error, what string) *apierr.Error {
	e := apierr.FromKafka(fmt.Errorf("%s: %w", what, err))
	if e.Code == apierr.Internal {
		// Not a Kafka protocol error (e.g. kadm's "partition missing in
		// commit response"): still Kafka's doing, not a krest defect.
		return apierr.Wrap(apierr.KafkaError, err, "%s: %v", what, err)
	}
	return e
}
