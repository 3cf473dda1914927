//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package devbroker

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// dirLock is an exclusive flock(2) on the data directory's lock file.
//
// flock rather than a PID file because the kernel drops the lock when the
// holder dies, however it dies, so a crashed krest never leaves a stale lock
// behind. flock locks belong to the open file description, so a second
// Start in the same process conflicts too. The file is opened O_CLOEXEC (Go's
// default), so processes krest starts do not inherit the lock.
type dirLock struct{ f *os.File }

// lockDir takes the lock on dir's lock file without waiting, and writes our
// PID into the file so the error another krest gets can name the holder.
func lockDir(dir string) (*dirLock, error) {
	path := filepath.Join(dir, lockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("embedded broker: open lock file: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		holder, _ := io.ReadAll(io.LimitReader(f, 32))
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &inUseError{dir: dir, pid: strings.TrimSpace(string(holder))}
		}
		return nil, fmt.Errorf("embedded broker: lock %s: %w", path, err)
	}
	// Best effort: the PID only makes the other side's error friendlier.
	if f.Truncate(0) == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &dirLock{f: f}, nil
}

// release drops the lock. It is a no-op on a nil lock. The lock file stays:
// removing it would race with a krest that has just opened it and would then
// lock an unlinked file while a third krest locks a new one.
func (l *dirLock) release() {
	if l == nil {
		return
	}
	l.f.Close() // closing the last descriptor releases the flock
}

// inUseError is the error for a data directory locked by someone else.
type inUseError struct{ dir, pid string }

func (e *inUseError) Error() string {
	msg := "embedded broker: data dir " + e.dir + " is in use by another krest"
	if e.pid != "" {
		msg += " (pid " + e.pid + ")"
	}
	return msg
}

func (e *inUseError) Unwrap() error { return ErrDataDirInUse }
