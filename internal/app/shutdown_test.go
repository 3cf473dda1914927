package app

// Graceful shutdown: in-flight requests finish, consumers leave their
// groups, the embedded broker and registry stop, no goroutine is left, and
// all of it within shutdown_timeout_ms.

import (
	"context"
	"encoding/json"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

// refuses reports whether nothing accepts TCP connections at the URL's or
// address's host:port any more.
func refuses(addr string) bool {
	addr = strings.TrimPrefix(addr, "http://")
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	conn.Close()
	return false
}

// groupMembers describes group with an independent admin client.
func groupMembers(t *testing.T, addrs []string, group string) (state string, members int) {
	t.Helper()
	adm, cl := adminFor(t, addrs)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	gs, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		t.Fatalf("describe group %s: %v", group, err)
	}
	g := gs[group]
	if g.Err != nil {
		t.Fatalf("describe group %s: %v", group, g.Err)
	}
	return g.State, len(g.Members)
}

// producedOffset parses a one-record produce response.
func producedOffset(t *testing.T, r reply) (int32, int64) {
	t.Helper()
	var resp struct {
		Offsets []produceEntry `json:"offsets"`
	}
	if r.status != 200 || json.Unmarshal(r.body, &resp) != nil || len(resp.Offsets) != 1 || resp.Offsets[0].Offset == nil {
		t.Fatalf("in-flight produce: %v; want 200 with an offset", r)
	}
	return *resp.Offsets[0].Partition, *resp.Offsets[0].Offset
}

// TestCloseFinishesInFlightRequests: App.Close while a produce (held 1 s
// by the broker) and a long-poll are in flight. Both answer 200, the
// produced record is in Kafka at the answered offset, the instance's group
// has no members, the embedded registry and the REST listener are gone and
// no goroutine is left, within shutdown_timeout_ms.
func TestCloseFinishesInFlightRequests(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.DefaultNumPartitions(1), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addrs := c.ListenAddrs()
	createTopic(t, addrs, "s", 1)
	createTopic(t, addrs, "idle", 1)

	cfg := externalConfig(t, addrs)
	cfg.RegistryEnabled = "true" // the embedded registry on the external cluster
	cfg.ShutdownTimeoutMS = 6000
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	restURL, regURL := a.URL(), a.RegistryURL()

	base := restURL + "/consumers/g/instances/i"
	if r := call("POST", restURL+"/consumers/g", ctV2, `{"name":"i","format":"binary","auto.offset.reset":"earliest"}`); r.status != 200 {
		t.Fatalf("create: %v", r)
	}
	if r := call("POST", base+"/subscription", ctV2, `{"topics":["idle"]}`); r.status != 204 {
		t.Fatalf("subscribe: %v", r)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		call("GET", base+"/records?timeout=200", "", "", "Accept: "+ctBinary)
		if _, n := groupMembers(t, addrs, "g"); n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the instance never joined its group")
		}
	}

	// Hold the next produce request in the broker for a second.
	var armed atomic.Bool
	held := make(chan struct{})
	armed.Store(true)
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if armed.CompareAndSwap(true, false) {
			close(held)
			c.SleepControl(func() { time.Sleep(time.Second) })
		}
		return nil, nil, false
	})

	produced := make(chan reply, 1)
	polled := make(chan reply, 1)
	go func() { polled <- call("GET", base+"/records?timeout=2500", "", "", "Accept: "+ctBinary) }()
	go func() {
		produced <- call("POST", restURL+"/topics/s", ctBinary, `{"records":[{"value":"aW4tZmxpZ2h0"}]}`)
	}()
	select {
	case <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the produce never reached the broker")
	}
	time.Sleep(100 * time.Millisecond) // the long-poll is waiting too

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(cfg.ShutdownTimeoutMS)*time.Millisecond)
	defer cancel()
	if err := a.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	took := time.Since(start)
	if took > time.Duration(cfg.ShutdownTimeoutMS)*time.Millisecond+2*time.Second {
		t.Errorf("Close took %v, shutdown_timeout_ms is %d", took, cfg.ShutdownTimeoutMS)
	}

	p, o := producedOffset(t, <-produced)
	if r := <-polled; r.status != 200 {
		t.Errorf("in-flight long-poll: %v; want 200", r)
	}
	recs := readTopic(t, addrs, "s")
	if len(recs) != 1 || recs[0].partition != p || recs[0].offset != o || recs[0].value != "in-flight" {
		t.Errorf("Kafka holds %v; the produce answered %d/%d", recs, p, o)
	}
	if state, n := groupMembers(t, addrs, "g"); n != 0 {
		t.Errorf("group g after Close: state %s, %d members; want none", state, n)
	}
	if !refuses(restURL) {
		t.Errorf("the REST listener %s still accepts connections", restURL)
	}
	if regURL == "" || !refuses(regURL) {
		t.Errorf("the embedded registry %q still accepts connections (or never ran)", regURL)
	}
	t.Logf("Close took %v", took)
	faultClient.CloseIdleConnections()
	c.Close()
}

