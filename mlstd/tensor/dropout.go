package tensor

import (
	"fmt"
	"math"

	"github.com/gokernel/gokernel/mlstd/internal/parallel"
)

// Dropout returns x with each element zeroed with probability p and the
// others scaled by 1/(1−p), PyTorch's F.dropout in training mode; the
// gradient flows through the kept elements with the same scale.
//
// The decisions are reproducible from g: Dropout takes one 64-bit draw
// from g (a key) and expands it with SplitMix64, a counter-based
// generator: its output number j (j = 0, 1, …, the SplitMix64 sequence
// seeded with the key) decides elements 2j (its low 32 bits) and 2j+1
// (its high 32 bits), and an element is dropped when its 32 bits, as an
// unsigned integer, are below p·2³² rounded (so p = 0 keeps everything
// and p = 1 drops everything). The result equals x.Mul(mask) with that
// mask of zeros and 1/(1−p). Two decisions per draw and integer
// comparisons make the mask several times cheaper than a float draw per
// element, and element i's decision depends only on the key and i, so
// large tensors are split across cores (internal/parallel) with the same
// result on any number of them.
//
// Unlike that product, the mask and output come from the buffer pool and
// the mask is given back after the backward (at once without a graph), so
// a training step with dropout leaves no garbage. p outside
// [0, 1] panics.
func Dropout(x *Tensor, p float64, g *RNG) *Tensor {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Errorf("tensor: dropout probability %g is not in [0, 1]", p))
	}
	n := len(x.data)
	mask, out := getBuf(n), getBuf(n) // fully written
	d := newDropper(p, g)
	parallel.For((n+1)/2, 2, func(_, lo, hi int) { d.apply(out, mask, x.data, 2*lo, min(2*hi, n)) })
	if !x.requiresGrad || !GradEnabled() {
		putBuf(mask)
		return result("dropout", x.shape, out, nil, x)
	}
	return result("dropout", x.shape, out, func(res *Tensor) {
		gy := res.grad.data
		if x.grad == nil {
			gx := getBuf(n)
			mulK(gx, gy, mask)
			x.addGrad(gx, true)
		} else {
			gx := x.grad.data[:n]
			for i, m := range mask {
				gx[i] += gy[i] * m
			}
		}
		putBuf(mask)
	}, x)
}

// dropper holds one Dropout call's key and threshold.
type dropper struct {
	key       uint64 // the SplitMix64 seed, one draw of the RNG
	threshold uint64 // an element is dropped when its 32 bits are below this
	keep      uint32 // the bits of 1/(1−p) as a float32 (0 when p is 1)
}

func newDropper(p float64, g *RNG) dropper {
	d := dropper{key: g.uint64(), threshold: uint64(math.Round(p * (1 << 32)))}
	if p < 1 {
		d.keep = math.Float32bits(float32(1 / (1 - p)))
	}
	return d
}

// splitMixGamma is SplitMix64's increment (the golden ratio in 64 bits).
const splitMixGamma = 0x9e3779b97f4a7c15

// draw returns output number j of SplitMix64 seeded with the key:
// Steele, Lea and Flood's mix of key + (j+1)·gamma.
func (d *dropper) draw(j int) uint64 {
	z := d.key + uint64(j+1)*splitMixGamma
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// factor returns the mask value for 32 random bits u: 0 when u is below
// the threshold, else 1/(1−p), without a branch (the decisions are
// random, so a branch would be mispredicted a good part of the time).
func (d *dropper) factor(u uint64) float32 {
	kept := uint32((u-d.threshold)>>63) - 1 // all ones when u ≥ threshold
	return math.Float32frombits(d.keep & kept)
}

// apply sets mask[i] as the package comment says and out[i] = x[i]·mask[i]
// for i in [lo, hi), lo even.
func (d *dropper) apply(out, mask, x []float32, lo, hi int) {
	out = out[lo:hi]
	mask, x = mask[lo:hi][:len(out)], x[lo:hi][:len(out)]
	j := lo / 2
	i := 0
	for ; i+1 < len(out); i += 2 {
		r := d.draw(j)
		j++
		m0, m1 := d.factor(r&math.MaxUint32), d.factor(r>>32)
		mask[i], mask[i+1] = m0, m1
		out[i], out[i+1] = x[i]*m0, x[i+1]*m1
	}
	if i < len(out) { // an odd end: the low half of the last draw
		m := d.factor(d.draw(j) & math.MaxUint32)
		mask[i] = m
		out[i] = x[i] * m
	}
}
