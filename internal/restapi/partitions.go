package restapi

import "net/http"

// listPartitions answers GET /topics/{topic}/partitions.
func (s *Server) listPartitions(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("topic")
	t, err := s.kafkaFor(r).Topic(r.Context(), name)
	if err != nil {
		return topicError(err, name)
	}
	out := make([]partitionJSON, len(t.Partitions))
	for i := range t.Partitions {
		out[i] = partitionToJSON(&t.Partitions[i])
	}
	return writeJSON(w, http.StatusOK, out)
}

// getPartition answers GET /topics/{topic}/partitions/{partition}.
func (s *Server) getPartition(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("topic")
	p, err := pathPartition(r)
	if err != nil {
		return err
	}
	_, part, err := s.kafkaFor(r).Partition(r.Context(), name, p)
	if err != nil {
		return partitionError(err, name, p)
	}
	return writeJSON(w, http.StatusOK, partitionToJSON(part))
}

// getPartitionOffsets answers GET /topics/{topic}/partitions/{partition}/offsets
// with the log start and end offsets.
func (s *Server) getPartitionOffsets(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("topic")
	p, err := pathPartition(r)
	if err != nil {
		return err
	}
	start, end, err := s.kafkaFor(r).Offsets(r.Context(), name, p)
	if err != nil {
		return partitionError(err, name, p)
	}
	return writeJSON(w, http.StatusOK, offsetsJSON{BeginningOffset: start, EndOffset: end})
}
