package parallel

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

// TestParts checks the number of ranges: one per Grain elements of work,
// at least 1, at most MaxParts and n.
func TestParts(t *testing.T) {
	for _, tt := range []struct{ n, cost, want int }{
		{0, 1, 1}, {-3, 1, 1}, {1, 1, 1}, {Grain - 1, 1, 1}, {2 * Grain, 1, 2},
		{3 * Grain, 1, 3}, {1 << 30, 1, MaxParts}, {4, 1 << 20, 4}, {1000, 0, 1},
		{(Grain + 1) / 2, 2, 1}, {Grain, 2, 2},
		{4096, 720, 8}, {384, 980, 1}, // the MNIST CNN's pooling is split, LeNet-5's first is not
	} {
		if got := Parts(tt.n, tt.cost); got != tt.want {
			t.Errorf("Parts(%d, %d) = %d; want %d", tt.n, tt.cost, got, tt.want)
		}
	}
}

// TestForCoversEachIndexOnce checks that For's ranges are the documented
// ones, cover [0, n) exactly once and are all done when it returns, with
// GOMAXPROCS 1, 2 and 4.
func TestForCoversEachIndexOnce(t *testing.T) {
	for _, procs := range []int{1, 2, 4} {
		old := runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 7, Grain, 5*Grain + 3, 9 * Grain} {
			parts := Parts(n, 1)
			hits := make([]atomic.Int32, n)
			ranges := make([]atomic.Int32, parts)
			For(n, 1, func(c, lo, hi int) {
				if lo != c*n/parts || hi != (c+1)*n/parts {
					t.Errorf("n=%d: range %d is [%d, %d), want [%d, %d)", n, c, lo, hi, c*n/parts, (c+1)*n/parts)
				}
				ranges[c].Add(1)
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			})
			for i := range hits {
				if h := hits[i].Load(); h != 1 {
					t.Fatalf("procs=%d n=%d: index %d visited %d times, want 1", procs, n, i, h)
				}
			}
			for c := range ranges {
				if r := ranges[c].Load(); r != 1 {
					t.Fatalf("procs=%d n=%d: range %d run %d times, want 1", procs, n, c, r)
				}
			}
		}
		runtime.GOMAXPROCS(old)
	}
}

// A sum over a large slice kept per range and added in range order has
// the same bits whatever the number of cores.
func ExampleFor() {
	x := make([]float32, 1<<20)
	for i := range x {
		x[i] = 1 / float32(i+1)
	}
	partial := make([]float32, Parts(len(x), 1))
	For(len(x), 1, func(c, lo, hi int) {
		for _, v := range x[lo:hi] {
			partial[c] += v
		}
	})
	var sum float32
	for _, p := range partial {
		sum += p
	}
	fmt.Println(len(partial), "ranges, sum", sum)
	// Output: 4 ranges, sum 14.437588
}
