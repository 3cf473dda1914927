package restapi

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/krest-dev/krest/internal/apierr"
	"github.com/krest-dev/krest/internal/kafka"
)

// TestRecordError: per-record failures use only the codes decisions.md
// allows, and their messages tell the client what to do.
func TestRecordError(t *testing.T) {
	tests := []struct {
		err      error
		code     apierr.Code
		contains string
	}{
		{kerr.TopicAuthorizationFailed, apierr.KafkaAuthorization, "authoriz"},
		// From InitProducerId: the user may write nowhere. The message
		// points at the topic's WRITE ACL, not at the cluster.
		{fmt.Errorf("init producer id: %w", kerr.ClusterAuthorizationFailed), apierr.KafkaAuthorization, "needs WRITE on the topic"},
		{kerr.SaslAuthenticationFailed, apierr.KafkaAuthentication, ""},
		{kerr.UnknownTopicOrPartition, apierr.TopicNotFound, ""},
		{kerr.NotLeaderForPartition, apierr.KafkaRetriable, ""},
		{context.DeadlineExceeded, apierr.KafkaRetriable, "timed out"},
		{kerr.MessageTooLarge, apierr.KafkaError, ""},
	}
	for _, tt := range tests {
		code, msg := recordError(&kafka.Record{Err: tt.err})
		if code != tt.code || !strings.Contains(msg, tt.contains) || msg == "" {
			t.Errorf("%v: %d %q, want %d containing %q", tt.err, code, msg, tt.code, tt.contains)
		}
	}
}
