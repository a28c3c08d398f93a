package vec

import (
	"fmt"
	"math"
)

// ReLU sets dst[i] = max(x[i], 0); NaN stays NaN, as torch.relu. It
// panics if x is shorter than dst.
func ReLU(dst, x []float32) {
	x = x[:len(dst)]
	if len(dst) == 0 {
		return
	}
	relu(dst, x)
}

// ReLUBackward sets dst[i] = g[i] where y[i] > 0 and 0 elsewhere (y is the
// ReLU's input or output), without branches. It panics if g or y is
// shorter than dst.
func ReLUBackward(dst, g, y []float32) {
	g = g[:len(dst)]
	y = y[:len(dst)]
	if len(dst) == 0 {
		return
	}
	reluBackward(dst, g, y)
}

func reluGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if !(v <= 0) { // keeps NaN
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

func reluBackwardGo(dst, g, y []float32) {
	g = g[:len(dst)]
	y = y[:len(dst)]
	for i, v := range y {
		if v > 0 {
			dst[i] = g[i]
		} else {
			dst[i] = 0
		}
	}
}

// Add sets dst[i] += x[i] (the adjoint of a copy: col2im's and gradient
// accumulation's hot loop). It panics if x is shorter than dst.
func Add(dst, x []float32) {
	x = x[:len(dst)]
	if len(dst) == 0 {
		return
	}
	add(dst, x)
}

// Mul sets dst[i] = x[i]·y[i] (tensor's element-wise product, and
// dropout's backward: the gradient times the mask). It panics if x or y is
// shorter than dst.
func Mul(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	if len(dst) == 0 {
		return
	}
	mul(dst, x, y)
}

// Dropout sets mask[i] to 0 or keep (the bits of a float32) and out[i] =
// x[i]·mask[i] for every i < len(out), from the SplitMix64 sequence seeded
// with key: element i is decided by output number first + ⌊i/2⌋ of the
// sequence (output j being the mix of key + (j+1)·0x9e3779b97f4a7c15),
// by its low 32 bits for even i and its high 32 bits for odd i, and is
// dropped when those bits, as an unsigned integer, are below threshold
// (at most 2³²: everything dropped). So a slice of a larger mask, started
// at an even element with first set to half its offset, gets the same
// values as the whole. It panics if mask or x is shorter than out.
func Dropout(out, mask, x []float32, key uint64, first int, threshold uint64, keep uint32) {
	mask, x = mask[:len(out)], x[:len(out)]
	if threshold > 1<<32 {
		panic(fmt.Sprintf("vec.Dropout: threshold %d is above 2³²", threshold))
	}
	if threshold == 1<<32 { // every element dropped: a mask of zeros
		threshold, keep = 0, 0
	}
	dropout(out, mask, x, key, first, uint32(threshold), keep)
}

// MaxPool2x2 pools every h×w plane of x (planes of h·w consecutive
// elements) with 2×2 windows and stride 2 into out, ⌊h/2⌋ × ⌊w/2⌋ per
// plane, and, unless arg is nil, sets arg to each window's maximum's
// position in its plane (iy·w + ix). The maximum is the first in window
// order (top left, top right, bottom left, bottom right), or the last NaN
// if the window holds any, as torch's max_pool2d. It panics if len(x) is
// not a multiple of h·w or out and arg (if not nil) do not have one
// element per window.
func MaxPool2x2(out []float32, arg []int32, x []float32, h, w int) {
	if h <= 0 || w <= 0 || len(x)%(h*w) != 0 {
		panic(fmt.Sprintf("vec.MaxPool2x2: %d elements are not %d×%d planes", len(x), h, w))
	}
	n := len(x) / (h * w) * (h / 2) * (w / 2)
	if len(out) != n || arg != nil && len(arg) != n {
		panic(fmt.Sprintf("vec.MaxPool2x2: %d planes of %d×%d give %d windows; out has %d, arg %d", len(x)/(h*w), h, w, n, len(out), len(arg)))
	}
	if n == 0 {
		return
	}
	maxPool2x2(out, arg, x, h, w)
}

// MaxUnpool2x2 is MaxPool2x2's backward for a gradient not yet written:
// it sets every element of the h×w planes of dx, the maximum of each
// window (at arg, as MaxPool2x2 gives it) to the window's gradient g and
// the window's other elements, and a last row or column no window covers,
// to 0. With y (the pooled output) not nil a window whose y is not
// positive gets 0 instead (MaxPool2dReLU: the ReLU's mask). The windows
// do not overlap, so each element is written once, where clearing dx and
// adding g at arg wrote the maxima twice; the bits are the same (a −0
// gradient gives +0, as 0 + −0). It panics if len(dx) is not a multiple
// of h·w or g, arg and y (if not nil) do not have one element per window.
func MaxUnpool2x2(dx, g []float32, arg []int32, y []float32, h, w int) {
	if h <= 0 || w <= 0 || len(dx)%(h*w) != 0 {
		panic(fmt.Sprintf("vec.MaxUnpool2x2: %d elements are not %d×%d planes", len(dx), h, w))
	}
	planes := len(dx) / (h * w)
	n := planes * (h / 2) * (w / 2)
	if len(g) != n || len(arg) != n || y != nil && len(y) != n {
		panic(fmt.Sprintf("vec.MaxUnpool2x2: %d planes of %d×%d give %d windows; g has %d, arg %d, y %d", planes, h, w, n, len(g), len(arg), len(y)))
	}
	if n > 0 {
		maxUnpool2x2(dx, g, arg, y, h, w)
	}
	for p := 0; p < planes; p++ { // what no window covers
		d := dx[p*h*w : (p+1)*h*w]
		if w%2 == 1 {
			for r := 0; r < h; r++ {
				d[r*w+w-1] = 0
			}
		}
		if h%2 == 1 {
			clear(d[(h-1)*w:])
		}
	}
}

// maxUnpool2x2Go is MaxUnpool2x2's portable loop, also run for rows
// narrower than the AVX2 kernel's blocks: plane by plane, the plane
// cleared, then each window's gradient (masked by ReLUBackward, without
// branches, when y is given) added at its maximum, while the plane is in
// cache. (A loop writing each window's four elements once, switching on
// the maximum's place, took 0.3 ms of LeNet-5's 4 ms step: branches
// mispredicted.)
func maxUnpool2x2Go(dx, g []float32, arg []int32, y []float32, h, w int) {
	hw, L := h*w, (h/2)*(w/2)
	var masked [64]float32
	for p := 0; p < len(dx)/hw; p++ {
		d := dx[p*hw : (p+1)*hw]
		clear(d)
		for i := p * L; i < (p+1)*L; i += len(masked) {
			n := min(len(masked), (p+1)*L-i)
			gs := g[i : i+n]
			if y != nil {
				ReLUBackward(masked[:n], gs, y[i:i+n])
				gs = masked[:n]
			}
			for j, v := range gs {
				d[arg[i+j]] += v
			}
		}
	}
}

// AddScalarRows copies rows of n elements from src, where they start
// stride elements apart, into dst, where they follow each other, adding c:
// dst[r·n+i] = src[r·stride+i] + c for every row r < len(dst)/n (a
// convolution's output rows, dropped from the wider rows of its product,
// plus the bias). It panics if len(dst) is not a multiple of n, stride is
// less than n, or src is too short.
func AddScalarRows(dst, src []float32, n, stride int, c float32) {
	if n <= 0 || len(dst)%n != 0 || stride < n {
		panic(fmt.Sprintf("vec.AddScalarRows: %d elements are not rows of %d, or stride %d is shorter", len(dst), n, stride))
	}
	rows := len(dst) / n
	if rows == 0 {
		return
	}
	src = src[:(rows-1)*stride+n]
	addScalarRows(dst, src, rows, n, stride, c)
}

// Sum returns the sum of x, accumulated in 32 float32 lanes (element i in
// lane i mod 32) that are then added pairwise, lane 0 to 31 in a fixed
// order, and the last len(x) mod 32 elements added in order: the same
// bits for the same x on every run and with every kernel.
func Sum(x []float32) float32 { return sum(x) }

func addGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		dst[i] += v
	}
}

