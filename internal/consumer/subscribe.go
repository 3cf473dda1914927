package consumer

import (
	"context"
	"regexp"
	"slices"

	"github.com/krest-dev/krest/internal/apierr"
)

// Subscribe subscribes the instance to topics through its consumer group,
// replacing any previous subscription (the group rebalances). Topics that
// do not exist yet are accepted and consumed once they appear. It returns
// 409/40903 if the instance has a manual assignment, and 40403 if it is
// closed.
func (i *Instance) Subscribe(ctx context.Context, topics []string) error {
	ctx, release, err := i.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	if i.mode == modeAssigned {
		return errMixed()
	}
	topics = slices.Clone(topics)
	slices.Sort(topics)
	topics = slices.Compact(topics)
	if i.mode == modeTopics && slices.Equal(i.topics, topics) {
		return nil // no rebalance for an unchanged subscription
	}
	i.dropClient(ctx)
	gen := i.st.reset(nil)
	cl, err := i.newGroupClient(gen, topics, "")
	if err != nil {
		i.mode = modeNone
		return err
	}
	i.cl, i.mode, i.topics, i.pattern, i.rawPattern = cl, modeTopics, topics, nil, ""
	return nil
}

// CompilePattern compiles a topic_pattern. Patterns are RE2 and anchored at
// the start only, as Karapace's (librdkafka's "^" prefix): "logs-" matches
// "logs-a". A Java-style full-match pattern such as "logs-.*" selects the
// same topics either way. It returns 422 for an invalid pattern.
func CompilePattern(pattern string) (*regexp.Regexp, error) {
	re, err := regexp.Compile("^(?:" + pattern + ")")
	if err != nil {
		return nil, apierr.Wrap(apierr.UnprocessableEntity, err, "topic_pattern %q is not a valid regular expression: %v", pattern, err)
	}
	return re, nil
}

// SubscribePattern subscribes the instance to every topic matching pattern
// (see CompilePattern), replacing any previous subscription. New matching
// topics are picked up when the client refreshes its metadata. Errors are
// as for Subscribe, plus 422 for an invalid pattern.
func (i *Instance) SubscribePattern(ctx context.Context, pattern string) error {
	re, err := CompilePattern(pattern)
	if err != nil {
		return err
	}
	ctx, release, err := i.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	if i.mode == modeAssigned {
		return errMixed()
	}
	if i.mode == modePattern && i.rawPattern == pattern {
		return nil
	}
	i.dropClient(ctx)
	gen := i.st.reset(nil)
	cl, err := i.newGroupClient(gen, nil, re.String())
	if err != nil {
		i.mode = modeNone
		return err
	}
	i.cl, i.mode, i.topics, i.pattern, i.rawPattern = cl, modePattern, nil, re, pattern
	return nil
}

// Unsubscribe ends the subscription or the manual assignment (as the Java
// consumer's unsubscribe does): positions are committed when auto-commit is
// on, the group is left, and buffered records are dropped. It returns 40403
// if the instance is closed.
func (i *Instance) Unsubscribe(ctx context.Context) error {
	ctx, release, err := i.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	i.dropClient(ctx)
	i.mode, i.topics, i.pattern, i.rawPattern, i.start = modeNone, nil, nil, "", nil
	return nil
}

// Subscription returns the subscribed topics, sorted: the named topics, or
// for a pattern the existing topics it matches (as known from the client's
// metadata). It is empty without a subscription. It returns 40403 if the
// instance is closed.
func (i *Instance) Subscription(ctx context.Context) ([]string, error) {
	_, release, err := i.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	switch i.mode {
	case modeTopics:
		return slices.Clone(i.topics), nil
	case modePattern:
		var out []string
		for _, t := range i.cl.GetConsumeTopics() {
			if i.pattern.MatchString(t) && !isInternal(t) {
				out = append(out, t)
			}
		}
		slices.Sort(out)
		return out, nil
	}
	return []string{}, nil
}

func isInternal(topic string) bool {
	switch topic {
	case "__consumer_offsets", "__transaction_state", "__share_group_state":
		return true
	}
	return false
}
