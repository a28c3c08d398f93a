package nn

import (
	"fmt"
	"math"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Conv2dOptions are the optional settings of NewConv2d, torch.nn.Conv2d's
// keyword arguments; the zero value is PyTorch's default (stride 1, no
// padding, dilation 1, with a bias).
type Conv2dOptions struct {
	Stride   int         // step between windows; 0 means 1
	Padding  int         // zeros added on every side
	Dilation int         // spacing between kernel taps; 0 means 1
	NoBias   bool        // leave the layer without a bias (bias=False)
	RNG      *tensor.RNG // generator for the initial weights; nil uses the package generator (see Seed)
}

// Conv2d is a 2-D convolution over NCHW batches, like torch.nn.Conv2d
// (groups 1, zero padding): Weight is (out, in, kH, kW), Bias (out) or nil.
// Stride, Padding and Dilation are (height, width) pairs.
type Conv2d struct {
	Weight   *tensor.Tensor
	Bias     *tensor.Tensor
	Stride   [2]int
	Padding  [2]int
	Dilation [2]int
}

// NewConv2d returns a Conv2d from in to out channels with a kernel×kernel
// filter and PyTorch's default initialisation: kaiming_uniform(a=√5) for
// the weight and U(−1/√fanIn, 1/√fanIn) for the bias, both amounting to
// U(−1/√fanIn, 1/√fanIn) with fanIn = in·kernel².
func NewConv2d(in, out, kernel int, opts Conv2dOptions) *Conv2d {
	if in <= 0 || out <= 0 || kernel <= 0 || opts.Stride < 0 || opts.Padding < 0 || opts.Dilation < 0 {
		panic(fmt.Errorf("nn.NewConv2d(in=%d, out=%d, kernel=%d, %+v): sizes must be positive (padding may be 0)", in, out, kernel, opts))
	}
	g := opts.RNG
	if g == nil {
		g = defaultRNG()
	}
	stride, dil := max(opts.Stride, 1), max(opts.Dilation, 1)
	bound := 1 / math.Sqrt(float64(in*kernel*kernel))
	c := &Conv2d{
		Weight:   g.Uniform(-bound, bound, out, in, kernel, kernel).SetRequiresGrad(true),
		Stride:   [2]int{stride, stride},
		Padding:  [2]int{opts.Padding, opts.Padding},
		Dilation: [2]int{dil, dil},
	}
	if !opts.NoBias {
		c.Bias = g.Uniform(-bound, bound, out).SetRequiresGrad(true)
	}
	return c
}

// Forward convolves x (N, in, H, W) into (N, out, oH, oW). An input of
// another shape panics with an error naming the layer and the shape.
func (c *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	checkNCHW(c.label(), x, c.Weight.Dim(1))
	defer rename(c.label(), x)
	return tensor.Conv2d(x, c.Weight, c.Bias, c.params())
}

// forwardReLU is Forward followed by ReLU in one op (tensor.Conv2dReLU),
// as a Plan runs a Conv2d followed by a ReLU.
func (c *Conv2d) forwardReLU(x *tensor.Tensor) *tensor.Tensor {
	checkNCHW(c.label(), x, c.Weight.Dim(1))
	defer rename(c.label(), x)
	return tensor.Conv2dReLU(x, c.Weight, c.Bias, c.params())
}

func (c *Conv2d) params() tensor.Conv2dParams {
	return tensor.Conv2dParams{Stride: c.Stride, Padding: c.Padding, Dilation: c.Dilation}
}

// label names the layer in errors: "nn.Conv2d(1→32, 3×3)".
func (c *Conv2d) label() string {
	return fmt.Sprintf("nn.Conv2d(%d→%d, %d×%d)", c.Weight.Dim(1), c.Weight.Dim(0), c.Weight.Dim(2), c.Weight.Dim(3))
}

// Parameters returns Weight and, if present, Bias.
func (c *Conv2d) Parameters() []*tensor.Tensor {
	if c.Bias == nil {
		return []*tensor.Tensor{c.Weight}
	}
	return []*tensor.Tensor{c.Weight, c.Bias}
}

// NamedParameters returns "weight" and "bias", PyTorch's names.
func (c *Conv2d) NamedParameters() []Param {
	ps := []Param{{Name: "weight", Tensor: c.Weight}}
	if c.Bias != nil {
		ps = append(ps, Param{Name: "bias", Tensor: c.Bias})
	}
	return ps
}

// String prints the layer as PyTorch does.
func (c *Conv2d) String() string {
	s := fmt.Sprintf("Conv2d(%d, %d, kernel_size=(%d, %d), stride=%s", c.Weight.Dim(1), c.Weight.Dim(0),
		c.Weight.Dim(2), c.Weight.Dim(3), tuple(c.Stride))
	if c.Padding != [2]int{} {
		s += ", padding=" + tuple(c.Padding)
	}
	if c.Dilation != [2]int{1, 1} {
		s += ", dilation=" + tuple(c.Dilation)
	}
	if c.Bias == nil {
		s += ", bias=False"
	}
	return s + ")"
}

func tuple(p [2]int) string { return fmt.Sprintf("(%d, %d)", p[0], p[1]) }

// size prints a pair as PyTorch prints a size given as one int (2) or a
// tuple ((2, 3)).
func size(p [2]int) string {
	if p[0] == p[1] {
		return fmt.Sprint(p[0])
	}
	return tuple(p)
}

// checkNCHW panics with an error naming the layer when x is not a batch
// of images with the given number of channels (0: any).
func checkNCHW(layer string, x *tensor.Tensor, channels int) {
	s := x.Shape()
	if len(s) != 4 {
		hint := "x.Reshape(n, c, h, w)"
		if c := max(channels, 1); len(s) == 2 && s[1]%c == 0 {
			if side := int(math.Round(math.Sqrt(float64(s[1] / c)))); side*side*c == s[1] {
				hint = fmt.Sprintf("x.Reshape(%d, %d, %d, %d) (a data.Dataset: ds.View(%d, %d, %d))", s[0], c, side, side, c, side, side)
			}
		}
		panic(fmt.Errorf("%s: input %v is not NCHW (batch, channels, height, width); reshape it, e.g. %s", layer, s, hint))
	}
	if channels > 0 && s[1] != channels {
		panic(fmt.Errorf("%s: input %v has %d channels, the layer takes %d", layer, s, s[1], channels))
	}
}

// rename, deferred by a layer's Forward, turns the panic of the tensor op
// it calls into an error naming the layer and its input shape rather than
// the op.
func rename(layer string, x *tensor.Tensor) {
	if r := recover(); r != nil {
		if e, ok := r.(*tensor.ShapeError); ok {
			panic(fmt.Errorf("%s: input %v: %s", layer, x.Shape(), e.Msg))
		}
		panic(r)
	}
}

// Pool2dOptions are the optional settings of NewMaxPool2d and
// NewAvgPool2d; the zero value is PyTorch's default (stride equal to the
// kernel, no padding).
type Pool2dOptions struct {
	Stride  int // step between windows; 0 means the kernel size
	Padding int // added on every side, at most half the kernel
}

func poolPairs(layer string, kernel int, opts Pool2dOptions) (k, s, p [2]int) {
	if kernel <= 0 || opts.Stride < 0 || opts.Padding < 0 || 2*opts.Padding > kernel {
		panic(fmt.Errorf("nn.New%s(kernel=%d, %+v): sizes must be positive and the padding at most half the kernel", layer, kernel, opts))
	}
	stride := opts.Stride
	if stride == 0 {
		stride = kernel
	}
	return [2]int{kernel, kernel}, [2]int{stride, stride}, [2]int{opts.Padding, opts.Padding}
}

// MaxPool2d takes the maximum over each window of an NCHW batch, like
// torch.nn.MaxPool2d (dilation 1, floor rounding).
type MaxPool2d struct {
	Kernel, Stride, Padding [2]int // (height, width) pairs
}

// NewMaxPool2d returns a MaxPool2d with a kernel×kernel window.
func NewMaxPool2d(kernel int, opts Pool2dOptions) *MaxPool2d {
	k, s, p := poolPairs("MaxPool2d", kernel, opts)
	return &MaxPool2d{Kernel: k, Stride: s, Padding: p}
}

// Forward pools x (N, C, H, W).
func (m *MaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	label := "nn.MaxPool2d(" + size(m.Kernel) + ")"
	checkNCHW(label, x, 0)
	defer rename(label, x)
	return tensor.MaxPool2d(x, m.Kernel, m.Stride, m.Padding)
}

// forwardReLU is Forward with a ReLU before or after it in one op
// (tensor.MaxPool2dReLU), as nn.Sequential runs a ReLU next to a
// MaxPool2d.
func (m *MaxPool2d) forwardReLU(x *tensor.Tensor) *tensor.Tensor {
	label := "nn.MaxPool2d(" + size(m.Kernel) + ")"
	checkNCHW(label, x, 0)
	defer rename(label, x)
	return tensor.MaxPool2dReLU(x, m.Kernel, m.Stride, m.Padding)
}

// Parameters returns nil: the layer has none.
func (*MaxPool2d) Parameters() []*tensor.Tensor { return nil }

// String prints the layer as PyTorch does.
func (m *MaxPool2d) String() string {
	return fmt.Sprintf("MaxPool2d(kernel_size=%s, stride=%s, padding=%s, dilation=1, ceil_mode=False)",
		size(m.Kernel), size(m.Stride), size(m.Padding))
}

// AvgPool2d averages each window of an NCHW batch, like torch.nn.AvgPool2d
// with its defaults (floor rounding, the zero padding counted in the mean).
type AvgPool2d struct {
	Kernel, Stride, Padding [2]int // (height, width) pairs
}

// NewAvgPool2d returns an AvgPool2d with a kernel×kernel window.
func NewAvgPool2d(kernel int, opts Pool2dOptions) *AvgPool2d {
	k, s, p := poolPairs("AvgPool2d", kernel, opts)
	return &AvgPool2d{Kernel: k, Stride: s, Padding: p}
}

// Forward pools x (N, C, H, W).
func (m *AvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	label := "nn.AvgPool2d(" + size(m.Kernel) + ")"
	checkNCHW(label, x, 0)
	defer rename(label, x)
	return tensor.AvgPool2d(x, m.Kernel, m.Stride, m.Padding)
}

// Parameters returns nil: the layer has none.
func (*AvgPool2d) Parameters() []*tensor.Tensor { return nil }

// String prints the layer as PyTorch does.
func (m *AvgPool2d) String() string {
	return fmt.Sprintf("AvgPool2d(kernel_size=%s, stride=%s, padding=%s)", size(m.Kernel), size(m.Stride), size(m.Padding))
}

// AdaptiveAvgPool2d averages an NCHW batch down to a fixed height and
// width whatever the input's, like torch.nn.AdaptiveAvgPool2d; 1×1 is
// global average pooling.
type AdaptiveAvgPool2d struct {
	Out [2]int // output (height, width)
}

// NewAdaptiveAvgPool2d returns an AdaptiveAvgPool2d to h×w outputs.
func NewAdaptiveAvgPool2d(h, w int) *AdaptiveAvgPool2d {
	if h <= 0 || w <= 0 {
		panic(fmt.Errorf("nn.NewAdaptiveAvgPool2d(%d, %d): the output size must be positive", h, w))
	}
	return &AdaptiveAvgPool2d{Out: [2]int{h, w}}
}

// Forward pools x (N, C, H, W) to (N, C, h, w).
func (m *AdaptiveAvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	label := "nn.AdaptiveAvgPool2d(" + size(m.Out) + ")"
	checkNCHW(label, x, 0)
	defer rename(label, x)
	return tensor.AdaptiveAvgPool2d(x, m.Out[0], m.Out[1])
}

// Parameters returns nil: the layer has none.
func (*AdaptiveAvgPool2d) Parameters() []*tensor.Tensor { return nil }

// String prints the layer as PyTorch does.
func (m *AdaptiveAvgPool2d) String() string {
	return "AdaptiveAvgPool2d(output_size=" + size(m.Out) + ")"
}
