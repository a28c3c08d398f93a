package prune_test

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/prune"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// smallMLP returns a 3-4-2 MLP with fixed weights.
func smallMLP() *nn.Sequential {
	return nn.NewSequential(
		&nn.Linear{
			Weight: tensor.New([]float32{0.9, -0.01, 0.3, 0.02, 0.04, -0.03, -0.7, 0.5, 0.2, 0.01, 0.6, -0.8}, 4, 3),
			Bias:   tensor.New([]float32{0.1, 0.1, 0.1, 0.1}, 4),
		},
		nn.NewReLU(),
		&nn.Linear{
			Weight: tensor.New([]float32{0.5, 0.3, -0.05, 0.4, -0.2, 0.6, 0.08, -0.9}, 2, 4),
			Bias:   tensor.New([]float32{0.05, -0.05}, 2),
		},
	)
}

func ExampleThreshold() {
	model := smallMLP()
	mask := prune.Threshold(model, 0.1) // remove every weight with |θ| < 0.1
	fmt.Println(mask)
	fmt.Printf("weight sparsity %.2f%%\n", 100*nn.WeightSparsity(model)) // the mask's figure
	fmt.Println(prune.Sparsity(model))
	// Output:
	// prune.Mask(7 of 20 entries, 35.00%)
	// weight sparsity 35.00%
	// parameter       shape           entries      zeros  sparsity zero rows
	// 0.weight        [4 3]                12          5    41.67%       1/4
	// 0.bias          [4]                   4          0     0.00%
	// 2.weight        [2 4]                 8          2    25.00%       0/2
	// 2.bias          [2]                   2          0     0.00%
	// all parameters                       26          7    26.92%
}

func ExampleMask_Apply() {
	model := smallMLP()
	mask := prune.Fraction(model, 0.5)
	w := model.Layer(0).(*nn.Linear).Weight
	for i := range w.Data() { // stands in for an optimizer step
		w.Data()[i] += 1
	}
	mask.Apply() // the pruned half is zero again
	fmt.Printf("%.2f\n", w.Data())
	// Output: [1.90 0.00 1.30 0.00 0.00 0.00 0.30 1.50 0.00 0.00 1.60 0.20]
}

func ExampleCompact() {
	model := smallMLP()
	prune.Neurons(model, 0.25) // the hidden neuron with the weakest inputs
	small, removed := prune.Compact(model)
	fmt.Println(removed)
	fmt.Println(small)
	// Output:
	// [1 0 0]
	// Sequential(
	//   (0): Linear(in_features=3, out_features=3, bias=True)
	//   (1): ReLU()
	//   (2): Linear(in_features=3, out_features=2, bias=True)
	// )
}

func ExampleCompact_conv() {
	g := tensor.NewRNG(1)
	model := nn.NewSequential(
		nn.NewConv2d(1, 4, 3, nn.Conv2dOptions{Padding: 1, RNG: g}), nn.NewBatchNorm2d(4, nn.BatchNormOptions{}), nn.NewReLU(),
		nn.NewMaxPool2d(2, nn.Pool2dOptions{}), nn.NewFlatten(), nn.NewLinearRNG(4*4*4, 3, true, g)) // on [N 1 8 8]
	prune.Neurons(model, 0.5) // the two weakest filters, their batch-norm entries and the Linear's inputs from them
	small, removed := prune.Compact(model)
	fmt.Println(removed)
	fmt.Println(small)
	// Output:
	// [2 0 0 0 0 0]
	// Sequential(
	//   (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
	//   (1): BatchNorm2d(2, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)
	//   (2): ReLU()
	//   (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
	//   (4): Flatten(start_dim=1, end_dim=-1)
	//   (5): Linear(in_features=32, out_features=3, bias=True)
	// )
}
