package tensor

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// dropMaskRef is Dropout's mask for n elements as its doc defines it,
// written independently of the implementation: the SplitMix64 sequence
// seeded with one draw of g, each output's low then high 32 bits compared
// with p·2³².
func dropMaskRef(g *RNG, p float64, n int) []float32 {
	state := g.uint64()
	next := func() uint64 { // SplitMix64 (Steele, Lea, Flood 2014)
		state += 0x9e3779b97f4a7c15
		z := state
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		return z ^ (z >> 31)
	}
	threshold := math.Round(p * (1 << 32))
	mask := make([]float32, n)
	var r uint64
	for i := range mask {
		u := r >> 32
		if i%2 == 0 {
			r = next()
			u = r & 0xffffffff
		}
		if float64(u) >= threshold {
			mask[i] = float32(1 / (1 - p))
		}
	}
	return mask
}

// TestDropoutEqualsMaskProduct checks Dropout against x.Mul(mask) with the
// mask drawn the documented way from an identically seeded generator:
// same output and same gradient, bit for bit, also when the gradient
// accumulates, on an odd size and a large one; p = 0 and p = 1 are the
// identity and zero; a bad p panics with a message naming it.
func TestDropoutEqualsMaskProduct(t *testing.T) {
	for _, shape := range [][]int{{4, 3, 5, 5}, {3, 7, 5}, {3, 300001}} {
		for _, p := range []float64{0, 0.25, 0.5, 0.9, 1} {
			x := NewRNG(3).Randn(shape...).SetRequiresGrad(true)
			x2 := New(slices.Clone(x.Data()), x.Shape()...).SetRequiresGrad(true)
			got := Dropout(x, p, NewRNG(9))
			mask := New(dropMaskRef(NewRNG(9), p, x.Len()), shape...)
			want := x2.Mul(mask)
			if !slices.Equal(got.Data(), want.Data()) {
				t.Fatalf("%v p=%g: output differs from x·mask", shape, p)
			}
			for range 2 { // the second backward accumulates
				w := NewRNG(4).Randn(x.Shape()...)
				Dropout(x, p, NewRNG(9)).Mul(w).Sum().Backward()
				x2.Mul(mask).Mul(w).Sum().Backward()
				if !slices.Equal(x.Grad().Data(), x2.Grad().Data()) {
					t.Fatalf("%v p=%g: gradient differs from x·mask's", shape, p)
				}
			}
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(error).Error(), "1.5") {
			t.Fatalf("Dropout(p=1.5) recovered %v, want an error naming 1.5", r)
		}
	}()
	Dropout(Ones(2), 1.5, NewRNG(1))
}

// TestDropoutRate checks the generator statistically on 10⁶ elements: the
// fraction dropped is within 4 standard deviations of p (exactly 0 and 1
// for p = 0 and 1), and so is the fraction of neighbours both dropped
// from p², for the two halves of one draw and across two draws; a second
// call on the same generator draws another mask.
func TestDropoutRate(t *testing.T) {
	const n = 1_000_000
	x := Ones(n)
	g := NewRNG(5)
	for _, p := range []float64{0, 1e-3, 0.1, 0.25, 0.5, 0.75, 0.999, 1} {
		y := Dropout(x, p, g).Data()
		dropped := func(i int) bool { return y[i] == 0 }
		var drops, within, across int // within a draw: 2j, 2j+1; across: 2j+1, 2j+2
		for i := range y {
			if dropped(i) {
				drops++
				if i%2 == 1 && dropped(i-1) {
					within++
				}
				if i%2 == 0 && i > 0 && dropped(i-1) {
					across++
				}
			}
		}
		check := func(what string, count, trials int, q float64) {
			got, sigma := float64(count)/float64(trials), math.Sqrt(q*(1-q)/float64(trials))
			if math.Abs(got-q) > 4*sigma {
				t.Errorf("p=%g: %s %.6f, want %.6f ± %.6f (4σ)", p, what, got, q, 4*sigma)
			}
		}
		check("dropped", drops, n, p)
		check("pairs of one draw both dropped", within, n/2, p*p)
		check("pairs across draws both dropped", across, n/2-1, p*p)
		if p > 0 && p < 1 && slices.Equal(y, Dropout(x, p, g).Data()) {
			t.Errorf("p=%g: two calls on one generator gave the same mask", p)
		}
	}
}

// BenchmarkDropoutCNN is the forward and backward of the MNIST CNN's first
// dropout (p 0.25 on its 64×64×12×12 pooled activations), wall and CPU
// time per op, the output's gradient an intermediate's (pooled, copied in
// each time), as in a training step.
func BenchmarkDropoutCNN(b *testing.B) {
	x := NewRNG(1).Randn(64, 64, 12, 12).SetRequiresGrad(true)
	gy := NewRNG(2).Randn(x.Shape()...)
	g := NewRNG(3)
	c0 := cpuSeconds()
	for b.Loop() {
		y := Dropout(x, 0.25, g)
		y.grad = &Tensor{shape: gy.shape, data: append(getBuf(len(gy.data))[:0], gy.data...)}
		y.backward()
		if y.grad != nil {
			putBuf(y.grad.data)
		}
		putBuf(y.data)
		putBuf(x.grad.data)
		x.grad = nil
	}
	b.ReportMetric((cpuSeconds()-c0)/float64(b.N)*1e6, "cpu-µs/op")
}
