package atomicfile

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// StaleAfter is how old a temporary file of a dead writer must be before
// a later write of the same destination removes it.
const StaleAfter = time.Minute

// Write writes data to path with permissions perm.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteFunc(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc writes what write writes (through a buffer) to path with
// permissions perm. If write fails, path is left as it was.
func WriteFunc(path string, perm os.FileMode, write func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	removeStale(dir, base)
	f, err := os.CreateTemp(dir, tempPrefix(base)+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		d.Sync() // best effort: make the rename itself durable
		d.Close()
	}
	return nil
}

// tempPrefix is the start of the names of base's temporary files.
func tempPrefix(base string) string { return "." + base + ".tmp-" }

// removeStale removes base's temporary files in dir that are older than
// StaleAfter and whose writer has exited, and those of the form earlier
// versions of gokernel used (".NAME.tmpDIGITS", no process id) that are
// older than StaleAfter. Failures are ignored: this is cleaning up, and
// the write itself reports real problems.
func removeStale(dir, base string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "."+base+".tmp")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		pid := 0 // the old form
		if rest, ok = strings.CutPrefix(rest, "-"); ok {
			pidText, _, _ := strings.Cut(rest, "-")
			pid, err = strconv.Atoi(pidText)
			if err != nil || pid <= 0 || pid == os.Getpid() {
				continue
			}
		} else if _, err := strconv.ParseUint(rest, 10, 64); err != nil {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < StaleAfter || (pid > 0 && processAlive(pid)) {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}

// processAlive reports whether a process with this id exists (when in
// doubt, that it does).
func processAlive(pid int) bool {
	p, err := os.FindProcess(pid)
	if err != nil {
		return false
	}
	defer p.Release()
	err = p.Signal(syscall.Signal(0))
	return err == nil || !errors.Is(err, os.ErrProcessDone)
}
