package nn

import (
	"fmt"
	"strings"
	"sync"

	"github.com/gokernel/gokernel/mlstd/internal/dense"
	"github.com/gokernel/gokernel/mlstd/internal/scratch"
	"github.com/gokernel/gokernel/mlstd/internal/vec"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Plan is how a Sequential runs: its layers compiled into a list of steps
// when the Sequential is made and at each Add. A Linear or Conv2d directly
// followed by a ReLU is one fused step (tensor.LinearReLU,
// tensor.Conv2dReLU), and so is a ReLU next to a MaxPool2d, before or after
// it (tensor.MaxPool2dReLU, on the pooled output only; Conv2d, ReLU,
// MaxPool2d is a plain convolution, then the fused pooling), each with the
// same result as the layers one by one; Flatten is a view; a Dropout or
// Dropout2d in evaluation mode (or with P 0) passes its input on; ReLU,
// pooling and BatchNorm run as their layers; any other module (a cell's own
// type, a nested container) runs its Forward. The layers' weights and modes
// are read at every pass, so a model changed in place (an optimizer step,
// Eval, a loaded state dict) runs as it is now.
//
// Sequential.Forward runs its plan, and the ops record the graph as usual;
// Infer runs it on an inference tensor and records nothing; InferRows runs a
// plan of Linear and ReLU layers on plain rows through the same kernels;
// mlstd/serve answers requests with the last two. There is one matching of
// layers to ops, so a served answer is bitwise Forward's.
//
// Memory: a hidden activation handed to a step that returns a new tensor and
// keeps no reference to its input outside the autograd graph (the fused
// steps, ReLU, MaxPool2d, AvgPool2d, BatchNorm, a Dropout or Dropout2d in
// training mode), directly or through a view, is private to the model:
// Backward reuses its storage for the next training step, and without a
// graph it goes back to tensor's buffer pool as soon as that step has run,
// so a pass holds about two activations at a time.
type Plan struct {
	steps  []step
	dense  bool      // every step is a Linear (fused or not) or a ReLU: InferRows runs it
	hidden sync.Pool // *[2][]float32: InferRows' activation buffers between passes
}

// step is one or two layers run as one op.
type step struct {
	layers  []Module // the layers it runs, for String (a fused pair is two)
	forward func(x *tensor.Tensor) *tensor.Tensor
	use     inputUse
	passes  func() bool // a dropout step: reports that it passes its input on (evaluation mode, or P 0)
}

// inputUse is what a step does with its input besides the graph.
type inputUse uint8

const (
	keeps    inputUse = iota // may return its input or keep a reference to it (a module the plan does not know)
	consumes                 // returns a new tensor and keeps no reference to its input
	views                    // returns its input or a view of it (Flatten, Dropout in evaluation mode)
)

// compile returns the plan of layers.
func compile(layers []Module) *Plan {
	p := &Plan{}
	for i := 0; i < len(layers); i++ {
		st := step{layers: layers[i : i+1], use: consumes}
		_, reluNext := at(layers, i+1).(*ReLU)
		pool, poolNext := at(layers, i+1).(*MaxPool2d)
		_, poolAfterReLU := at(layers, i+2).(*MaxPool2d)
		fuse := func(forward func(*tensor.Tensor) *tensor.Tensor) {
			st.forward, st.layers = forward, layers[i:i+2]
			i++
		}
		switch l := layers[i].(type) {
		case *Linear:
			st.forward = l.Forward
			if reluNext {
				fuse(l.forwardReLU)
			}
		case *Conv2d:
			st.forward = l.Forward
			if reluNext && !poolAfterReLU {
				fuse(l.forwardReLU)
			}
		case *ReLU:
			st.forward = l.Forward
			if poolNext {
				fuse(pool.forwardReLU)
			}
		case *MaxPool2d:
			st.forward = l.Forward
			if reluNext {
				fuse(l.forwardReLU)
			}
		case *AvgPool2d, *BatchNorm1d, *BatchNorm2d:
			st.forward = l.Forward
		case *Flatten:
			st.forward, st.use = l.Forward, views
		case *Dropout:
			st.forward, st.passes = l.Forward, func() bool { return !l.Training() || l.P == 0 }
		case *Dropout2d:
			st.forward, st.passes = l.Forward, func() bool { return !l.Training() || l.P == 0 }
		default:
			st.forward, st.use = l.Forward, keeps
		}
		p.steps = append(p.steps, st)
	}
	p.dense = len(p.steps) > 0
	for _, st := range p.steps {
		switch st.layers[0].(type) {
		case *Linear: // alone or with its ReLU
		case *ReLU:
			p.dense = p.dense && len(st.layers) == 1 // not with a MaxPool2d
		default:
			p.dense = false
		}
	}
	return p
}

// at returns layers[i], or nil past the end.
func at(layers []Module, i int) Module {
	if i < len(layers) {
		return layers[i]
	}
	return nil
}

// reads is the step's use of its input in the layers' current modes.
func (st *step) reads() inputUse {
	if st.passes != nil && st.passes() {
		return views // the dropout's Forward returns its input
	}
	return st.use
}

// run runs the steps on x, recording the graph as the ops do.
func (p *Plan) run(x *tensor.Tensor) *tensor.Tensor {
	var private *tensor.Tensor // the storage the step reads, if the model's own
	for i := range p.steps {
		st := &p.steps[i]
		in := private
		x = st.forward(x)
		if in != nil && st.reads() == views {
			continue // x is a view of in: a later step is in's reader
		}
		if in != nil && !x.RequiresGrad() {
			// Only when the step recorded nothing: a graph that holds in
			// (a ReLU of the model's input, read by a recording Linear)
			// reads it at Backward, and Backward recycles only the nodes
			// of its graph (Mark).
			scratch.Done(in)
		}
		private = nil
		if p.consumed(i + 1) {
			scratch.Mark(x)
			private = x
		}
	}
	return x
}

// consumed reports whether the first step from i on that does more than
// view its input consumes it.
func (p *Plan) consumed(i int) bool {
	for ; i < len(p.steps); i++ {
		switch p.steps[i].reads() {
		case consumes:
			return true
		case keeps:
			return false
		}
	}
	return false
}

// Infer returns the plan's output for x without recording a graph: it runs
// on x.Inference() (see the package function Infer). The result is an
// ordinary tensor.
//
// A plan of Linear and ReLU layers only, on a 2-D x, runs as InferRows.
func (p *Plan) Infer(x *tensor.Tensor) *tensor.Tensor {
	if p.dense && x.Dims() == 2 {
		if out, w, ok := p.InferRows(x.Data(), x.Dim(0), x.Dim(1)); ok {
			return tensor.New(out, x.Dim(0), w)
		}
	}
	return detach(p.run(x.Inference()))
}

// InferRows runs a plan of Linear and ReLU layers only (the common served
// model) on rows rows of width values each (x is row-major, rows·width
// long) without building tensors: each step calls the kernel its tensor op
// calls (mlstd/internal/dense for a Linear, fused with its ReLU or not;
// vec.ReLU), in the same order, so out holds Forward's bits; hidden
// activations go to buffers the plan recycles between passes (a sync.Pool:
// concurrent passes each take their own, and an idle model's are
// collected). out is a new slice of rows·outWidth values, and x is only
// read. ok is false, and nothing was computed, when the plan has another
// kind of step or a shape does not fit (then Infer or Forward reports
// it). Layers and weights are read at every pass, as Forward reads them.
func (p *Plan) InferRows(x []float32, rows, width int) (out []float32, outWidth int, ok bool) {
	if !p.dense || rows < 0 || len(x) != rows*width {
		return nil, 0, false
	}
	w := width
	for _, st := range p.steps {
		if l, isLinear := st.layers[0].(*Linear); isLinear {
			if l.Weight == nil || l.Weight.Dims() != 2 || l.Weight.Dim(1) != w || l.Weight.Len() != l.Weight.Dim(0)*w {
				return nil, 0, false
			}
			if l.Bias != nil && (l.Bias.Dims() != 1 || l.Bias.Len() != l.Weight.Dim(0)) {
				return nil, 0, false
			}
			w = l.Weight.Dim(0)
		}
	}
	h, _ := p.hidden.Get().(*[2][]float32)
	if h == nil {
		h = new([2][]float32)
	}
	defer p.hidden.Put(h)
	// A step writes to a new slice when only ReLUs follow it (the slice is
	// the result), else to the hidden buffer not holding its input; a
	// ReLU step works in place, except on the caller's rows.
	cur, slot := x, 0
	dest := func(i, n int) []float32 {
		for _, st := range p.steps[i+1:] {
			if _, isReLU := st.layers[0].(*ReLU); !isReLU {
				if cap(h[slot]) < n {
					h[slot] = make([]float32, n)
				}
				d := h[slot][:n]
				slot ^= 1
				return d
			}
		}
		return make([]float32, n)
	}
	for i, st := range p.steps {
		switch l := st.layers[0].(type) {
		case *Linear:
			o, in := l.Weight.Dim(0), l.Weight.Dim(1)
			var b []float32
			if l.Bias != nil {
				b = l.Bias.Data()
			}
			dst := dest(i, rows*o)
			dense.Linear(dst, cur, l.Weight.Data(), b, rows, o, in, len(st.layers) == 2)
			cur = dst
		case *ReLU:
			dst := cur
			if i == 0 {
				dst = dest(i, len(cur))
			}
			vec.ReLU(dst, cur)
			cur = dst
		}
	}
	return cur, w, true
}

// KeepsInput reports whether a pass may hold on to its input's storage
// after it returns: when a step is a module the plan does not know (its
// Forward may store its input), or when no step surely computes a new
// tensor (the output may be the input, or a view of it). Otherwise the
// storage of x is the caller's again as soon as Infer returns; mlstd/serve
// then reuses request buffers.
func (p *Plan) KeepsInput() bool {
	computes := false
	for _, st := range p.steps {
		switch {
		case st.use == keeps:
			return true
		case st.use == consumes && st.passes == nil:
			computes = true
		}
	}
	return !computes
}

// String lists the steps with the positions of their layers:
//
//	Plan(
//	  (0,1): Linear(in_features=784, out_features=128, bias=True) + ReLU()
//	  (2): Linear(in_features=128, out_features=10, bias=True)
//	)
func (p *Plan) String() string {
	var b strings.Builder
	b.WriteString("Plan(\n")
	i := 0
	for _, st := range p.steps {
		pos, names := make([]string, len(st.layers)), make([]string, len(st.layers))
		for j, l := range st.layers {
			pos[j] = fmt.Sprint(i + j)
			names[j] = strings.ReplaceAll(describe(l), "\n", "\n  ")
		}
		i += len(st.layers)
		fmt.Fprintf(&b, "  (%s): %s\n", strings.Join(pos, ","), strings.Join(names, " + "))
	}
	b.WriteString(")")
	return b.String()
}

// Infer returns m's output for x without recording an autograd graph,
// whatever tensor.NoGrad says: model(x) under torch.inference_mode(). x
// goes in as an inference tensor (tensor.Inference), so no op of the pass
// records, and nothing is looked up per goroutine; a Sequential runs its
// Plan. The result is an ordinary tensor without a graph. mlstd's own
// evaluation (train, metrics, serve, export's checks) runs models through
// Infer; in a cell, tensor.NoGrad(func() { y = m.Forward(x) }) computes
// the same values.
func Infer(m Module, x *tensor.Tensor) *tensor.Tensor {
	if s, ok := m.(*Sequential); ok {
		return s.Plan().Infer(x)
	}
	return detach(m.Forward(x.Inference()))
}

// detach is y.Detach(), or nil for a nil y (a module that returned nil:
// the caller reports it).
func detach(y *tensor.Tensor) *tensor.Tensor {
	if y == nil {
		return nil
	}
	return y.Detach()
}
