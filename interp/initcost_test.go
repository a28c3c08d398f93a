package interp

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// initLimits bound what the package initialization of the engine and of
// yaegi may allocate (GODEBUG=inittrace=1 reports bytes and allocations,
// which are deterministic, unlike RSS). Every gokernel process pays it,
// including `gokernel serve`, which never starts a session: the symbol
// tables must be built by a session (interp/symbols Tables), not at init.
var initLimits = []struct {
	prefix        string // import path, or a prefix ending in "/"
	bytes, allocs int
}{
	// The whole interp package. ~31 KB of it is autoPackages and the
	// regexps of cell.go and output.go; ~260 KB is pager.go's helpRe
	// (\pL and \pN classes compiled at init), which the lead is asked to
	// make lazy, after which this bound can go down to 64 KB. Building the
	// symbol tables at init would add ~550 KB (stdlib ~490, mlstd ~58).
	{"github.com/gokernel/gokernel/interp", 64 << 10, 300},
	// The table packages: only their index maps (~8 KB in all).
	{"github.com/gokernel/gokernel/interp/", 16 << 10, 32},
	// yaegi's interp package (its own operator tables, ~10 KB) and the
	// rest of yaegi; its stdlib package (491 KB, 1313 allocs) must not be
	// linked at all, see TestInitCost.
	{"github.com/traefik/yaegi/", 16 << 10, 100},
}

var initLine = regexp.MustCompile(`^init (\S+) @.* clock, (\d+) bytes, (\d+) allocs$`)

// TestInitCost runs the gokernel binary with GODEBUG=inittrace=1 and checks
// the engine's and yaegi's package initialization against initLimits.
func TestInitCost(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the gokernel binary")
	}
	bin := filepath.Join(t.TempDir(), "gokernel")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/gokernel/gokernel").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("gokernel version: %v\n%s", err, stderr.String())
	}
	checked := map[string]bool{}
	for _, line := range strings.Split(stderr.String(), "\n") {
		m := initLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		pkg := m[1]
		if pkg == "github.com/traefik/yaegi/stdlib" {
			t.Errorf("the binary links github.com/traefik/yaegi/stdlib, whose init builds every stdlib table: %s", line)
			continue
		}
		for _, l := range initLimits {
			if pkg != l.prefix && !(strings.HasSuffix(l.prefix, "/") && strings.HasPrefix(pkg, l.prefix)) {
				continue
			}
			b, _ := strconv.Atoi(m[2])
			n, _ := strconv.Atoi(m[3])
			if b > l.bytes || n > l.allocs {
				t.Errorf("init of %s allocates %d bytes in %d allocations, more than %d bytes or %d allocations", pkg, b, n, l.bytes, l.allocs)
			}
			checked[pkg] = true
			break
		}
	}
	for _, pkg := range []string{"github.com/gokernel/gokernel/interp", "github.com/gokernel/gokernel/interp/symbols",
		"github.com/gokernel/gokernel/interp/symbols/stdlib", "github.com/traefik/yaegi/interp"} {
		if !checked[pkg] {
			t.Errorf("no inittrace line for %s:\n%s", pkg, stderr.String())
		}
	}
}
