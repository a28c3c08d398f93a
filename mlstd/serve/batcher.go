package serve

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// modelBox holds the served model so it can be swapped atomically.
type modelBox struct{ m nn.Module }

// job is one request's rows waiting for the model.
type job struct {
	x    []float32 // rows × features, row-major
	rows int
	done chan result
}

// result is one job's share of a forward pass.
type result struct {
	out  []float32 // rows × outWidth
	err  error
	rows int // size of the batch the job ran in
	// free means the pass kept nothing of the input (Plan.KeepsInput),
	// so the job's rows may be recycled.
	free bool
}

// errQueueFull and errStopped become 503 responses.
var (
	errQueueFull = errors.New("serve: request queue is full")
	errStopped   = errors.New("serve: server is shutting down")
)

// batcher owns the model: one goroutine runs every forward pass, so a
// Module need not be safe for concurrent use. Concurrent requests queued
// while a pass runs are merged into the next one (up to maxBatch rows,
// waiting at most maxDelay for more), which is Triton's dynamic batcher.
type batcher struct {
	model    atomic.Pointer[modelBox] // swapped by Server.Swap
	in       []int                    // example shape without batch
	width    int                      // features per row
	outWidth int                      // model outputs per row
	outShape []int                    // output shape without the batch dimension
	maxBatch int
	maxDelay time.Duration

	mu      sync.RWMutex // guards queue against send-after-close
	closed  bool
	queue   chan *job
	stopped chan struct{}
	onBatch func(rows int, x, out []float32) // metrics hook, on the worker
	runMu   sync.Mutex                       // held for every forward pass (worker or inline)
}

func newBatcher(m nn.Module, in []int, maxBatch, queue int, delay time.Duration) (*batcher, error) {
	b := &batcher{
		in: in, width: numel(in), maxBatch: maxBatch, maxDelay: delay,
		queue: make(chan *job, queue), stopped: make(chan struct{}),
	}
	// A warm-up pass checks that the model accepts the input shape and
	// learns its output width.
	out, shape, _, err := b.forward(m, make([]float32, b.width), 1, false)
	if err != nil {
		return nil, err
	}
	b.model.Store(&modelBox{m})
	b.outWidth = len(out)
	if len(shape) > 0 {
		b.outShape = shape[1:]
	}
	if b.outWidth == 0 {
		return nil, errors.New("serve: model returned an empty output")
	}
	return b, nil
}

// forward runs the model on rows rows without recording a graph,
// recovering panics into errors. A Sequential runs its nn.Plan, the one
// Forward runs, so the answer is bitwise Forward's: on the worker (rows
// true) a model of Linear and ReLU layers on flat rows goes through
// Plan.InferRows, which builds no tensors and recycles its activation
// buffers; other passes, and warm-ups (which want the output shape), go
// through Plan.Infer. Other modules run through nn.Infer. free reports
// that the pass keeps nothing of x (Plan.KeepsInput), so the jobs' rows
// may be recycled.
func (b *batcher) forward(m nn.Module, x []float32, n int, rows bool) (out []float32, shape []int, free bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("serve: model forward panicked: %v", r)
		}
	}()
	s, isSeq := m.(*nn.Sequential)
	if rows && isSeq && len(b.in) == 1 && b.outWidth != 0 {
		if out, w, ok := s.Plan().InferRows(x, n, b.width); ok {
			if w != b.outWidth {
				return nil, nil, false, fmt.Errorf("serve: model output width changed to %d (want %d values per row)", w, b.outWidth)
			}
			return out, nil, true, nil
		}
	}
	in := tensor.New(x, append([]int{n}, b.in...)...)
	var y *tensor.Tensor
	if isSeq {
		p := s.Plan()
		y, free = p.Infer(in), !p.KeepsInput()
	} else {
		y = nn.Infer(m, in)
	}
	if y == nil {
		return nil, nil, false, errors.New("serve: model returned nil")
	}
	if y.Len()%n != 0 || (y.Dims() > 0 && y.Dim(0) != n) {
		return nil, nil, false, fmt.Errorf("serve: model output shape %v does not keep the batch dimension %d", y.Shape(), n)
	}
	if b.outWidth != 0 && y.Len() != n*b.outWidth {
		return nil, nil, false, fmt.Errorf("serve: model output shape %v changed (want %d values per row)", y.Shape(), b.outWidth)
	}
	return y.Data(), y.Shape(), free, nil
}

