package registry

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// The primary is elected in a Kafka group, with the group protocol
// Confluent Schema Registry defined (leaderelector/kafka/
// SchemaRegistryCoordinator.java) and Karapace reimplemented
// (core/coordinator/schema_coordinator.py): protocol type "sr", one
// protocol "v0" whose member metadata is the instance's identity as JSON.
// The group leader (whichever member Kafka picks) assigns every member the
// same answer: the eligible member with the smallest URL is the primary.
// Speaking the same protocol means krest instances can share a group with
// Confluent or Karapace instances during a migration and agree on one
// primary.
//
// franz-go's consumer-group code is not used because it is bound to the
// "consumer" protocol type and decodes assignments as partition lists; the
// registry needs neither, so it drives JoinGroup, SyncGroup, Heartbeat and
// LeaveGroup itself.
const (
	protocolType = "sr"
	protocolName = "v0"
	// assignmentDuplicateURLs is Confluent's error for a group whose
	// members advertise the same URL: forwarding could not work.
	assignmentDuplicateURLs = 1
)

// memberIdentity is a member's metadata (Confluent's
// SchemaRegistryIdentity; Karapace's get_member_configuration).
type memberIdentity struct {
	Version           int    `json:"version"`
	Host              string `json:"host"`
	Port              int    `json:"port"`
	MasterEligibility bool   `json:"master_eligibility"`
	Scheme            string `json:"scheme"`
}

// url is scheme://host:port, the form Confluent and Karapace compare.
func (m memberIdentity) url() string {
	return m.Scheme + "://" + net.JoinHostPort(m.Host, strconv.Itoa(m.Port))
}

// assignment is what each member receives (SchemaRegistryProtocol.Assignment).
type assignment struct {
	Version        int             `json:"version"`
	Error          int             `json:"error"`
	Master         string          `json:"master"`
	MasterIdentity *memberIdentity `json:"master_identity"`
}

// errRejoin ends a generation: the group is rebalancing.
var errRejoin = errors.New("group is rebalancing")

// elect takes part in the election until ctx ends, then leaves the group so
// another instance takes over without waiting for the session timeout.
func (r *Registry) elect(ctx context.Context) {
	memberID := ""
	defer func() {
		r.stepDown()
		if memberID != "" && !r.opts.skipLeave {
			r.leaveGroup(memberID)
		}
	}()
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		gen, a, mid, err := r.joinAndSync(ctx, memberID)
		memberID = mid
		if err == nil {
			backoff = 100 * time.Millisecond
			r.generation.Store(gen)
			if err = r.follow(ctx, a, memberID); err == nil {
				err = r.heartbeat(ctx, gen, memberID)
			}
		}
		r.stepDown()
		if ctx.Err() != nil {
			return
		}
		switch {
		case errors.Is(err, errRejoin):
			continue // at once: the group waits for us
		case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.FencedInstanceID):
			memberID = ""
		}
		r.log.Warn("schema registry election: rejoining", "group", r.opts.GroupID, "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

// joinAndSync runs one JoinGroup/SyncGroup round and returns the
// generation, the assignment and our member id.
func (r *Registry) joinAndSync(ctx context.Context, memberID string) (int32, assignment, string, error) {
	meta, err := json.Marshal(r.identity)
	if err != nil {
		return 0, assignment{}, memberID, err
	}
	var join *kmsg.JoinGroupResponse
	for {
		req := kmsg.NewPtrJoinGroupRequest()
		req.Group = r.opts.GroupID
		req.SessionTimeoutMillis = int32(r.opts.sessionTimeout.Milliseconds())
		req.RebalanceTimeoutMillis = int32(r.opts.sessionTimeout.Milliseconds())
		req.MemberID = memberID
		req.ProtocolType = protocolType
		p := kmsg.NewJoinGroupRequestProtocol()
		p.Name = protocolName
		p.Metadata = meta
		req.Protocols = append(req.Protocols, p)
		join, err = req.RequestWith(ctx, r.cl)
		if err != nil {
			return 0, assignment{}, memberID, err
		}
		err = kerr.ErrorForCode(join.ErrorCode)
		if errors.Is(err, kerr.MemberIDRequired) {
			// KIP-394: the first join only hands out our member id.
			memberID = join.MemberID
			continue
		}
		if err != nil {
			return 0, assignment{}, memberID, err
		}
		memberID = join.MemberID
		break
	}

	sync := kmsg.NewPtrSyncGroupRequest()
	sync.Group = r.opts.GroupID
	sync.Generation = join.Generation
	sync.MemberID = memberID
	sync.ProtocolType = kmsg.StringPtr(protocolType)
	sync.Protocol = kmsg.StringPtr(protocolName)
	if join.LeaderID == memberID {
		sync.GroupAssignment = r.assign(join.Members)
	}
	resp, err := sync.RequestWith(ctx, r.cl)
	if err != nil {
		return 0, assignment{}, memberID, err
	}
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		if errors.Is(err, kerr.RebalanceInProgress) {
			err = errRejoin
		}
		return 0, assignment{}, memberID, err
	}
	var a assignment
	if err := json.Unmarshal(resp.MemberAssignment, &a, lenient); err != nil {
		return 0, assignment{}, memberID, err
	}
	return join.Generation, a, memberID, nil
}

