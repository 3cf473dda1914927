package consumer

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: every
// registry, instance and client a test makes must be closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
