package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// tempFiles lists the temporary files in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	if err := Write(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil || string(b) != "two" {
		t.Fatalf("read %q, %v; want two", b, err)
	}
	if info, _ := os.Stat(p); info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", info.Mode().Perm())
	}
	failed := errors.New("disk on fire")
	err = WriteFunc(p, 0o644, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return failed
	})
	if !errors.Is(err, failed) {
		t.Errorf("WriteFunc returned %v, want the write's error", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "two" {
		t.Errorf("after a failed write the file holds %q, want the old content", b)
	}
	if tmp := tempFiles(t, dir); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	if err := Write(filepath.Join(dir, "missing", "x"), nil, 0o644); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

// A writer killed half-way (SIGKILL: nothing of it runs any more) leaves
// its temporary file; the next write of the same destination removes it
// once it is older than StaleAfter, and leaves other files alone.
func TestStaleTempRemoved(t *testing.T) {
	if os.Getenv("ATOMICFILE_CRASH") != "" {
		// The child: write a megabyte, say so, then hang until killed.
		WriteFunc(os.Getenv("ATOMICFILE_CRASH"), 0o644, func(w io.Writer) error {
			w.Write(make([]byte, 1<<20))
			w.(*bufio.Writer).Flush()
			fmt.Println("written")
			select {}
		})
		return
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "model.safetensors")
	cmd := exec.Command(os.Args[0], "-test.run=^TestStaleTempRemoved$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_CRASH="+target)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	if line != "written\n" {
		t.Fatalf("child said %q", line)
	}
	cmd.Process.Kill()
	cmd.Wait()
	crashed := tempFiles(t, dir)
	if len(crashed) != 1 {
		t.Fatalf("after the crash: temporary files %v, want one", crashed)
	}

	// Beside it: a young temp file of a dead writer, an old one of a live
	// writer (the test's parent), another destination's old one, and an
	// old one of an earlier version (no process id), which goes too.
	old := time.Now().Add(-2 * StaleAfter)
	young := fmt.Sprintf(".model.safetensors.tmp-%d-1", cmd.Process.Pid)
	live := fmt.Sprintf(".model.safetensors.tmp-%d-2", os.Getppid())
	other := fmt.Sprintf(".other.bin.tmp-%d-3", cmd.Process.Pid)
	earlier := ".model.safetensors.tmp1234567"
	for _, name := range []string{young, live, other, earlier} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{crashed[0], live, other, earlier} {
		if err := os.Chtimes(filepath.Join(dir, name), old, old); err != nil {
			t.Fatal(err)
		}
	}
	if err := Write(target, []byte("saved"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(tempFiles(t, dir), " ")
	wantNames := []string{young, live, other}
	slices.Sort(wantNames)
	want := strings.Join(wantNames, " ")
	if got != want {
		t.Errorf("temporary files after the next write: %s\nwant (the crashed one and the earlier version's removed): %s", got, want)
	}
}
