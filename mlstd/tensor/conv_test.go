package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
)

// convCase is one convolution or pooling under test.
type convCase struct {
	Op       string `json:"op"`
	x        []int  // input shape (N, C, H, W)
	o        int    // conv: output channels
	bias     bool   // conv: with a bias
	Kernel   [2]int `json:"kernel"`
	Stride   [2]int `json:"stride"`
	Padding  [2]int `json:"padding"`
	Dilation [2]int `json:"dilation"`
	Out      [2]int `json:"out"` // adaptive pooling's output size
}

func (c convCase) String() string {
	return fmt.Sprintf("%s x%v o=%d bias=%v k%v s%v p%v d%v out%v", c.Op, c.x, c.o, c.bias, c.Kernel, c.Stride, c.Padding, c.Dilation, c.Out)
}

func (c convCase) shapes() [][]int {
	if c.Op != "conv2d" {
		return [][]int{c.x}
	}
	s := [][]int{c.x, {c.o, c.x[1], c.Kernel[0], c.Kernel[1]}}
	if c.bias {
		s = append(s, []int{c.o})
	}
	return s
}

func (c convCase) f(in []*Tensor) *Tensor {
	switch c.Op {
	case "conv2d":
		var b *Tensor
		if c.bias {
			b = in[2]
		}
		return Conv2d(in[0], in[1], b, Conv2dParams{Stride: c.Stride, Padding: c.Padding, Dilation: c.Dilation})
	case "max_pool2d":
		return MaxPool2d(in[0], c.Kernel, c.Stride, c.Padding)
	case "avg_pool2d":
		return AvgPool2d(in[0], c.Kernel, c.Stride, c.Padding)
	}
	return AdaptiveAvgPool2d(in[0], c.Out[0], c.Out[1])
}

// opCase is the case for finite differences. Every op here but max
// pooling is linear in each input, so central differences are exact for
// any step, and a step of 1 keeps float32 rounding from swamping them.
func (c convCase) opCase() opCase {
	return opCase{name: c.String(), shapes: c.shapes(), f: c.f, linear: c.Op != "max_pool2d"}
}

// convCorners are hand-picked stride/padding/dilation corners; randomConvCases
// adds random shapes around them.
var convCorners = []convCase{
	{Op: "conv2d", x: []int{2, 3, 6, 5}, o: 4, bias: true, Kernel: [2]int{1, 1}, Stride: [2]int{2, 2}, Dilation: [2]int{1, 1}},
	{Op: "conv2d", x: []int{1, 2, 3, 4}, o: 2, bias: true, Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}, Padding: [2]int{3, 2}, Dilation: [2]int{1, 1}}, // padding beyond the kernel
	{Op: "conv2d", x: []int{2, 2, 7, 7}, o: 3, bias: false, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Dilation: [2]int{3, 3}},                       // output 1×1
	{Op: "conv2d", x: []int{1, 1, 9, 8}, o: 2, bias: true, Kernel: [2]int{2, 2}, Stride: [2]int{4, 3}, Padding: [2]int{1, 0}, Dilation: [2]int{1, 1}}, // stride > kernel
	{Op: "conv2d", x: []int{2, 3, 5, 6}, o: 2, bias: true, Kernel: [2]int{1, 3}, Stride: [2]int{1, 1}, Padding: [2]int{0, 1}, Dilation: [2]int{1, 2}}, // rectangular
	{Op: "conv2d", x: []int{1, 2, 4, 4}, o: 3, bias: true, Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{2, 2}, Dilation: [2]int{2, 2}},
	// Winograd's forms (winoFormFor): F(2×2) and F(4×4), outputs that
	// fill the tiles or not, padding 0–2.
	{Op: "conv2d", x: []int{3, 8, 7, 6}, o: 9, bias: true, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}},
	{Op: "conv2d", x: []int{2, 9, 6, 9}, o: 8, bias: false, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}},
	{Op: "conv2d", x: []int{1, 8, 3, 4}, o: 8, bias: true, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{2, 1}, Dilation: [2]int{1, 1}},
	{Op: "conv2d", x: []int{3, 8, 6, 8}, o: 8, bias: true, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}},                            // even output, no padding: read in place
	{Op: "conv2d", x: []int{2, 16, 14, 13}, o: 12, bias: true, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}}, // F(4×4), 14×13: partial tiles
	{Op: "conv2d", x: []int{2, 32, 10, 18}, o: 16, bias: false, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}},                       // F(4×4), 8×16, read in place
	{Op: "max_pool2d", x: []int{2, 3, 7, 7}, Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}},                   // ResNet's stem
	{Op: "max_pool2d", x: []int{1, 2, 6, 5}, Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Dilation: [2]int{1, 1}},
	{Op: "max_pool2d", x: []int{1, 1, 5, 7}, Kernel: [2]int{1, 3}, Stride: [2]int{1, 1}, Padding: [2]int{0, 1}, Dilation: [2]int{1, 1}},
	{Op: "avg_pool2d", x: []int{2, 2, 5, 5}, Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}},
	{Op: "avg_pool2d", x: []int{1, 3, 7, 6}, Kernel: [2]int{2, 3}, Stride: [2]int{3, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}},
	{Op: "adaptive_avg_pool2d", x: []int{2, 3, 5, 4}, Out: [2]int{1, 1}},
	{Op: "adaptive_avg_pool2d", x: []int{1, 2, 7, 7}, Out: [2]int{3, 3}}, // overlapping windows
	{Op: "adaptive_avg_pool2d", x: []int{1, 1, 2, 3}, Out: [2]int{4, 5}}, // larger than the input
}