// assign computes the group's answer when we are the group leader: the
// eligible member with the smallest URL is the primary (Confluent's and
// Karapace's rule, so mixed groups agree).
func (r *Registry) assign(members []kmsg.JoinGroupResponseMember) []kmsg.SyncGroupRequestGroupAssignment {
	var (
		best    string
		bestID  memberIdentity
		urls    = map[string]bool{}
		dupURLs bool
	)
	for _, m := range members {
		var id memberIdentity
		if err := json.Unmarshal(m.ProtocolMetadata, &id, lenient); err != nil {
			r.log.Warn("schema registry election: ignoring a member with unreadable metadata", "member", m.MemberID, "err", err)
			continue
		}
		if id.Scheme == "" {
			id.Scheme = "http" // Confluent's default for old members
		}
		u := id.url()
		dupURLs = dupURLs || urls[u]
		urls[u] = true
		if id.MasterEligibility && (best == "" || u < bestID.url()) {
			best, bestID = m.MemberID, id
		}
	}
	a := assignment{Version: 1}
	if best != "" {
		a.Master, a.MasterIdentity = best, &bestID
	}
	if dupURLs {
		a.Error = assignmentDuplicateURLs
	}
	b, _ := json.Marshal(a)
	out := make([]kmsg.SyncGroupRequestGroupAssignment, 0, len(members))
	for _, m := range members {
		sa := kmsg.NewSyncGroupRequestGroupAssignment()
		sa.MemberID = m.MemberID
		sa.MemberAssignment = b
		out = append(out, sa)
	}
	return out
}

// follow acts on an assignment. Before taking writes, a new primary reads
// the topic up to a barrier of its own, so the state it plans writes
// against includes everything the previous primary wrote.
func (r *Registry) follow(ctx context.Context, a assignment, memberID string) error {
	switch {
	case a.Error == assignmentDuplicateURLs:
		r.log.Error("schema registry election: several instances advertise the same URL; set each instance's advertised registry URL to an address the others can reach. No instance accepts writes until this is fixed")
		r.primary.Store(nil)
		return nil
	case a.Master == "" || a.MasterIdentity == nil:
		r.log.Warn("schema registry election: no instance is eligible to be the primary; writes fail until one is")
		r.primary.Store(nil)
		return nil
	case a.Master == memberID && !r.opts.NotPrimaryEligible:
		if err := r.barrier(ctx); err != nil {
			return err
		}
		r.primary.Store(&primaryInfo{url: r.URL(), self: true})
		r.log.Info("schema registry: this instance is the primary", "url", r.URL())
		return nil
	}
	r.primary.Store(&primaryInfo{url: a.MasterIdentity.url()})
	r.log.Info("schema registry: following the primary", "primary", a.MasterIdentity.url())
	return nil
}

// heartbeat keeps our membership alive until the group rebalances, we are
// evicted, or ctx ends. If heartbeats fail for a whole session timeout the
// coordinator has surely evicted us and may have elected another primary,
// so we return and stop acting as one.
func (r *Registry) heartbeat(ctx context.Context, gen int32, memberID string) error {
	t := time.NewTicker(r.opts.heartbeatInterval)
	defer t.Stop()
	lastOK := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		req := kmsg.NewPtrHeartbeatRequest()
		req.Group = r.opts.GroupID
		req.Generation = gen
		req.MemberID = memberID
		hctx, cancel := context.WithTimeout(ctx, r.opts.sessionTimeout)
		resp, err := req.RequestWith(hctx, r.cl)
		cancel()
		if err == nil {
			err = kerr.ErrorForCode(resp.ErrorCode)
		}
		switch {
		case err == nil:
			lastOK = time.Now()
			continue
		case errors.Is(err, kerr.RebalanceInProgress):
			return errRejoin
		case errors.Is(err, kerr.UnknownMemberID), errors.Is(err, kerr.IllegalGeneration), errors.Is(err, kerr.FencedInstanceID):
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Since(lastOK) >= r.opts.sessionTimeout {
			return err
		}
	}
}

// stepDown forgets the primary and waits for any write in flight on this
// instance to finish, so that by the time we rejoin (and another instance
// can be elected) we no longer write.
func (r *Registry) stepDown() {
	if p := r.primary.Swap(nil); p != nil && p.self {
		r.log.Info("schema registry: this instance is no longer the primary")
	}
	// An empty critical section: waiting for in-flight writes is the point.
	r.writeMu.Lock()
	//lint:ignore SA2001 see above
	r.writeMu.Unlock()
}

// leaveGroup tells the coordinator we are gone, bounded by a short timeout
// of its own since ctx has ended.
func (r *Registry) leaveGroup(memberID string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = r.opts.GroupID
	req.MemberID = memberID
	m := kmsg.NewLeaveGroupRequestMember()
	m.MemberID = memberID
	req.Members = append(req.Members, m)
	if _, err := req.RequestWith(ctx, r.cl); err != nil {
		r.log.Debug("schema registry: leaving the election group failed", "err", err)
	}
}