func mulGo(dst, x, y []float32) {
	x, y = x[:len(dst)], y[:len(dst)]
	for i := range dst {
		dst[i] = x[i] * y[i]
	}
}

// splitMix returns output number j of SplitMix64 seeded with key (Steele,
// Lea and Flood's mix of key + (j+1)·gamma).
func splitMix(key uint64, j int) uint64 {
	z := key + uint64(j+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// dropFactor returns the bits keep, or 0 when u is below threshold,
// without a branch (the decisions are random, so a branch would be
// mispredicted a good part of the time).
func dropFactor(u, threshold, keep uint32) float32 {
	kept := uint32((uint64(u)-uint64(threshold))>>63) - 1 // all ones when u ≥ threshold
	return math.Float32frombits(keep & kept)
}

// dropoutGo is Dropout's loop, two elements per draw.
func dropoutGo(out, mask, x []float32, key uint64, first int, threshold, keep uint32) {
	mask, x = mask[:len(out)], x[:len(out)]
	i := 0
	for j := first; i+1 < len(out); j++ {
		r := splitMix(key, j)
		m0, m1 := dropFactor(uint32(r), threshold, keep), dropFactor(uint32(r>>32), threshold, keep)
		mask[i], mask[i+1] = m0, m1
		out[i], out[i+1] = x[i]*m0, x[i+1]*m1
		i += 2
	}
	if i < len(out) { // an odd end: the low half of the last draw
		m := dropFactor(uint32(splitMix(key, first+i/2)), threshold, keep)
		mask[i] = m
		out[i] = x[i] * m
	}
}

func addScalarRowsGo(dst, src []float32, rows, n, stride int, c float32) {
	for r := 0; r < rows; r++ {
		d, x := dst[r*n:(r+1)*n], src[r*stride:r*stride+n]
		for i, v := range x {
			d[i] = v + c
		}
	}
}

func sumGo(x []float32) float32 {
	var acc [32]float32
	n := len(x) &^ 31
	for i := 0; i < n; i += 32 {
		for l, v := range x[i : i+32] {
			acc[l] += v
		}
	}
	return reduceLanes(&acc, x[n:])
}

// reduceLanes adds the 32 lanes of Sum pairwise (lane l and l+16, then
// l and l+8, …), then the tail in order.
func reduceLanes(acc *[32]float32, tail []float32) float32 {
	for w := 16; w > 0; w /= 2 {
		for l := 0; l < w; l++ {
			acc[l] += acc[l+w]
		}
	}
	s := acc[0]
	for _, v := range tail {
		s += v
	}
	return s
}

// maxPool2x2Go is MaxPool2x2's portable loop, a row of windows at a time.
func maxPool2x2Go(out []float32, arg []int32, x []float32, h, w int) {
	oh, ow := h/2, w/2
	for p := 0; p < len(x)/(h*w); p++ {
		in := x[p*h*w:]
		for oy := 0; oy < oh; oy++ {
			o := (p*oh + oy) * ow
			var a []int32
			if arg != nil {
				a = arg[o : o+ow]
			}
			maxPool2x2Row(out[o:o+ow], a, in[2*oy*w:], in[(2*oy+1)*w:], int32(2*oy*w), int32(w))
		}
	}
}

// maxPool2x2Row pools one row of windows, the top and bottom rows r0 and
// r1 starting at base in their plane: each row's pair, then the two rows,
// compared as order-preserving integer keys with branch-free arithmetic
// rather than unpredictable branches. A window holding a NaN (checked by
// one well-predicted test) takes the general comparisons.
func maxPool2x2Row(out []float32, arg []int32, r0, r1 []float32, base, w int32) {
	for j := range out {
		i := 2 * j
		v0, v1, v2, v3 := r0[i], r0[i+1], r1[i], r1[i+1]
		best, at := v0, int64(0)
		if v0 != v0 || v1 != v1 || v2 != v2 || v3 != v3 {
			for k, v := range [3]float32{v1, v2, v3} {
				if v > best || v != v {
					best, at = v, [3]int64{1, int64(w), int64(w) + 1}[k]
				}
			}
		} else {
			k0, k1, k2, k3 := orderKey(v0), orderKey(v1), orderKey(v2), orderKey(v3)
			s01 := gt(k1, k0) // 1 if the top right beats the top left
			m0 := k0 + s01*(k1-k0)
			s23 := gt(k3, k2)
			m1 := k2 + s23*(k3-k2)
			s := gt(m1, m0)
			at = s01 + s*(int64(w)+s23-s01)
			best = [4]float32{v0, v1, v2, v3}[s*2+(s01+s*(s23-s01))]
		}
		out[j] = best
		if arg != nil {
			arg[j] = base + int32(i) + int32(at)
		}
	}
}

// orderKey maps a non-NaN float32 to an int64 with the same order, −0
// and +0 to the same key (v + 0 is +0 for both), so that maxima and their
// first position are found with integer arithmetic, without branches.
func orderKey(v float32) int64 {
	b := int32(math.Float32bits(v + 0))
	return int64(b ^ (b >> 31 & 0x7fffffff))
}

// gt returns 1 if a > b, else 0, without a branch (a and b are orderKeys,
// so the difference does not overflow).
func gt(a, b int64) int64 { return int64(uint64(b-a) >> 63) }
