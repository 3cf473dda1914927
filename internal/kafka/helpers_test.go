package kafka

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/krest-dev/krest/internal/testutil"
)

// newTestClient returns a Client on a fresh kfake broker.
func newTestClient(t *testing.T, opts Options) (*Client, *kfake.Cluster) {
	t.Helper()
	c := testutil.NewCluster(t)
	opts.Brokers = c.ListenAddrs()
	if opts.RequestTimeout == 0 {
		opts.RequestTimeout = 10 * time.Second
	}
	k, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close(context.Background()) })
	return k, c
}

// counter counts requests of one key the broker receives, without handling
// them. all selects Metadata requests for every topic (a nil topic list).
type counter struct {
	mu        sync.Mutex
	n, allTop int
}

func count(c *kfake.Cluster, key kmsg.Key) *counter {
	ct := &counter{}
	c.ControlKey(int16(key), func(req kmsg.Request) (kmsg.Response, error, bool) {
		ct.mu.Lock()
		defer ct.mu.Unlock()
		ct.n++
		if m, ok := req.(*kmsg.MetadataRequest); ok && m.Topics == nil {
			ct.allTop++
		}
		return nil, nil, false
	})
	return ct
}

func (ct *counter) get() (n, allTopics int) {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	return ct.n, ct.allTop
}

func testCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}
