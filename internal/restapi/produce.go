package restapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/kafka"
)

// produceToTopic answers POST /topics/{topic}.
func (s *Server) produceToTopic(w http.ResponseWriter, r *http.Request) error {
	return s.produce(w, r, r.PathValue("topic"), false, -1)
}

// produceToPartition answers POST /topics/{topic}/partitions/{partition}.
func (s *Server) produceToPartition(w http.ResponseWriter, r *http.Request) error {
	p, err := pathPartition(r)
	if err != nil {
		return err
	}
	return s.produce(w, r, r.PathValue("topic"), true, p)
}

// produce validates the whole request before writing anything, so a
// rejected request writes nothing; then it waits for Kafka's answer on every
// record. A 200 means each record without an error is in Kafka.
// onPartition is true on the partition route, whose partition (urlPartition,
// possibly negative and so unknown) must exist.
func (s *Server) produce(w http.ResponseWriter, r *http.Request, topic string, onPartition bool, urlPartition int32) error {
	format, err := requestFormat(r)
	if err != nil {
		return err
	}
	body, err := readBody(r, s.opts.MaxBodyBytes)
	if err != nil {
		return err // 413 from MaxBytesReader, or the client went away
	}
	req := getProduceRequest()
	// Released only after Produce has returned (franz-go no longer reads
	// the records) and the response is written.
	defer req.release()
	err = req.decode(body, format)
	putBuf(body) // nothing decoded refers to the body
	if err != nil {
		return err
	}
	k := s.kafkaFor(r)
	var t *kafka.Topic
	if onPartition {
		t, _, err = k.Partition(r.Context(), topic, urlPartition)
		if err != nil {
			return partitionError(err, topic, urlPartition)
		}
	} else if t, err = k.Topic(r.Context(), topic); err != nil {
		return topicError(err, topic)
	}
	var ids schemaIDs
	if format.NeedsSchema() {
		if ids, err = s.encodeWithSchemas(r.Context(), topic, format, req); err != nil {
			return err
		}
	}

	recs := req.kafkaRecords(len(req.records))
	for i := range req.records {
		in := &req.records[i]
		p := in.partition
		if p < 0 {
			p = urlPartition // a record's own partition wins, as in Karapace
		}
		recs[i] = kafka.Record{Key: in.key, Value: in.value, Headers: in.headers, Partition: p}
	}
	k.Produce(r.Context(), topic, len(t.Partitions), recs)
	if err := r.Context().Err(); err != nil {
		return err // nobody to answer; acknowledged records stay acknowledged
	}
	out := appendProduceResponse(getBuf(64+80*len(recs)), ids, recs)
	writeBody(w, http.StatusOK, contentTypeV2, out)
	putBuf(out) // the response writer has copied it
	return nil
}

// checkSchemaFields enforces 42201/42202: keys (values) in a schema format
// need key_schema or key_schema_id (value_...).
func checkSchemaFields(req *produceRequest) error {
	var keys, values bool
	for i := range req.records {
		keys = keys || req.records[i].hasKey
		values = values || req.records[i].hasValue
	}
	if keys && req.keySchema == nil && req.keySchemaID == nil {
		return apierr.New(apierr.KeySchemaMissing, "Request includes keys and uses a format that requires schemas but does not include the key_schema or key_schema_id fields")
	}
	if values && req.valueSchema == nil && req.valueSchemaID == nil {
		return apierr.New(apierr.ValueSchemaMissing, "Request includes values and uses a format that requires schemas but does not include the value_schema or value_schema_id fields")
	}
	return nil
}

// appendProduceResponse writes the produce response by hand: it is on the
// hot path and its shape is fixed.
func appendProduceResponse(b []byte, ids schemaIDs, recs []kafka.Record) []byte {
	b = append(b, `{"key_schema_id":`...)
	b = appendOptInt(b, ids.key)
	b = append(b, `,"value_schema_id":`...)
	b = appendOptInt(b, ids.value)
	b = append(b, `,"offsets":[`...)
	for i := range recs {
		if i > 0 {
			b = append(b, ',')
		}
		rec := &recs[i]
		if rec.Err == nil {
			b = append(b, `{"partition":`...)
			b = strconv.AppendInt(b, int64(rec.Partition), 10)
			b = append(b, `,"offset":`...)
			b = strconv.AppendInt(b, rec.Offset, 10)
			b = append(b, `,"error_code":null,"error":null}`...)
			continue
		}
		code, msg := recordError(rec)
		b = append(b, `{"partition":`...)
		if rec.Partition >= 0 {
			b = strconv.AppendInt(b, int64(rec.Partition), 10)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, `,"offset":null,"error_code":`...)
		b = strconv.AppendInt(b, int64(code), 10)
		b = append(b, `,"error":`...)
		m, _ := json.Marshal(msg)
		b = append(b, m...)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// recordError classifies a per-record failure into the codes decisions.md
// allows: 40101, 40301, 40401, 40402, 50002, 50003.
func recordError(rec *kafka.Record) (apierr.Code, string) {
	err := rec.Err
	if kafka.IsPartitionError(err) {
		return apierr.PartitionNotFound, "Partition " + strconv.Itoa(int(rec.Partition)) + " not found"
	}
	e := apierr.FromKafka(err)
	if errors.Is(err, kerr.ClusterAuthorizationFailed) {
		// On produce this comes from InitProducerId: Kafka grants an
		// idempotent producer id only to a user who may write to some
		// topic (or holds IDEMPOTENT_WRITE, KIP-679). Kafka's own text
		// names the cluster, which sends users to the wrong ACL.
		return e.Code, "Not authorized to write: Kafka refused a producer id (CLUSTER_AUTHORIZATION_FAILED); the user needs WRITE on the topic"
	}
	switch e.Code {
	case apierr.KafkaAuthentication, apierr.KafkaAuthorization, apierr.TopicNotFound:
		return e.Code, e.Message
	}
	var ke *kerr.Error
	if (errors.As(err, &ke) && ke.Retriable) || e.Code == apierr.KafkaRetriable || e.Code.Status() == 503 {
		return apierr.KafkaRetriable, e.Message
	}
	if e.Code == apierr.Internal {
		return apierr.KafkaError, err.Error()
	}
	return apierr.KafkaError, e.Message
}

// appendOptInt appends n, or null when n is nil.
func appendOptInt(b []byte, n *int32) []byte {
	if n == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*n), 10)
}