// randomConvCases returns n random valid cases of every op (seeded).
func randomConvCases(n int) []convCase {
	r := rand.New(rand.NewPCG(17, 3))
	in := func(lo, hi int) int { return lo + r.IntN(hi-lo+1) }
	var cs []convCase
	for i := 0; i < n; i++ {
		for _, op := range []string{"conv2d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d"} {
			c := convCase{Op: op, Dilation: [2]int{1, 1}}
			var hw [2]int
			for d := 0; d < 2; d++ {
				k := in(1, 4)
				c.Kernel[d] = k
				switch op {
				case "conv2d":
					c.Stride[d], c.Padding[d], c.Dilation[d] = in(1, 3), in(0, 3), in(1, 3)
				case "max_pool2d", "avg_pool2d":
					c.Stride[d], c.Padding[d] = in(1, 3), in(0, k/2)
				}
				extent := c.Dilation[d]*(k-1) + 1
				hw[d] = max(1, extent-2*c.Padding[d]) + in(0, 6)
				c.Out[d] = in(1, 5)
			}
			c.x = []int{in(1, 3), in(1, 4), hw[0], hw[1]}
			c.o, c.bias = in(1, 5), r.IntN(4) > 0
			if op != "conv2d" {
				c.Dilation = [2]int{1, 1}
			}
			cs = append(cs, c)
		}
	}
	return cs
}

func allConvCases() []convCase { return append(slices.Clone(convCorners), randomConvCases(12)...) }

// TestConvGradientsFiniteDifference checks the backward of Conv2d,
// AvgPool2d and AdaptiveAvgPool2d against central differences. (MaxPool2d's
// is compared with PyTorch only: a step can move a window's maximum.)
func TestConvGradientsFiniteDifference(t *testing.T) {
	for _, c := range allConvCases() {
		if c.Op == "max_pool2d" {
			continue
		}
		t.Run(c.String(), func(t *testing.T) { checkFiniteDifference(t, c.opCase()) })
	}
}

type convRefCase struct {
	convCase
	Inputs []jsonTensor `json:"inputs"`
	R      jsonTensor   `json:"r"`
}

