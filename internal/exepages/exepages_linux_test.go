package exepages

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// usage is read-only data for TestRelease to read after the drop.
var usage = strings.Repeat("read-only ", 1)

// rssFileKiB returns this process's RssFile from /proc/self/status.
func rssFileKiB(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status:", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "RssFile:"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatalf("RssFile line %q: %v", l, err)
			}
			return n
		}
	}
	t.Skip("kernel reports no RssFile")
	return 0
}

// TestRelease: the executable's read-only pages leave the
// resident set, and the code and read-only data fault back in on use.
func TestRelease(t *testing.T) {
	before := rssFileKiB(t)
	Release()
	after := rssFileKiB(t)
	t.Logf("RssFile %d -> %d KiB", before, after)
	if after >= before {
		t.Errorf("RssFile did not drop: %d -> %d KiB", before, after)
	}
	// Code and read-only data still work after the drop.
	if got := strings.Repeat("ab", 3) + strconv.Itoa(42); got != "ababab42" {
		t.Errorf("after releasing pages: %q", got)
	}
	if usage == "" {
		t.Error("read-only data lost")
	}
}
