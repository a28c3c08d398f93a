package train_test

import (
	"fmt"
	"os"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/train"
)

// Fit in one call. In a notebook, leave Quiet unset to get the live
// progress display; h as a cell's last expression shows the loss chart
// and the metrics table.
func ExampleFit() {
	nn.Seed(1)
	ds, val := data.Moons(1500, 0.2, 3).Split(0.8, 1)
	model := nn.NewMLP([]int{2, 32, 2})
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	h, err := train.Fit(model, opt, nn.CrossEntropy, ds, train.Config{Epochs: 12, BatchSize: 40, Val: val, Quiet: true})
	if err != nil {
		panic(err)
	}
	fmt.Println(h.Epochs(), "epochs; validation accuracy above 95%:", h.ValAcc[11] > 0.95)
	// Output: 12 epochs; validation accuracy above 95%: true
}

// Outside a notebook (no rich frontend) a Progress writes a line per
// epoch to the writer it is given.
func ExampleProgress() {
	p := train.NewProgress(2, 3).SetWriter(os.Stdout)
	for epoch := 0; epoch < 2; epoch++ {
		for batch := 0; batch < 3; batch++ {
			p.Batch(0.5)
		}
		p.EndEpoch(map[string]float64{"loss": 0.5, "val_acc": 0.875})
	}
	p.Done()
	// Output:
	// epoch 1/2  loss 0.5000  val_acc 0.8750  (0:00)
	// epoch 2/2  loss 0.5000  val_acc 0.8750  (0:00)
}