// TestConvMatchTorch runs every convolution and pooling case here and in
// PyTorch (testdata/conv_ref.py) and compares outputs and gradients within
// 1e-5 of the value or of the tensor's root mean square, whichever is
// larger (closeToScale): a convolution's value is a sum of products, whose
// rounding error is bounded by the terms' magnitude, not by the sum's,
// which cancellation can make small. Winograd's F(4×4) form rounds within
// 5e-6 of the root mean square on these cases.
func TestConvMatchTorch(t *testing.T) {
	cases := allConvCases()
	var req struct {
		Cases []convRefCase `json:"cases"`
	}
	for _, c := range cases {
		rc := convRefCase{convCase: c}
		for _, x := range c.opCase().inputs(7) {
			rc.Inputs = append(rc.Inputs, toJSON(x))
		}
		var out *Tensor
		NoGrad(func() { out = c.f(c.opCase().inputs(7)) })
		rc.R = toJSON(NewRNG(99).Uniform(-1, 1, out.shape...))
		req.Cases = append(req.Cases, rc)
	}
	var res struct {
		Ops []refResult `json:"ops"`
	}
	if msg := runTorch("conv_ref.py", req, &res); msg != "" {
		if strings.HasPrefix(msg, "skip: ") && !pyref.Required() {
			t.Skip(strings.TrimPrefix(msg, "skip: "))
		}
		t.Fatal(msg)
	}
	if len(res.Ops) != len(cases) {
		t.Fatalf("%d torch results for %d cases", len(res.Ops), len(cases))
	}
	for i, c := range cases {
		want := res.Ops[i]
		in := c.opCase().inputs(7)
		out := c.f(in)
		weightedLoss(out).Backward()
		if !slices.Equal(out.shape, want.Shape) {
			t.Errorf("%v: shape %v, torch %v", c, out.shape, want.Shape)
			continue
		}
		if err := closeToScale(out.data, want.Out, 1e-5); err != nil {
			t.Errorf("%v forward: %v", c, err)
		}
		for k, x := range in {
			if err := closeToScale(x.Grad().data, want.Grads[k], 1e-5); err != nil {
				t.Errorf("%v grad of input %d: %v", c, k, err)
			}
		}
	}
}

// TestConvBatchInvariant checks that a sample's convolution (forward and
// input gradient) has the same bits alone as in a batch large enough to be
// split across goroutines.
func TestConvBatchInvariant(t *testing.T) {
	// The direct form, F(2×2) (6×6) and F(4×4) (winoFormFor), whose products take
	// winoGroup samples at once.
	for _, c := range []struct{ c, o, h int }{{3, 16, 16}, {8, 8, 6}, {8, 16, 9}, {9, 8, 17}} {
		g := NewRNG(3)
		chw := c.c * c.h * c.h
		x := g.Randn(64, c.c, c.h, c.h).SetRequiresGrad(true)
		w := g.Randn(c.o, c.c, 3, 3)
		b := g.Randn(c.o)
		p := Conv2dParams{Padding: [2]int{1, 1}}
		out := Conv2d(x, w, b, p)
		out.Sum().Backward()
		for _, s := range []int{0, 31, 63} {
			xs := New(slices.Clone(x.data[s*chw:(s+1)*chw]), 1, c.c, c.h, c.h).SetRequiresGrad(true)
			one := Conv2d(xs, w, b, p)
			one.Sum().Backward()
			if !slices.Equal(one.data, out.data[s*len(one.data):(s+1)*len(one.data)]) {
				t.Errorf("%d channels, sample %d: output differs alone and in the batch", c.c, s)
			}
			if !slices.Equal(xs.grad.data, x.grad.data[s*chw:(s+1)*chw]) {
				t.Errorf("%d channels, sample %d: input gradient differs alone and in the batch", c.c, s)
			}
		}
	}
}

