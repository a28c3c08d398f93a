package kernelcmd

import (
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHeapFloor: after a collection that finds a small heap the goal is the
// floor (not more: an 80 MB allocation then starts a collection), and after a cell-sized allocation it is about twice the heap, even
// when the collection before the allocation saw a small heap (what re-running
// `x := make([]float64, 1e7)` does); the ballast adds no resident memory.
func TestHeapFloor(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates 80 MB")
	}
	before := vmRSS(t)
	keepHeapFloor(heapFloor)
	if grew := vmRSS(t) - before; grew > 1<<20 {
		t.Errorf("the ballast grew VmRSS by %d KiB", grew>>10)
	}
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}, {Name: "/gc/heap/live:bytes"}}
	read := func() (goal, live uint64) {
		metrics.Read(s)
		return s[0].Value.Uint64(), s[1].Value.Uint64()
	}
	var x []float64
	for run := 0; run < 3; run++ {
		x = nil
		runtime.GC()
		time.Sleep(20 * time.Millisecond) // let finalizers run
		goal, live := read()
		if goal < heapFloor || goal > heapFloor+2*live+8<<20 {
			t.Errorf("run %d: goal %d MiB with a %d MiB heap, want the %d MiB floor", run, goal>>20, live>>20, heapFloor>>20)
		}
		x = make([]float64, 1e7)
		for i := range x {
			x[i] = 1
		}
		runtime.GC()
		goal, live = read()
		t.Logf("run %d: live %d MiB, goal %d MiB", run, live>>20, goal>>20)
		if goal > 2*live+8<<20 {
			t.Errorf("run %d: goal %d MiB with a %d MiB heap, want about twice the heap", run, goal>>20, live>>20)
		}
	}
	runtime.KeepAlive(x)
}

func vmRSS(t *testing.T) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Skip("no VmRSS")
	return 0
}
