package app

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// embeddedUser is an independent client of the embedded broker logged in
// with mech (nil: no SASL), failing within seconds rather than kgo's
// minute.
func embeddedUser(t *testing.T, addr string, mech sasl.Mechanism, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	base := []kgo.Opt{
		kgo.SeedBrokers(addr), kgo.RetryTimeout(5 * time.Second),
		kgo.DisableClientMetrics(), kgo.FetchMaxWait(200 * time.Millisecond),
	}
	if mech != nil {
		base = append(base, kgo.SASL(mech))
	}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	return cl
}

// firstFetch polls cl once records or an error arrive (10 s at most).
func firstFetch(cl *kgo.Client) ([]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, e := range fs.Errors() {
			return nil, e.Err
		}
		var out []string
		for _, r := range fs.Records() {
			out = append(out, string(r.Value))
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}

// TestEmbeddedBrokerWithRestAuthorization: with rest_authorization and no
// bootstrap_uri the embedded broker requires SASL with embedded_users and
// enforces embedded_acls, while krest's own clients (the shared client,
// the embedded registry) work as its internal superuser. A restart
// without a user locks that user out.
func TestEmbeddedBrokerWithRestAuthorization(t *testing.T) {
	var logs syncBuffer
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cfg := testConfig(t)
	cfg.RestAuthorization = true
	cfg.EmbeddedTopics = []string{"orders"}
	cfg.EmbeddedUsers = []string{"alice:alice-pw", "bob:bob-pw"}
	cfg.EmbeddedACLs = []string{"alice:write:topic:orders", "bob:read:topic:orders", "bob:read:group:*"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	addr := a.BrokerAddr()

	alice := embeddedUser(t, addr, scram.Auth{User: "alice", Pass: "alice-pw"}.AsSha256Mechanism())
	ctx := secCtx(t)
	if err := alice.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte("order 1")}).FirstErr(); err != nil {
		t.Fatalf("alice writes orders: %v", err)
	}
	readOrders := kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"orders": {0: kgo.NewOffset().AtStart()}})
	if _, err := firstFetch(embeddedUser(t, addr, plain.Auth{User: "alice", Pass: "alice-pw"}.AsMechanism(), readOrders)); !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Errorf("alice reads orders: %v, want TOPIC_AUTHORIZATION_FAILED", err)
	}

	bobMech := scram.Auth{User: "bob", Pass: "bob-pw"}.AsSha512Mechanism()
	got, err := firstFetch(embeddedUser(t, addr, bobMech,
		kgo.ConsumeTopics("orders"), kgo.ConsumerGroup("bobs"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart())))
	if err != nil || len(got) != 1 || got[0] != "order 1" {
		t.Errorf("bob reads orders in a group: %q, %v", got, err)
	}
	bob := embeddedUser(t, addr, bobMech, kgo.DisableIdempotentWrite())
	if err := bob.ProduceSync(ctx, &kgo.Record{Topic: "orders", Value: []byte("x")}).FirstErr(); !errors.Is(err, kerr.TopicAuthorizationFailed) {
		t.Errorf("bob writes orders: %v, want TOPIC_AUTHORIZATION_FAILED", err)
	}

	refusedNow := func(user, pass string) {
		t.Helper()
		cl := embeddedUser(t, addr, plain.Auth{User: user, Pass: pass}.AsMechanism())
		start := time.Now()
		if err := cl.Ping(secCtx(t)); !errors.Is(err, kerr.SaslAuthenticationFailed) || time.Since(start) > 2*time.Second {
			t.Errorf("%s logs in: %v after %v, want SASL_AUTHENTICATION_FAILED at once", user, err, time.Since(start))
		}
	}
	refusedNow("alice", "bob-pw")
	if err := embeddedUser(t, addr, nil).Ping(secCtx(t)); err == nil {
		t.Error("a client without SASL was served")
	}

	// krest's own clients: the shared client sees the topic, the
	// registry stores a schema in _schemas.
	if _, err := a.kafka.Metadata(secCtx(t), true); err != nil {
		t.Errorf("krest's shared client: %v", err)
	}
	regURL := "http://" + a.regLn.Addr().String()
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := call("POST", regURL+"/subjects/orders-value/versions", "application/vnd.schemaregistry.v1+json", `{"schema":"\"string\""}`)
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the embedded registry never stored a schema: %v", r)
		}
		time.Sleep(50 * time.Millisecond)
	}

	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	cfg.EmbeddedUsers = cfg.EmbeddedUsers[1:]
	cfg.EmbeddedACLs = cfg.EmbeddedACLs[1:]
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err = New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	a.Start()
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	addr = a.BrokerAddr()
	refusedNow("alice", "alice-pw")
	got, err = firstFetch(embeddedUser(t, addr, bobMech, readOrders))
	if err != nil || len(got) != 1 {
		t.Errorf("bob reads orders after the restart: %q, %v", got, err)
	}
	if err := a.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	for _, secret := range []string{"alice-pw", "bob-pw"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a password is in the log:\n%s", logs.String())
		}
	}
}

// TestEmbeddedBrokerReservedUserName: krest's own superuser name cannot be
// an embedded user.
func TestEmbeddedBrokerReservedUserName(t *testing.T) {
	// The configuration refuses krest's own name (exit 2 at start, the
	// password not echoed); devbroker refuses it again (TestAuthInvalid).
	cfg := testConfig(t)
	cfg.RestAuthorization = true
	cfg.EmbeddedUsers = []string{"__krest:guess"}
	err := cfg.Validate()
	if err == nil || !strings.Contains(err.Error(), `"__krest" is reserved`) || strings.Contains(err.Error(), "guess") {
		t.Fatalf("Validate: %v", err)
	}
}
