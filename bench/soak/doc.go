// Package soak holds krest's opt-in soak test: concurrent produce, two
// consumer groups and consumer churn against the real app for a bounded
// time, then checks every acknowledged record was read by each group and
// that goroutines and heap return near their baseline. It runs only with
// KREST_SOAK=1 (see soak_test.go); the default `go test ./...` skips it.
package soak
