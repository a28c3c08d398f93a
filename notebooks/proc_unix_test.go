//go:build unix

package notebooks_test

import (
	"os/exec"
	"syscall"
)

// setProcessGroup makes cmd the leader of a new process group and kills the
// whole group when its context ends, so kernels and servers a client
// started do not outlive the test.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
