//go:build !unix

package notebooks_test

import (
	"os/exec"
	"time"
)

func setProcessGroup(cmd *exec.Cmd) {}

func stopGroup(cmd *exec.Cmd, exited <-chan struct{}, grace time.Duration) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
