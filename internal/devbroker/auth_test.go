package devbroker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// mechanisms are the SASL mechanisms every Auth user can log in with.
var mechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

func mech(name, user, pass string) sasl.Mechanism {
	switch name {
	case "PLAIN":
		return plain.Auth{User: user, Pass: pass}.AsMechanism()
	case "SCRAM-SHA-256":
		return scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()
	default:
		return scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()
	}
}

// login is an independent client logged in as user with the mechanism m;
// failures surface within a few seconds (RetryTimeout) instead of kgo's
// default minute.
func login(t *testing.T, addr, m, user, pass string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	return newClient(t, addr, append([]kgo.Opt{
		kgo.SASL(mech(m, user, pass)),
		kgo.RetryTimeout(5 * time.Second),
		kgo.DisableClientMetrics(),
		kgo.FetchMaxWait(200 * time.Millisecond),
	}, opts...)...)
}

// ping sends a Metadata request for no topics and returns its error.
func ping(cl *kgo.Client) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	req.Topics = []kmsg.MetadataRequestTopic{}
	_, err := req.RequestWith(ctx, cl)
	return err
}

// refused asserts that logging in as user fails quickly with Kafka's
// SASL_AUTHENTICATION_FAILED, for every mechanism.
func refused(t *testing.T, addr, user, pass string) {
	t.Helper()
	for _, m := range mechanisms {
		start := time.Now()
		err := ping(login(t, addr, m, user, pass))
		if !errors.Is(err, kerr.SaslAuthenticationFailed) {
			t.Errorf("%s as %s: err %v, want SASL_AUTHENTICATION_FAILED", m, user, err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s as %s: refused after %v, want at once", m, user, took)
		}
	}
}

func produce(cl *kgo.Client, topic, value string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(value)}).FirstErr()
}

// fetchFrom reads partition 0 of topic from the start with cl's options
// plus a direct assignment; it returns the values or the first fetch error.
func fetchFrom(t *testing.T, addr, m, user, pass, topic string, want int, opts ...kgo.Opt) ([]string, error) {
	t.Helper()
	if len(opts) == 0 {
		opts = []kgo.Opt{kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}})}
	}
	cl := login(t, addr, m, user, pass, opts...)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []string
	for len(out) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		for _, e := range fs.Errors() {
			return out, e.Err
		}
		for _, r := range fs.Records() {
			out = append(out, string(r.Value))
		}
	}
	return out, nil
}

// brokerACLs lists the broker's ACLs as config-syntax strings, asked over
// the protocol as the superuser.
func brokerACLs(t *testing.T, b *Broker) []string {
	t.Helper()
	cl := newClient(t, b.Addr(), kgo.SASL(b.SASL()))
	defer cl.Close()
	req := kmsg.NewPtrDescribeACLsRequest()
	req.ResourceType = kmsg.ACLResourceTypeAny
	req.ResourcePatternType = kmsg.ACLResourcePatternTypeAny
	req.Operation = kmsg.ACLOperationAny
	req.PermissionType = kmsg.ACLPermissionTypeAny
	resp, err := req.RequestWith(testCtx(t), cl)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range resp.Resources {
		for _, d := range r.ACLs {
			if d.Host != "*" {
				t.Errorf("ACL for host %q", d.Host)
			}
			a := ACL{
				User:      strings.TrimPrefix(d.Principal, "User:"),
				Resource:  r.ResourceType,
				Name:      r.ResourceName,
				Prefixed:  r.ResourcePatternType == kmsg.ACLResourcePatternTypePrefixed,
				Operation: d.Operation,
				Deny:      d.PermissionType == kmsg.ACLPermissionTypeDeny,
			}
			out = append(out, a.String())
		}
	}
	slices.Sort(out)
	return out
}

// scramUsers lists the broker's SCRAM users, asked as the superuser.
func scramUsers(t *testing.T, b *Broker) []string {
	t.Helper()
	cl := newClient(t, b.Addr(), kgo.SASL(b.SASL()))
	defer cl.Close()
	res, err := kadm.NewClient(cl).DescribeUserSCRAMs(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for u, r := range res {
		if r.Err != nil {
			t.Fatal(r.Err)
		}
		var ms []string
		for _, ci := range r.CredInfos {
			ms = append(ms, ci.Mechanism.String())
		}
		slices.Sort(ms)
		out = append(out, u+"="+strings.Join(ms, "+"))
	}
	slices.Sort(out)
	return out
}

func noCredentialsOnDisk(t *testing.T, dir string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "sasl.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sasl.json in the data dir: %v", err)
	}
}

