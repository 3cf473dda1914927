package metrics

import (
	"sync"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kprom"
)

// Other is the topic label of topics beyond Options.MaxTopics.
const Other = "_other"

// SharedClientHooks returns the options that instrument krest's shared
// Kafka client (the producer): per-topic produce counts and, on the first
// call only, franz-go's kprom plugin. kprom registers its collectors when
// the client is built and serves exactly one client, so a second client
// given these options gets the produce counts without kprom. A nil Metrics
// returns nil.
func (m *Metrics) SharedClientHooks() []kgo.Opt {
	if m == nil {
		return nil
	}
	hooks := []kgo.Hook{produceHook{m.topics}}
	if m.kpromTaken.CompareAndSwap(false, true) {
		hooks = append(hooks, kprom.NewMetrics(namespace,
			kprom.Subsystem("kafka"),
			kprom.Registry(m.reg),
			// Topics are counted by produceHook under the topic cap;
			// kprom's own topic label would be unbounded.
			kprom.FetchAndProduceDetail(kprom.ByNode, kprom.Batches, kprom.Records,
				kprom.UncompressedBytes, kprom.CompressedBytes, kprom.ConsistentNaming),
			kprom.Histograms(kprom.RequestDurationE2E),
		))
	}
	return []kgo.Opt{kgo.WithHooks(hooks...)}
}

// ConsumerClientHooks returns the options that instrument the clients of
// consumer instances: per-topic fetch counts, aggregated over every
// instance by one set of collectors (however many instances come and go).
// A nil Metrics returns nil.
func (m *Metrics) ConsumerClientHooks() []kgo.Opt {
	if m == nil {
		return nil
	}
	return []kgo.Opt{kgo.WithHooks(fetchHook{m.topics})}
}

// produceHook counts every record the shared client finishes, acknowledged
// or failed. It runs on franz-go's goroutines for each record, so it only
// looks up the topic's counters and adds to them.
type produceHook struct{ t *topicSet }

var _ kgo.HookProduceRecordUnbuffered = produceHook{}

func (h produceHook) OnProduceRecordUnbuffered(r *kgo.Record, err error) {
	c := h.t.get(r.Topic)
	if err != nil {
		c.produceErrors.Inc()
		return
	}
	c.produceRecords.Inc()
	c.produceBytes.Add(float64(len(r.Key) + len(r.Value)))
}

// fetchHook counts the batches consumer instances read, once per batch
// rather than per record.
type fetchHook struct{ t *topicSet }

var _ kgo.HookFetchBatchRead = fetchHook{}

func (h fetchHook) OnFetchBatchRead(_ kgo.BrokerMetadata, topic string, _ int32, fm kgo.FetchBatchMetrics) {
	c := h.t.get(topic)
	c.fetchRecords.Add(float64(fm.NumRecords))
	c.fetchBytes.Add(float64(fm.UncompressedBytes))
}

// topicSet hands out the counters of a topic label, admitting at most max
// distinct topics; the rest share the counters of Other. Lookups of known
// topics take no lock.
type topicSet struct {
	max    int
	known  sync.Map // topic → *topicCounters
	n      atomic.Int64
	full   atomic.Bool // set once n reached max: misses skip the lock
	mu     sync.Mutex  // serialises admissions, so n never passes max
	other  *topicCounters
	vecs   topicVecs
	labels prometheus.GaugeFunc
}

type topicVecs struct {
	produceRecords, produceBytes, produceErrors *prometheus.CounterVec
	fetchRecords, fetchBytes                    *prometheus.CounterVec
}

type topicCounters struct {
	produceRecords, produceBytes, produceErrors prometheus.Counter
	fetchRecords, fetchBytes                    prometheus.Counter
}

func newTopicSet(reg prometheus.Registerer, max int) *topicSet {
	vec := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: name, Help: help}, []string{"topic"})
	}
	s := &topicSet{max: max, vecs: topicVecs{
		produceRecords: vec("produce_records_total", "Produced records Kafka acknowledged, by topic."),
		produceBytes:   vec("produce_bytes_total", "Key plus value bytes of produced records Kafka acknowledged, by topic."),
		produceErrors:  vec("produce_record_errors_total", "Produced records that failed (per-record errors of produce responses), by topic."),
		fetchRecords:   vec("fetch_records_total", "Records consumer instances fetched from Kafka, by topic."),
		fetchBytes:     vec("fetch_bytes_total", "Uncompressed record bytes consumer instances fetched from Kafka, by topic."),
	}}
	s.other = s.counters(Other)
	s.labels = prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: namespace, Name: "metrics_topic_labels",
		Help: "Distinct topic label values in use, _other excluded; at most metrics_max_topics.",
	}, func() float64 { return float64(s.n.Load()) })
	reg.MustRegister(s.vecs.produceRecords, s.vecs.produceBytes, s.vecs.produceErrors,
		s.vecs.fetchRecords, s.vecs.fetchBytes, s.labels)
	return s
}

func (s *topicSet) counters(label string) *topicCounters {
	v := &s.vecs
	return &topicCounters{
		produceRecords: v.produceRecords.WithLabelValues(label),
		produceBytes:   v.produceBytes.WithLabelValues(label),
		produceErrors:  v.produceErrors.WithLabelValues(label),
		fetchRecords:   v.fetchRecords.WithLabelValues(label),
		fetchBytes:     v.fetchBytes.WithLabelValues(label),
	}
}

// get returns topic's counters, admitting topic if there is room.
func (s *topicSet) get(topic string) *topicCounters {
	if c, ok := s.known.Load(topic); ok {
		return c.(*topicCounters)
	}
	if s.full.Load() {
		return s.other
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.known.Load(topic); ok {
		return c.(*topicCounters)
	}
	if s.n.Load() >= int64(s.max) {
		s.full.Store(true)
		return s.other
	}
	c := s.counters(topic)
	s.known.Store(topic, c)
	s.n.Add(1)
	return c
}
