package metrics_test

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/metrics"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func ExampleRegression() {
	pred := tensor.New([]float32{2.5, 0, 2, 8}, 4)
	truth := tensor.New([]float32{3, -0.5, 2, 7}, 4)
	fmt.Println(metrics.Regression(pred, truth))
	// Output: MAE 0.5  RMSE 0.6124  R² 0.9486  (4 examples)
}
