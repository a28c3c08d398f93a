package export

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/advancedclimatesystems/gonnx"
	"github.com/advancedclimatesystems/gonnx/onnx"
	"google.golang.org/protobuf/proto"
	gtensor "gorgonia.org/tensor"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// mnistFixture is an MLP trained briefly on MNIST, then pruned by half,
// with the first 1,000 test images.
type mnistFixture struct {
	model    *nn.Sequential
	x        *tensor.Tensor // [1000 784]
	y        []int
	accuracy float64 // on the 1,000 images, after pruning
	err      error
}

var (
	mnistOnce sync.Once
	mnist     mnistFixture
)

// trainedMNIST trains a 784-128-10 MLP for one pass over 12,000 MNIST
// training images (SGD, lr 0.05, momentum 0.9), prunes 50 % of each weight
// matrix, and keeps 1,000 test images. It skips the test if MNIST cannot
// be found.
func trainedMNIST(t *testing.T) *mnistFixture {
	t.Helper()
	mnistOnce.Do(func() {
		train, test, err := data.MNIST()
		if err != nil {
			mnist.err = err
			return
		}
		train = train.Slice(0, 12000)
		test = test.Slice(0, 1000)
		m := mlp(42, 128, nil)
		opt := optim.NewSGD(m.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
		for b := train.Batches(64, false); b.Next(); {
			opt.ZeroGrad()
			tensor.CrossEntropy(m.Forward(b.X()), b.Y()).Backward()
			opt.Step()
		}
		prune(m, 0.5)
		mnist.model, mnist.x, mnist.y = m, test.X, test.Y
		var pred []int
		tensor.NoGrad(func() { pred = m.Forward(test.X).Argmax(1) })
		for i, p := range pred {
			if p == test.Y[i] {
				mnist.accuracy++
			}
		}
		mnist.accuracy /= float64(len(pred))
	})
	if mnist.err != nil {
		t.Skipf("MNIST unavailable: %v", mnist.err)
	}
	return &mnist
}

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

// maxDiff returns the largest |a−b|.
func maxDiff(t *testing.T, a, b []float32) float64 {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d values vs %d", len(a), len(b))
	}
	m := 0.0
	for i := range a {
		m = math.Max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

func TestONNXGonnxMNIST(t *testing.T) {
	fx := trainedMNIST(t)
	x4 := fx.x.Reshape(1000, 1, 28, 28)
	g := tensor.NewRNG(9)
	deep := nn.NewSequential(nn.NewFlatten(), fx.model.Layer(0), nn.NewTanh(), nn.NewDropout(0.5),
		nn.NewLinearRNG(128, 32, false, g), nn.NewSigmoid(), nn.NewLinearRNG(32, 10, true, g), nn.NewSoftmax(1))
	for _, tc := range []struct {
		name  string
		m     nn.Module
		x     *tensor.Tensor
		shape []int
	}{
		{"mlp logits (pruned)", fx.model, fx.x, nil},
		{"mlp softmax", nn.NewSequential(fx.model, nn.NewSoftmax(-1)), fx.x, nil},
		{"flatten tanh dropout sigmoid nobias softmax", deep, x4, []int{1, 28, 28}},
		{"rank 3: transpose matmul add", fx.model, fx.x.Reshape(500, 2, 784), []int{2, 784}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nn.Eval(tc.m)
			b, err := ONNXBytes(tc.m, ONNXOptions{InputShape: tc.shape})
			if err != nil {
				t.Fatal(err)
			}
			var want *tensor.Tensor
			tensor.NoGrad(func() { want = tc.m.Forward(tc.x) })
			got := runGonnx(t, b, tc.x)
			want = want.Reshape(-1, 10)
			d := maxDiff(t, got, want.Data())
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
	t.Logf("mlstd accuracy of the pruned model on these images: %.3f", fx.accuracy)
}

// TestONNXStructure decodes the file with gonnx's generated protobuf
// types (google.golang.org/protobuf, independent of this package's codec).
func TestONNXStructure(t *testing.T) {
	m := testModel(3)
	b, err := ONNXBytes(m, ONNXOptions{InputShape: []int{3, 4}})
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
	m := mlp(4, 64, nil)
	prune(m, 0.8)
	b, err := ONNXBytes(m, ONNXOptions{})
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

func TestLoadONNXRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name  string
		m     nn.Module
		shape []int
		x     *tensor.Tensor
	}{
		{"all layers", testModel(5), []int{3, 4}, tensor.Randn(1, 6, 3, 4)},
		{"rank 3 (MatMul+Add)", nn.NewSequential(nn.NewLinearRNG(4, 3, true, tensor.NewRNG(2)), nn.NewReLU(), nn.NewLinearRNG(3, 2, false, tensor.NewRNG(3))), []int{5, 4}, tensor.Randn(2, 2, 5, 4)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tmp(t, "m.onnx")
			if err := ExportONNXOptions(path, tc.m, ONNXOptions{InputShape: tc.shape}); err != nil {
				t.Fatal(err)
			}
			got, err := Load(path) // dispatches on the extension
			if err != nil {
				t.Fatal(err)
			}
			renamed := tmp(t, "model.bin")
			os.Rename(path, renamed)
			if _, err := Load(renamed); err != nil {
				t.Fatalf("Load of ONNX content without the extension: %v", err)
			}
			nn.Eval(tc.m)
			sameBits(t, "forward", got.Forward(tc.x), tc.m.Forward(tc.x))
			var wantW []*tensor.Tensor
			for _, p := range tc.m.Parameters() {
				wantW = append(wantW, p)
			}
			gotW := got.Parameters()
			if len(gotW) != len(wantW) {
				t.Fatalf("%d parameters, want %d", len(gotW), len(wantW))
			}
			for i := range gotW {
				sameBits(t, "param", gotW[i], wantW[i])
			}
		})
	}
}

// TestLoadONNXGonnxEra loads testdata/gonnx_era.onnx, written by
// ExportONNX when it encoded through gonnx's generated types, and checks
// that today's ExportONNX writes the same bytes for the same model.
func TestLoadONNXGonnxEra(t *testing.T) {
	m := nn.NewSequential(nn.NewLinearRNG(4, 3, true, tensor.NewRNG(2)), nn.NewReLU(), nn.NewLinearRNG(3, 2, false, tensor.NewRNG(3)), nn.NewSoftmax(0))
	old, err := os.ReadFile("testdata/gonnx_era.onnx")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ONNXBytes(m, ONNXOptions{InputShape: []int{5, 4}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, old) {
		t.Errorf("ExportONNX writes %d bytes differing from the gonnx-era file's %d", len(b), len(old))
	}
	got, err := LoadONNX("testdata/gonnx_era.onnx")
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Randn(4, 6, 5, 4)
	sameBits(t, "forward", got.Forward(x), m.Forward(x))
}

func TestLoadONNXFaults(t *testing.T) {
	m := mlp(1, 8, nil)
	good, err := ONNXBytes(m, ONNXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(mp *onnx.ModelProto)) []byte {
		var mp onnx.ModelProto
		proto.Unmarshal(good, &mp)
		f(&mp)
		mp.MetadataProps = nil // as if written by another tool: no checksum
		b, _ := proto.Marshal(&mp)
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "no graph"},
		{"truncated", good[:len(good)/2], "not a valid ONNX protobuf"},
		{"flipped weight byte", func() []byte { b := append([]byte(nil), good...); b[len(b)/2] ^= 0x10; return b }(), "checksum mismatch"},
		{"not onnx", []byte("hello, this is not protobuf at all"), "ONNX"},
		{"unknown op", mutate(func(mp *onnx.ModelProto) { mp.Graph.Node[1].OpType = "Conv" }), `unsupported op "Conv"`},
		{"old opset", mutate(func(mp *onnx.ModelProto) { mp.OpsetImport[0].Version = 9 }), "opset 9"},
		{"broken chain", mutate(func(mp *onnx.ModelProto) { mp.Graph.Node[1].Input[0] = "elsewhere" }), "does not continue the chain"},
		{"missing initializer", mutate(func(mp *onnx.ModelProto) { mp.Graph.Initializer = mp.Graph.Initializer[1:] }), `missing initializer "0.weight"`},
		{"edited op", func() []byte { // an edit that keeps a valid graph is caught by the checksum
			var mp onnx.ModelProto
			proto.Unmarshal(good, &mp)
			mp.Graph.Node[1].OpType = "Sigmoid"
			b, _ := proto.Marshal(&mp)
			return b
		}(), "graph checksum mismatch"},
		{"wrong shape", mutate(func(mp *onnx.ModelProto) {
			mp.Graph.Initializer[0].Dims = []int64{784, 8}
		}), "Gemm bias"},
		{"feature mismatch", mutate(func(mp *onnx.ModelProto) {
			mp.Graph.Input[0].Type.GetTensorType().Shape.Dim[1].Value = &onnx.TensorShapeProto_Dimension_DimValue{DimValue: 100}
		}), "Linear takes 784 features"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tmp(t, "bad.onnx")
			os.WriteFile(path, tc.b, 0o644)
			_, err := LoadONNX(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("LoadONNX error = %v; want one naming the file and containing %q", err, tc.want)
			}
		})
	}
}

func TestExportONNXErrors(t *testing.T) {
	type custom struct{ nn.ReLU }
	for _, tc := range []struct {
		m    nn.Module
		opts ONNXOptions
		want string
	}{
		{nn.NewSequential(nn.NewReLU()), ONNXOptions{}, "InputShape"},
		{nn.NewSequential(&custom{}), ONNXOptions{InputShape: []int{3}}, "cannot describe"},
		{mlp(1, 4, nil), ONNXOptions{InputShape: []int{5}}, "Linear takes 784 features"},
		{nn.NewSequential(nn.NewLinear(3, 2), nn.NewSoftmax(2)), ONNXOptions{}, "out of range"},
	} {
		if _, err := ONNXBytes(tc.m, tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ONNXBytes(%v) error = %v, want %q", tc.m, err, tc.want)
		}
	}
}

func FuzzLoadONNX(f *testing.F) {
	b, _ := ONNXBytes(nn.NewSequential(nn.NewLinearRNG(3, 2, true, tensor.NewRNG(1)), nn.NewReLU(), nn.NewSoftmax(1)), ONNXOptions{})
	f.Add(b)
	b, _ = ONNXBytes(testModel(2), ONNXOptions{InputShape: []int{3, 4}}) // every layer kind
	f.Add(b)
	b, _ = ONNXBytes(nn.NewSequential(nn.NewLinearRNG(2, 2, true, tensor.NewRNG(1))), ONNXOptions{InputShape: []int{3, 2}}) // Transpose MatMul Add
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := parseONNX(b); err == nil {
			m.Parameters()
		}
	})
}

// TestLoadONNXEveryFlip flips every bit of a small exported model: each
// flip fails to load or (in names and the producer string, which do not
// change the computation) loads a model computing the same outputs.
func TestLoadONNXEveryFlip(t *testing.T) {
	g := tensor.NewRNG(5)
	m := nn.NewSequential(nn.NewLinearRNG(3, 2, true, g), nn.NewReLU(), nn.NewLinearRNG(2, 2, false, g), nn.NewSoftmax(1))
	raw, err := ONNXBytes(m, ONNXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	x := tensor.Randn(1, 4, 3)
	want := m.Forward(x)
	loaded := 0
	for i := range raw {
		for bit := 0; bit < 8; bit++ {
			b := append([]byte(nil), raw...)
			b[i] ^= 1 << bit
			got, err := parseONNX(b)
			if err != nil {
				continue
			}
			loaded++
			if got.(*nn.Sequential).String() != m.String() || maxDiff(t, got.Forward(x).Data(), want.Data()) != 0 {
				t.Errorf("flip of bit %d of byte %d loaded a different model", bit, i)
			}
		}
	}
	t.Logf("%d bytes × 8 single-bit flips: %d loaded (identical computation), the rest refused", len(raw), loaded)
}
