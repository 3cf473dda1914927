package apierr

// Code is a Kafka REST error_code. Five-digit codes carry their HTTP status in
// their first three digits (40403 → 404); three-digit codes are the status
// itself, as rest-utils' WebApplicationExceptionMapper does.
type Code int

// Status returns the HTTP status for the code.
func (c Code) Status() int {
	if c >= 10000 {
		return int(c) / 100
	}
	return int(c)
}

// The catalog. Codes and names follow Confluent's kafka-rest Errors.java and
// rest-utils' KafkaExceptionMapper; decisions.md settles where Karapace differs.
// Every code is unique (catalog_test.go checks it).
const (
	// BadRequest: malformed JSON, a body of the wrong shape, invalid base64.
	BadRequest Code = 400
	// Unauthorized: missing or bad credentials on the REST listener.
	Unauthorized Code = 401
	// Forbidden: the REST listener refuses the request.
	Forbidden Code = 403
	// NotFound: unknown route, or a path parameter that cannot name anything.
	NotFound Code = 404
	// MethodNotAllowed: the route exists, the method does not.
	MethodNotAllowed Code = 405
	// NotAcceptable: the Accept header names nothing krest can produce.
	NotAcceptable Code = 406
	// RequestTimeout: the request took longer than the server allows.
	RequestTimeout Code = 408
	// PayloadTooLarge: the body exceeds http_request_max_size.
	PayloadTooLarge Code = 413
	// HeadersTooLarge: the request line and headers exceed
	// http_request_max_header_size.
	HeadersTooLarge Code = 431
	// UnsupportedMediaType: a POST with a Content-Type krest does not take.
	UnsupportedMediaType Code = 415
	// UnprocessableEntity: a well-formed request with invalid content.
	UnprocessableEntity Code = 422
	// TooManyRequests: a server-side limit was reached.
	TooManyRequests Code = 429
	// Internal: krest is broken; the cause is logged, never shown.
	Internal Code = 500
	// ServiceUnavailable: krest is shutting down or cannot serve now.
	ServiceUnavailable Code = 503

	// InvalidConsumerConfigConstraint: a consumer create body violates constraints.
	InvalidConsumerConfigConstraint Code = 40001
	// KafkaBadRequest: Kafka rejected the request as invalid.
	KafkaBadRequest Code = 40002
	// KafkaAuthentication: Kafka rejected the credentials.
	KafkaAuthentication Code = 40101
	// KafkaAuthorization: Kafka's ACLs deny the operation.
	KafkaAuthorization Code = 40301
	// TopicNotFound: the topic does not exist (checked against metadata).
	TopicNotFound Code = 40401
	// PartitionNotFound: the partition does not exist in the topic.
	PartitionNotFound Code = 40402
	// ConsumerInstanceNotFound: no such consumer instance on this krest.
	ConsumerInstanceNotFound Code = 40403
	// LeaderNotAvailable: the partition has no leader right now.
	LeaderNotAvailable Code = 40404
	// ConsumerGroupNotFound: no such consumer group.
	ConsumerGroupNotFound Code = 40405
	// ConsumerFormatMismatch: the Accept format differs from the consumer's.
	ConsumerFormatMismatch Code = 40601
	// SchemaRegistryTimeout: the schema registry failed or did not answer.
	SchemaRegistryTimeout Code = 40801
	// ConsumerAlreadySubscribed: the consumer already has a subscription.
	ConsumerAlreadySubscribed Code = 40901
	// ConsumerAlreadyExists: a consumer instance with that name exists.
	ConsumerAlreadyExists Code = 40902
	// IllegalState: the request conflicts with the consumer's state.
	IllegalState Code = 40903
	// KeySchemaMissing: keys in a schema format without key_schema(_id).
	KeySchemaMissing Code = 42201
	// ValueSchemaMissing: values in a schema format without value_schema(_id).
	ValueSchemaMissing Code = 42202
	// JSONConversion: a record cannot be converted to or from JSON.
	JSONConversion Code = 42203
	// InvalidConsumerConfig: a consumer setting has an invalid value.
	InvalidConsumerConfig Code = 42204
	// InvalidSchema: the schema is invalid, unknown, or the data does not fit it.
	InvalidSchema Code = 42205
	// InvalidPayload: the payload does not fit its embedded format.
	InvalidPayload Code = 42206
	// Serialization: a record could not be serialised.
	Serialization Code = 42207
	// KafkaTooManyRequests: Kafka throttled the request.
	KafkaTooManyRequests Code = 42901
	// TooManyConcurrentRequests: http_max_concurrent_requests requests are
	// being served; retry after Retry-After.
	TooManyConcurrentRequests Code = 42902
	// TooManyWaitingRequests: consumer_max_waiting_requests records
	// requests are waiting for data; retry after Retry-After.
	TooManyWaitingRequests Code = 42903
	// KafkaError: a non-retriable Kafka error.
	KafkaError Code = 50002
	// KafkaRetriable: a retriable Kafka error; retrying may succeed.
	KafkaRetriable Code = 50003
	// BrokerNotAvailable: Kafka cannot be reached.
	BrokerNotAvailable Code = 50302
)

