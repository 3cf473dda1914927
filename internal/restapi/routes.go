package restapi

// route is one entry of the API surface.
type route struct {
	method  string
	pattern string // net/http ServeMux pattern; the metrics label
	h       handlerFunc
	// raw routes skip Accept negotiation (/, /_health), as in Karapace.
	raw bool
}

// routes is the whole HTTP API in one list. Trailing slashes are trimmed
// before matching, so each pattern also answers with one.
func (s *Server) routes() []route {
	return []route{
		{"GET", "/{$}", s.root, true},
		{"GET", "/_health", s.health, true},

		{"GET", "/brokers", s.listBrokers, false},

		{"GET", "/topics", s.listTopics, false},
		{"GET", "/topics/{topic}", s.getTopic, false},
		{"POST", "/topics/{topic}", s.produceToTopic, false},
		{"GET", "/topics/{topic}/partitions", s.listPartitions, false},
		{"GET", "/topics/{topic}/partitions/{partition}", s.getPartition, false},
		{"POST", "/topics/{topic}/partitions/{partition}", s.produceToPartition, false},
		{"GET", "/topics/{topic}/partitions/{partition}/offsets", s.getPartitionOffsets, false},

		{"POST", "/consumers/{group}", s.createConsumer, false},
		{"DELETE", "/consumers/{group}/instances/{instance}", s.deleteConsumer, false},
		{"POST", "/consumers/{group}/instances/{instance}/subscription", s.subscribe, false},
		{"GET", "/consumers/{group}/instances/{instance}/subscription", s.getSubscription, false},
		{"DELETE", "/consumers/{group}/instances/{instance}/subscription", s.unsubscribe, false},
		{"POST", "/consumers/{group}/instances/{instance}/assignments", s.assign, false},
		{"GET", "/consumers/{group}/instances/{instance}/assignments", s.getAssignments, false},
		{"POST", "/consumers/{group}/instances/{instance}/positions", s.seek, false},
		{"POST", "/consumers/{group}/instances/{instance}/positions/beginning", s.seekToBeginning, false},
		{"POST", "/consumers/{group}/instances/{instance}/positions/end", s.seekToEnd, false},
		{"POST", "/consumers/{group}/instances/{instance}/offsets", s.commitOffsets, false},
		{"GET", "/consumers/{group}/instances/{instance}/offsets", s.getCommittedOffsets, false},
		{"GET", "/consumers/{group}/instances/{instance}/records", s.getRecords, false},
	}
}