// TestConvWeightGradDeterministic checks that the weight and bias
// gradients of a convolution large enough to be cut into ranges of
// samples have the same bits on one goroutine and on several, run after
// run: the partial sums are added in range order, whatever finishes first.
func TestConvWeightGradDeterministic(t *testing.T) {
	grads := func(procs int) [][]float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		g := NewRNG(5)
		x := g.Randn(64, 4, 14, 14).SetRequiresGrad(true)
		w := g.Randn(8, 4, 3, 3).SetRequiresGrad(true)
		b := g.Randn(8).SetRequiresGrad(true)
		Conv2dReLU(x, w, b, Conv2dParams{Padding: [2]int{1, 1}}).Mul(g.Randn(64, 8, 14, 14)).Sum().Backward()
		return [][]float32{w.Grad().Data(), b.Grad().Data(), x.Grad().Data()}
	}
	want := grads(1)
	for run := range 4 {
		for i, got := range grads(1 + run%3) {
			if !slices.Equal(got, want[i]) {
				t.Fatalf("run %d (GOMAXPROCS %d): gradient %d differs from GOMAXPROCS 1's", run, 1+run%3, i)
			}
		}
	}
}

// TestConvConcurrent runs convolutions on several goroutines at once
// (for the race detector: the backward shares no state between calls).
func TestConvConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			g := NewRNG(int64(i))
			x := g.Randn(32, 2, 12, 12)
			w := g.Randn(8, 2, 3, 3).SetRequiresGrad(true)
			Conv2d(x, w, nil, Conv2dParams{}).Sum().Backward()
			if w.Grad() == nil {
				t.Error("no weight gradient")
			}
		}(i)
	}
	wg.Wait()
}

func TestConvShapeErrors(t *testing.T) {
	w := Zeros(32, 1, 3, 3)
	for _, tc := range []struct {
		f    func()
		want string
	}{
		{func() { Conv2d(Zeros(64, 784), w, nil, Conv2dParams{}) }, "conv2d shape mismatch [64 784] × [32 1 3 3]: input is not NCHW"},
		{func() { Conv2d(Zeros(2, 3, 8, 8), w, nil, Conv2dParams{}) }, "input has 3 channels, weight expects 1"},
		{func() { Conv2d(Zeros(2, 1, 2, 8), w, nil, Conv2dParams{}) }, "input 2×8 (padded 2×8) is smaller than the kernel's extent 3×3"},
		{func() { Conv2d(Zeros(2, 1, 8, 8), w, Zeros(3), Conv2dParams{}) }, "bias must be (out)"},
		{func() { Conv2d(Zeros(2, 1, 8, 8), Zeros(3, 3), nil, Conv2dParams{}) }, "weight must be (out, in, kH, kW)"},
		{func() { Conv2d(Zeros(2, 1, 8, 8), w, nil, Conv2dParams{Padding: [2]int{-1, 0}}) }, "padding [-1 0] must not be negative"},
		{func() { MaxPool2d(Zeros(1, 1, 4, 4), [2]int{2, 2}, [2]int{}, [2]int{2, 2}) }, "max_pool2d shape mismatch [1 1 4 4]: padding [2 2] must be at most half the kernel [2 2]"},
		{func() { AvgPool2d(Zeros(4, 4), [2]int{2, 2}, [2]int{}, [2]int{}) }, "avg_pool2d shape mismatch [4 4]: input is not NCHW"},
		{func() { AdaptiveAvgPool2d(Zeros(1, 1, 4, 4), 0, 1) }, "output size 0×1"},
	} {
		func() {
			defer func() {
				e, ok := recover().(*ShapeError)
				if !ok || !strings.Contains(e.Error(), tc.want) {
					t.Errorf("panic %v, want a ShapeError containing %q", e, tc.want)
				}
			}()
			tc.f()
		}()
	}
}

