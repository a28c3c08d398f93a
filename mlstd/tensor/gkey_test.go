package tensor

import (
	"sync"
	"testing"
)

// TestGoKey checks what NoGrad relies on: goKey is the same for a
// goroutine across calls (also after its stack has grown and moved) and
// differs between goroutines alive at the same time; the stack-trace id
// used where there is no assembly has the same properties.
func TestGoKey(t *testing.T) {
	var grow func(n int) uintptr
	grow = func(n int) uintptr {
		var pad [64]byte
		if n == 0 {
			return goKey() + uintptr(pad[0])
		}
		return grow(n-1) + uintptr(pad[n%64])
	}
	k := goKey()
	if grow(2000) != k || goKey() != k {
		t.Fatal("goKey changed within one goroutine")
	}
	const n = 64
	keys, ids := make([]uintptr, n), make([]uint64, n)
	var ready, wg sync.WaitGroup
	release := make(chan struct{})
	ready.Add(n)
	wg.Add(n)
	for i := range n {
		go func() {
			defer wg.Done()
			keys[i], ids[i] = goKey(), goKeyFromStack()
			ready.Done()
			<-release // stay alive until every key is taken
		}()
	}
	ready.Wait()
	close(release)
	wg.Wait()
	seenK, seenID := map[uintptr]bool{k: true}, map[uint64]bool{goKeyFromStack(): true}
	for i := range n {
		if seenK[keys[i]] || seenID[ids[i]] {
			t.Fatalf("goroutine %d shares a key with another live goroutine (goKey %#x, id %d)", i, keys[i], ids[i])
		}
		seenK[keys[i]], seenID[ids[i]] = true, true
	}
}

// BenchmarkGradEnabledInNoGrad is the per-op cost of the recording check
// while a NoGrad is active (a server evaluating beside a training cell),
// with goKey and with the stack-trace id it replaces on amd64 and arm64.
func BenchmarkGradEnabledInNoGrad(b *testing.B) {
	b.Run("goKey", func(b *testing.B) {
		NoGrad(func() {
			for b.Loop() {
				if GradEnabled() {
					b.Fatal("recording on inside NoGrad")
				}
			}
		})
	})
	b.Run("stack", func(b *testing.B) {
		for b.Loop() {
			_ = goKeyFromStack()
		}
	})
}
