package consumer

import (
	"context"
	"errors"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/krest-dev/krest/internal/apierr"
)

// FetchOptions bound one records request.
type FetchOptions struct {
	// Timeout is the longest the request waits for records. It is used only
	// when smaller than the instance's RequestTimeout (Confluent's rule);
	// a negative value means the instance's RequestTimeout, 0 means do not
	// wait (return what is buffered).
	Timeout time.Duration
	// MaxBytes is max_bytes: the approximate limit on the key+value bytes
	// returned, capped by Options.MaxBytes; at least one record is returned
	// even if it is larger. A negative value means Options.MaxBytes.
	MaxBytes int64
}

// Fetch long-polls for records and hands them to take, with the instance
// lock held. It returns as soon as records are available, and waits up to
// the timeout (see FetchOptions) only while there are none; take then gets
// an empty slice.
//
// take receives the head of the instance's buffer, at most MaxBytes of
// keys and values but at least one record when any is buffered, and
// returns how many of them it consumed (0 ≤ n ≤ len). Consumed records are
// "returned to the client": they leave the buffer and move the positions
// that auto-commit and CommitFetched commit. Records not consumed stay at
// the head of the buffer for the next Fetch, so a take that rejects a
// record (say, invalid JSON) leaves it first in line until the client
// seeks past it. The slice and the records' bytes must not be kept after
// take returns.
//
// Fetch returns take's error, 409/40903 if the instance has no
// subscription or assignment, 40403 if it is closed (also when it closes
// during the wait), the context's error if ctx ends, or a mapped Kafka
// error when the poll reported one and returned no records.
func (i *Instance) Fetch(ctx context.Context, opts FetchOptions, take func([]Record) (int, error)) error {
	ctx, release, err := i.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	if i.mode == modeNone || i.cl == nil {
		return errNoSubscription()
	}
	timeout := i.requestTimeout
	if opts.Timeout >= 0 && opts.Timeout < timeout {
		timeout = opts.Timeout
	}
	maxBytes := i.reg.opts.MaxBytes
	if opts.MaxBytes >= 0 && opts.MaxBytes < maxBytes {
		maxBytes = opts.MaxBytes
	}
	deadline := time.Now().Add(timeout)

	i.maybeAutoCommit(ctx)
	if n, bytes := i.st.buffered(); n == 0 {
		if err := i.poll(ctx, deadline); err != nil {
			return err
		}
	} else if bytes < maxBytes {
		i.pollReady() // top up with what franz-go already holds
	}

	recs := i.st.peek(maxBytes)
	n, err := take(recs)
	n = max(0, min(n, len(recs)))
	i.st.take(recs, n)
	return err
}

// poll waits until records are polled or the deadline passes. Each poll is
// followed by AllowRebalance right after the records reach the buffer (see
// the package doc).
func (i *Instance) poll(ctx context.Context, deadline time.Time) error {
	gen := i.currentGen()
	for first := true; ; first = false {
		var fs kgo.Fetches
		if first || !time.Now().Before(deadline) {
			// A nil context drains what is buffered without waiting;
			// an expired one would return before draining.
			//lint:ignore SA1012 nil is franz-go's documented "do not wait"
			fs = i.cl.PollFetches(nil)
		} else {
			pctx, cancel := context.WithDeadline(ctx, deadline)
			fs = i.cl.PollFetches(pctx)
			cancel()
		}
		i.st.appendPolled(gen, fs)
		i.cl.AllowRebalance()
		if fs.NumRecords() > 0 {
			return nil
		}
		if err := i.fetchErr(fs); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return i.aborted(err)
		}
		if !time.Now().Before(deadline) {
			return nil
		}
	}
}

// pollReady adds records franz-go already buffered, without waiting.
func (i *Instance) pollReady() {
	//lint:ignore SA1012 nil is franz-go's documented "do not wait" (see poll)
	fs := i.cl.PollFetches(nil)
	i.st.appendPolled(i.currentGen(), fs)
	i.cl.AllowRebalance()
	if err := i.fetchErr(fs); err != nil {
		i.reg.opts.Logger.Debug("fetch error while records are buffered", "group", i.group, "instance", i.name, "err", err)
	}
}

// fetchErr returns the first error of a poll worth reporting: context
// errors are the caller's business, data-loss notices and lost group
// sessions are informational (franz-go recovers by itself), a closed client
// means a closed instance.
func (i *Instance) fetchErr(fs kgo.Fetches) error {
	var first error
	fs.EachError(func(topic string, partition int32, err error) {
		var loss *kgo.ErrDataLoss
		var session *kgo.ErrGroupSession
		switch {
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		case errors.As(err, &loss):
			i.reg.opts.Logger.Warn("consumer data loss detected", "group", i.group, "instance", i.name, "err", err)
		case errors.Is(err, kgo.ErrClientClosed):
			if first == nil {
				first = errNotFound(i.group, i.name)
			}
		case errors.As(err, &session):
			// The member lost its group session (a missed heartbeat, a
			// coordinator move): its partitions were revoked as lost and
			// franz-go rejoins by itself, as the Java consumer does
			// inside poll. Only a refusal is the client's business.
			e := kafkaErr(session.Err, "join group")
			if e.Code == apierr.KafkaAuthorization || e.Code == apierr.KafkaAuthentication {
				if first == nil {
					first = e
				}
				return
			}
			i.reg.opts.Logger.Info("consumer group session lost; rejoining", "group", i.group, "instance", i.name, "err", session.Err)
		default:
			if first == nil {
				first = kafkaErr(err, "fetch records")
			}
		}
	})
	return first
}
