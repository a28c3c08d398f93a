package prune

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// mlp is a two-layer MLP's parameters in PyTorch state-dict order:
// 0.weight (3×2), 0.bias (3), 2.weight (2×3), 2.bias (2).
type mlp struct{ ps []nn.Param }

func newMLP() *mlp {
	return &mlp{[]nn.Param{
		{Name: "0.weight", Tensor: tensor.New([]float32{0.5, -0.05, 0.01, 0.3, -0.2, 0.9}, 3, 2)},
		{Name: "0.bias", Tensor: tensor.New([]float32{0.02, -0.5, 0.03}, 3)},
		{Name: "2.weight", Tensor: tensor.New([]float32{-0.4, 0.06, 0.07, 0.08, -0.09, 1.0}, 2, 3)},
		{Name: "2.bias", Tensor: tensor.New([]float32{0.001, 0.2}, 2)},
	}}
}

func (m *mlp) Forward(x *tensor.Tensor) *tensor.Tensor { return x }
func (m *mlp) NamedParameters() []nn.Param             { return m.ps }
func (m *mlp) Parameters() []*tensor.Tensor {
	var out []*tensor.Tensor
	for _, p := range m.ps {
		out = append(out, p.Tensor)
	}
	return out
}

func (m *mlp) data(i int) []float32 { return m.ps[i].Tensor.Data() }

func TestThreshold(t *testing.T) {
	m := newMLP()
	mk := Threshold(m, 0.1)
	if want := []float32{0.5, 0, 0, 0.3, -0.2, 0.9}; !slices.Equal(m.data(0), want) {
		t.Errorf("0.weight = %v, want %v", m.data(0), want)
	}
	if want := []float32{-0.4, 0, 0, 0, 0, 1}; !slices.Equal(m.data(2), want) {
		t.Errorf("2.weight = %v, want %v", m.data(2), want)
	}
	if m.data(1)[0] != 0.02 || m.data(3)[0] != 0.001 {
		t.Error("biases pruned without Config.Biases")
	}
	if mk.Pruned() != 6 || mk.Covered() != 12 || mk.Sparsity() != 0.5 {
		t.Errorf("mask %v", mk)
	}
	Magnitude(m, Config{Threshold: 0.1, Biases: true})
	if m.data(1)[0] != 0 || m.data(3)[0] != 0 || m.data(1)[1] != -0.5 {
		t.Errorf("biases with Config.Biases: %v %v", m.data(1), m.data(3))
	}
}

func TestApply(t *testing.T) {
	m := newMLP()
	mk := Fraction(m, 0.5)
	// Simulate an optimizer step that moves every weight.
	for _, i := range []int{0, 2} {
		for j := range m.data(i) {
			m.data(i)[j] += 1
		}
	}
	mk.Apply()
	if want := []float32{1.5, 0, 0, 1.3, 0, 1.9}; !slices.Equal(m.data(0), want) {
		t.Errorf("after Apply 0.weight = %v, want %v", m.data(0), want)
	}
	w := m.ps[2].Tensor
	w.SetRequiresGrad(true)
	w.Sum().Backward()
	mk.ApplyGrad()
	if want := []float32{1, 0, 0, 0, 1, 1}; !slices.Equal(w.Grad().Data(), want) {
		t.Errorf("after ApplyGrad grad = %v, want %v", w.Grad().Data(), want)
	}
}

func TestFraction(t *testing.T) {
	for _, tc := range []struct {
		name   string
		cfg    Config
		w0, w2 int // zeros expected in each weight
	}{
		{"per tensor 50%", Config{Fraction: 0.5}, 3, 3},
		{"per tensor 100%", Config{Fraction: 1}, 6, 6},
		{"per tensor 0%", Config{}, 0, 0},
		// Global 50% of 12: the six smallest are 0.01, 0.05, 0.06, 0.07, 0.08, 0.09.
		{"global 50%", Config{Fraction: 0.5, Global: true}, 2, 4},
	} {
		m := newMLP()
		Magnitude(m, tc.cfg)
		r := Sparsity(m)
		if r.Layers[0].Zeros != tc.w0 || r.Layers[2].Zeros != tc.w2 || r.Layers[1].Zeros != 0 {
			t.Errorf("%s: zeros %d %d %d, want %d 0 %d", tc.name, r.Layers[0].Zeros, r.Layers[1].Zeros, r.Layers[2].Zeros, tc.w0, tc.w2)
		}
	}
	m := newMLP()
	Fraction(m, 0.5)
	if want := []float32{0.5, 0, 0, 0.3, 0, 0.9}; !slices.Equal(m.data(0), want) {
		t.Errorf("smallest half of 0.weight not removed: %v", m.data(0))
	}
}

