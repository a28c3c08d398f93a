package chart_test

import (
	"fmt"
	"math"

	"github.com/gokernel/gokernel/mlstd/chart"
)

func ExampleLines() {
	train := []float64{0.9, 0.5, 0.3}
	val := []float64{1.0, 0.6, 0.45}
	f := chart.Lines("loss", []string{"train", "val"}, [][]float64{train, val})
	fmt.Println(f, len(f.PNG()) > 0)
	// Output: Figure("loss", 6×4 in) true
}

// A chart of bad data carries its error instead of a picture; in a cell it
// shows as the error text.
func ExampleFigure_Err() {
	f := chart.Line("loss", []float64{0.5, math.NaN()})
	fmt.Println(f.Err())
	fmt.Println(f.PNG() == nil)
	// Output:
	// chart: loss: value 1 is NaN; drop or replace non-finite values before plotting
	// true
}

func ExampleConfusion() {
	f := chart.Confusion("digits", [][]int{{9, 1}, {2, 8}}, []string{"0", "1"})
	fmt.Println(f)
	// Output: Figure("digits", 4.6×4 in)
}