// submit queues j without blocking; it fails when the queue is full or the
// batcher is closed.
func (b *batcher) submit(j *job) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return errStopped
	}
	select {
	case b.queue <- j:
		return nil
	default:
		return errQueueFull
	}
}

func (b *batcher) depth() int { return len(b.queue) }

// close stops accepting jobs; run finishes the queued ones and returns.
func (b *batcher) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
	b.mu.Unlock()
}

// run is the worker loop; it returns after close once the queue is empty.
func (b *batcher) run() {
	defer close(b.stopped)
	var pending *job // a job that did not fit into the previous batch
	for {
		first := pending
		pending = nil
		if first == nil {
			var ok bool
			if first, ok = <-b.queue; !ok {
				return
			}
		}
		batch := []*job{first}
		rows := first.rows
		var timer <-chan time.Time
		if b.maxDelay > 0 {
			timer = time.After(b.maxDelay)
		}
	collect:
		for rows < b.maxBatch {
			var j *job
			var ok bool
			if timer == nil {
				select {
				case j, ok = <-b.queue:
				default:
					break collect
				}
			} else {
				select {
				case j, ok = <-b.queue:
				case <-timer:
					break collect
				}
			}
			if !ok {
				break collect
			}
			if rows+j.rows > b.maxBatch {
				pending = j
				break collect
			}
			batch = append(batch, j)
			rows += j.rows
		}
		b.runMu.Lock()
		b.runBatch(batch, rows)
		b.runMu.Unlock()
	}
}

// runInline runs j at once on the calling goroutine when nothing is queued
// or running (and no MaxDelay asks to wait for company): a lone request
// then costs no hand-off to the worker and back, two goroutine wake-ups
// that cost more CPU than a one-row forward pass. It reports false, having
// done nothing, otherwise; the caller then submits j. runMu keeps the
// model to one forward pass at a time either way.
func (b *batcher) runInline(j *job) bool {
	if b.maxDelay > 0 || len(b.queue) > 0 || !b.runMu.TryLock() {
		return false
	}
	defer b.runMu.Unlock()
	b.mu.RLock()
	closed := b.closed
	b.mu.RUnlock()
	if closed {
		return false
	}
	b.runBatch([]*job{j}, j.rows)
	return true
}

// runBatch concatenates the jobs' rows, runs the model once and hands each
// job its rows of the output.
func (b *batcher) runBatch(batch []*job, rows int) {
	x := batch[0].x
	if len(batch) > 1 {
		x = make([]float32, 0, rows*b.width)
		for _, j := range batch {
			x = append(x, j.x...)
		}
	}
	out, _, free, err := b.forward(b.model.Load().m, x, rows, true)
	if err == nil && b.onBatch != nil {
		b.onBatch(rows, x, out)
	}
	off := 0
	for _, j := range batch {
		r := result{err: err, rows: rows, free: free}
		if err == nil {
			r.out = out[off*b.outWidth : (off+j.rows)*b.outWidth : (off+j.rows)*b.outWidth]
		}
		off += j.rows
		j.done <- r
	}
}

// swap checks m with a warm-up pass and, if its output has the same width,
// makes it the model of the next forward pass.
func (b *batcher) swap(m nn.Module) error {
	out, _, _, err := b.forward(m, make([]float32, b.width), 1, false)
	if err != nil {
		return err
	}
	if len(out) != b.outWidth {
		return fmt.Errorf("serve: new model has %d outputs per row, the served one %d", len(out), b.outWidth)
	}
	b.model.Store(&modelBox{m})
	return nil
}
