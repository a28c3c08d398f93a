package export

import (
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// forward runs m on x without recording gradients.
func forward(m nn.Module, x *tensor.Tensor) *tensor.Tensor {
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = m.Forward(x) })
	return y
}

// TestCNNSaveLoad saves a trained CNN with every convolutional layer kind
// (batch-norm statistics no longer their initial values) with Save,
// SaveCompact and SaveCheckpoint; each file loads into a model with the
// same state dict (parameters and buffers), the same String and the same
// outputs in evaluation mode, bit for bit. LoadState restores the same
// state into a code-built model.
func TestCNNSaveLoad(t *testing.T) {
	m := exporttest.CNN(1)
	exporttest.WarmUp(m, 1, 16, 16, 3, 2)
	x := tensor.NewRNG(3).Randn(10, 1, 16, 16)
	want := forward(m, x)
	if bn := m.Layer(1).(*nn.BatchNorm2d); bn.NumBatchesTracked.Item() != 5 || bn.RunningVar.Data()[0] == 1 {
		t.Fatalf("warm-up left the batch norm untouched: %v batches, running var %v", bn.NumBatchesTracked, bn.RunningVar)
	}
	dir := t.TempDir()
	files := map[string]func(string) error{
		"model.safetensors":   func(p string) error { return Save(p, m) },
		"compact.safetensors": func(p string) error { _, err := SaveCompact(p, m, CompactOptions{}); return err },
		"ckpt.safetensors":    func(p string) error { return SaveCheckpoint(p, m, nil, 1) },
	}
	for name, save := range files {
		p := filepath.Join(dir, name)
		if err := save(p); err != nil {
			t.Fatal(err)
		}
		got, err := Load(p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameParams(t, got, m)
		if got.(*nn.Sequential).String() != m.String() {
			t.Errorf("%s: loaded\n%s\nwant\n%s", name, got, m)
		}
		sameBits(t, name+" outputs", forward(got, x), want)
		// The loaded model trains: its batch norms go back to batch
		// statistics and update their buffers.
		nn.Train(got)
		forward(got, x)
		if bn := got.(*nn.Sequential).Layer(1).(*nn.BatchNorm2d); bn.NumBatchesTracked.Item() != 6 {
			t.Errorf("%s: loaded model in training mode tracked %v batches, want 6", name, bn.NumBatchesTracked)
		}
	}
	fresh := exporttest.CNN(9)
	if err := LoadState(filepath.Join(dir, "model.safetensors"), fresh); err != nil {
		t.Fatal(err)
	}
	nn.Eval(fresh)
	sameBits(t, "LoadState outputs", forward(fresh, x), want)

	// A file without the buffers (parameters only) is refused by name.
	var params []nn.Param
	for _, p := range nn.NamedParameters(m) {
		params = append(params, p)
	}
	p := filepath.Join(dir, "params-only.safetensors")
	if err := SaveTensors(p, params, nil); err != nil {
		t.Fatal(err)
	}
	if err := LoadState(p, exporttest.CNN(9)); err == nil || !strings.Contains(err.Error(), `"1.running_mean"`) {
		t.Fatalf("LoadState without buffers: %v", err)
	}
}

// TestCNNCheckpointResumeExact trains a CNN with batch norms (in training
// mode: batch statistics, running statistics updated) for 8 steps, and
// again stopping after 4 with a checkpoint that a freshly built model and
// optimizer resume from; losses, parameters, running statistics and
// evaluation outputs must be identical bit for bit.
func TestCNNCheckpointResumeExact(t *testing.T) {
	build := func(seed int64) (*nn.Sequential, *optim.SGD) {
		var layers []nn.Module
		for _, l := range exporttest.CNN(seed).Layers() {
			switch l.(type) {
			case *nn.Dropout, *nn.Dropout2d: // random masks are not part of a checkpoint
			default:
				layers = append(layers, l)
			}
		}
		m := nn.NewSequentialFrom(layers)
		return m, optim.NewSGD(m.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	}
	step := func(m nn.Module, opt *optim.SGD, i int) float64 {
		g := tensor.NewRNG(int64(100 + i))
		y := make([]int, 16)
		for k := range y {
			y[k] = g.Intn(3)
		}
		opt.ZeroGrad()
		loss := tensor.CrossEntropy(m.Forward(g.Randn(16, 1, 16, 16)), y)
		loss.Backward()
		opt.Step()
		return loss.Item()
	}
	full, fopt := build(1)
	var want []float64
	for i := 0; i < 8; i++ {
		want = append(want, step(full, fopt, i))
	}
	first, opt := build(1)
	for i := 0; i < 4; i++ {
		step(first, opt, i)
	}
	path := tmp(t, "cnn.ckpt")
	if err := SaveCheckpoint(path, first, opt, 4); err != nil {
		t.Fatal(err)
	}
	resumed, ropt := build(5)
	if _, err := LoadCheckpoint(path, resumed, ropt); err != nil {
		t.Fatal(err)
	}
	for i := 4; i < 8; i++ {
		if got := step(resumed, ropt, i); math.Float64bits(got) != math.Float64bits(want[i]) {
			t.Fatalf("step %d loss %.9g after resume, %.9g uninterrupted", i, got, want[i])
		}
	}
	sameParams(t, resumed, full)
	x := tensor.NewRNG(3).Randn(4, 1, 16, 16)
	sameBits(t, "eval outputs", forward(nn.Eval(resumed), x), forward(nn.Eval(full), x))
}

// TestCNNStateDictTorch has PyTorch build the model from the architecture
// in the file (testdata/check_cnn.py, no mlstd code), load the file's
// tensors with load_state_dict(strict=True) — so every parameter and
// buffer name is torch's — and reproduce mlstd's evaluation outputs; the
// state dict PyTorch writes back (num_batches_tracked as I64) loads into
// an mlstd model with LoadState, equal to the original.
func TestCNNStateDictTorch(t *testing.T) {
	needPython(t)
	m := exporttest.CNN(1)
	exporttest.WarmUp(m, 1, 16, 16, 3, 2)
	dir := t.TempDir()
	x := tensor.NewRNG(4).Randn(20, 1, 16, 16)
	job := pyJob{
		Model: filepath.Join(dir, "cnn.safetensors"),
		Data:  filepath.Join(dir, "io.safetensors"),
		Out:   filepath.Join(dir, "torch.safetensors"),
	}
	if err := Save(job.Model, m); err != nil {
		t.Fatal(err)
	}
	if err := SaveTensors(job.Data, []nn.Param{{Name: "x", Tensor: x}, {Name: "y", Tensor: forward(m, x)}}, nil); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Torch      string
		MaxAbsDiff float64 `json:"max_abs_diff"`
		Keys       []string
		Dtypes     map[string]string
	}
	runPy(t, "state", job, &rep)
	t.Logf("torch %s: load_state_dict(strict=True) of %d keys; outputs max |diff| %.3g", rep.Torch, len(rep.Keys), rep.MaxAbsDiff)
	if rep.MaxAbsDiff > 1e-5 {
		t.Errorf("torch's outputs differ from mlstd's by %g", rep.MaxAbsDiff)
	}
	var names []string
	for _, p := range nn.StateDict(m) {
		names = append(names, p.Name)
	}
	if strings.Join(rep.Keys, " ") != strings.Join(names, " ") {
		t.Errorf("torch's state_dict keys\n%v\nmlstd's\n%v", rep.Keys, names)
	}
	if rep.Dtypes["1.num_batches_tracked"] != "I64" {
		t.Errorf("torch wrote num_batches_tracked as %q, want I64 (the test would not cover the conversion)", rep.Dtypes["1.num_batches_tracked"])
	}
	back := exporttest.CNN(8)
	if err := LoadState(job.Out, back); err != nil {
		t.Fatal(err)
	}
	sameParams(t, back, m)
}

// pyJob is what testdata/check_cnn.py reads: file paths, per mode.
type pyJob struct {
	Model string `json:"model,omitempty"`
	Data  string `json:"data,omitempty"`
	Out   string `json:"out,omitempty"`
}

// runPy runs testdata/check_cnn.py in mode with the JSON of job on stdin
// and decodes its JSON report into rep.
func runPy(t *testing.T, mode string, job, rep any) {
	t.Helper()
	if err := pyref.Call(job, rep, "testdata/check_cnn.py", mode); err != nil {
		t.Fatal(err)
	}
}

// TestCNNONNX exports CNNs to ONNX — LeNet-5 trained on MNIST (with a
// batch norm and an average pool) and a small model with every
// convolutional layer kind — and checks them three ways: LoadONNX gives
// back the same outputs; python3-onnx's checker (full_check) accepts the
// files; PyTorch rebuilt from the graph's nodes and initializers reproduces
// mlstd's outputs within float32 rounding, with the same predicted class
// on all 1,000 MNIST test images. Then torch.onnx.export writes the trained
// LeNet-5 as PyTorch's exporter does (batch norm folded into the
// convolution), and LoadONNX runs that file with the same predictions.
func TestCNNONNX(t *testing.T) {
	pyref.Require(t, "onnx", "torch", "numpy")
	fx := exporttest.TrainedCNN(t)
	t.Logf("LeNet-5 fixture: %.1f %% on the 1,000 test images", 100*fx.Accuracy)
	small := exporttest.CNN(1)
	exporttest.WarmUp(small, 1, 16, 16, 3, 2)
	dir := t.TempDir()
	cases := []struct {
		name  string
		m     nn.Module
		x     *tensor.Tensor
		shape []int
	}{
		{"lenet5_mnist", fx.Model, fx.X, []int{1, 28, 28}},
		{"cnn_every_layer", small, tensor.NewRNG(5).Randn(200, 1, 16, 16), []int{1, 16, 16}},
	}
	type pcase struct {
		Name string `json:"name"`
		ONNX string `json:"onnx"`
		Data string `json:"data"`
	}
	job := struct {
		Cases       []pcase `json:"cases"`
		TorchExport struct {
			Model      string `json:"model"`
			InputShape []int  `json:"input_shape"`
			Out        string `json:"out"`
		} `json:"torch_export"`
	}{}
	for _, c := range cases {
		p := filepath.Join(dir, c.name+".onnx")
		if err := ExportONNXOptions(p, c.m, ONNXOptions{InputShape: c.shape}); err != nil {
			t.Fatal(err)
		}
		want := forward(c.m, c.x)
		got, err := LoadONNX(p)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d := exporttest.MaxDiff(t, forward(got, c.x).Data(), want.Data()); d != 0 {
			t.Errorf("%s: LoadONNX's model differs from the original by %g", c.name, d)
		}
		d := filepath.Join(dir, c.name+".io.safetensors")
		if err := SaveTensors(d, []nn.Param{{Name: "x", Tensor: c.x}, {Name: "y", Tensor: want}}, nil); err != nil {
			t.Fatal(err)
		}
		job.Cases = append(job.Cases, pcase{c.name, p, d})
	}
	job.TorchExport.Model = filepath.Join(dir, "lenet5.safetensors")
	job.TorchExport.InputShape = []int{1, 28, 28}
	job.TorchExport.Out = filepath.Join(dir, "lenet5_torch.onnx")
	if err := Save(job.TorchExport.Model, fx.Model); err != nil {
		t.Fatal(err)
	}
	var rep struct {
		ONNX, Torch string
		Cases       []struct {
			Name        string
			Checker     string
			Ops         []string
			Input       []any
			N           int
			MaxAbsDiff  float64 `json:"max_abs_diff"`
			ArgmaxAgree int     `json:"argmax_agree"`
		}
		TorchExportOps []string `json:"torch_export_ops"`
	}
	runPy(t, "onnx", job, &rep)
	if len(rep.Cases) != len(cases) {
		t.Fatalf("python checked %d cases, want %d", len(rep.Cases), len(cases))
	}
	for _, c := range rep.Cases {
		t.Logf("%s: onnx %s checker(full_check) %s, input %v; torch %s from the initializers vs mlstd on %d inputs: max |diff| %.3g, argmax agree %d; ops %v",
			c.Name, rep.ONNX, c.Checker, c.Input, rep.Torch, c.N, c.MaxAbsDiff, c.ArgmaxAgree, c.Ops)
		if c.Checker != "ok" || c.MaxAbsDiff > 1e-5 || c.ArgmaxAgree != c.N || fmt.Sprint(c.Input[0]) != "batch" {
			t.Errorf("%s: checker %s, max |diff| %g, argmax %d/%d, input %v", c.Name, c.Checker, c.MaxAbsDiff, c.ArgmaxAgree, c.N, c.Input)
		}
	}
	for _, op := range []string{"Conv", "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten", "Gemm"} {
		if !strings.Contains(strings.Join(append(rep.Cases[0].Ops, rep.Cases[1].Ops...), " "), op) {
			t.Errorf("no %s node in the exported graphs", op)
		}
	}
	// PyTorch's own export of the same trained network.
	m, err := LoadONNX(job.TorchExport.Out)
	if err != nil {
		t.Fatal(err)
	}
	want, got := forward(fx.Model, fx.X), forward(m, fx.X)
	d := exporttest.MaxDiff(t, got.Data(), want.Data())
	agree := 0
	for i, p := range got.Argmax(1) {
		if p == want.Argmax(1)[i] {
			agree++
		}
	}
	t.Logf("torch.onnx.export's LeNet-5 (ops %v) loaded by LoadONNX: max |diff| %.3g from mlstd's model, argmax agree %d/%d; %s",
		rep.TorchExportOps, d, agree, fx.X.Dim(0), m)
	if d > 1e-4 || agree != fx.X.Dim(0) {
		t.Errorf("torch-exported LeNet-5: max |diff| %g, argmax agree %d/%d", d, agree, fx.X.Dim(0))
	}
}

// TestONNXInputShape: a model that starts with Flatten (or a convolution)
// has no input shape of its own; ExportONNX refuses it without
// ONNXOptions.InputShape instead of writing a [batch, 784] graph whose
// reloaded model rejects the images the original took.
func TestONNXInputShape(t *testing.T) {
	g := tensor.NewRNG(1)
	m := nn.NewSequential(nn.NewFlatten(), nn.NewLinearRNG(784, 10, true, g))
	p := tmp(t, "m.onnx")
	if err := ExportONNX(p, m); err == nil || !strings.Contains(err.Error(), "InputShape") {
		t.Fatalf("ExportONNX of Flatten, Linear without InputShape: %v", err)
	}
	if err := ExportONNX(p, exporttest.CNN(1)); err == nil || !strings.Contains(err.Error(), "InputShape") {
		t.Fatalf("ExportONNX of a CNN without InputShape: %v", err)
	}
	if err := ExportONNXOptions(p, m, ONNXOptions{InputShape: []int{1, 28, 28}}); err != nil {
		t.Fatal(err)
	}
	back, err := LoadONNX(p)
	if err != nil {
		t.Fatal(err)
	}
	x := g.Randn(2, 1, 28, 28)
	sameBits(t, "reloaded on [2 1 28 28]", forward(back, x), forward(m, x))
	// A shape the model does not take is refused, naming the layer.
	if err := ExportONNXOptions(p, exporttest.CNN(1), ONNXOptions{InputShape: []int{3, 16, 16}}); err == nil ||
		!strings.Contains(err.Error(), "layer 0: Conv2d takes NCHW input with 1 channels") {
		t.Fatalf("wrong channel count: %v", err)
	}
	// Save records the shape for serving, after the same check.
	st := tmp(t, "cnn.safetensors")
	if err := Save(st, exporttest.CNN(1), WithInputShape([]int{3, 16, 16})); err == nil || !strings.Contains(err.Error(), "1 channels") {
		t.Fatalf("Save WithInputShape of a wrong shape: %v", err)
	}
	if err := Save(st, exporttest.CNN(1)); err != nil {
		t.Fatal(err)
	}
	if s, err := ReadInputShape(st); s != nil || err != nil {
		t.Fatalf("ReadInputShape without one = %v, %v", s, err)
	}
	if err := Save(st, exporttest.CNN(1), WithInputShape([]int{1, 16, 16})); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{st, p} {
		if s, err := ReadInputShape(f); fmt.Sprint(s) != "[1 16 16]" && fmt.Sprint(s) != "[1 28 28]" || err != nil {
			t.Fatalf("ReadInputShape(%s) = %v, %v", f, s, err)
		}
	}
}

// TestLoadONNXEditedByPython: a file edited with python3-onnx after export
// (a node renamed, a doc string added) no longer matches its recorded
// checksum; LoadONNX says so and how to load it anyway, and
// LoadONNXOptions with AllowModified loads it, computing the same outputs.
func TestLoadONNXEditedByPython(t *testing.T) {
	pyref.Require(t, "onnx")
	m := exporttest.CNN(1)
	exporttest.WarmUp(m, 1, 16, 16, 3, 2)
	p := tmp(t, "cnn.onnx")
	if err := ExportONNXOptions(p, m, ONNXOptions{InputShape: []int{1, 16, 16}}); err != nil {
		t.Fatal(err)
	}
	var done bool
	pyref.Run(t, `
import json, sys, onnx
path = json.load(sys.stdin)
m = onnx.load(path)
m.graph.node[0].name = "first_conv"
m.graph.doc_string = "edited"
onnx.save(m, path)
print("true")`, p, &done)
	if _, err := LoadONNX(p); err == nil || !strings.Contains(err.Error(), "AllowModified") {
		t.Fatalf("LoadONNX of an edited file: %v", err)
	}
	got, err := LoadONNXOptions(p, ONNXLoadOptions{AllowModified: true})
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.NewRNG(2).Randn(5, 1, 16, 16)
	sameBits(t, "edited file's outputs", forward(got, x), forward(m, x))
}
