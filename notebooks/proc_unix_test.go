//go:build unix

package notebooks_test

import (
	"os/exec"
	"syscall"
	"time"
)

// setProcessGroup makes cmd the leader of a new process group and, for a
// command made with exec.CommandContext, kills the whole group when its
// context ends, so kernels and servers a client started do not outlive the
// test. (Jupyter starts kernels in their own session; gokernel kernels exit
// when their parent, JPY_PARENT_PID, dies.)
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if cmd.Cancel != nil {
		cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	}
}

// stopGroup asks cmd's process group (started with setProcessGroup) to
// terminate, and kills it if it has not exited after grace.
func stopGroup(cmd *exec.Cmd, exited <-chan struct{}, grace time.Duration) {
	if cmd.Process == nil {
		return
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(grace):
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
