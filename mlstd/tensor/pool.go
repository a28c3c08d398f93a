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

var pools sync.Map // length → *sync.Pool of *[]float32

func poolFor(n int) *sync.Pool {
	if p, ok := pools.Load(n); ok {
		return p.(*sync.Pool)
	}
	p, _ := pools.LoadOrStore(n, new(sync.Pool))
	return p.(*sync.Pool)
}

// getBuf returns a buffer of n float32s with undefined contents.
func getBuf(n int) []float32 {
	if n >= minPooled {
		if b, ok := poolFor(n).Get().(*[]float32); ok {
			return *b
		}
	}
	return make([]float32, n)
}

// getZeroed returns a buffer of n zeros.
func getZeroed(n int) []float32 {
	if n >= minPooled {
		if b, ok := poolFor(n).Get().(*[]float32); ok {
			clear(*b)
			return *b
		}
	}
	return make([]float32, n)
}

// putBuf gives b back for reuse; the caller must hold the only reference.
func putBuf(b []float32) {
	if len(b) >= minPooled && len(b) == cap(b) {
		poolFor(len(b)).Put(&b)
	}
}

var indexPools sync.Map // length → *sync.Pool of *[]int32

// getIndexBuf returns a buffer of n int32s with undefined contents (max
// pooling's argmax indices, kept from the forward to the backward).
func getIndexBuf(n int) []int32 {
	p, _ := indexPools.LoadOrStore(n, new(sync.Pool))
	if b, ok := p.(*sync.Pool).Get().(*[]int32); ok {
		return *b
	}
	return make([]int32, n)
}

// putIndexBuf gives b back for reuse; the caller must hold the only
// reference.
func putIndexBuf(b []int32) {
	if p, ok := indexPools.Load(len(b)); ok && len(b) == cap(b) {
		p.(*sync.Pool).Put(&b)
	}
}
