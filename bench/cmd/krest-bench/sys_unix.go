//go:build unix

package main

import (
	"os/exec"
	"syscall"
	"time"
)

// selfCPU is this process's CPU time (user + system, every thread).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// ownProcessGroup puts a child krest in a process group of its own, so
// that Ctrl-C in a terminal reaches only the bench, which then cleans up
// through krest before stopping it.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