var authTopics = []TopicSpec{{Name: "orders"}, {Name: "other"}, {Name: "logs-app"}, {Name: "secret"}, {Name: "public"}}

// aliceAndBob is the Auth of TestAuthUsersAndACLs: alice writes orders and
// every logs-* topic, bob reads everything but secret, in any group, and
// every user may describe public.
func aliceAndBob() *Auth {
	return &Auth{
		Users: []User{{"alice", "alice-pw"}, {"bob", "bob-pw"}},
		ACLs: []ACL{
			{User: "alice", Resource: kmsg.ACLResourceTypeTopic, Name: "orders", Operation: kmsg.ACLOperationWrite},
			{User: "alice", Resource: kmsg.ACLResourceTypeTopic, Name: "logs-", Prefixed: true, Operation: kmsg.ACLOperationWrite},
			{User: "bob", Resource: kmsg.ACLResourceTypeTopic, Name: "*", Operation: kmsg.ACLOperationRead},
			{User: "bob", Resource: kmsg.ACLResourceTypeTopic, Name: "secret", Operation: kmsg.ACLOperationRead, Deny: true},
			{User: "bob", Resource: kmsg.ACLResourceTypeGroup, Name: "*", Operation: kmsg.ACLOperationRead},
			{User: "*", Resource: kmsg.ACLResourceTypeTopic, Name: "public", Operation: kmsg.ACLOperationDescribe},
		},
	}
}

