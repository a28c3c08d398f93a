package tensor

import (
	"errors"
	"math"
	"sync"
	"testing"
)

func TestNoGradIsPerGoroutine(t *testing.T) {
	w := Ones(2).SetRequiresGrad(true)
	inside, outside := make(chan bool), make(chan bool)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		NoGrad(func() {
			inside <- w.Scale(2).RequiresGrad()
			<-outside // stay inside NoGrad while the other goroutine works
		})
	}()
	if <-inside {
		t.Error("an op inside NoGrad recorded the graph")
	}
	if !w.Scale(2).RequiresGrad() {
		t.Error("NoGrad on another goroutine switched off recording here")
	}
	outside <- true
	wg.Wait()
	if !GradEnabled() {
		t.Error("recording still off after NoGrad returned")
	}
	NoGrad(func() {
		NoGrad(func() {})
		if GradEnabled() {
			t.Error("nested NoGrad re-enabled recording")
		}
	})
}

func TestShapeErrors(t *testing.T) {
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"matmul", func() { Zeros(64, 784).MatMul(Zeros(128, 10)) }, "tensor: matmul shape mismatch [64 784] × [128 10]"},
		{"add", func() { Zeros(2, 3).Add(Zeros(4)) }, "tensor: add shape mismatch [2 3] × [4]: shapes do not broadcast"},
		{"reshape", func() { Zeros(2, 3).Reshape(4, -1) }, "tensor: reshape shape mismatch [2 3] × [4 -1]"},
		{"rows", func() { Zeros(2, 3).Rows([]int{2}) }, "tensor: rows shape mismatch [2 3]: index 2 out of range"},
		{"linear", func() { Linear(Zeros(2, 3), Zeros(4, 5), nil) }, "tensor: linear shape mismatch [2 3] × [4 5]: need x (…, in) and weight (out, in)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				var se *ShapeError
				err, ok := r.(error)
				if !ok || !errors.As(err, &se) {
					t.Fatalf("panic value %v (%T), want *ShapeError", r, r)
				}
				if se.Error() != c.want {
					t.Errorf("got %q, want %q", se.Error(), c.want)
				}
			}()
			c.f()
		})
	}
}

// TestLabelOutOfRange checks that a label outside [0, C) is reported as
// such, naming the label, its example and the number of classes, and not
// as a *ShapeError (the shapes are fine).
func TestLabelOutOfRange(t *testing.T) {
	for _, c := range []struct {
		name string
		f    func()
		want string
	}{
		{"cross_entropy", func() { CrossEntropy(Zeros(2, 3), []int{0, 3}) },
			"tensor: cross_entropy: label 3 of example 1 is out of range: the scores [2 3] have 3 classes, labels must be in [0, 3)"},
		{"nll_loss", func() { NLLLoss(Zeros(2, 10), []int{-1, 3}) },
			"tensor: nll_loss: label -1 of example 0 is out of range: the scores [2 10] have 10 classes, labels must be in [0, 10)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				r := recover()
				err, ok := r.(error)
				var se *ShapeError
				if !ok || errors.As(err, &se) {
					t.Fatalf("panic value %v (%T), want a plain error", r, r)
				}
				if err.Error() != c.want {
					t.Errorf("got %q, want %q", err.Error(), c.want)
				}
			}()
			c.f()
		})
	}
}

func TestBackwardAccumulatesAndFrees(t *testing.T) {
	w := New([]float32{1, 2, 3}).SetRequiresGrad(true)
	for i := 0; i < 2; i++ {
		w.Mul(w).Sum().Backward() // d/dw Σw² = 2w, twice
	}
	want := []float32{4, 8, 12}
	for i, v := range w.Grad().Data() {
		if v != want[i] {
			t.Fatalf("grad %v, want %v", w.Grad().Data(), want)
		}
	}
	w.ZeroGrad()
	if w.Grad() != nil {
		t.Fatal("ZeroGrad kept the gradient")
	}
	// Shared subexpressions: y = h·h with h = 2w gives dy/dw = 8w.
	h := w.Scale(2)
	h.Mul(h).Sum().Backward()
	if g := w.Grad().Data(); g[0] != 8 || g[2] != 24 {
		t.Fatalf("grad through a shared node %v, want [8 16 24]", g)
	}
}

func TestBroadcastValues(t *testing.T) {
	a := Arange(0, 6, 1).Reshape(2, 3)
	b := New([]float32{10, 20}, 2, 1)
	got := a.Add(b).Data()
	want := []float32{10, 11, 12, 23, 24, 25}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("add column %v, want %v", got, want)
		}
	}
	if s := a.Sub(Scalar(1)).Data(); s[0] != -1 || s[5] != 4 {
		t.Fatalf("sub scalar %v", s)
	}
}

