package devbroker

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// SuperuserName is the SASL user krest's own clients authenticate as when
// the broker runs with Auth. Its password is random per Start and only
// reachable through Broker.SASL. No Auth user may take this name.
const SuperuserName = "__krest"

// Auth turns on SASL authentication and ACL authorization (Options.Auth).
// Every request then needs a SASL login (PLAIN, SCRAM-SHA-256 or
// SCRAM-SHA-512, so clients may pick any) and is checked against ACLs: a
// user may do only what an ALLOW entry grants and no DENY entry forbids, as
// with Kafka's StandardAuthorizer. The users and ACLs are exactly these on
// every Start; nothing a client created or changed survives a restart.
type Auth struct {
	// Users may log in with any of the three mechanisms.
	Users []User
	// ACLs are the entries of the broker's authorizer. Empty means users
	// can log in but do nothing.
	ACLs []ACL
}

// User is a SASL user name and password.
type User struct {
	Name     string
	Password string
}

// ACL is one ACL entry, in Kafka's terms.
type ACL struct {
	// User is the user name the entry applies to; "*" applies it to every
	// user (Kafka's principal "User:*").
	User string
	// Resource is kmsg.ACLResourceTypeTopic, Group, Cluster or
	// TransactionalId.
	Resource kmsg.ACLResourceType
	// Name is the resource name, "*" for every resource of the type. The
	// cluster resource is "kafka-cluster"; "*" is accepted for it too.
	Name string
	// Prefixed makes Name a prefix (Kafka's PREFIXED pattern type) rather
	// than a literal name.
	Prefixed bool
	// Operation is what the entry allows or denies, e.g.
	// kmsg.ACLOperationRead; kmsg.ACLOperationAll is every operation.
	Operation kmsg.ACLOperation
	// Deny makes the entry a DENY, which wins over any ALLOW.
	Deny bool
}

// String is the entry in config syntax (user:operation:type:name[:deny]),
// for error messages; it holds nothing secret.
func (a ACL) String() string {
	name := a.Name
	if a.Prefixed {
		name += "*"
	}
	s := fmt.Sprintf("%s:%s:%s:%s", a.User, strings.ToLower(a.Operation.String()), strings.ToLower(a.Resource.String()), name)
	if a.Deny {
		s += ":deny"
	}
	return s
}

// saslMechanisms are the kfake mechanism names each Auth user is registered
// for.
var saslMechanisms = []string{"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}

// Files kfake keeps users and ACLs in, inside the data directory. They are
// deleted before kfake loads the directory: kfake's reload replaces the
// users it was started with by the stored ones and skips seeding ACLs, so
// a user or ACL removed from the config would otherwise live on.
// sasl.json also holds PLAIN passwords in clear text, so it is deleted
// again once the broker is up and after it stopped: the data directory
// keeps no credentials at rest.
var authStateFiles = []string{"sasl.json", "acls.json"}

func (a *Auth) validate() error {
	seen := map[string]bool{}
	for _, u := range a.Users {
		switch {
		case u.Name == "":
			return errors.New("embedded broker: a user has an empty name")
		case u.Name == SuperuserName:
			return fmt.Errorf("embedded broker: user name %q is reserved for krest itself", u.Name)
		case u.Name == "*":
			return errors.New(`embedded broker: user name "*" is reserved for ACLs on every user`)
		case u.Password == "":
			// Never echo a password; the name is enough.
			return fmt.Errorf("embedded broker: user %q has an empty password", u.Name)
		case seen[u.Name]:
			return fmt.Errorf("embedded broker: user %q is listed twice", u.Name)
		}
		seen[u.Name] = true
	}
	for _, acl := range a.ACLs {
		switch {
		case acl.User == "":
			return fmt.Errorf("embedded broker: ACL %s has no user", acl)
		case acl.User != "*" && !seen[acl.User]:
			return fmt.Errorf("embedded broker: ACL %s names an unknown user", acl)
		case acl.Resource < kmsg.ACLResourceTypeTopic || acl.Resource > kmsg.ACLResourceTypeTransactionalId:
			return fmt.Errorf("embedded broker: ACL %s: resource type must be topic, group, cluster or transactional_id", acl)
		case acl.Operation < kmsg.ACLOperationAll || acl.Operation > kmsg.ACLOperationIdempotentWrite:
			return fmt.Errorf("embedded broker: ACL %s: unknown operation", acl)
		case acl.Name == "":
			return fmt.Errorf("embedded broker: ACL %s has an empty resource name", acl)
		}
	}
	return nil
}

// authOpts returns kfake's options for a: SASL and ACLs on, the
// superuser, and every user under every mechanism. ACLs are created after
// start (see applyACLs).
func authOpts(a *Auth, superPass string) []kfake.Opt {
	opts := []kfake.Opt{
		kfake.EnableSASL(),
		kfake.EnableACLs(),
		// SCRAM only: kfake stores PLAIN passwords as they are.
		kfake.Superuser("SCRAM-SHA-512", SuperuserName, superPass),
	}
	for _, u := range a.Users {
		for _, m := range saslMechanisms {
			opts = append(opts, kfake.User(m, u.Name, u.Password))
		}
	}
	return opts
}

// randomPassword is the superuser's password: 256 bits from crypto/rand.
func randomPassword() string { return rand.Text() + rand.Text() }

// removeAuthState deletes kfake's user and ACL files from dir (see
// authStateFiles).
func removeAuthState(dir string) error {
	for _, f := range authStateFiles {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("embedded broker: remove stale %s: %w", f, err)
		}
	}
	return nil
}

