//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package devbroker

// dirLock is a no-op where flock(2) is unavailable: there, two krests on one
// data directory are not detected. krest's supported platforms are the ones
// in lock_flock.go.
type dirLock struct{}

func lockDir(string) (*dirLock, error) { return &dirLock{}, nil }

func (*dirLock) release() {}
