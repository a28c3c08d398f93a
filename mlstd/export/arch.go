package export

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// archVersion is the version of the architecture description below; a file
// with a newer version is refused rather than misread.
const archVersion = 1

// arch is the architecture description stored as JSON in a file's
// "mlstd.arch" metadata entry, e.g.
//
//	{"version":1,"model":{"kind":"Sequential","layers":[
//	  {"kind":"Linear","in":784,"out":128,"bias":true},{"kind":"ReLU"},
//	  {"kind":"Linear","in":128,"out":10,"bias":true}]}}
type arch struct {
	Version int       `json:"version"`
	Model   layerSpec `json:"model"`
}

// layerSpec describes one layer; which fields are used depends on Kind.
//
// Convolutional layers give their sizes as (height, width) pairs, e.g.
//
//	{"kind":"Conv2d","in":1,"out":6,"bias":true,"kernel":[5,5],"stride":[1,1],"padding":[2,2],"dilation":[1,1]}
//	{"kind":"BatchNorm2d","features":6,"eps":1e-05,"momentum":0.1,"affine":true}
type layerSpec struct {
	Kind     string      `json:"kind"`
	In       int         `json:"in,omitempty"`       // Linear, Conv2d
	Out      int         `json:"out,omitempty"`      // Linear, Conv2d
	Bias     bool        `json:"bias,omitempty"`     // Linear, Conv2d
	Kernel   []int       `json:"kernel,omitempty"`   // Conv2d, MaxPool2d, AvgPool2d
	Stride   []int       `json:"stride,omitempty"`   // Conv2d, MaxPool2d, AvgPool2d
	Padding  []int       `json:"padding,omitempty"`  // Conv2d, MaxPool2d, AvgPool2d
	Dilation []int       `json:"dilation,omitempty"` // Conv2d
	Size     []int       `json:"size,omitempty"`     // AdaptiveAvgPool2d: output (height, width)
	Features int         `json:"features,omitempty"` // BatchNorm1d, BatchNorm2d
	Eps      *float64    `json:"eps,omitempty"`      // BatchNorm1d, BatchNorm2d
	Momentum *float64    `json:"momentum,omitempty"` // BatchNorm1d, BatchNorm2d
	Affine   bool        `json:"affine,omitempty"`   // BatchNorm1d, BatchNorm2d
	Dim      *int        `json:"dim,omitempty"`      // Softmax, LogSoftmax
	P        *float64    `json:"p,omitempty"`        // Dropout, Dropout2d
	Layers   []layerSpec `json:"layers,omitempty"`   // Sequential
}

