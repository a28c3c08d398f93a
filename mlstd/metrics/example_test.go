package metrics_test

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/metrics"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func ExampleAccuracy() {
	logits := tensor.New([]float32{
		2.0, 0.1, -1,
		0.3, 0.2, 0.9,
		0.0, 1.5, 0.2,
	}, 3, 3)
	fmt.Println(metrics.Predictions(logits))
	fmt.Printf("%.3f\n", metrics.Accuracy(logits, []int{0, 1, 1}))
	// Output:
	// [0 2 1]
	// 0.667
}

func ExampleF1() {
	y := []int{0, 0, 0, 1, 1, 2, 2, 2, 2, 2}
	pred := []int{0, 1, 0, 1, 2, 2, 2, 0, 2, 1}
	fmt.Printf("macro %.4f  micro %.4f  weighted %.4f\n",
		metrics.F1(pred, y, metrics.Macro), metrics.F1(pred, y, metrics.Micro), metrics.F1(pred, y, metrics.Weighted))
	// Output: macro 0.5778  micro 0.6000  weighted 0.6133
}

func ExampleNewConfusionMatrix() {
	y := []int{0, 0, 1, 1, 1, 2}
	pred := []int{0, 1, 1, 1, 2, 2}
	cm := metrics.NewConfusionMatrix(pred, y, 3)
	cm.Labels = []string{"cat", "dog", "owl"}
	fmt.Println(cm)
	fmt.Printf("%.3f\n", cm.Recall())
	// Output:
	// true\pred cat dog owl
	//       cat   1   1   0
	//       dog   0   2   1
	//       owl   0   0   1
	// [0.500 0.667 1.000]
}

func ExampleClassificationReport() {
	y := []int{0, 0, 0, 1, 1, 2, 2, 2, 2, 2}
	pred := []int{0, 1, 0, 1, 2, 2, 2, 0, 2, 1}
	fmt.Println(metrics.ClassificationReport(pred, y, []string{"cat", "dog", "bird"}))
	// Output:
	//               precision    recall  f1-score   support
	//
	//          cat     0.6667    0.6667    0.6667         3
	//          dog     0.3333    0.5000    0.4000         2
	//         bird     0.7500    0.6000    0.6667         5
	//
	//     accuracy                         0.6000        10
	//    macro avg     0.5833    0.5889    0.5778        10
	// weighted avg     0.6417    0.6000    0.6133        10
}

func ExampleEvaluate() {
	// A fixed linear model that predicts class 1 when x₁ > x₀.
	model := &nn.Linear{Weight: tensor.New([]float32{1, 0, 0, 1}, 2, 2)}
	x := tensor.New([]float32{1, 0, 0, 1, 2, 3, 5, 4, 0, 9, 3, 1}, 6, 2)
	ds := data.NewDataset(x, []int{0, 1, 0, 0, 1, 0})
	ds.Classes = []string{"left", "right"}
	fmt.Printf("accuracy %.4f\n", metrics.ModelAccuracy(model, ds))
	r := metrics.Evaluate(model, ds, 4)
	fmt.Println(r.Confusion)
	// Output:
	// accuracy 0.8333
	// true\pred  left right
	//      left     3     1
	//     right     0     2
}