// catalog lists every code with its name and meaning, for the uniqueness
// test and docs/errors.md.
var catalog = []struct {
	Code Code
	Name string
	Use  string
}{
	{BadRequest, "BadRequest", "malformed JSON, a body of the wrong shape, invalid base64."},
	{Unauthorized, "Unauthorized", "missing or bad credentials on the REST listener."},
	{Forbidden, "Forbidden", "the REST listener refuses the request."},
	{NotFound, "NotFound", "unknown route, or a path parameter that cannot name anything."},
	{MethodNotAllowed, "MethodNotAllowed", "the route exists, the method does not."},
	{NotAcceptable, "NotAcceptable", "the Accept header names nothing krest can produce."},
	{RequestTimeout, "RequestTimeout", "the request took longer than the server allows."},
	{PayloadTooLarge, "PayloadTooLarge", "the body exceeds http_request_max_size."},
	{HeadersTooLarge, "HeadersTooLarge", "the request line and headers exceed http_request_max_header_size."},
	{UnsupportedMediaType, "UnsupportedMediaType", "a POST with a Content-Type krest does not take."},
	{UnprocessableEntity, "UnprocessableEntity", "a well-formed request with invalid content."},
	{TooManyRequests, "TooManyRequests", "a server-side limit was reached."},
	{Internal, "Internal", "krest is broken; the cause is logged, never shown."},
	{ServiceUnavailable, "ServiceUnavailable", "krest is shutting down or cannot serve now."},
	{InvalidConsumerConfigConstraint, "InvalidConsumerConfigConstraint", "a consumer create body violates constraints."},
	{KafkaBadRequest, "KafkaBadRequest", "Kafka rejected the request as invalid."},
	{KafkaAuthentication, "KafkaAuthentication", "Kafka rejected the credentials."},
	{KafkaAuthorization, "KafkaAuthorization", "Kafka's ACLs deny the operation."},
	{TopicNotFound, "TopicNotFound", "the topic does not exist (checked against metadata)."},
	{PartitionNotFound, "PartitionNotFound", "the partition does not exist in the topic."},
	{ConsumerInstanceNotFound, "ConsumerInstanceNotFound", "no such consumer instance on this krest."},
	{LeaderNotAvailable, "LeaderNotAvailable", "the partition has no leader right now."},
	{ConsumerGroupNotFound, "ConsumerGroupNotFound", "no such consumer group."},
	{ConsumerFormatMismatch, "ConsumerFormatMismatch", "the Accept format differs from the consumer's."},
	{SchemaRegistryTimeout, "SchemaRegistryTimeout", "the schema registry failed or did not answer."},
	{ConsumerAlreadySubscribed, "ConsumerAlreadySubscribed", "the consumer already has a subscription."},
	{ConsumerAlreadyExists, "ConsumerAlreadyExists", "a consumer instance with that name exists."},
	{IllegalState, "IllegalState", "the request conflicts with the consumer's state."},
	{KeySchemaMissing, "KeySchemaMissing", "keys in a schema format without key_schema(_id)."},
	{ValueSchemaMissing, "ValueSchemaMissing", "values in a schema format without value_schema(_id)."},
	{JSONConversion, "JSONConversion", "a record cannot be converted to or from JSON."},
	{InvalidConsumerConfig, "InvalidConsumerConfig", "a consumer setting has an invalid value."},
	{InvalidSchema, "InvalidSchema", "the schema is invalid, unknown, or the data does not fit it."},
	{InvalidPayload, "InvalidPayload", "the payload does not fit its embedded format."},
	{Serialization, "Serialization", "a record could not be serialised."},
	{KafkaTooManyRequests, "KafkaTooManyRequests", "Kafka throttled the request."},
	{TooManyConcurrentRequests, "TooManyConcurrentRequests", "http_max_concurrent_requests requests are being served; retry after Retry-After."},
	{TooManyWaitingRequests, "TooManyWaitingRequests", "consumer_max_waiting_requests records requests are waiting for data; retry after Retry-After."},
	{KafkaError, "KafkaError", "a non-retriable Kafka error."},
	{KafkaRetriable, "KafkaRetriable", "a retriable Kafka error; retrying may succeed."},
	{BrokerNotAvailable, "BrokerNotAvailable", "Kafka cannot be reached."},
}
