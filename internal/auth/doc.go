// Package auth is rest_authorization: who a REST request acts as, and the
// Kafka client it acts through.
//
// krest keeps no user database. A request carries HTTP Basic credentials
// (ParseBasic), and krest talks to Kafka with exactly those credentials
// over SASL, so Kafka authenticates the caller and Kafka's ACLs decide what
// it may do. A Principal holds the user name and the password it presented;
// the password stays in memory only, for building Kafka clients, and every
// way of printing a Principal (String, Format, LogValue) shows the user
// alone.
//
// # The client pool
//
// A Pool keeps one client per (user, password) so that a request does not
// log in to Kafka afresh. Its key is the user and an HMAC of the password
// under a key drawn at random when the pool is built: no plaintext password
// is a map key, and a wrong password never finds the client of the right
// one. The first request of a key builds and verifies the client (PoolOptions.New,
// one cheap Kafka request) on a goroutine of the pool; concurrent requests
// of the same key wait for that one verification (singleflight). A failed
// verification (bad credentials, Kafka unreachable) is handed to every
// waiter and nothing is cached, so the next request tries again.
//
// The pool is bounded: at most MaxClients clients are kept (least recently
// used first out), at most MaxCreating verifications run at once, and
// waiting for a verification slot ends with ErrBusy after Timeout. A flood
// of logins with wrong passwords therefore costs at most MaxCreating Kafka
// logins at a time and never grows memory or goroutines beyond the
// requests waiting. A client is counted in use between Acquire and
// Lease.Release; a client evicted or expired while in use is closed when its
// last lease is released, so eviction never breaks a request in flight.
//
// # Goroutines and locks
//
// The pool owns a janitor goroutine (closes clients idle for IdleTimeout),
// the verification goroutines and the goroutines that close evicted
// clients; Close stops and waits for all of them. Pool.mu guards the maps,
// the LRU list and every entry's reference count; it is a leaf lock, never
// held while building, verifying or closing a client.
package auth