// describe returns the description of m, or an error naming the first
// layer this package cannot rebuild (at position pos, for messages).
func describe(m nn.Module, pos string) (layerSpec, error) {
	switch l := m.(type) {
	case *nn.Sequential:
		s := layerSpec{Kind: "Sequential", Layers: []layerSpec{}}
		for i, sub := range l.Layers() {
			d, err := describe(sub, join(pos, fmt.Sprint(i)))
			if err != nil {
				return layerSpec{}, err
			}
			s.Layers = append(s.Layers, d)
		}
		return s, nil
	case *nn.Linear:
		if l.Weight == nil || l.Weight.Dims() != 2 {
			return layerSpec{}, fmt.Errorf("export: layer %s: Linear weight must be 2-D", where(pos))
		}
		if l.Bias != nil && (l.Bias.Dims() != 1 || l.Bias.Dim(0) != l.Out()) {
			return layerSpec{}, fmt.Errorf("export: layer %s: Linear bias shape %v does not match weight %v", where(pos), l.Bias.Shape(), l.Weight.Shape())
		}
		return layerSpec{Kind: "Linear", In: l.In(), Out: l.Out(), Bias: l.Bias != nil}, nil
	case *nn.ReLU:
		return layerSpec{Kind: "ReLU"}, nil
	case *nn.Sigmoid:
		return layerSpec{Kind: "Sigmoid"}, nil
	case *nn.Tanh:
		return layerSpec{Kind: "Tanh"}, nil
	case *nn.Softmax:
		d := l.Dim
		return layerSpec{Kind: "Softmax", Dim: &d}, nil
	case *nn.LogSoftmax:
		d := l.Dim
		return layerSpec{Kind: "LogSoftmax", Dim: &d}, nil
	case *nn.Flatten:
		return layerSpec{Kind: "Flatten"}, nil
	case *nn.Dropout:
		p := l.P
		return layerSpec{Kind: "Dropout", P: &p}, nil
	case *nn.Dropout2d:
		p := l.P
		return layerSpec{Kind: "Dropout2d", P: &p}, nil
	case *nn.Conv2d:
		if l.Weight == nil || l.Weight.Dims() != 4 {
			return layerSpec{}, fmt.Errorf("export: layer %s: Conv2d weight must be 4-D (out, in, kH, kW)", where(pos))
		}
		if l.Bias != nil && (l.Bias.Dims() != 1 || l.Bias.Dim(0) != l.Weight.Dim(0)) {
			return layerSpec{}, fmt.Errorf("export: layer %s: Conv2d bias shape %v does not match weight %v", where(pos), l.Bias.Shape(), l.Weight.Shape())
		}
		return layerSpec{Kind: "Conv2d", In: l.Weight.Dim(1), Out: l.Weight.Dim(0), Bias: l.Bias != nil,
			Kernel: []int{l.Weight.Dim(2), l.Weight.Dim(3)}, Stride: l.Stride[:], Padding: l.Padding[:], Dilation: l.Dilation[:]}, nil
	case *nn.MaxPool2d:
		return layerSpec{Kind: "MaxPool2d", Kernel: l.Kernel[:], Stride: l.Stride[:], Padding: l.Padding[:]}, nil
	case *nn.AvgPool2d:
		return layerSpec{Kind: "AvgPool2d", Kernel: l.Kernel[:], Stride: l.Stride[:], Padding: l.Padding[:]}, nil
	case *nn.AdaptiveAvgPool2d:
		return layerSpec{Kind: "AdaptiveAvgPool2d", Size: l.Out[:]}, nil
	case *nn.BatchNorm1d:
		return describeBatchNorm("BatchNorm1d", l.Weight, l.RunningMean, l.Eps, l.Momentum), nil
	case *nn.BatchNorm2d:
		return describeBatchNorm("BatchNorm2d", l.Weight, l.RunningMean, l.Eps, l.Momentum), nil
	case nil:
		return layerSpec{}, fmt.Errorf("export: layer %s is nil", where(pos))
	}
	return layerSpec{}, fmt.Errorf("export: layer %s has type %T, which export cannot describe (supported: %s)", where(pos), m, knownLayers)
}

// knownLayers lists the layer kinds Save and Load handle, for messages.
const knownLayers = "Sequential, Linear, Conv2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d, " +
	"ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Flatten, Dropout, Dropout2d"

func describeBatchNorm(kind string, weight, mean *tensor.Tensor, eps, momentum float64) layerSpec {
	return layerSpec{Kind: kind, Features: mean.Len(), Eps: &eps, Momentum: &momentum, Affine: weight != nil}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func where(pos string) string {
	if pos == "" {
		return "(the model)"
	}
	return pos
}

// encodeArch returns m's description as JSON.
func encodeArch(m nn.Module) (string, error) {
	s, err := describe(m, "")
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(arch{Version: archVersion, Model: s})
	if err != nil {
		return "", fmt.Errorf("export: %v", err)
	}
	return string(b), nil
}

// tensorSource yields the stored tensor for a parameter name, checking
// that it exists and has the expected shape.
type tensorSource func(name string, shape []int) (*tensor.Tensor, error)

// decodeArch parses a description and rebuilds the model, taking
// parameters from src. The model is returned in evaluation mode, its
// parameters requiring gradients (so it can be fine-tuned).
func decodeArch(s string, src tensorSource) (nn.Module, error) {
	var a arch
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return nil, fmt.Errorf("corrupt architecture description: %v", err)
	}
	if a.Version != archVersion {
		return nil, fmt.Errorf("architecture description version %d, this build reads %d", a.Version, archVersion)
	}
	m, err := build(a.Model, "", 0, src)
	if err != nil {
		return nil, err
	}
	nn.Eval(m)
	return m, nil
}

