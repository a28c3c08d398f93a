//go:build !unix

package notebooks_test

import "os/exec"

func setProcessGroup(cmd *exec.Cmd) {}
