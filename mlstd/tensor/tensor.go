package tensor

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
)

// Tensor is an n-dimensional float32 array in row-major order that can take
// part in reverse-mode automatic differentiation.
//
// A Tensor produced by an op on tensors that require gradients records the
// op's backward function and its inputs; Backward walks that graph.
type Tensor struct {
	shape []int
	data  []float32

	requiresGrad bool
	grad         *Tensor
	parents      []*Tensor
	backward     func() // adds this tensor's grad into its parents' grads
	op           string // name of the op that made it, for errors and String
	freed        bool   // Backward ran through it and dropped its graph
	scratch      bool   // only the graph reads it: Backward recycles data (internal/scratch)
	keepsGrad    bool   // Backward started here: its gradient outlives the graph (passGrad)
	inference    bool   // an inference tensor: ops on it record nothing (Inference)
}

// ShapeError is the panic value of an op whose operands' shapes do not fit.
type ShapeError struct {
	Op   string // the op, e.g. "matmul"
	A, B []int  // the offending shapes; B is nil for unary ops
	Msg  string // optional detail
}

// Error formats the error as "tensor: <op> shape mismatch <A> × <B>: <Msg>".
func (e *ShapeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tensor: %s shape mismatch %v", e.Op, e.A)
	if e.B != nil {
		fmt.Fprintf(&b, " × %v", e.B)
	}
	if e.Msg != "" {
		b.WriteString(": " + e.Msg)
	}
	return b.String()
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		if d < 0 {
			panic(&ShapeError{Op: "new", A: shape, Msg: "negative dimension"})
		}
		n *= d
	}
	return n
}

// New returns a tensor of the given shape that uses data as its storage (no
// copy, like torch.from_numpy). It panics if len(data) does not match.
// A scalar has no dimensions: New([]float32{x}).
func New(data []float32, shape ...int) *Tensor {
	if len(shape) == 0 && len(data) != 1 {
		shape = []int{len(data)}
	}
	if numel(shape) != len(data) {
		panic(&ShapeError{Op: "new", A: shape, Msg: fmt.Sprintf("%d values given", len(data))})
	}
	return &Tensor{shape: append([]int(nil), shape...), data: data}
}

// FromFloat64 returns a new tensor holding a float32 copy of data.
func FromFloat64(data []float64, shape ...int) *Tensor {
	d := make([]float32, len(data))
	for i, v := range data {
		d[i] = float32(v)
	}
	return New(d, shape...)
}

// Scalar returns a 0-dimensional tensor holding v.
func Scalar(v float64) *Tensor { return &Tensor{shape: []int{}, data: []float32{float32(v)}} }

// Zeros returns a tensor of the given shape filled with zeros.
func Zeros(shape ...int) *Tensor {
	return &Tensor{shape: append([]int(nil), shape...), data: make([]float32, numel(shape))}
}

// Shape returns a copy of the tensor's dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Dims returns the number of dimensions.
func (t *Tensor) Dims() int { return len(t.shape) }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int {
	if i < 0 {
		i += len(t.shape)
	}
	if i < 0 || i >= len(t.shape) {
		panic(&ShapeError{Op: "dim", A: t.shape, Msg: fmt.Sprintf("no dimension %d", i)})
	}
	return t.shape[i]
}

// Len returns the number of elements (torch's numel).
func (t *Tensor) Len() int { return len(t.data) }

// Data returns the tensor's storage, in row-major order. Writing to it
// changes the tensor.
func (t *Tensor) Data() []float32 { return t.data }

// Float64s returns a float64 copy of the elements.
func (t *Tensor) Float64s() []float64 {
	out := make([]float64, len(t.data))
	for i, v := range t.data {
		out[i] = float64(v)
	}
	return out
}

// Item returns the value of a one-element tensor.
func (t *Tensor) Item() float64 {
	if len(t.data) != 1 {
		panic(&ShapeError{Op: "item", A: t.shape, Msg: "tensor has more than one element"})
	}
	return float64(t.data[0])
}

// RequiresGrad reports whether gradients are computed for this tensor.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// SetRequiresGrad marks a leaf tensor (a parameter) as needing gradients and
// returns it.
func (t *Tensor) SetRequiresGrad(b bool) *Tensor {
	t.requiresGrad = b
	return t
}

// Grad returns the accumulated gradient, or nil before the first Backward.
func (t *Tensor) Grad() *Tensor { return t.grad }

// ZeroGrad drops the accumulated gradient.
func (t *Tensor) ZeroGrad() { t.grad = nil }

// Detach returns a tensor sharing t's storage that is cut from the graph
// (an ordinary tensor also when t is an inference tensor).
func (t *Tensor) Detach() *Tensor { return &Tensor{shape: t.shape, data: t.data} }

// Inference returns t as an inference tensor (torch.inference_mode's): a
// view sharing t's storage and shape whose every descendant is an
// inference tensor too. An op with an inference tensor among its inputs
// records no graph, whatever its other inputs require and whatever NoGrad
// says, so a model run on x.Inference() builds no backward graph. The
// switch travels with the data rather than with the goroutine: it costs
// no per-goroutine lookup (NoGrad's), touches no other goroutine's ops,
// and it is how mlstd's own code (nn.Infer: serving, evaluation, metrics)
// runs a model without recording. NoGrad remains the convenience for
// cells. Detach and Clone return ordinary tensors.
func (t *Tensor) Inference() *Tensor { return &Tensor{shape: t.shape, data: t.data, inference: true} }

// IsInference reports whether t is an inference tensor (see Inference).
func (t *Tensor) IsInference() bool { return t.inference }

// Clone returns a deep copy of t's values, cut from the graph.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{shape: append([]int(nil), t.shape...), data: append([]float32(nil), t.data...)}
}

