// Package version holds krest's version, set at build time with
// -ldflags "-X github.com/krest-dev/krest/internal/version.Version=v1.2.3".
package version

import "runtime/debug"

// Version is krest's version; "dev" unless set at build time.
var Version = "dev"

// String returns Version, or the module version when krest was installed
// with `go install` and Version was not set.
func String() string {
	if Version != "dev" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Version
}
