package restapi

import (
	"errors"
	"net/http"
	"sort"
	"strconv"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/kafka"
)

// listTopics answers GET /topics with every topic the client may see, sorted,
// internal topics left out (decisions.md). It always asks Kafka, so a topic
// created a moment ago is listed.
func (s *Server) listTopics(w http.ResponseWriter, r *http.Request) error {
	c, err := s.kafkaFor(r).Metadata(r.Context(), true)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(c.Topics))
	for name, t := range c.Topics {
		if !t.Hidden() {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return writeJSON(w, http.StatusOK, names)
}

// getTopic answers GET /topics/{topic}: name, configs and partitions.
func (s *Server) getTopic(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("topic")
	t, err := s.kafkaFor(r).Topic(r.Context(), name)
	if err != nil {
		return topicError(err, name)
	}
	cfgs, err := s.kafkaFor(r).TopicConfigs(r.Context(), name)
	if err != nil {
		return topicError(err, name)
	}
	out := topicJSON{Name: t.Name, Configs: make(map[string]*string, len(cfgs)), Partitions: make([]partitionJSON, len(t.Partitions))}
	for _, c := range cfgs {
		out.Configs[c.Name] = c.Value
	}
	for i := range t.Partitions {
		out.Partitions[i] = partitionToJSON(&t.Partitions[i])
	}
	return writeJSON(w, http.StatusOK, out)
}

func partitionToJSON(p *kafka.Partition) partitionJSON {
	isr := make(map[int32]bool, len(p.ISR))
	for _, b := range p.ISR {
		isr[b] = true
	}
	out := partitionJSON{Partition: p.Partition, Leader: p.Leader, Replicas: make([]replicaJSON, len(p.Replicas))}
	for i, b := range p.Replicas {
		out.Replicas[i] = replicaJSON{Broker: b, Leader: b == p.Leader, InSync: isr[b]}
	}
	return out
}

// topicError maps a metadata error for topic to the REST vocabulary.
func topicError(err error, topic string) error {
	if errors.Is(err, kafka.ErrUnknownTopic) {
		return apierr.New(apierr.TopicNotFound, "Topic %s not found", topic)
	}
	return err
}

// partitionError maps a metadata error for topic/partition.
func partitionError(err error, topic string, partition int32) error {
	if errors.Is(err, kafka.ErrUnknownPartition) {
		return apierr.New(apierr.PartitionNotFound, "Partition %d not found", partition)
	}
	return topicError(err, topic)
}

// pathPartition parses the {partition} path value. A value that is not an
// integer names no partition: 404, error_code 404, as Karapace.
func pathPartition(r *http.Request) (int32, error) {
	raw := r.PathValue("partition")
	p, err := strconv.ParseInt(raw, 10, 32)
	if err != nil {
		return 0, apierr.New(apierr.NotFound, "Partition %s not found", strconv.Quote(raw))
	}
	return int32(p), nil
}