// build makes the module described by s; depth bounds nesting so a
// hostile file cannot exhaust the stack.
func build(s layerSpec, pos string, depth int, src tensorSource) (nn.Module, error) {
	if depth > 64 {
		return nil, fmt.Errorf("architecture nested more than 64 deep")
	}
	switch s.Kind {
	case "Sequential":
		layers := make([]nn.Module, 0, len(s.Layers))
		for i, sub := range s.Layers {
			l, err := build(sub, join(pos, fmt.Sprint(i)), depth+1, src)
			if err != nil {
				return nil, err
			}
			layers = append(layers, l)
		}
		return nn.NewSequentialFrom(layers), nil
	case "Linear":
		return buildLinear(s, pos, src)
	case "ReLU":
		return nn.NewReLU(), nil
	case "Sigmoid":
		return nn.NewSigmoid(), nil
	case "Tanh":
		return nn.NewTanh(), nil
	case "Softmax", "LogSoftmax":
		if s.Dim == nil {
			return nil, fmt.Errorf("layer %s: %s without \"dim\"", where(pos), s.Kind)
		}
		if s.Kind == "Softmax" {
			return nn.NewSoftmax(*s.Dim), nil
		}
		return nn.NewLogSoftmax(*s.Dim), nil
	case "Flatten":
		return nn.NewFlatten(), nil
	case "Dropout":
		if s.P == nil || !(*s.P >= 0 && *s.P <= 1) {
			return nil, fmt.Errorf("layer %s: Dropout needs \"p\" in [0, 1]", where(pos))
		}
		return nn.NewDropout(*s.P), nil
	case "Dropout2d":
		if s.P == nil || !(*s.P >= 0 && *s.P <= 1) {
			return nil, fmt.Errorf("layer %s: Dropout2d needs \"p\" in [0, 1]", where(pos))
		}
		return nn.NewDropout2d(*s.P), nil
	case "Conv2d":
		return buildConv2d(s, pos, src)
	case "MaxPool2d", "AvgPool2d":
		k, st, p, err := poolSizes(s, pos)
		if err != nil {
			return nil, err
		}
		if s.Kind == "MaxPool2d" {
			return &nn.MaxPool2d{Kernel: k, Stride: st, Padding: p}, nil
		}
		return &nn.AvgPool2d{Kernel: k, Stride: st, Padding: p}, nil
	case "AdaptiveAvgPool2d":
		size, ok := pair(s.Size, 1)
		if !ok {
			return nil, fmt.Errorf("layer %s: AdaptiveAvgPool2d needs a positive \"size\" pair, not %v", where(pos), s.Size)
		}
		return &nn.AdaptiveAvgPool2d{Out: size}, nil
	case "BatchNorm1d", "BatchNorm2d":
		return buildBatchNorm(s, pos, src)
	}
	return nil, fmt.Errorf("layer %s: unknown layer kind %q (this build knows %s)", where(pos), s.Kind, knownLayers)
}

// pair returns v as a (height, width) pair whose values are at least min.
func pair(v []int, min int) ([2]int, bool) {
	if len(v) != 2 || v[0] < min || v[1] < min || v[0] > 1<<16 || v[1] > 1<<16 {
		return [2]int{}, false
	}
	return [2]int{v[0], v[1]}, true
}