// TestBatchNormFiniteDifference checks BatchNorm's backward in training and
// evaluation mode, with and without the affine parameters, on 2-D and 4-D
// inputs.
func TestBatchNormFiniteDifference(t *testing.T) {
	for _, training := range []bool{true, false} {
		for _, shape := range [][]int{{5, 3}, {2, 3, 4, 3}} {
			c := shape[1]
			rm, rv := NewRNG(1).Randn(c), NewRNG(2).Uniform(0.5, 2, c)
			t.Run(fmt.Sprint(training, shape), func(t *testing.T) {
				checkFiniteDifference(t, opCase{name: "batch_norm", shapes: [][]int{shape, {c}, {c}},
					f: func(in []*Tensor) *Tensor {
						return BatchNorm(in[0], in[1], in[2], rm.Clone(), rv.Clone(), training, 0.1, 1e-5)
					}})
				checkFiniteDifference(t, opCase{name: "batch_norm_plain", shapes: [][]int{shape},
					f: func(in []*Tensor) *Tensor {
						return BatchNorm(in[0], nil, nil, rm.Clone(), rv.Clone(), training, 0.1, 1e-5)
					}})
			})
		}
	}
}

// TestMaxPool2x2MatchesGeneral compares MaxPool2d's unrolled 2×2 stride-2
// loop with the general one, values and argmax, on inputs with ties, NaNs
// signed zeros and odd sizes.
func TestMaxPool2x2MatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	for _, hw := range [][2]int{{4, 4}, {5, 7}, {28, 28}, {2, 3}} {
		x := make([]float32, 3*2*hw[0]*hw[1])
		for i := range x {
			switch r.IntN(10) {
			case 0:
				x[i] = float32(math.NaN())
			case 1, 2:
				x[i] = 1 // ties
			case 3:
				x[i] = float32(math.Copysign(0, -1)) // −0 ties with +0
			case 4:
				x[i] = 0
			default:
				x[i] = r.Float32()
			}
		}
		g := poolGeom("max_pool2d", New(x, 3, 2, hw[0], hw[1]), [2]int{2, 2}, [2]int{}, [2]int{})
		n := 3 * 2 * g.l()
		out1, out2 := make([]float32, n), make([]float32, n)
		arg1, arg2 := make([]int32, n), make([]int32, n)
		maxPool(&g, x, out1, arg1)
		maxPool2x2(&g, x, out2, arg2)
		for i := range out1 {
			if math.Float32bits(out1[i]) != math.Float32bits(out2[i]) || arg1[i] != arg2[i] {
				t.Fatalf("%v: output %d: general %v at %d, 2×2 %v at %d", hw, i, out1[i], arg1[i], out2[i], arg2[i])
			}
		}
	}
}

// TestConv2dReLUEqualsUnfused checks the fused op against Conv2d then ReLU,
// output and every gradient bit for bit, in the wide (stride 1) and
// im2col forms.
func TestConv2dReLUEqualsUnfused(t *testing.T) {
	for _, p := range []Conv2dParams{{Padding: [2]int{1, 1}}, {Stride: [2]int{2, 1}, Dilation: [2]int{1, 2}}} {
		mk := func() []*Tensor {
			g := NewRNG(21)
			return []*Tensor{g.Randn(3, 2, 7, 8).SetRequiresGrad(true), g.Randn(4, 2, 3, 3).SetRequiresGrad(true), g.Randn(4).SetRequiresGrad(true)}
		}
		a, b := mk(), mk()
		fused, plain := Conv2dReLU(a[0], a[1], a[2], p), Conv2d(b[0], b[1], b[2], p).ReLU()
		if !slices.Equal(fused.Data(), plain.Data()) {
			t.Fatalf("%+v: outputs differ", p)
		}
		w := NewRNG(2).Randn(fused.Shape()...)
		fused.Mul(w).Sum().Backward()
		plain.Mul(w).Sum().Backward()
		for i := range a {
			if !slices.Equal(a[i].Grad().Data(), b[i].Grad().Data()) {
				t.Fatalf("%+v: gradient of input %d differs", p, i)
			}
		}
	}
}