// TestRunWithCancelledContextShutsDownTheEmbeddedParts: Run with the
// embedded broker and registry, a long-poll and a stream of produce
// requests in flight when the context is cancelled. Run returns nil within
// shutdown_timeout_ms, the long-poll answers 200, every produce answered 200
// is in Kafka at its offsets (checked after starting krest again on the same
// data dir), the broker and registry ports refuse connections and no
// goroutine is left.
func TestRunWithCancelledContextShutsDownTheEmbeddedParts(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := testConfig(t)
	cfg.EmbeddedTopics = []string{"s", "idle"}
	cfg.ShutdownTimeoutMS = 5000
	cfg.SessionTimeoutMS = 6000
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	restURL, regURL, brokerAddr := a.URL(), a.RegistryURL(), a.BrokerAddr()
	deadline := time.Now().Add(10 * time.Second)
	for call("GET", restURL+"/_health", "", "").status != 200 {
		if time.Now().After(deadline) {
			t.Fatal("never served")
		}
		time.Sleep(20 * time.Millisecond)
	}

	base := restURL + "/consumers/g/instances/i"
	if r := call("POST", restURL+"/consumers/g", ctV2, `{"name":"i","format":"binary"}`); r.status != 200 {
		t.Fatalf("create: %v", r)
	}
	if r := call("POST", base+"/subscription", ctV2, `{"topics":["idle"]}`); r.status != 204 {
		t.Fatalf("subscribe: %v", r)
	}
	call("GET", base+"/records?timeout=300", "", "", "Accept: "+ctBinary)

	polled := make(chan reply, 1)
	go func() { polled <- call("GET", base+"/records?timeout=2000", "", "", "Accept: "+ctBinary) }()
	l := newLedger()
	stop := make(chan struct{})
	var refused atomic.Int64
	var answered atomic.Int64
	prodDone := make(chan struct{})
	go func() { // produce until the listener goes away
		defer close(prodDone)
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			v := "run-" + string(rune('a'+n%26)) + "-" + time.Now().Format("150405.000000000")
			r := call("POST", restURL+"/topics/s", `application/vnd.kafka.json.v2+json`, `{"records":[{"value":"`+v+`"}]}`)
			if r.err != nil {
				// Refused, or any error while dialing (a connection still in
				// the accept backlog is reset when the listener closes): the
				// request was never sent. EOF: the request went out on
				// a keep-alive connection Shutdown closed as idle at the same
				// moment; net/http's Shutdown closes only idle connections, so
				// the server never read it (the ledger still checks that
				// nothing unacknowledged reached Kafka). Anything else cut a
				// request off in flight: a violation.
				if msg := r.err.Error(); !strings.Contains(msg, "connection refused") && !strings.Contains(msg, "dial tcp") && !strings.HasSuffix(msg, "EOF") {
					l.record([]string{`"` + v + `"`}, r)
				}
				refused.Add(1)
				return
			}
			answered.Add(1)
			l.record([]string{`"` + v + `"`}, r)
		}
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(time.Duration(cfg.ShutdownTimeoutMS)*time.Millisecond + 3*time.Second):
		t.Fatal("Run did not return within shutdown_timeout_ms")
	}
	took := time.Since(start)
	close(stop)
	<-prodDone
	if r := <-polled; r.status != 200 {
		t.Errorf("in-flight long-poll: %v; want 200", r)
	}
	for what, addr := range map[string]string{"REST": restURL, "registry": regURL, "broker": brokerAddr} {
		if addr == "" || !refuses(addr) {
			t.Errorf("the %s listener %q still accepts connections after Run returned", what, addr)
		}
	}
	faultClient.CloseIdleConnections()
	t.Logf("Run returned %v after the cancel; %d produce requests answered (%d acknowledged)", took, answered.Load(), len(l.acked))

	// Everything acknowledged is on disk.
	b := runApp(t, cfg)
	l.check(t, readTopic(t, []string{b.BrokerAddr()}, "s"))
	if err := b.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestCloseIsBoundedByShutdownTimeout: a long-poll longer than
// shutdown_timeout_ms does not hold Close past it.
func TestCloseIsBoundedByShutdownTimeout(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := testConfig(t)
	cfg.EmbeddedTopics = []string{"idle"}
	cfg.RegistryEnabled = "false"
	cfg.ShutdownTimeoutMS = 1000
	cfg.SessionTimeoutMS = 6000
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	base := a.URL() + "/consumers/g/instances/i"
	if r := call("POST", a.URL()+"/consumers/g", ctV2, `{"name":"i","format":"binary","consumer.request.timeout.ms":30000}`); r.status != 200 {
		t.Fatalf("create: %v", r)
	}
	if r := call("POST", base+"/subscription", ctV2, `{"topics":["idle"]}`); r.status != 204 {
		t.Fatalf("subscribe: %v", r)
	}
	polled := make(chan reply, 1)
	go func() { polled <- call("GET", base+"/records?timeout=15000", "", "", "Accept: "+ctBinary) }()
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = a.Close(ctx) // past the deadline Close may report the forced close
	took := time.Since(start)
	if took > 4*time.Second {
		t.Errorf("Close took %v with shutdown_timeout_ms 1000", took)
	}
	select {
	case r := <-polled:
		t.Logf("the long-poll got %v", r)
	case <-time.After(3 * time.Second):
		t.Errorf("the long-poll was still open 3 s after Close returned")
	}
	faultClient.CloseIdleConnections()
	t.Logf("Close took %v", took)
}

// TestNewFailureReturnsAnErrorAndStopsWhatItStarted: when New fails after
// starting parts (here the REST port is taken, after the embedded broker
// and registry started), it returns the error, does not panic, and closes
// everything it started.
func TestNewFailureReturnsAnErrorAndStopsWhatItStarted(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	cfg := testConfig(t)
	cfg.Host = "127.0.0.1"
	cfg.Port = taken.Addr().(*net.TCPAddr).Port
	var a *App
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("New panicked instead of returning an error: %v", p)
			}
		}()
		a, err = New(cfg, nil)
	}()
	if err == nil {
		_ = a.Close(context.Background())
		t.Fatal("New succeeded on a port in use")
	}
	// The data dir lock is released: a second krest can start on it.
	cfg.Port = 0
	b, err := New(cfg, nil)
	if err != nil {
		t.Fatalf("New after a failed New on the same data dir: %v", err)
	}
	_ = b.Close(context.Background())
}