func poolSizes(s layerSpec, pos string) (k, st, p [2]int, err error) {
	k, ok1 := pair(s.Kernel, 1)
	st, ok2 := pair(s.Stride, 1)
	p, ok3 := pair(s.Padding, 0)
	if !ok1 || !ok2 || !ok3 || 2*p[0] > k[0] || 2*p[1] > k[1] {
		return k, st, p, fmt.Errorf("layer %s: %s has invalid sizes kernel=%v stride=%v padding=%v (the padding at most half the kernel)",
			where(pos), s.Kind, s.Kernel, s.Stride, s.Padding)
	}
	return k, st, p, nil
}

func buildConv2d(s layerSpec, pos string, src tensorSource) (nn.Module, error) {
	k, ok1 := pair(s.Kernel, 1)
	st, ok2 := pair(s.Stride, 1)
	p, ok3 := pair(s.Padding, 0)
	d, ok4 := pair(s.Dilation, 1)
	if !ok1 || !ok2 || !ok3 || !ok4 || s.In <= 0 || s.Out <= 0 || s.In > math.MaxInt32/s.Out/k[0]/k[1] {
		return nil, fmt.Errorf("layer %s: Conv2d has invalid sizes in=%d out=%d kernel=%v stride=%v padding=%v dilation=%v",
			where(pos), s.In, s.Out, s.Kernel, s.Stride, s.Padding, s.Dilation)
	}
	w, err := src(join(pos, "weight"), []int{s.Out, s.In, k[0], k[1]})
	if err != nil {
		return nil, err
	}
	c := &nn.Conv2d{Weight: w.SetRequiresGrad(true), Stride: st, Padding: p, Dilation: d}
	if s.Bias {
		b, err := src(join(pos, "bias"), []int{s.Out})
		if err != nil {
			return nil, err
		}
		c.Bias = b.SetRequiresGrad(true)
	}
	return c, nil
}

func buildBatchNorm(s layerSpec, pos string, src tensorSource) (nn.Module, error) {
	if s.Features <= 0 || s.Features > math.MaxInt32 || s.Eps == nil || !(*s.Eps >= 0) || s.Momentum == nil || !(*s.Momentum >= 0 && *s.Momentum <= 1) {
		return nil, fmt.Errorf("layer %s: %s needs positive \"features\", \"eps\" ≥ 0 and \"momentum\" in [0, 1]", where(pos), s.Kind)
	}
	opts := nn.BatchNormOptions{Eps: *s.Eps, NoAffine: !s.Affine}
	var m nn.Module
	if s.Kind == "BatchNorm1d" {
		b := nn.NewBatchNorm1d(s.Features, opts)
		b.Momentum, b.Eps = *s.Momentum, *s.Eps
		m = b
	} else {
		b := nn.NewBatchNorm2d(s.Features, opts)
		b.Momentum, b.Eps = *s.Momentum, *s.Eps
		m = b
	}
	// Every parameter and buffer comes from the file, in place.
	for _, p := range nn.StateDict(m) {
		t, err := src(join(pos, p.Name), p.Tensor.Shape())
		if err != nil {
			return nil, err
		}
		copy(p.Tensor.Data(), t.Data())
	}
	return m, nil
}

func buildLinear(s layerSpec, pos string, src tensorSource) (nn.Module, error) {
	if s.In <= 0 || s.Out <= 0 || s.In > math.MaxInt32/s.Out {
		return nil, fmt.Errorf("layer %s: Linear has invalid sizes in=%d out=%d", where(pos), s.In, s.Out)
	}
	w, err := src(join(pos, "weight"), []int{s.Out, s.In})
	if err != nil {
		return nil, err
	}
	l := &nn.Linear{Weight: w.SetRequiresGrad(true)}
	if s.Bias {
		b, err := src(join(pos, "bias"), []int{s.Out})
		if err != nil {
			return nil, err
		}
		l.Bias = b.SetRequiresGrad(true)
	}
	return l, nil
}

// sameShape reports whether a and b are equal.
func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
