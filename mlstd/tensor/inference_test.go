package tensor

import (
	"slices"
	"sync"
	"testing"
)

// TestInferenceRecordsNothing checks inference tensors: ops with one among
// their inputs record no graph even when other inputs require gradients,
// their outputs are inference tensors in turn (through views, fused ops,
// comparisons), the values are those of the recording ops, Detach and
// Clone give ordinary tensors, and a NoGrad elsewhere changes nothing.
func TestInferenceRecordsNothing(t *testing.T) {
	g := NewRNG(1)
	x := g.Randn(3, 4)
	w := g.Randn(5, 4).SetRequiresGrad(true)
	b := g.Randn(5).SetRequiresGrad(true)
	chain := func(x *Tensor) []*Tensor {
		h := LinearReLU(x, w, b)
		v := h.Reshape(15).Reshape(3, 5)
		s := v.Mul(b).Sum()
		return []*Tensor{h, v, v.Gt(h), s}
	}
	recorded := chain(x)
	if !recorded[3].RequiresGrad() {
		t.Fatal("the ordinary chain did not record: the test checks nothing")
	}
	xi := x.Inference()
	if !xi.IsInference() || x.IsInference() || &xi.Data()[0] != &x.Data()[0] {
		t.Fatal("Inference must return an inference view of the same storage, leaving x ordinary")
	}
	for i, y := range chain(xi) {
		if !y.IsInference() || y.RequiresGrad() || y.parents != nil || y.backward != nil {
			t.Errorf("output %d: inference %v, requires grad %v, graph %v; want an inference tensor without a graph", i, y.IsInference(), y.RequiresGrad(), y.parents != nil)
		}
		if !slices.Equal(y.Data(), recorded[i].Data()) {
			t.Errorf("output %d: %v on the inference tensor, %v recorded", i, y.Data(), recorded[i].Data())
		}
	}
	y := chain(xi)[0]
	if y.Detach().IsInference() || y.Clone().IsInference() {
		t.Error("Detach and Clone must return ordinary tensors")
	}
	// A NoGrad on another goroutine does not matter, and NoGrad does not
	// make inference tensors.
	release, inside := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		NoGrad(func() { close(inside); <-release })
	}()
	<-inside
	if r := LinearReLU(x, w, b); !r.RequiresGrad() || r.IsInference() {
		t.Error("a NoGrad on another goroutine turned recording off here")
	}
	close(release)
	wg.Wait()
	NoGrad(func() {
		if r := LinearReLU(x, w, b); r.RequiresGrad() || r.IsInference() {
			t.Error("under NoGrad: want an ordinary tensor without a graph")
		}
	})
}
