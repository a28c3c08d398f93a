package tensor

import "fmt"

// Reshape returns a tensor with the same elements in a new shape, sharing
// t's storage (torch.reshape on a contiguous tensor). One dimension may be
// -1 and is inferred.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	s := append([]int(nil), shape...)
	infer, known := -1, 1
	for i, d := range s {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(&ShapeError{Op: "reshape", A: t.shape, B: shape, Msg: "bad dimension"})
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(t.data)%known != 0 {
			panic(&ShapeError{Op: "reshape", A: t.shape, B: shape})
		}
		s[infer] = len(t.data) / known
	}
	if numel(s) != len(t.data) {
		panic(&ShapeError{Op: "reshape", A: t.shape, B: shape})
	}
	return result("reshape", s, t.data, func(out *Tensor) {
		t.passGrad(out)
	}, t)
}

// View is Reshape (the storage is always shared).
func (t *Tensor) View(shape ...int) *Tensor { return t.Reshape(shape...) }

// Flatten returns t as a 1-D tensor sharing its storage.
func (t *Tensor) Flatten() *Tensor { return t.Reshape(len(t.data)) }

// Unsqueeze inserts a dimension of size 1 at position dim.
func (t *Tensor) Unsqueeze(dim int) *Tensor {
	if dim < 0 {
		dim += len(t.shape) + 1
	}
	if dim < 0 || dim > len(t.shape) {
		panic(&ShapeError{Op: "unsqueeze", A: t.shape, Msg: fmt.Sprintf("no position %d", dim)})
	}
	s := append(append(append([]int(nil), t.shape[:dim]...), 1), t.shape[dim:]...)
	return t.Reshape(s...)
}

// T returns the transpose of a 2-D tensor (a copy; a 1-D tensor is
// returned unchanged, as in PyTorch).
func (t *Tensor) T() *Tensor {
	switch len(t.shape) {
	case 0, 1:
		return t
	case 2:
		return t.Transpose(0, 1)
	}
	panic(&ShapeError{Op: "t", A: t.shape, Msg: "T needs at most 2 dimensions; use Transpose"})
}

// Transpose returns a copy of t with dimensions d0 and d1 swapped.
func (t *Tensor) Transpose(d0, d1 int) *Tensor {
	nd := len(t.shape)
	if d0 < 0 {
		d0 += nd
	}
	if d1 < 0 {
		d1 += nd
	}
	if d0 < 0 || d1 < 0 || d0 >= nd || d1 >= nd {
		panic(&ShapeError{Op: "transpose", A: t.shape, Msg: fmt.Sprintf("dimensions %d, %d out of range", d0, d1)})
	}
	perm := make([]int, nd)
	for i := range perm {
		perm[i] = i
	}
	perm[d0], perm[d1] = d1, d0
	return t.Permute(perm...)
}

// Permute returns a copy of t with its dimensions reordered: dimension i of
// the result is dimension perm[i] of t.
func (t *Tensor) Permute(perm ...int) *Tensor {
	nd := len(t.shape)
	if len(perm) != nd {
		panic(&ShapeError{Op: "permute", A: t.shape, B: perm, Msg: "need one index per dimension"})
	}
	seen := make([]bool, nd)
	shape := make([]int, nd)
	for i, p := range perm {
		if p < 0 || p >= nd || seen[p] {
			panic(&ShapeError{Op: "permute", A: t.shape, B: perm, Msg: "not a permutation"})
		}
		seen[p] = true
		shape[i] = t.shape[p]
	}
	idx := permIndex(t.shape, perm) // idx[outPos] = inPos
	d := make([]float32, len(t.data))
	if nd == 2 && perm[0] == 1 {
		r, c := t.shape[0], t.shape[1]
		for i := 0; i < r; i++ {
			for j := 0; j < c; j++ {
				d[j*r+i] = t.data[i*c+j]
			}
		}
	} else {
		for o, i := range idx {
			d[o] = t.data[i]
		}
	}
	return result("permute", shape, d, func(out *Tensor) {
		g := out.grad.data
		gx := make([]float32, len(g))
		for o, i := range permIndex(t.shape, perm) {
			gx[i] = g[o]
		}
		t.addGrad(gx, true)
	}, t)
}