// noGrad counts active NoGrad calls per goroutine. Go has no
// goroutine-local storage, so NoGrad keys its state by goroutine (goKey:
// the runtime's goroutine descriptor on amd64 and arm64, about a
// nanosecond; the goroutine id from a stack trace elsewhere, microseconds).
// The common case (no NoGrad active anywhere) costs one atomic load per
// op, and only ops with an input that requires gradients ask; while one is
// active, every such op on every goroutine takes the lock. mlstd's own
// code therefore runs models on inference tensors instead (Inference).
var (
	noGradActive atomic.Int32
	noGradMu     sync.Mutex
	noGradBy     = map[uintptr]int{}
)

// NoGrad runs f with graph recording off (torch.no_grad()): ops inside it
// build no backward graph, which saves time and memory at evaluation. Like
// torch's, the switch is per thread of execution: it affects only the
// goroutine that calls NoGrad (and not goroutines that f starts), so a
// server evaluating in the background does not stop a cell's training.
// It is the convenience for cells; code that runs a model for someone else
// passes it an inference tensor (Inference, nn.Infer), which needs no
// per-goroutine bookkeeping.
func NoGrad(f func()) {
	id := goKey()
	noGradMu.Lock()
	noGradBy[id]++
	noGradMu.Unlock()
	noGradActive.Add(1)
	defer func() {
		noGradActive.Add(-1)
		noGradMu.Lock()
		if noGradBy[id]--; noGradBy[id] == 0 {
			delete(noGradBy, id)
		}
		noGradMu.Unlock()
	}()
	f()
}

// GradEnabled reports whether ops on the calling goroutine record the
// graph.
func GradEnabled() bool {
	if noGradActive.Load() == 0 {
		return true
	}
	id := goKey()
	noGradMu.Lock()
	defer noGradMu.Unlock()
	return noGradBy[id] == 0
}

// goKeyFromStack returns the calling goroutine's id, parsed from the
// header line of its stack trace ("goroutine 18 [running]:").
func goKeyFromStack() uint64 {
	var buf [32]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = b[len("goroutine "):]
	var id uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

// result makes the output tensor of an op. An inference tensor among the
// inputs makes it one too, with no graph; otherwise, if any input requires
// gradients (and recording is on: NoGrad, asked only then), the output
// remembers its inputs and backward function. backward may be nil only
// when no input requires gradients.
func result(op string, shape []int, data []float32, backward func(out *Tensor), inputs ...*Tensor) *Tensor {
	record, inference := tracking(inputs...)
	out := &Tensor{shape: shape, data: data, op: op, inference: inference}
	if record && backward != nil {
		out.requiresGrad = true
		out.parents = inputs
		out.backward = func() { backward(out) }
	}
	return out
}

// tracking tells what an op on inputs (nil ones skipped) makes: a graph
// node (record), an inference tensor, or neither. Ops whose backward
// closure costs allocations ask it first, and build the closure only to
// record (linear).
func tracking(inputs ...*Tensor) (record, inference bool) {
	for _, in := range inputs {
		if in == nil {
			continue
		}
		if in.inference {
			return false, true
		}
		record = record || in.requiresGrad
	}
	return record && GradEnabled(), false
}

// Backward computes the gradients of t (a scalar, typically a loss) with
// respect to every tensor that requires them, accumulating into their Grad.
func (t *Tensor) Backward() {
	if len(t.data) != 1 {
		panic(&ShapeError{Op: "backward", A: t.shape, Msg: "Backward needs a scalar; reduce with Sum or Mean first"})
	}
	t.BackwardWith(New([]float32{1}, t.shape...))
}

// BackwardWith is Backward for a non-scalar t: grad (shaped like t) is the
// gradient of some scalar with respect to t (torch's t.backward(grad)).
func (t *Tensor) BackwardWith(grad *Tensor) {
	if len(grad.data) != len(t.data) {
		panic(&ShapeError{Op: "backward", A: t.shape, B: grad.shape, Msg: "the gradient must have the tensor's shape"})
	}
	if !t.requiresGrad {
		panic(fmt.Errorf("tensor: backward: tensor does not require grad (no parameter took part in computing it)"))
	}
	order := topo(t)
	for _, n := range order {
		if n.freed {
			panic(fmt.Errorf("tensor: backward: trying to go through part of a graph a second time (Backward frees the graph it used; recompute the forward pass)"))
		}
	}
	t.grad = &Tensor{shape: t.shape, data: append([]float32(nil), grad.data...)}
	t.keepsGrad = true
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		if n.backward != nil && n.grad != nil {
			n.backward()
		}
	}
	t.keepsGrad = false
	// Free the graph so intermediate tensors can be collected (retain_graph=False).
	for _, n := range order {
		if n.backward != nil {
			n.backward, n.parents, n.freed = nil, nil, true
			if n != t && n.scratch {
				putBuf(n.data) // marked by internal/scratch: no one else holds it
				n.data, n.scratch = nil, false
			}
			if n != t && n.grad != nil {
				putBuf(n.grad.data) // an intermediate's gradient: unreachable from now on
				n.grad = nil
			}
		}
	}
}

// topo returns the graph below t in topological order (inputs first).
func topo(t *Tensor) []*Tensor {
	var order []*Tensor
	seen := map[*Tensor]bool{}
	type frame struct {
		n *Tensor
		i int
	}
	stack := []frame{{t, 0}}
	seen[t] = true
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.i < len(f.n.parents) {
			p := f.n.parents[f.i]
			f.i++
			if !seen[p] && p.requiresGrad {
				seen[p] = true
				stack = append(stack, frame{p, 0})
			}
			continue
		}
		order = append(order, f.n)
		stack = stack[:len(stack)-1]
	}
	return order
}
