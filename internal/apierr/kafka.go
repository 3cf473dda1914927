package apierr

import (
	"context"
	"errors"
	"io"
	"net"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// kafkaCodes maps Kafka protocol errors to REST codes, after rest-utils'
// KafkaExceptionMapper. Anything absent falls back to 50003 (retriable) or
// 50002 (not retriable).
var kafkaCodes = map[int16]Code{
	kerr.UnknownTopicOrPartition.Code:            TopicNotFound, // callers refine to 40402 with metadata
	kerr.InvalidTopicException.Code:              KafkaBadRequest,
	kerr.InvalidPartitions.Code:                  KafkaBadRequest,
	kerr.InvalidReplicationFactor.Code:           KafkaBadRequest,
	kerr.PolicyViolation.Code:                    KafkaBadRequest,
	kerr.TopicAlreadyExists.Code:                 KafkaBadRequest,
	kerr.InvalidConfig.Code:                      KafkaBadRequest,
	kerr.UnsupportedVersion.Code:                 KafkaBadRequest,
	kerr.InvalidRequest.Code:                     KafkaBadRequest,
	kerr.SaslAuthenticationFailed.Code:           KafkaAuthentication,
	kerr.TopicAuthorizationFailed.Code:           KafkaAuthorization,
	kerr.GroupAuthorizationFailed.Code:           KafkaAuthorization,
	kerr.ClusterAuthorizationFailed.Code:         KafkaAuthorization,
	kerr.TransactionalIDAuthorizationFailed.Code: KafkaAuthorization,
	kerr.LeaderNotAvailable.Code:                 LeaderNotAvailable,
	kerr.ThrottlingQuotaExceeded.Code:            KafkaTooManyRequests,
	kerr.BrokerNotAvailable.Code:                 BrokerNotAvailable,
	// Kafka marks it not retriable because a member must rejoin first,
	// which krest's consumer instance does by itself: for the REST client
	// a commit during a rebalance is worth retrying.
	kerr.RebalanceInProgress.Code: KafkaRetriable,
}

// FromKafka maps an error from franz-go to a REST error. Kafka protocol errors
// keep their description as the message (clients act on it); client-side
// conditions become 503 (closed, unreachable), 50003 (timeouts, retriable) or
// 500 with a hidden cause.
func FromKafka(err error) *Error {
	if err == nil {
		return nil
	}
	var ke *kerr.Error
	if errors.As(err, &ke) {
		code, ok := kafkaCodes[ke.Code]
		if !ok {
			code = KafkaError
			if ke.Retriable {
				code = KafkaRetriable
			}
		}
		return &Error{Code: code, Message: ke.Description, Err: err}
	}
	switch {
	case errors.Is(err, kgo.ErrClientClosed):
		return &Error{Code: ServiceUnavailable, Message: "krest is shutting down", Err: err}
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, kgo.ErrRecordTimeout):
		return &Error{Code: KafkaRetriable, Message: "timed out waiting for Kafka", Err: err}
	case errors.Is(err, context.Canceled):
		return &Error{Code: KafkaRetriable, Message: "request cancelled before Kafka answered", Err: err}
	case errors.Is(err, kgo.ErrRecordRetries), errors.Is(err, kgo.ErrMaxBuffered):
		return &Error{Code: KafkaRetriable, Message: err.Error(), Err: err}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		// The broker dropped the connection (kgo.ErrFirstReadEOF unwraps
		// to io.EOF): Kafka's failure, not krest's.
		return &Error{Code: BrokerNotAvailable, Message: "Kafka closed the connection", Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return &Error{Code: BrokerNotAvailable, Message: "Kafka is unreachable", Err: err}
	}
	return &Error{Code: Internal, Message: "Internal Server Error", Err: err}
}
