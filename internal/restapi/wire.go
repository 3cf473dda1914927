package restapi

// Wire types: the JSON bodies of the v2 API. They are kept apart from the
// domain types of the kafka and consumer packages so the wire format can
// only change here.

type brokersResponse struct {
	Brokers []int32 `json:"brokers"`
}

type replicaJSON struct {
	Broker int32 `json:"broker"`
	Leader bool  `json:"leader"`
	InSync bool  `json:"in_sync"`
}

type partitionJSON struct {
	Partition int32         `json:"partition"`
	Leader    int32         `json:"leader"`
	Replicas  []replicaJSON `json:"replicas"`
}

type topicJSON struct {
	Name       string             `json:"name"`
	Configs    map[string]*string `json:"configs"`
	Partitions []partitionJSON    `json:"partitions"`
}

type offsetsJSON struct {
	BeginningOffset int64 `json:"beginning_offset"`
	EndOffset       int64 `json:"end_offset"`
}

type healthJSON struct {
	ProcessUptimeSec int64  `json:"process_uptime_sec"`
	Version          string `json:"version"`
	KarapaceVersion  string `json:"karapace_version"`
}

// Consumer wire types.

type createConsumerResponse struct {
	InstanceID string `json:"instance_id"`
	BaseURI    string `json:"base_uri"`
}

type subscriptionJSON struct {
	Topics []string `json:"topics"`
}

type topicPartitionJSON struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
}

type assignmentsJSON struct {
	Partitions []topicPartitionJSON `json:"partitions"`
}

type committedOffsetJSON struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
	Metadata  string `json:"metadata"`
}

type committedOffsetsJSON struct {
	Offsets []committedOffsetJSON `json:"offsets"`
}
