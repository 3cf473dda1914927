package restapi

import (
	"net/http"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/krest-dev/krest/internal/apierr"
)

// subscribe answers POST .../subscription with {"topics": [...]} or
// {"topic_pattern": "regex"}, replacing any previous subscription. An
// empty list or pattern counts as absent (Karapace); neither or both →
// 409/40903 with Confluent's and Karapace's texts; a value of the wrong type
// or an invalid pattern → 422. Topics need not exist yet.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) error {
	if _, err := requestFormat(r); err != nil {
		return err
	}
	inst, err := s.consumerInstance(r)
	if err != nil {
		return err
	}
	body, err := requireConsumerBody(r, `{"topics": [...]} or {"topic_pattern": "..."}`)
	if err != nil {
		return err
	}
	var topics []string
	if body.has("topics") {
		var raw []jsontext.Value
		if body["topics"].Kind() != '[' || json.Unmarshal(body["topics"], &raw) != nil {
			return unprocessable("Topics is expected to be list of strings")
		}
		for k, v := range raw {
			t, ok := unquote(v)
			if !ok || t == "" {
				return unprocessable("Topics is expected to be list of strings: topics[%d] is %s", k, v)
			}
			topics = append(topics, t)
		}
	}
	var pattern string
	if body.has("topic_pattern") {
		p, ok := unquote(body["topic_pattern"])
		if !ok {
			return unprocessable("Topic patterns is expected to be a string")
		}
		pattern = p
	}
	switch {
	case len(topics) > 0 && pattern != "":
		return apierr.New(apierr.IllegalState, "IllegalStateError: You must choose only one way to configure your consumer: (1) subscribe to specific topics by name, (2) subscribe to topics matching a regex pattern, (3) assign itself specific topic-partitions.")
	case len(topics) == 0 && pattern == "":
		return apierr.New(apierr.IllegalState, "Neither topic_pattern nor topics are present in request")
	case pattern != "":
		err = inst.SubscribePattern(r.Context(), pattern)
	default:
		err = inst.Subscribe(r.Context(), topics)
	}
	if err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}

// getSubscription answers GET .../subscription: {"topics": [...]}, the
// named topics or the existing topics a pattern matches.
func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request) error {
	inst, err := s.consumerInstance(r)
	if err != nil {
		return err
	}
	topics, err := inst.Subscription(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, subscriptionJSON{Topics: topics})
}

// unsubscribe answers DELETE .../subscription: the subscription (or a
// manual assignment) ends and the group is left.
func (s *Server) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	inst, err := s.consumerInstance(r)
	if err != nil {
		return err
	}
	if err := inst.Unsubscribe(r.Context()); err != nil {
		return err
	}
	writeNoContent(w)
	return nil
}
