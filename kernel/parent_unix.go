//go:build unix

package kernel

import (
	"context"
	"os"
	"syscall"
	"time"
)

// watchParent ends Run with ErrParentGone when process pid exits: it is
// gone from the process table, or it was our parent and we were reparented.
func (k *Kernel) watchParent(ctx context.Context, pid int) {
	wasParent := os.Getppid() == pid
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if syscall.Kill(pid, 0) == syscall.ESRCH || (wasParent && os.Getppid() != pid) {
			k.log.Printf("parent process %d exited; shutting down", pid)
			k.shutdown(ErrParentGone)
			return
		}
	}
}
