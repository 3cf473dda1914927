package restapi

import (
	"net/http"

	"github.com/krest-dev/krest/internal/consumer"
)

// assign answers POST .../assignments {"partitions": [{"topic",
// "partition"}]}: a manual assignment replacing the previous one (409/40903
// while subscribed; 40401/40402 for partitions that do not exist).
func (s *Server) assign(w http.ResponseWriter, r *http.Request) error {
	return s.withPartitions(w, r, (*consumer.Instance).Assign)
}

// getAssignments answers GET .../assignments: the partitions the instance
// reads, assigned manually or by its group.
func (s *Server) getAssignments(w http.ResponseWriter, r *http.Request) error {
	inst, err := s.consumerInstance(r)
	if err != nil {
		return err
	}
	tps, err := inst.Assignment(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, assignmentsJSON{Partitions: partitionsToJSON(tps)})
}

func partitionsToJSON(tps []consumer.TopicPartition) []topicPartitionJSON {
	out := make([]topicPartitionJSON, len(tps))
	for k, tp := range tps {
		out[k] = topicPartitionJSON{Topic: tp.Topic, Partition: tp.Partition}
	}
	return out
}