// removeCredentials deletes kfake's user file from dir (see
// authStateFiles); failures are only logged, there is nothing to undo.
func (b *Broker) removeCredentials() {
	if b.dataDir == "" {
		return
	}
	if err := os.Remove(filepath.Join(b.dataDir, "sasl.json")); err != nil && !errors.Is(err, os.ErrNotExist) {
		b.log.Error("embedded broker: could not remove the stored SASL credentials", "err", err)
	}
}

// applyACLs creates acls on the running broker, logged in as the
// superuser. kfake.User could seed them, but kfake applies seeds to a
// fresh data directory only, and its seeds cannot name the principal
// "User:*".
func (b *Broker) applyACLs(acls []ACL) error {
	if len(acls) == 0 {
		return nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr), kgo.SASL(b.SASL()), kgo.DisableClientMetrics())
	if err != nil {
		return fmt.Errorf("embedded broker: ACL client: %w", err)
	}
	defer cl.Close()
	req := kmsg.NewPtrCreateACLsRequest()
	for _, a := range acls {
		c := kmsg.NewCreateACLsRequestCreation()
		c.Principal = "User:" + a.User
		c.Host = "*"
		c.ResourceType = a.Resource
		c.ResourceName = a.Name
		if a.Resource == kmsg.ACLResourceTypeCluster {
			// Kafka knows the cluster by one name only.
			c.ResourceName = "kafka-cluster"
		}
		c.ResourcePatternType = kmsg.ACLResourcePatternTypeLiteral
		if a.Prefixed {
			c.ResourcePatternType = kmsg.ACLResourcePatternTypePrefixed
		}
		c.Operation = a.Operation
		c.PermissionType = kmsg.ACLPermissionTypeAllow
		if a.Deny {
			c.PermissionType = kmsg.ACLPermissionTypeDeny
		}
		req.Creations = append(req.Creations, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		return fmt.Errorf("embedded broker: create ACLs: %w", err)
	}
	for i, r := range resp.Results {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			msg := ""
			if r.ErrorMessage != nil {
				msg = ": " + *r.ErrorMessage
			}
			return fmt.Errorf("embedded broker: create ACL %s: %w%s", acls[i], err, msg)
		}
	}
	return nil
}

// SASL returns the mechanism krest's own clients log in with: the
// superuser, SCRAM-SHA-512. It is nil when the broker runs without Auth.
// The password never leaves the Broker otherwise; never log it.
func (b *Broker) SASL() sasl.Mechanism {
	if b.superPass == "" {
		return nil
	}
	return scram.Auth{User: SuperuserName, Pass: b.superPass}.AsSha512Mechanism()
}
