package data_test

import (
	"fmt"
	"strings"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func ExampleDataset_Batches() {
	x := tensor.New([]float32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 5, 2)
	ds := data.NewDataset(x, []int{0, 1, 0, 1, 1})
	for b := ds.Batches(2, false); b.Next(); {
		fmt.Println(b.Index(), b.X().Shape(), b.Y())
	}
	// Output:
	// 0 [2 2] [0 1]
	// 1 [2 2] [0 1]
	// 2 [1 2] [1]
}

func ExampleDataset_Loader() {
	ds := data.Blobs(10, 2, 2, 1.0, 1)
	l := ds.Loader(data.LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 42, DropLast: true})
	n := 0
	for l.Next() {
		n += len(l.Y())
	}
	fmt.Println(l.Len(), "batches,", n, "examples")
	// Output: 2 batches, 8 examples
}

func ExampleDataset_Split() {
	ds := data.Blobs(100, 3, 4, 0.5, 7)
	train, val := ds.Split(0.8, 1)
	fmt.Println(train)
	fmt.Println(val)
	// Output:
	// Dataset(80 examples, x [80 3], 4 classes)
	// Dataset(20 examples, x [20 3], 4 classes)
}

func ExampleDataset_Standardize() {
	ds := data.NewDataset(tensor.New([]float32{1, 10, 3, 20, 5, 30}, 3, 2), []int{0, 1, 0})
	mean, std := ds.Standardize()
	fmt.Printf("mean %.1f std %.3f\n", mean, std)
	fmt.Printf("%.3f\n", ds.X.Data())
	// Output:
	// mean [3.0 20.0] std [1.633 8.165]
	// [-1.225 -1.225 0.000 0.000 1.225 1.225]
}

func ExampleReadCSVFrom() {
	csv := "sepal,petal,species\n5.1,1.4,setosa\n7.0,4.7,versicolor\n"
	ds, err := data.ReadCSVFrom(strings.NewReader(csv), data.CSVConfig{Header: true, Label: "species"})
	if err != nil {
		panic(err)
	}
	fmt.Println(ds.X.Shape(), ds.Y, ds.Classes)
	// Output: [2 2] [0 1] [setosa versicolor]
}

func ExampleMNIST() {
	train, test, err := data.MNIST()
	if err != nil {
		panic(err)
	}
	train.Normalize(data.MNISTMean, data.MNISTStd)
	fmt.Println(train)
	fmt.Println(test.Y[:10])
	// Output:
	// Dataset(60000 examples, x [60000 784], 10 classes)
	// [7 2 1 0 4 1 4 9 5 9]
}

func ExampleDataset_View() {
	// Four 2×3 images stored as rows of 6 pixels, like MNIST's [n, 784].
	ds := data.NewDataset(tensor.Arange(0, 24, 1).Reshape(4, 6), []int{0, 1, 2, 3})
	images := ds.View(1, 2, 3) // the same storage, NCHW for a Conv2d
	fmt.Println(ds.X.Shape(), images.X.Shape())
	images.X.Data()[0] = -1
	fmt.Println(ds.X.At(0, 0))
	// Output:
	// [4 6] [4 1 2 3]
	// -1
}

func ExampleLoaderConfig_shift() {
	// One 3×3 image; Shift 1 moves it by up to a pixel each way, the
	// border repeating the edge, differently in each epoch. A fresh
	// dataset with the same seed repeats the same shifts.
	ds := data.NewDataset(tensor.Arange(1, 10, 1).Reshape(1, 1, 3, 3), []int{0})
	for epoch := 1; epoch <= 3; epoch++ {
		b := ds.Loader(data.LoaderConfig{BatchSize: 1, Seed: 1, Shift: 1})
		b.Next()
		px := b.X().Data()
		fmt.Println("epoch", epoch, px[0:3], px[3:6], px[6:9])
	}
	fmt.Println("dataset", ds.X.Data())
	// Output:
	// epoch 1 [2 3 3] [2 3 3] [5 6 6]
	// epoch 2 [1 2 3] [4 5 6] [7 8 9]
	// epoch 3 [4 4 5] [7 7 8] [7 7 8]
	// dataset [1 2 3 4 5 6 7 8 9]
}
