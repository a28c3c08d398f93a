package tensor

import (
	"sync"

	"github.com/gokernel/gokernel/mlstd/internal/scratch"
)

// Scratch and gradient buffers of a training step are recycled through
// per-length pools instead of being left to the garbage collector: a step
// of the MNIST MLP would otherwise leave ~115 KB of garbage, and the Go
// heap grows by up to its live size (the 219 MB data set) before the
// collector runs, which is where most of a training process's peak RSS
// went. Only buffers that no caller can still reach are put back: the
// gradients of intermediate tensors (dropped by Backward, which owns them)
// and an op's own scratch. Forward outputs are not recycled, since callers
// may keep them, except those that mlstd's own layers declare private
// through internal/scratch (nn.Sequential's hidden activations), which
// Backward recycles when it frees the graph. The pools are sync.Pools,
// emptied by the collector, so they hold no memory for long once training
// stops.

func init() { scratch.Install(markScratch, doneScratch) }

// ownsStorage reports whether t is the output of an op that allocates its
// storage from the pool (never a view): only those are recycled.
func ownsStorage(t *Tensor) bool {
	switch t.op {
	case "linear", "linear_relu", "conv2d", "conv2d_relu", "relu", "max_pool2d", "max_pool2d_relu", "avg_pool2d", "dropout":
		return true
	}
	return false
}

// markScratch implements scratch.Mark: t's storage goes back to the pool
// when Backward frees the graph through t. Tensors without a graph are
// left to doneScratch; others than ownsStorage's are ignored.
func markScratch(v any) {
	if t, ok := v.(*Tensor); ok && t.requiresGrad && t.backward != nil && ownsStorage(t) {
		t.scratch = true
	}
}

// doneScratch implements scratch.Done: a private tensor without a graph is
// recycled now that its one reader has run.
func doneScratch(v any) {
	if t, ok := v.(*Tensor); ok && t.backward == nil && !t.requiresGrad && ownsStorage(t) && t.data != nil {
		putBuf(t.data)
		t.data = nil
	}
}

// minPooled is the smallest buffer worth pooling (1 KiB).
const minPooled = 256

// slicePools recycles slices of T by length, a sync.Pool per length.
type slicePools[T any] struct{ m sync.Map } // length → *sync.Pool of *[]T

func (s *slicePools[T]) pool(n int) *sync.Pool {
	if p, ok := s.m.Load(n); ok {
		return p.(*sync.Pool)
	}
	p, _ := s.m.LoadOrStore(n, new(sync.Pool))
	return p.(*sync.Pool)
}

// get returns a slice of n Ts with undefined contents.
func (s *slicePools[T]) get(n int) []T {
	if b, ok := s.pool(n).Get().(*[]T); ok {
		return *b
	}
	return make([]T, n)
}

// put gives b back for reuse; the caller must hold the only reference.
func (s *slicePools[T]) put(b []T) {
	if len(b) == cap(b) {
		s.pool(len(b)).Put(&b)
	}
}

var (
	floatPools  slicePools[float32] // getBuf's
	indexPools  slicePools[int32]   // max pooling's argmax indices
	offsetPools slicePools[int]     // convolutions' row offsets (taps)
)

// getBuf returns a buffer of n float32s with undefined contents.
func getBuf(n int) []float32 {
	if n >= minPooled {
		return floatPools.get(n)
	}
	return make([]float32, n)
}

// getZeroed returns a buffer of n zeros.
func getZeroed(n int) []float32 {
	b := getBuf(n)
	clear(b)
	return b
}

// putBuf gives b back for reuse; the caller must hold the only reference.
func putBuf(b []float32) {
	if len(b) >= minPooled {
		floatPools.put(b)
	}
}

// getIndexBuf returns a buffer of n int32s with undefined contents (max
// pooling's argmax indices, kept from the forward to the backward).
func getIndexBuf(n int) []int32 { return indexPools.get(n) }

// putIndexBuf gives b back for reuse; the caller must hold the only
// reference.
func putIndexBuf(b []int32) { indexPools.put(b) }
