// Package consumer holds the REST proxy's consumer instances: a Registry of
// named instances per consumer group, and the Instance type that subscribes,
// assigns, seeks, commits and long-polls records on behalf of one REST
// client.
//
// # Model
//
// An Instance owns at most one franz-go client at a time. A fresh instance
// has none (it costs a few hundred bytes). Subscribing builds a group client
// (ConsumerGroup + ConsumeTopics or ConsumeRegex); assigning builds a direct
// client (ConsumePartitions, no group membership, commits through kadm).
// Group membership and the consumed partitions are fixed when a franz-go
// client is built, so every change of subscription or assignment closes the
// old client (leaving the group cleanly) and builds a new one.
//
// Records polled from franz-go go into the instance's own buffer. A records
// request takes records from the head of that buffer up to its max_bytes
// (always at least one); the rest stay buffered for the next request, so a
// small max_bytes never drops or skips a record. The instance tracks a
// position per partition: the offset after the last record returned to the
// client, or the target of the last seek (Java's consumer position). Commits
// of "everything fetched" and auto-commits commit positions, never buffered
// records. See Instance.Fetch.
//
// # Owners
//
// With rest_authorization an instance belongs to the principal that
// created it (Config.Owner). The registry keys instances by owner, group
// and name, so another principal neither finds an instance (40403, as for
// a name that does not exist: nothing leaks) nor collides with its name.
// Such an instance builds every client from its owner's Kafka options
// (Config.Kafka: the owner's SASL credentials), including a private admin
// client for offsets requests outside a group session, so Kafka's ACLs see
// the owner in every request the instance makes. Without an owner the
// instance uses Options.Kafka and the registry's shared admin client.
//
// # Goroutines
//
// The Registry owns one goroutine, the reaper, started by New and stopped
// and waited for by Close. It closes instances idle for longer than
// Options.InstanceTimeout. An Instance owns no goroutine: polls, commits and
// seeks run on the calling (HTTP request) goroutine. The franz-go clients own
// their internal goroutines; closing an instance closes its client, which
// waits for them. Closes that cannot finish within the caller's context (an
// instance busy in a long-poll) finish on a goroutine tracked by the
// Registry, which Close waits for.
//
// # Locks
//
// There are three locks, always taken in this order and never the other way:
//
//  1. Registry.mu guards the map of instances. It is never held while taking
//     any other lock or during Kafka I/O, so a slow instance never stalls
//     lookups of other instances.
//  2. Instance.sem, a one-slot channel used as a mutex whose acquisition is
//     bounded by a context, serialises the requests of one instance. It is
//     held for a whole operation, including a long-poll and Kafka I/O; a
//     long-poll on one instance therefore blocks only later requests for
//     that same instance.
//  3. Instance.st.mu guards the buffer, positions and owned partitions. It is
//     a leaf lock held only for map and slice updates, never during I/O. It
//     is shared with franz-go's rebalance callbacks (OnPartitionsAssigned,
//     Revoked, Lost), which run on franz-go's goroutines and take only this
//     lock, so a callback never waits for a request and a request never
//     waits for a callback while holding st.mu.
//
// The reaper reads an instance's last-use time and busy count atomically
// under Registry.mu, removes expired instances from the map, releases the
// lock and only then closes them (which takes Instance.sem).
//
// Group clients use franz-go's BlockRebalanceOnPoll: between a poll and the
// following AllowRebalance, which the instance calls right after moving the
// polled records into its buffer, no partition can be revoked. A revoke
// therefore either sees polled records in the buffer (and drops them: the
// partition's new owner reads them from the committed offset) or sees them
// returned (and commits their positions when auto-commit is on).
//
// # Future work this design leaves room for
//
// Instances reachable through any krest behind a load balancer: every
// request reaches an instance through Registry.Lookup (and the REST layer
// through one method that calls it), so an owner-aware layer can wrap that
// one call and forward requests for instances owned by another krest.
// Instance names are opaque strings chosen by the client or generated as a
// UUID; a generated name may later carry an owner id (for example
// "<owner>.<uuid>") without changing any lookup, and base_uri is built from
// the name alone.
//
// Streaming consume: Fetch hands records to a callback that reports how many
// it consumed, so a streaming handler can call Fetch in a loop and flush
// after each batch without a new API.
package consumer
