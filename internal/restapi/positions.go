package restapi

import (
	"context"
	"net/http"

	"github.com/krest-dev/krest/internal/consumer"
)

// seek answers POST .../positions {"offsets": [{"topic", "partition",
// "offset"}]}: the next records of each partition start at its offset.
// A negative offset → 422; a partition that does not exist → 40401/40402;
// one the instance is not assigned → 409/40903 (and nothing moves).
func (s *Server) seek(w http.ResponseWriter, r *http.Request) error {
	if _, err := requestFormat(r); err != nil {
		return err
	}
	inst, err := s.consumerInstance(r)
	if err != nil {
		return err
	}
	body, err := requireConsumerBody(r, `{"offsets": [{"topic": "...", "partition": 0, "offset": 0}]}`)
	if err != nil {
		return err
	}
	offsets, err := body.offsetsMember("offsets")
	if err != nil {
		return err
	}
	tps := make([]consumer.TopicPartition, len(offsets))
	for k, o := range offsets {
		tps[k] = consumer.TopicPartition{Topic: o.Topic, Partition: o.Partition}
	}
	if err := s.checkPartitions(r, tps); err != nil {
		return err
	}
	if err := inst.Seek(r.Context(), offsets); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

// seekToBeginning answers POST .../positions/beginning {"partitions": [...]}.
func (s *Server) seekToBeginning(w http.ResponseWriter, r *http.Request) error {
	return s.withPartitions(w, r, (*consumer.Instance).SeekToBeginning)
}

// seekToEnd answers POST .../positions/end {"partitions": [...]}.
func (s *Server) seekToEnd(w http.ResponseWriter, r *http.Request) error {
	return s.withPartitions(w, r, (*consumer.Instance).SeekToEnd)
}

// partitionsOp is an Instance method taking a partition list: a seek to
// the beginning or end, or an assignment.
type partitionsOp func(*consumer.Instance, context.Context, []consumer.TopicPartition) error

// withPartitions answers a request whose body is {"partitions": [{"topic",
// "partition"}]}: it checks the partitions exist (40401/40402) and applies
// op to the instance, answering 204.
func (s *Server) withPartitions(w http.ResponseWriter, r *http.Request, op partitionsOp) error {
	if _, err := requestFormat(r); err != nil {
		return err
	}
	inst, err := s.consumerInstance(r)
	if err != nil {
		return err
	}
	body, err := requireConsumerBody(r, `{"partitions": [{"topic": "...", "partition": 0}]}`)
	if err != nil {
		return err
	}
	tps, err := body.partitionsMember("partitions")
	if err != nil {
		return err
	}
	if err := s.checkPartitions(r, tps); err != nil {
		return err
	}
	if err := op(inst, r.Context(), tps); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
