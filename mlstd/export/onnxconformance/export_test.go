package onnxconformance

import (
	"bytes"
	"encoding/binary"
	"math"
	"strings"
	"testing"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"
	gtensor "gorgonia.org/tensor"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// runGonnx runs an ONNX file with gonnx (an independent Go runtime).
func runGonnx(t *testing.T, b []byte, x *tensor.Tensor) []float32 {
	t.Helper()
	gm, err := gonnx.NewModelFromBytes(b)
	if err != nil {
		t.Fatalf("gonnx: %v", err)
	}
	in := gtensor.New(gtensor.WithShape(x.Shape()...), gtensor.WithBacking(append([]float32(nil), x.Data()...)))
	out, err := gm.Run(gonnx.Tensors{"input": in})
	if err != nil {
		t.Fatalf("gonnx run: %v", err)
	}
	d, ok := out["output"].Data().([]float32)
	if !ok {
		t.Fatalf("gonnx output is %T", out["output"].Data())
	}
	return d
}

func TestONNXGonnxMNIST(t *testing.T) {
	fx := exporttest.TrainedMNIST(t)
	x4 := fx.X.Reshape(1000, 1, 28, 28)
	g := tensor.NewRNG(9)
	deep := nn.NewSequential(nn.NewFlatten(), fx.Model.Layer(0), nn.NewTanh(), nn.NewDropout(0.5),
		nn.NewLinearRNG(128, 32, false, g), nn.NewSigmoid(), nn.NewLinearRNG(32, 10, true, g), nn.NewSoftmax(1))
	for _, tc := range []struct {
		name  string
		m     nn.Module
		x     *tensor.Tensor
		shape []int
	}{
		{"mlp logits (pruned)", fx.Model, fx.X, nil},
		{"mlp softmax", nn.NewSequential(fx.Model, nn.NewSoftmax(-1)), fx.X, nil},
		{"flatten tanh dropout sigmoid nobias softmax", deep, x4, []int{1, 28, 28}},
		{"rank 3: transpose matmul add", fx.Model, fx.X.Reshape(500, 2, 784), []int{2, 784}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nn.Eval(tc.m)
			b, err := export.ONNXBytes(tc.m, export.ONNXOptions{InputShape: tc.shape})
			if err != nil {
				t.Fatal(err)
			}
			var want *tensor.Tensor
			tensor.NoGrad(func() { want = tc.m.Forward(tc.x) })
			got := runGonnx(t, b, tc.x)
			want = want.Reshape(-1, 10)
			d := exporttest.MaxDiff(t, got, want.Data())
			agree := 0
			for i, p := range tensor.New(got, want.Shape()...).Argmax(1) {
				if p == want.Argmax(1)[i] {
					agree++
				}
			}
			n := want.Dim(0)
			t.Logf("gonnx vs mlstd on %d MNIST test images: max |diff| %.3g, argmax agree %d/%d, %d-byte ONNX", n, d, agree, n, len(b))
			if d > 1e-5 || agree != n {
				t.Fatalf("gonnx differs: max |diff| %g, %d/%d argmax agree", d, agree, n)
			}
		})
	}
	t.Logf("mlstd accuracy of the pruned model on these images: %.3f", fx.Accuracy)
}

// TestONNXStructure decodes the file with gonnx's generated protobuf
// types (google.golang.org/protobuf, independent of this package's codec).
func TestONNXStructure(t *testing.T) {
	m := exporttest.Model(3)
	b, err := export.ONNXBytes(m, export.ONNXOptions{InputShape: []int{3, 4}})
	if err != nil {
		t.Fatal(err)
	}
	var mp onnx.ModelProto
	if err := proto.Unmarshal(b, &mp); err != nil {
		t.Fatal(err)
	}
	if re, err := (proto.MarshalOptions{Deterministic: true}).Marshal(&mp); err != nil || !bytes.Equal(re, b) {
		t.Fatalf("the file is not protobuf's deterministic encoding of its message (%v)", err)
	}
	var ops []string
	for _, n := range mp.Graph.Node {
		ops = append(ops, n.OpType)
	}
	if got, want := strings.Join(ops, " "), "Flatten Gemm Relu Gemm Tanh Gemm Sigmoid Gemm LogSoftmax"; got != want {
		t.Fatalf("ops %q, want %q (Dropout omitted)", got, want)
	}
	if mp.OpsetImport[0].Version != 13 || mp.Graph.Input[0].Name != "input" || mp.Graph.Output[0].Name != "output" {
		t.Fatalf("opset/input/output: %v", mp.OpsetImport)
	}
	if d := mp.Graph.Input[0].Type.GetTensorType().Shape.Dim; d[0].GetDimParam() != "batch" || d[1].GetDimValue() != 3 {
		t.Fatalf("input dims %v", d)
	}
	if d := mp.Graph.Output[0].Type.GetTensorType().Shape.Dim; d[0].GetDimParam() != "batch" || len(d) != 2 || d[1].GetDimValue() != 4 {
		t.Fatalf("output dims %v", d)
	}
	for _, n := range mp.Graph.Node {
		if n.OpType == "Gemm" {
			transB := int64(0)
			for _, a := range n.Attribute {
				if a.Name == "transB" {
					transB = a.I
				}
			}
			if transB != 1 {
				t.Fatal("Gemm without transB=1")
			}
		}
	}
	names := map[string][]int64{}
	for _, in := range mp.Graph.Initializer {
		names[in.Name] = in.Dims
	}
	if d := names["1.weight"]; len(d) != 2 || d[0] != 8 || d[1] != 12 {
		t.Fatalf("1.weight dims %v, want [8 12] (PyTorch layout)", d)
	}
	if _, ok := names["4.0.weight"]; !ok {
		t.Fatalf("nested weight name missing: %v", names)
	}
}

// TestONNXPrunedExact checks that every initializer holds the model's
// float32 bits, zeros included.
func TestONNXPrunedExact(t *testing.T) {
	m := exporttest.MLP(4, 64, nil)
	exporttest.Prune(m, 0.8)
	b, err := export.ONNXBytes(m, export.ONNXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var mp onnx.ModelProto
	proto.Unmarshal(b, &mp)
	params := map[string]*tensor.Tensor{}
	for _, p := range m.NamedParameters() {
		params[p.Name] = p.Tensor
	}
	zeros := 0
	for _, in := range mp.Graph.Initializer {
		p := params[in.Name]
		if p == nil || len(in.RawData) != 4*p.Len() {
			t.Fatalf("initializer %q does not match a parameter", in.Name)
		}
		for i, v := range p.Data() {
			if binary.LittleEndian.Uint32(in.RawData[4*i:]) != math.Float32bits(v) {
				t.Fatalf("%s[%d] differs", in.Name, i)
			}
			if v == 0 {
				zeros++
			}
		}
	}
	if zeros < 40000 {
		t.Fatalf("only %d zeros: pruning did not happen", zeros)
	}
}
