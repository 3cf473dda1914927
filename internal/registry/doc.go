// Package registry is krest's embedded Schema Registry: the Confluent Schema
// Registry REST API (same paths, bodies, status and error codes), with its
// state kept in a compacted Kafka topic in the record format Confluent and
// Karapace use, so standard serializers and tools work unchanged and a
// _schemas topic written by either loads with its ids.
//
// # State
//
// The _schemas topic (one partition) is the only source of truth. Every
// instance reads it from the start at Start and keeps tailing it; a reader
// goroutine applies each record to an in-memory store (store.go), and
// every request is answered from that store. Nothing else changes the
// store, so all instances agree and a restart rebuilds the same state.
// Record formats are in records.go.
//
// # Writes
//
// Writes (register, deletes, config and mode changes) happen on one
// instance, the primary, elected in a Kafka group with Confluent's "sr"
// group protocol (election.go). The primary serialises writes (writeMu),
// plans each against its store, produces the records, and answers only
// after its own reader has applied them, so a client reads its writes.
// Other instances forward write requests to the primary over HTTP
// (forward.go), then wait until their own reader has applied the primary's
// records before answering. With no known primary a write fails with 50003.
//
// # Goroutines and shutdown
//
// Start launches one goroutine (run) that creates the topic if needed,
// starts the reader goroutine, waits for the initial load (Ready), then runs
// the election until the context ends. Close cancels that context, waits
// for both goroutines (the election leaves the group on its way out, so a
// successor is elected at once), and closes the two Kafka clients. Request
// handlers run on the HTTP server's goroutines; shut the HTTP server down
// before Close so no write is cut off.
//
// # Lock order
//
// writeMu (held for a whole write on the primary) may be held while
// taking store.mu or progress.mu; store.mu and progress.mu are leaves and
// are never held together or across Kafka I/O.
//
// # Schemas
//
// Schemas are validated by type (parse.go) and identified by a canonical
// form (canonical.go), so the same schema written differently gets the same
// id in every subject. The text is stored as submitted, or in normalised
// form with normalize=true. Compatibility is decided by the compat
// sub-package.
package registry