// TestMaxPool2dReLUEqualsUnfused checks the fused op against ReLU then
// MaxPool2d and MaxPool2d then ReLU, output and input gradient bit for
// bit, with the 2×2 kernel and the general loop, on inputs with ties,
// all-negative windows and a NaN.
func TestMaxPool2dReLUEqualsUnfused(t *testing.T) {
	for _, k := range []struct{ kernel, stride, pad [2]int }{
		{[2]int{2, 2}, [2]int{}, [2]int{}},
		{[2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}},
	} {
		mk := func() *Tensor {
			x := NewRNG(23).Randn(2, 3, 8, 10)
			for i := range x.data {
				switch i % 7 {
				case 1:
					x.data[i] = 0
				case 2:
					x.data[i] = x.data[i-1]
				}
			}
			x.data[17] = float32(math.NaN())
			return x.SetRequiresGrad(true)
		}
		a, b, c := mk(), mk(), mk()
		fused := MaxPool2dReLU(a, k.kernel, k.stride, k.pad)
		reluFirst := MaxPool2d(b.ReLU(), k.kernel, k.stride, k.pad)
		poolFirst := MaxPool2d(c, k.kernel, k.stride, k.pad).ReLU()
		for _, u := range []*Tensor{reluFirst, poolFirst} {
			if !slices.EqualFunc(fused.Data(), u.Data(), func(p, q float32) bool { return p == q || p != p && q != q }) {
				t.Fatalf("%+v: outputs differ:\n%v\n%v", k, fused.Data(), u.Data())
			}
		}
		w := NewRNG(2).Randn(fused.Shape()...)
		fused.Mul(w).Sum().Backward()
		reluFirst.Mul(w).Sum().Backward()
		poolFirst.Mul(w).Sum().Backward()
		if !slices.Equal(a.Grad().Data(), b.Grad().Data()) || !slices.Equal(a.Grad().Data(), c.Grad().Data()) {
			t.Fatalf("%+v: input gradients differ", k)
		}
	}
}

// TestWinoFormFor: which convolutions take a Winograd form, and which.
func TestWinoFormFor(t *testing.T) {
	for _, c := range []struct {
		x       []int
		o, k, s int
		want    int // the form's tile side, 0 for the direct form
	}{
		{[]int{64, 32, 26, 26}, 64, 3, 1, 4},  // the MNIST CNN's second layer
		{[]int{64, 1, 28, 28}, 32, 3, 1, 0},   // its first: one channel in
		{[]int{64, 6, 14, 14}, 16, 5, 1, 0},   // LeNet-5's second: 5×5
		{[]int{8, 32, 26, 26}, 64, 3, 2, 0},   // stride 2
		{[]int{1, 64, 224, 224}, 64, 3, 1, 0}, // 57 MB of transformed tiles
		{[]int{1, 256, 28, 28}, 256, 3, 1, 4}, // 3.6 MB
		{[]int{1, 8, 8, 8}, 8, 3, 1, 2},       // 6×6: 144 multiplies in both forms
		{[]int{1, 8, 4, 4}, 8, 3, 1, 2},       // 2×2: one F(2×2) tile
		{[]int{1, 8, 9, 9}, 8, 3, 1, 4},       // 7×7: 144 multiplies against 256
		{[]int{1, 8, 12, 12}, 8, 3, 1, 4},     // 10×10: 324 multiplies against 400
	} {
		g, msg := newGeom(c.x, c.k, c.k, [2]int{c.s, c.s}, [2]int{}, [2]int{})
		if msg != "" {
			t.Fatal(msg)
		}
		got := 0
		if f := winoFormFor(&g, c.o); f != nil {
			got = f.m
		}
		if got != c.want {
			t.Errorf("%v → %d, %d×%d stride %d: form %d, want %d", c.x, c.o, c.k, c.k, c.s, got, c.want)
		}
	}
}
