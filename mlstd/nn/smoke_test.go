package nn_test

import (
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func TestTrainXORLike(t *testing.T) {
	nn.Seed(1)
	g := tensor.NewRNG(2)
	x := g.Randn(256, 2)
	y := make([]int, 256)
	for i := range y {
		d := x.Data()[2*i : 2*i+2]
		if d[0]*d[1] > 0 {
			y[i] = 1
		}
	}
	model := nn.NewMLP([]int{2, 32, 2})
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	var first, last float64
	for step := 0; step < 300; step++ {
		opt.ZeroGrad()
		loss := nn.CrossEntropy(model.Forward(x), y)
		loss.Backward()
		opt.Step()
		if step == 0 {
			first = loss.Item()
		}
		last = loss.Item()
	}
	t.Logf("loss %v -> %v\n%v\n%v", first, last, model, nn.Summary(model))
	if last > first/4 {
		t.Fatalf("loss did not fall: %v -> %v", first, last)
	}
}
