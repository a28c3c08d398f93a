package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Grain is the least work per range, in elements of a simple loop
// (0.1–0.3 ms on one core).
const Grain = 1 << 18

// MaxParts is the most ranges a loop is cut into.
const MaxParts = 8

// Parts returns how many ranges For cuts n indices of cost elements' work
// each into: one per Grain elements of total work, at least 1, at most
// MaxParts and n. It depends on its arguments only.
func Parts(n, cost int) int {
	if n <= 0 {
		return 1
	}
	return max(1, min(n*max(cost, 1)/Grain, MaxParts, n))
}

// For calls f(c, lo, hi) for each range c of the indices [0, n) cut into
// Parts(n, cost) ranges, range c being [c·n/parts, (c+1)·n/parts), on the
// calling goroutine and up to GOMAXPROCS−1 helpers, and returns when
// every range is done. The ranges are disjoint and cover [0, n); f must
// be safe to run concurrently on different ranges.
func For(n, cost int, f func(c, lo, hi int)) {
	parts := Parts(n, cost)
	Run(parts, func(c int) { f(c, c*n/parts, (c+1)*n/parts) })
}

// Run calls f(c) for each c in [0, parts): the calling goroutine and up to
// GOMAXPROCS−1 helper goroutines take the indices from a shared counter,
// and Run returns when every call has returned, without waiting for a
// helper the OS has not scheduled yet. mlstd's convolutions (by ranges of
// samples) and matrix products (by panels) share their work through it as
// For does.
func Run(parts int, f func(c int)) {
	if parts <= 1 {
		if parts == 1 {
			f(0)
		}
		return
	}
	var next atomic.Int32
	var done sync.WaitGroup
	done.Add(parts)
	work := func() {
		for {
			c := int(next.Add(1)) - 1
			if c >= parts {
				return
			}
			f(c)
			done.Done()
		}
	}
	for range min(runtime.GOMAXPROCS(0), parts) - 1 {
		go work()
	}
	work()
	done.Wait()
}
