package serve

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestServeCNN serves a CNN (convolutions, a batch norm with trained
// running statistics, max and average pooling) loaded from a safetensors
// file saved with its input shape, and from its ONNX export, over real
// sockets: the model metadata says [-1 1 12 12]; requests as images
// [batch 1 12 12] and as flat rows [batch 144] answer bitwise the
// in-process logits; each row alone answers the same bits as within a
// batch of 7 (the batch invariance of the package doc, for Forward's conv
// path); a wrong shape is a 400 that names both accepted forms.
func TestServeCNN(t *testing.T) {
	g := tensor.NewRNG(3)
	m := nn.NewSequential(
		nn.NewConv2d(1, 4, 3, nn.Conv2dOptions{Padding: 1, RNG: g}),
		nn.NewBatchNorm2d(4, nn.BatchNormOptions{}),
		nn.NewReLU(),
		nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewConv2d(4, 8, 3, nn.Conv2dOptions{RNG: g}),
		nn.NewReLU(),
		nn.NewAvgPool2d(2, nn.Pool2dOptions{}),
		nn.NewFlatten(),
		nn.NewLinearRNG(32, 10, true, g),
	)
	opt := optim.NewSGD(m.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	for i := 0; i < 3; i++ { // batch statistics move the running ones
		opt.ZeroGrad()
		tensor.CrossEntropy(m.Forward(g.Randn(16, 1, 12, 12)), []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4, 5}).Backward()
		opt.Step()
	}
	nn.Eval(m)
	dir := t.TempDir()
	st, ox := filepath.Join(dir, "cnn.safetensors"), filepath.Join(dir, "cnn.onnx")
	if err := export.Save(st, m, export.WithInputShape([]int{1, 12, 12})); err != nil {
		t.Fatal(err)
	}
	if err := export.ExportONNXOptions(ox, m, export.ONNXOptions{InputShape: []int{1, 12, 12}}); err != nil {
		t.Fatal(err)
	}
	x := g.Randn(7, 1, 12, 12)
	var want *tensor.Tensor
	tensor.NoGrad(func() { want = m.Forward(x) })
	for _, path := range []string{st, ox} {
		loaded, _, err := LoadModel(path)
		if err != nil {
			t.Fatal(err)
		}
		shape, err := export.ReadInputShape(path)
		if err != nil || len(shape) != 3 {
			t.Fatalf("%s: input shape %v, %v", path, shape, err)
		}
		srv, err := Start(loaded, Options{Name: "cnn", InputShape: shape})
		if err != nil {
			t.Fatal(err)
		}
		code, meta := do(t, "GET", srv.URL()+"/v2/models/cnn", "")
		if code != 200 || !strings.Contains(meta, `"shape":[-1,1,12,12]`) {
			t.Errorf("%s: metadata %d %s", path, code, meta)
		}
		for _, in := range []*tensor.Tensor{x, x.Reshape(7, 144)} {
			p, err := Infer(srv.URL(), "cnn", "", in)
			if err != nil {
				t.Fatalf("%s %v: %v", path, in.Shape(), err)
			}
			sameFloats(t, path, p.Output.Data(), want.Data())
		}
		for i := 0; i < 7; i++ {
			row := tensor.New(append([]float32(nil), x.Data()[i*144:(i+1)*144]...), 1, 1, 12, 12)
			p, err := Infer(srv.URL(), "cnn", "", row)
			if err != nil {
				t.Fatal(err)
			}
			sameFloats(t, path+" row alone", p.Output.Data(), want.Data()[i*10:(i+1)*10])
		}
		code, body := do(t, "POST", srv.URL()+"/v2/models/cnn/infer", inferBody("", []int{1, 12, 12}, make([]float32, 144)))
		if code != 400 || !strings.Contains(body, "want [batch 1 12 12] or [batch 144]") {
			t.Errorf("%s: wrong shape: %d %s", path, code, body)
		}
		srv.Stop()
	}
}

func sameFloats(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: value %d is %v, in-process %v", what, i, got[i], want[i])
		}
	}
}