func TestNames(t *testing.T) {
	m := newMLP()
	a := Magnitude(m, Config{Threshold: 0.1, Names: []string{"0.weight", "2.bias"}})
	b := Magnitude(m, Config{Threshold: 0.07, Names: []string{"2.weight"}})
	a.Merge(b)
	if want := []float32{0.5, 0, 0, 0.3, -0.2, 0.9}; !slices.Equal(m.data(0), want) {
		t.Errorf("0.weight = %v, want %v", m.data(0), want)
	}
	if want := []float32{-0.4, 0, 0.07, 0.08, -0.09, 1}; !slices.Equal(m.data(2), want) {
		t.Errorf("2.weight = %v, want %v", m.data(2), want)
	}
	if want := []float32{0, 0.2}; !slices.Equal(m.data(3), want) {
		t.Errorf("2.bias = %v, want %v", m.data(3), want)
	}
	if a.Pruned() != 2+1+1 || len(a.Report().Layers) != 3 {
		t.Errorf("merged mask: %v\n%v", a, a.Report())
	}
}

func TestMagnitudePanics(t *testing.T) {
	for _, cfg := range []Config{{Threshold: 1, Fraction: 0.5}, {Fraction: 1.5}, {Threshold: -1}, {Fraction: math.NaN()},
		{Fraction: 0.5, Names: []string{"9.weight"}}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v did not panic", cfg)
				}
			}()
			Magnitude(newMLP(), cfg)
		}()
	}
}

func TestNeurons(t *testing.T) {
	m := newMLP()
	// Row norms of 0.weight: 0.502, 0.300, 0.922 → neuron 1 goes first.
	mk := Neurons(m, 0.34)
	if want := []float32{0.5, -0.05, 0, 0, -0.2, 0.9}; !slices.Equal(m.data(0), want) {
		t.Errorf("0.weight = %v, want %v", m.data(0), want)
	}
	if want := []float32{0.02, 0, 0.03}; !slices.Equal(m.data(1), want) {
		t.Errorf("0.bias = %v, want %v", m.data(1), want)
	}
	if want := []float32{-0.4, 0, 0.07, 0.08, 0, 1}; !slices.Equal(m.data(2), want) {
		t.Errorf("2.weight = %v, want %v (column 1 zeroed)", m.data(2), want)
	}
	if m.data(3)[0] != 0.001 {
		t.Error("output layer's bias pruned")
	}
	if mk.Pruned() != 2+1+2 {
		t.Errorf("mask prunes %d entries", mk.Pruned())
	}
	r := Sparsity(m)
	if r.Layers[0].ZeroRows != 1 || r.Layers[2].ZeroRows != 0 {
		t.Errorf("zero rows %d %d", r.Layers[0].ZeroRows, r.Layers[2].ZeroRows)
	}
	if s := r.String(); !strings.Contains(s, "1/3") {
		t.Errorf("report lacks the zero-row count:\n%s", s)
	}
}

func TestMerge(t *testing.T) {
	m := newMLP()
	a := Threshold(m, 0.1)
	b := Neurons(m, 0.34)
	a.Merge(b)
	// Union: 0.weight {1, 2, 3}, 0.bias {1}, 2.weight {1, 2, 3, 4}.
	if a.Pruned() != 8 {
		t.Errorf("merged mask prunes %d", a.Pruned())
	}
}

func TestReport(t *testing.T) {
	m := newMLP()
	Threshold(m, 0.1)
	r := Sparsity(m)
	if r.Total() != 17 || r.Zeros() != 6 {
		t.Errorf("total %d zeros %d", r.Total(), r.Zeros())
	}
	s := r.String()
	for _, want := range []string{"0.weight", "[3 2]", "33.33%", "66.67%", "all parameters", "35.29%"} {
		if !strings.Contains(s, want) {
			t.Errorf("String lacks %q:\n%s", want, s)
		}
	}
	if h := r.HTML(); strings.Count(h, "<tr>") != 6 || !strings.Contains(h, "35.29%") {
		t.Errorf("HTML: %s", h)
	}
}
