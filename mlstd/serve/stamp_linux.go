package serve

import (
	"os"
	"syscall"
)

// fileStamp is what stat says about a file: any change of content through
// the file system changes at least one field (the change time is set by
// the kernel on every write and on touch, and cannot be set back).
type fileStamp struct {
	size, mtime, ctime int64
	ino, dev           uint64
}

func stampOf(path string) (fileStamp, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, false
	}
	st := fileStamp{size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ctime = sys.Ctim.Nano()
		st.ino, st.dev = sys.Ino, uint64(sys.Dev)
	}
	return st, true
}