func TestBackwardTwicePanics(t *testing.T) {
	w := Ones(2).SetRequiresGrad(true)
	h := w.Scale(3)
	h.Sum().Backward()
	defer func() {
		if recover() == nil {
			t.Error("a second Backward through a freed graph did not panic")
		}
	}()
	h.Mul(h).Sum().Backward()
}

func TestBackwardWith(t *testing.T) {
	w := New([]float32{1, 2}, 2).SetRequiresGrad(true)
	w.Square().BackwardWith(New([]float32{1, 10}, 2)) // d/dw of w0² + 10·w1²
	if g := w.Grad().Data(); g[0] != 2 || g[1] != 40 {
		t.Errorf("grad %v, want [2 40]", g)
	}
}

// TestPassGrad covers the ops whose backward hands their gradient's
// storage to their input (Reshape, AddScalar; ReLU and Dropout mask it in
// place): the tensor Backward starts from keeps its gradient, unmasked, a
// tensor reshaped twice gets the sum, and the input's gradient is not the
// storage of one that Backward recycles.
func TestPassGrad(t *testing.T) {
	x := New([]float32{-1, 2}, 2).SetRequiresGrad(true)
	r := x.ReLU()
	r.BackwardWith(New([]float32{5, 7}, 2))
	if g := r.Grad().Data(); g[0] != 5 || g[1] != 7 {
		t.Fatalf("ReLU's output keeps gradient %v after Backward, want [5 7]", g)
	}
	if g := x.Grad().Data(); g[0] != 0 || g[1] != 7 {
		t.Fatalf("grad through ReLU %v, want [0 7]", g)
	}
	x.ZeroGrad()
	d := Dropout(x, 0, NewRNG(1)) // keeps everything, scale 1
	d.BackwardWith(New([]float32{5, 7}, 2))
	if g := d.Grad().Data(); g[0] != 5 || g[1] != 7 {
		t.Fatalf("Dropout's output keeps gradient %v after Backward, want [5 7]", g)
	}
	x.ZeroGrad()
	h := x.Scale(2)
	h.ReLU().Add(h.ReLU().Scale(3)).Sum().Backward() // the second ReLU adds into h's gradient
	if g := x.Grad().Data(); g[0] != 0 || g[1] != 8 {
		t.Fatalf("grad through two ReLUs of one tensor %v, want [0 8]", g)
	}

	w := New([]float32{1, 2, 3, 4}, 4).SetRequiresGrad(true)
	y := w.Reshape(2, 2)
	y.BackwardWith(New([]float32{1, 2, 3, 4}, 2, 2))
	if g := y.Grad(); g == nil || g.Data()[3] != 4 {
		t.Fatalf("the root's gradient is %v after Backward, want [1 2 3 4]", g)
	}
	if g := w.Grad().Data(); g[0] != 1 || g[3] != 4 {
		t.Fatalf("grad %v, want [1 2 3 4]", g)
	}
	w.ZeroGrad()
	// Two reshapes of w, one through AddScalar: the gradient is the sum.
	a := w.Reshape(2, 2).AddScalar(1)
	b := w.Reshape(4, 1).Scale(10)
	a.Sum().Add(b.Sum()).Backward()
	if g := w.Grad().Data(); g[0] != 11 || g[3] != 11 {
		t.Fatalf("grad through two reshapes %v, want [11 11 11 11]", g)
	}
	// Intermediate gradients recycled by Backward must not be w's.
	big := Ones(1024).SetRequiresGrad(true)
	big.Reshape(32, 32).AddScalar(0).Scale(2).Sum().Backward()
	g := big.Grad().Data()
	Ones(1024).SetRequiresGrad(true).Scale(3).Reshape(32, 32).Scale(5).Sum().Backward() // reuses the pooled buffers
	for i, v := range g {
		if v != 2 {
			t.Fatalf("grad[%d] = %v after another Backward, want 2 (storage shared with a recycled gradient)", i, v)
		}
	}
}

func TestReLUNaN(t *testing.T) {
	nan := float32(math.NaN())
	x := New([]float32{nan, -1, 2, float32(math.Copysign(math.NaN(), -1))}, 4).SetRequiresGrad(true)
	y := x.ReLU()
	d := y.Data()
	if !math.IsNaN(float64(d[0])) || d[1] != 0 || d[2] != 2 || !math.IsNaN(float64(d[3])) {
		t.Errorf("relu %v, want [NaN 0 2 NaN]", d)
	}
	y.Sum().Backward()
	if g := x.Grad().Data(); g[0] != 0 || g[1] != 0 || g[2] != 1 {
		t.Errorf("relu grad %v, want [0 0 1 0] (torch's threshold_backward)", g)
	}
}