func TestAuthUsersAndACLs(t *testing.T) {
	dir := t.TempDir()
	b := start(t, Options{DataDir: dir, Topics: authTopics, Auth: aliceAndBob()})
	addr := b.Addr()

	if got, want := brokerACLs(t, b), []string{
		"*:describe:topic:public",
		"alice:write:topic:logs-*",
		"alice:write:topic:orders",
		"bob:read:group:*",
		"bob:read:topic:*",
		"bob:read:topic:secret:deny",
	}; !slices.Equal(got, want) {
		t.Errorf("ACLs:\n got %q\nwant %q", got, want)
	}
	if got, want := scramUsers(t, b), []string{
		"__krest=SCRAM-SHA-512",
		"alice=SCRAM-SHA-256+SCRAM-SHA-512",
		"bob=SCRAM-SHA-256+SCRAM-SHA-512",
	}; !slices.Equal(got, want) {
		t.Errorf("SCRAM users:\n got %q\nwant %q", got, want)
	}
	noCredentialsOnDisk(t, dir)

	for _, m := range mechanisms {
		t.Run(m, func(t *testing.T) {
			alice := login(t, addr, m, "alice", "alice-pw")
			if err := produce(alice, "orders", "from alice "+m); err != nil {
				t.Fatalf("alice writes orders: %v", err)
			}
			if err := produce(alice, "logs-app", "log"); err != nil {
				t.Errorf("alice writes logs-app (prefixed ACL): %v", err)
			}
			if err := produce(alice, "other", "x"); !errors.Is(err, kerr.TopicAuthorizationFailed) {
				t.Errorf("alice writes other: %v, want TOPIC_AUTHORIZATION_FAILED", err)
			}
			if _, err := fetchFrom(t, addr, m, "alice", "alice-pw", "orders", 1); !errors.Is(err, kerr.TopicAuthorizationFailed) {
				t.Errorf("alice reads orders: %v, want TOPIC_AUTHORIZATION_FAILED", err)
			}

			bob := login(t, addr, m, "bob", "bob-pw")
			// bob may write no topic at all, so Kafka (KIP-679) refuses
			// his idempotent producer an ID before any topic check.
			if err := produce(bob, "orders", "x"); !errors.Is(err, kerr.ClusterAuthorizationFailed) {
				t.Errorf("bob writes orders: %v, want CLUSTER_AUTHORIZATION_FAILED", err)
			}
			if err := produce(login(t, addr, m, "bob", "bob-pw", kgo.DisableIdempotentWrite()), "orders", "x"); !errors.Is(err, kerr.TopicAuthorizationFailed) {
				t.Errorf("bob writes orders, not idempotent: %v, want TOPIC_AUTHORIZATION_FAILED", err)
			}
			got, err := fetchFrom(t, addr, m, "bob", "bob-pw", "orders", 1,
				kgo.ConsumeTopics("orders"), kgo.ConsumerGroup("bob-"+m), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			if err != nil || !slices.Contains(got, "from alice "+mechanisms[0]) {
				t.Errorf("bob reads orders in a group: %q, %v", got, err)
			}
			if _, err := fetchFrom(t, addr, m, "bob", "bob-pw", "secret", 1); !errors.Is(err, kerr.TopicAuthorizationFailed) {
				t.Errorf("bob reads secret (denied): %v, want TOPIC_AUTHORIZATION_FAILED", err)
			}
		})
	}

	t.Run("wildcard-user", func(t *testing.T) {
		// alice has no ACL of her own on public; the User:* entry
		// lets her see it in metadata.
		cl := login(t, addr, "PLAIN", "alice", "alice-pw")
		req := kmsg.NewPtrMetadataRequest()
		for _, topic := range []string{"public", "other"} {
			rt := kmsg.NewMetadataRequestTopic()
			rt.Topic = kmsg.StringPtr(topic)
			req.Topics = append(req.Topics, rt)
		}
		resp, err := req.RequestWith(testCtx(t), cl)
		if err != nil {
			t.Fatal(err)
		}
		for _, rt := range resp.Topics {
			want := int16(0)
			if *rt.Topic == "other" {
				want = kerr.TopicAuthorizationFailed.Code
			}
			if rt.ErrorCode != want {
				t.Errorf("metadata of %s as alice: error %d, want %d", *rt.Topic, rt.ErrorCode, want)
			}
		}
	})
	t.Run("wrong-password", func(t *testing.T) { refused(t, addr, "alice", "bob-pw") })
	t.Run("unknown-user", func(t *testing.T) { refused(t, addr, "mallory", "alice-pw") })
	t.Run("superuser-name-without-its-password", func(t *testing.T) { refused(t, addr, SuperuserName, "alice-pw") })
	t.Run("no-SASL", func(t *testing.T) {
		if err := ping(newClient(t, addr, kgo.RetryTimeout(time.Second))); err == nil {
			t.Error("a client without SASL was served")
		}
	})

	// Restart without alice and without bob's deny: she is gone for
	// every mechanism, and so are her ACLs; bob now reads secret.
	oldSuper := b.SASL()
	b.Close()
	noCredentialsOnDisk(t, dir)
	auth := aliceAndBob()
	auth.Users = auth.Users[1:]
	auth.ACLs = slices.DeleteFunc(auth.ACLs, func(a ACL) bool { return a.User == "alice" || a.Deny })
	b = start(t, Options{DataDir: dir, Auth: auth})
	addr = b.Addr()
	refused(t, addr, "alice", "alice-pw")
	if got, want := brokerACLs(t, b), []string{"*:describe:topic:public", "bob:read:group:*", "bob:read:topic:*"}; !slices.Equal(got, want) {
		t.Errorf("ACLs after restart:\n got %q\nwant %q", got, want)
	}
	if got, want := scramUsers(t, b), []string{"__krest=SCRAM-SHA-512", "bob=SCRAM-SHA-256+SCRAM-SHA-512"}; !slices.Equal(got, want) {
		t.Errorf("SCRAM users after restart:\n got %q\nwant %q", got, want)
	}
	if got, err := fetchFrom(t, addr, "SCRAM-SHA-512", "bob", "bob-pw", "orders", 3); err != nil || len(got) != 3 {
		t.Errorf("bob reads orders after restart: %q, %v", got, err)
	}
	if err := produce(newClient(t, addr, kgo.SASL(b.SASL())), "secret", "s"); err != nil {
		t.Fatalf("krest's superuser writes secret: %v", err)
	}
	if _, err := fetchFrom(t, addr, "PLAIN", "bob", "bob-pw", "secret", 1); err != nil {
		t.Errorf("bob reads secret once the deny is gone: %v", err)
	}
	// The superuser's password changes with every start.
	if err := ping(newClient(t, addr, kgo.SASL(oldSuper), kgo.RetryTimeout(time.Second))); !errors.Is(err, kerr.SaslAuthenticationFailed) {
		t.Errorf("the previous start's superuser password: %v, want SASL_AUTHENTICATION_FAILED", err)
	}

	// Without Auth the same directory serves anyone, as before.
	b.Close()
	b = start(t, Options{DataDir: dir})
	if b.SASL() != nil {
		t.Error("SASL() without Auth is not nil")
	}
	if err := produce(newClient(t, b.Addr()), "orders", "anyone"); err != nil {
		t.Errorf("produce without Auth: %v", err)
	}
}

// TestAuthInMemory: Auth works without a data dir too, and nothing logs a
// password, not even at Debug.
func TestAuthInMemory(t *testing.T) {
	var logs bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), &slog.HandlerOptions{Level: slog.LevelDebug}))
	const pass = "pw-in-memory-7"
	b := start(t, Options{Logger: log, Topics: []TopicSpec{{Name: "t"}}, Auth: &Auth{
		Users: []User{{"u", pass}},
		ACLs:  []ACL{{User: "u", Resource: kmsg.ACLResourceTypeTopic, Name: "t", Operation: kmsg.ACLOperationAll}},
	}})
	if err := produce(login(t, b.Addr(), "SCRAM-SHA-256", "u", pass), "t", "v"); err != nil {
		t.Fatal(err)
	}
	if err := produce(newClient(t, b.Addr(), kgo.SASL(b.SASL())), "t", "as krest"); err != nil {
		t.Fatalf("superuser: %v", err)
	}
	refused(t, b.Addr(), "u", "wrong-"+pass)
	b.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, secret := range []string{pass, b.superPass} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a password is in the log:\n%s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "sasl=true") {
		t.Errorf("the start line does not say SASL is on:\n%s", logs.String())
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestAuthInvalid(t *testing.T) {
	topic := kmsg.ACLResourceTypeTopic
	for name, tc := range map[string]struct {
		auth Auth
		want string
	}{
		"empty-name":     {Auth{Users: []User{{"", "p"}}}, "empty name"},
		"reserved-name":  {Auth{Users: []User{{SuperuserName, "p"}}}, "reserved"},
		"star-name":      {Auth{Users: []User{{"*", "p"}}}, "reserved"},
		"empty-password": {Auth{Users: []User{{"u", ""}}}, `user "u" has an empty password`},
		"duplicate":      {Auth{Users: []User{{"u", "p"}, {"u", "q"}}}, "twice"},
		"unknown-user":   {Auth{ACLs: []ACL{{User: "ghost", Resource: topic, Name: "t", Operation: kmsg.ACLOperationRead}}}, "ghost:read:topic:t names an unknown user"},
		"bad-resource":   {Auth{Users: []User{{"u", "p"}}, ACLs: []ACL{{User: "u", Resource: kmsg.ACLResourceTypeAny, Name: "t", Operation: kmsg.ACLOperationRead}}}, "resource type"},
		"bad-operation":  {Auth{Users: []User{{"u", "p"}}, ACLs: []ACL{{User: "u", Resource: topic, Name: "t", Operation: kmsg.ACLOperationAny}}}, "unknown operation"},
		"empty-resource": {Auth{Users: []User{{"u", "p"}}, ACLs: []ACL{{User: "u", Resource: topic, Operation: kmsg.ACLOperationRead}}}, "empty resource name"},
	} {
		t.Run(name, func(t *testing.T) {
			auth := tc.auth
			dir := t.TempDir()
			_, err := Start(Options{DataDir: dir, Auth: &auth})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Start: %v, want an error saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "p\"") {
				t.Errorf("the error echoes a password: %v", err)
			}
		})
	}
}

