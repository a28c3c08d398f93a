package export_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Loading a model for inference in a plain Go program: no kernel, no
// notebook code, just the file.
func Example_inference() {
	dir, err := os.MkdirTemp("", "export-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "classifier.safetensors")

	// In the notebook, after training:
	nn.Seed(1)
	trained := nn.NewSequential(nn.NewLinear(4, 8), nn.NewReLU(), nn.NewDropout(0.2), nn.NewLinear(8, 3), nn.NewSoftmax(1))
	if err := export.Save(path, trained); err != nil {
		log.Fatal(err)
	}

	// In the program that serves it:
	model, err := export.Load(path) // evaluation mode: Dropout is off
	if err != nil {
		log.Fatal(err)
	}
	x := tensor.New([]float32{
		0.1, 0.2, 0.3, 0.4,
		-1, 0.5, 2, 0,
	}, 2, 4)
	var probs *tensor.Tensor
	tensor.NoGrad(func() { probs = model.Forward(x) })
	fmt.Println(model)
	fmt.Println("classes:", probs.Argmax(1))
	fmt.Printf("p(row 0): %.3f\n", probs.Data()[:3])
	// Output:
	// Sequential(
	//   (0): Linear(in_features=4, out_features=8, bias=True)
	//   (1): ReLU()
	//   (2): Dropout(p=0.2, inplace=False)
	//   (3): Linear(in_features=8, out_features=3, bias=True)
	//   (4): Softmax(dim=1)
	// )
	// classes: [0 0]
	// p(row 0): [0.473 0.222 0.306]
}

func ExampleExportONNX() {
	dir, _ := os.MkdirTemp("", "export-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "mlp.onnx")

	nn.Seed(1)
	model := nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10), nn.NewLogSoftmax(1))
	if err := export.ExportONNX(path, model); err != nil {
		log.Fatal(err)
	}
	back, err := export.LoadONNX(path) // or export.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(back)
	// Output:
	// Sequential(
	//   (0): Linear(in_features=784, out_features=128, bias=True)
	//   (1): ReLU()
	//   (2): Linear(in_features=128, out_features=10, bias=True)
	//   (3): LogSoftmax(dim=1)
	// )
}

func ExampleSaveCheckpoint() {
	dir, _ := os.MkdirTemp("", "export-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ckpt.safetensors")

	nn.Seed(1)
	model := nn.NewSequential(nn.NewLinear(2, 1))
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	x, target := tensor.New([]float32{1, 2}, 1, 2), tensor.New([]float32{3}, 1, 1)
	for epoch := 1; epoch <= 3; epoch++ {
		opt.ZeroGrad()
		tensor.MSE(model.Forward(x), target).Backward()
		opt.Step()
		if err := export.SaveCheckpoint(path, model, opt, epoch); err != nil {
			log.Fatal(err)
		}
	}

	// After a restart: build the same model and optimizer, then resume.
	model2 := nn.NewSequential(nn.NewLinear(2, 1))
	opt2 := optim.NewSGD(model2.Parameters(), optim.SGDConfig{LR: 0.1, Momentum: 0.9})
	epoch, err := export.LoadCheckpoint(path, model2, opt2)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("resume after epoch", epoch)
	fmt.Println("same weights:", fmt.Sprint(model2.Parameters()[0].Data()) == fmt.Sprint(model.Parameters()[0].Data()))
	// Output:
	// resume after epoch 3
	// same weights: true
}

func ExampleSaveCompact() {
	dir, _ := os.MkdirTemp("", "export-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "pruned.safetensors")

	nn.Seed(1)
	model := nn.NewSequential(nn.NewLinear(100, 100))
	w := model.Parameters()[0].Data()
	for i := range w {
		if i%10 != 0 {
			w[i] = 0 // 90 % pruned
		}
	}
	rep, err := export.SaveCompact(path, model, export.CompactOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d → %d bytes, %.0f%% smaller\n", rep.DenseBytes, rep.CompactBytes, 100*rep.Reduction())
	// Output:
	// 40824 → 6266 bytes, 85% smaller
}
