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
type layerSpec struct {
	Kind   string      `json:"kind"`
	In     int         `json:"in,omitempty"`     // Linear
	Out    int         `json:"out,omitempty"`    // Linear
	Bias   bool        `json:"bias,omitempty"`   // Linear
	Dim    *int        `json:"dim,omitempty"`    // Softmax, LogSoftmax
	P      *float64    `json:"p,omitempty"`      // Dropout
	Layers []layerSpec `json:"layers,omitempty"` // Sequential
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
	case nil:
		return layerSpec{}, fmt.Errorf("export: layer %s is nil", where(pos))
	}
	return layerSpec{}, fmt.Errorf("export: layer %s has type %T, which export cannot describe (supported: Sequential, Linear, ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Flatten, Dropout)", where(pos), m)
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
	}
	return nil, fmt.Errorf("layer %s: unknown layer kind %q", where(pos), s.Kind)
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