// TestFrameTracker: request headers are found however reads split the
// stream.
func TestFrameTracker(t *testing.T) {
	frame := func(key, version int16, corr int32, body int) []byte {
		b := make([]byte, 12+body)
		size := uint32(8 + body)
		b[0], b[1], b[2], b[3] = byte(size>>24), byte(size>>16), byte(size>>8), byte(size)
		b[4], b[5] = byte(key>>8), byte(key)
		b[6], b[7] = byte(version>>8), byte(version)
		b[8], b[9], b[10], b[11] = byte(corr>>24), byte(corr>>16), byte(corr>>8), byte(corr)
		return b
	}
	stream := slices.Concat(frame(18, 3, 1, 20), frame(17, 1, 2, 9), frame(36, 2, 3, 0), frame(36, 2, 4, 300))
	want := []string{"18/3/1", "17/1/2", "36/2/3", "36/2/4"}
	for _, chunk := range []int{1, 3, 7, 12, 13, 100, len(stream)} {
		var f frameTracker
		var got []string
		for p := stream; len(p) > 0; {
			n := min(chunk, len(p))
			f.feed(p[:n], func(k, v int16, c int32) {
				got = append(got, fmt.Sprintf("%d/%d/%d", k, v, c))
			})
			p = p[n:]
		}
		if !slices.Equal(got, want) {
			t.Errorf("chunks of %d: %q, want %q", chunk, got, want)
		}
	}
}
