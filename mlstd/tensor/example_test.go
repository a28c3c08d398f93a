package tensor_test

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/tensor"
	"gonum.org/v1/gonum/mat"
)

func ExampleTensor_Backward() {
	w := tensor.New([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	x := tensor.New([]float32{4, 5, 6}, 3)
	y := w.Mul(x).Sum() // y = w·x
	y.Backward()
	fmt.Println(y)
	fmt.Println(w.Grad()) // dy/dw = x
	// Output:
	// tensor(32., grad_fn=<SumBackward>)
	// tensor([4., 5., 6.])
}

func ExampleTensor_MatMul() {
	a := tensor.Arange(1, 7, 1).Reshape(2, 3)
	b := tensor.Ones(3, 2)
	fmt.Println(a.MatMul(b))
	// Output:
	// tensor([[ 6.,  6.],
	//         [15., 15.]])
}

func ExampleTensor_Add() {
	x := tensor.Zeros(2, 3)
	bias := tensor.New([]float32{1, 2, 3}, 3)
	fmt.Println(x.Add(bias)) // the row broadcasts over the batch
	// Output:
	// tensor([[1., 2., 3.],
	//         [1., 2., 3.]])
}

func ExampleTensor_SumAxis() {
	x := tensor.Arange(0, 6, 1).Reshape(2, 3)
	fmt.Println(x.SumAxis(0, false))
	fmt.Println(x.MeanAxis(1, true))
	fmt.Println(x.Argmax(1))
	// Output:
	// tensor([3., 5., 7.])
	// tensor([[1.],
	//         [4.]])
	// [2 2]
}

func ExampleTensor_Softmax() {
	logits := tensor.New([]float32{1, 2, 3}, 1, 3)
	fmt.Println(logits.Softmax(1))
	fmt.Println(logits.LogSoftmax(1))
	// Output:
	// tensor([[0.0900, 0.2447, 0.6652]])
	// tensor([[-2.4076, -1.4076, -0.4076]])
}

func ExampleTensor_Rows() {
	x := tensor.Arange(0, 8, 1).Reshape(4, 2)
	fmt.Println(x.Rows([]int{3, 0}))
	fmt.Println(x.Slice(1, 2))
	// Output:
	// tensor([[6., 7.],
	//         [0., 1.]])
	// tensor([[2., 3.]])
}

func ExampleRandn() {
	a := tensor.Randn(42, 2, 2)
	b := tensor.Randn(42, 2, 2)
	fmt.Println(a.AllClose(b, 0, 0)) // same seed, same values
	fmt.Println(a.Shape())
	// Output:
	// true
	// [2 2]
}

func ExampleNoGrad() {
	w := tensor.Ones(2).SetRequiresGrad(true)
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = w.Scale(2) })
	fmt.Println(y.RequiresGrad())
	// Output: false
}

// An inference tensor carries "record nothing" to every op it takes part
// in, whatever the other inputs require and on any goroutine.
func ExampleTensor_Inference() {
	w := tensor.Ones(2).SetRequiresGrad(true)
	x := tensor.Ones(2)
	y := x.Inference().Mul(w)
	fmt.Println(y.RequiresGrad(), y.IsInference(), y.Detach().IsInference())
	fmt.Println(x.Mul(w).RequiresGrad())
	// Output:
	// false true false
	// true
}

func ExampleCrossEntropy() {
	logits := tensor.New([]float32{2, 0, 0, 0, 2, 0}, 2, 3).SetRequiresGrad(true)
	loss := tensor.CrossEntropy(logits, []int{0, 1})
	loss.Backward()
	fmt.Printf("%.4f\n", loss.Item())
	fmt.Println(logits.Grad())
	// Output:
	// 0.2395
	// tensor([[-0.1065,  0.0533,  0.0533],
	//         [ 0.0533, -0.1065,  0.0533]])
}

func ExampleFromDense() {
	m := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	t := tensor.FromDense(m)
	fmt.Println(t.T())
	fmt.Println(mat.Formatted(t.Dense()))
	// Output:
	// tensor([[1., 3.],
	//         [2., 4.]])
	// ⎡1  2⎤
	// ⎣3  4⎦
}

func ExampleShapeError() {
	defer func() {
		fmt.Println(recover())
	}()
	tensor.Zeros(64, 784).MatMul(tensor.Zeros(128, 10))
	// Output: tensor: matmul shape mismatch [64 784] × [128 10]
}

func ExampleTensor_At() {
	x := tensor.Arange(0, 6, 1).Reshape(2, 3)
	fmt.Println(x.At(1, 2), x.At(-1, 0))
	// Output: 5 3
}

func ExampleWhere() {
	x := tensor.New([]float32{-2, 3, -1, 4}, 4)
	fmt.Println(x.Gt(tensor.Scalar(0)))
	fmt.Println(tensor.Where(x.Gt(tensor.Scalar(0)), x, tensor.Zeros(4)))
	fmt.Println(x.Maximum(tensor.Scalar(1)))
	// Output:
	// tensor([0., 1., 0., 1.])
	// tensor([0., 3., 0., 4.])
	// tensor([1., 3., 1., 4.])
}