func permIndex(in []int, perm []int) []int {
	nd := len(in)
	inStride := make([]int, nd)
	s := 1
	for i := nd - 1; i >= 0; i-- {
		inStride[i] = s
		s *= in[i]
	}
	shape := make([]int, nd)
	strides := make([]int, nd)
	for i, p := range perm {
		shape[i] = in[p]
		strides[i] = inStride[p]
	}
	n := numel(in)
	idx := make([]int, n)
	counter := make([]int, nd)
	off := 0
	for k := 0; k < n; k++ {
		idx[k] = off
		for d := nd - 1; d >= 0; d-- {
			counter[d]++
			off += strides[d]
			if counter[d] < shape[d] {
				break
			}
			off -= strides[d] * counter[d]
			counter[d] = 0
		}
	}
	return idx
}

// rowSize is the number of elements in one index of dimension 0.
func (t *Tensor) rowSize() int {
	if len(t.shape) == 0 {
		panic(&ShapeError{Op: "rows", A: t.shape, Msg: "a scalar has no rows"})
	}
	return numel(t.shape[1:])
}

// Rows gathers the given indices of dimension 0 into a new tensor (a batch
// of examples; torch's t[idx]). Indices may repeat; gradients add up.
func (t *Tensor) Rows(idx []int) *Tensor {
	rs := t.rowSize()
	d := make([]float32, len(idx)*rs)
	for i, j := range idx {
		if j < 0 || j >= t.shape[0] {
			panic(&ShapeError{Op: "rows", A: t.shape, Msg: fmt.Sprintf("index %d out of range", j)})
		}
		copy(d[i*rs:(i+1)*rs], t.data[j*rs:(j+1)*rs])
	}
	shape := append([]int{len(idx)}, t.shape[1:]...)
	ix := append([]int(nil), idx...)
	return result("rows", shape, d, func(out *Tensor) {
		g := out.grad.data
		gb := t.gradBuf()
		for i, j := range ix {
			dst := gb[j*rs : (j+1)*rs]
			for k, v := range g[i*rs : (i+1)*rs] {
				dst[k] += v
			}
		}
	}, t)
}

// Slice returns rows [start, end) of dimension 0, sharing t's storage
// (torch's t[start:end]).
func (t *Tensor) Slice(start, end int) *Tensor {
	rs := t.rowSize()
	if start < 0 || end > t.shape[0] || start > end {
		panic(&ShapeError{Op: "slice", A: t.shape, Msg: fmt.Sprintf("bad range [%d, %d)", start, end)})
	}
	shape := append([]int{end - start}, t.shape[1:]...)
	return result("slice", shape, t.data[start*rs:end*rs:end*rs], func(out *Tensor) {
		gb := t.gradBuf()[start*rs : end*rs]
		for k, v := range out.grad.data {
			gb[k] += v
		}
	}, t)
}

// Cat concatenates tensors along dimension 0; all other dimensions must
// agree.
func Cat(ts []*Tensor) *Tensor {
	if len(ts) == 0 {
		panic(&ShapeError{Op: "cat", A: []int{}, Msg: "no tensors"})
	}
	rest := ts[0].shape[1:]
	n, rows := 0, 0
	for _, t := range ts {
		if len(t.shape) == 0 || len(t.shape[1:]) != len(rest) || numel(t.shape[1:]) != numel(rest) {
			panic(&ShapeError{Op: "cat", A: ts[0].shape, B: t.shape})
		}
		for i, d := range t.shape[1:] {
			if d != rest[i] {
				panic(&ShapeError{Op: "cat", A: ts[0].shape, B: t.shape})
			}
		}
		n += len(t.data)
		rows += t.shape[0]
	}
	d := make([]float32, 0, n)
	for _, t := range ts {
		d = append(d, t.data...)
	}
	shape := append([]int{rows}, rest...)
	in := append([]*Tensor(nil), ts...)
	return result("cat", shape, d, func(out *Tensor) {
		g := out.grad.data
		off := 0
		for _, t := range in {
			t.addGrad(g[off:off+len(t.data)], false)
			off += len(t.data)
		}
	}, in...)
}

// At returns the element at the given index, one per dimension (negative
// indices count from the end).
func (t *Tensor) At(idx ...int) float64 {
	if len(idx) != len(t.shape) {
		panic(&ShapeError{Op: "at", A: t.shape, B: idx, Msg: "need one index per dimension"})
	}
	off := 0
	for i, j := range idx {
		d := t.shape[i]
		if j < 0 {
			j += d
		}
		if j < 0 || j >= d {
			panic(&ShapeError{Op: "at", A: t.shape, B: idx, Msg: fmt.Sprintf("index %d out of range for dimension %d", idx[i], i)})
		}
		off = off*d + j
	}
	return float64(t.data[off])
}
