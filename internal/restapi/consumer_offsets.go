package restapi

import (
	"net/http"

	"github.com/krest-dev/krest/internal/consumer"
)

// commitOffsets answers POST .../offsets. With {"offsets": [{"topic",
// "partition", "offset"}]} it commits offset+1 for each (the request names
// the last consumed record, as in Confluent and Karapace). An empty body,
// {} or an empty list commits the position of everything returned to the
// client so far. Partitions that do not exist → 40401/40402.
func (s *Server) commitOffsets(w http.ResponseWriter, r *http.Request) error {
	if _, err := requestFormat(r); err != nil {
		return err
	}
	inst, err := s.consumerInstance(r)
	if err != nil {
		return err
	}
	body, err := readConsumerBody(r)
	if err != nil {
		return err
	}
	var offsets []consumer.PartitionOffset
	if body.has("offsets") {
		if offsets, err = body.offsetsMember("offsets"); err != nil {
			return err
		}
	}
	if len(offsets) == 0 {
		err = inst.CommitFetched(r.Context())
	} else {
		tps := make([]consumer.TopicPartition, len(offsets))
		for k := range offsets {
			tps[k] = consumer.TopicPartition{Topic: offsets[k].Topic, Partition: offsets[k].Partition}
			offsets[k].Offset++
		}
		if err := s.checkPartitions(r, tps); err != nil {
			return err
		}
		err = inst.Commit(r.Context(), offsets)
	}
	if err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

// getCommittedOffsets answers GET .../offsets, whose JSON body lists the
// partitions: {"offsets": [{"topic", "partition", "offset", "metadata"}]},
// in the order asked, offset -1 where the group has committed nothing and
// metadata always "" (see consumer.CommittedOffset).
func (s *Server) getCommittedOffsets(w http.ResponseWriter, r *http.Request) error {
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
	committed, err := inst.Committed(r.Context(), tps)
	if err != nil {
		return err
	}
	out := committedOffsetsJSON{Offsets: make([]committedOffsetJSON, len(committed))}
	for k, c := range committed {
		out.Offsets[k] = committedOffsetJSON{Topic: c.Topic, Partition: c.Partition, Offset: c.Offset}
	}
	return writeJSON(w, http.StatusOK, out)
}
