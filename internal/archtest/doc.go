// Package archtest holds only tests: they guard krest's architecture (the
// dependency rules of docs/ARCHITECTURE.md, a package doc on every package).
package archtest
