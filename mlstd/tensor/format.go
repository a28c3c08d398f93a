package tensor

import (
	"fmt"
	"math"
	"strings"
)

// Print options follow PyTorch's defaults (torch.set_printoptions).
const (
	printThreshold = 1000 // summarise tensors with more elements
	printEdge      = 3    // elements shown at each end when summarised
	printWidth     = 80   // characters per line
)

// String formats the tensor as PyTorch prints it: 4 decimals, or
// integers as "1.", or scientific notation for wide ranges; tensors over
// 1000 elements show 3 items at each end of every dimension.
func (t *Tensor) String() string {
	const prefix = "tensor("
	summarize := len(t.data) > printThreshold
	f := newFormatter(t.shown(summarize))
	var body string
	switch {
	case len(t.data) == 0:
		body = "[]"
	case len(t.shape) == 0:
		body = f.format(t.data[0])
	default:
		body = f.dim(t.data, t.shape, len(prefix), summarize)
	}
	var b strings.Builder
	b.WriteString(prefix + body)
	if len(t.data) == 0 && len(t.shape) != 1 {
		dims := make([]string, len(t.shape))
		for i, d := range t.shape {
			dims[i] = fmt.Sprint(d)
		}
		fmt.Fprintf(&b, ", size=(%s)", strings.Join(dims, ", "))
	}
	switch {
	case t.backward != nil || t.freed: // made by a recorded op (also after Backward freed it)
		fmt.Fprintf(&b, ", grad_fn=<%sBackward>", opName(t.op))
	case t.requiresGrad:
		b.WriteString(", requires_grad=True")
	}
	b.WriteString(")")
	return b.String()
}

func opName(op string) string {
	var b strings.Builder
	up := true
	for _, r := range op {
		if r == '_' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}

// shown returns the elements that will be printed (all, or the edges).
func (t *Tensor) shown(summarize bool) []float32 {
	if !summarize {
		return t.data
	}
	var out []float32
	var walk func(data []float32, shape []int)
	walk = func(data []float32, shape []int) {
		if len(shape) == 0 {
			out = append(out, data[0])
			return
		}
		rs := numel(shape[1:])
		for _, i := range edgeIndices(shape[0], true) {
			if i >= 0 {
				walk(data[i*rs:(i+1)*rs], shape[1:])
			}
		}
	}
	walk(t.data, t.shape)
	return out
}

// edgeIndices lists the indices of a dimension of size n to print; -1
// marks the "..." gap.
func edgeIndices(n int, summarize bool) []int {
	var idx []int
	if summarize && n > 2*printEdge {
		for i := 0; i < printEdge; i++ {
			idx = append(idx, i)
		}
		idx = append(idx, -1)
		for i := n - printEdge; i < n; i++ {
			idx = append(idx, i)
		}
		return idx
	}
	for i := 0; i < n; i++ {
		idx = append(idx, i)
	}
	return idx
}

type formatter struct {
	intMode, sciMode bool
	width            int
}

func newFormatter(vals []float32) *formatter {
	f := &formatter{intMode: true}
	var lo, hi float64 = math.Inf(1), 0
	for _, v := range vals {
		x := float64(v)
		if math.IsNaN(x) || math.IsInf(x, 0) {
			continue
		}
		if x != math.Trunc(x) {
			f.intMode = false
		}
		if a := math.Abs(x); a != 0 {
			lo, hi = math.Min(lo, a), math.Max(hi, a)
		}
	}
	if !f.intMode && hi > 0 && (hi/lo > 1000 || hi > 1e8 || lo < 1e-4) {
		f.sciMode = true
	}
	if f.intMode && hi > 1e8 {
		f.intMode, f.sciMode = false, true
	}
	for _, v := range vals {
		f.width = max(f.width, len(f.plain(v)))
	}
	return f
}

func (f *formatter) plain(v float32) string {
	x := float64(v)
	switch {
	case math.IsNaN(x):
		return "nan"
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case f.intMode:
		return fmt.Sprintf("%.0f.", x)
	case f.sciMode:
		return fmt.Sprintf("%.4e", x)
	}
	return fmt.Sprintf("%.4f", x)
}

func (f *formatter) format(v float32) string {
	s := f.plain(v)
	return strings.Repeat(" ", max(0, f.width-len(s))) + s
}

// dim formats one (sub)tensor; indent is the column of its opening bracket.
func (f *formatter) dim(data []float32, shape []int, indent int, summarize bool) string {
	if len(shape) == 1 {
		perLine := max(1, (printWidth-indent)/(f.width+2))
		var items []string
		for _, i := range edgeIndices(shape[0], summarize) {
			if i < 0 {
				items = append(items, " ...")
				continue
			}
			items = append(items, f.format(data[i]))
		}
		var lines []string
		for len(items) > 0 {
			k := min(perLine, len(items))
			lines = append(lines, strings.Join(items[:k], ", "))
			items = items[k:]
		}
		return "[" + strings.Join(lines, ",\n"+strings.Repeat(" ", indent+1)) + "]"
	}
	rs := numel(shape[1:])
	var parts []string
	for _, i := range edgeIndices(shape[0], summarize) {
		if i < 0 {
			parts = append(parts, "...")
			continue
		}
		parts = append(parts, f.dim(data[i*rs:(i+1)*rs], shape[1:], indent+1, summarize))
	}
	sep := "," + strings.Repeat("\n", len(shape)-1) + strings.Repeat(" ", indent+1)
	return "[" + strings.Join(parts, sep) + "]"
}

// AllClose reports whether t and u have the same shape and
// |t−u| ≤ atol + rtol·|u| element-wise (torch.allclose).
func (t *Tensor) AllClose(u *Tensor, rtol, atol float64) bool {
	if len(t.shape) != len(u.shape) || len(t.data) != len(u.data) {
		return false
	}
	for i, d := range t.shape {
		if u.shape[i] != d {
			return false
		}
	}
	for i, v := range t.data {
		a, b := float64(v), float64(u.data[i])
		if math.Abs(a-b) > atol+rtol*math.Abs(b) || math.IsNaN(a) != math.IsNaN(b) {
			return false
		}
	}
	return true
}
