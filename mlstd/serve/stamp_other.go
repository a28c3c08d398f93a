//go:build !linux

package serve

import "os"

// fileStamp is what stat says about a file portably: size and
// modification time (Watch's periodic hash covers what they miss).
type fileStamp struct {
	size, mtime int64
}

func stampOf(path string) (fileStamp, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, false
	}
	return fileStamp{size: fi.Size(), mtime: fi.ModTime().UnixNano()}, true
}
