package export

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
	"github.com/gokernel/gokernel/mlstd/export/internal/onnxpb"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func TestLoadONNXRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name  string
		m     nn.Module
		shape []int
		x     *tensor.Tensor
	}{
		{"all layers", exporttest.Model(5), []int{3, 4}, tensor.Randn(1, 6, 3, 4)},
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
	m := exporttest.MLP(1, 8, nil)
	good, err := ONNXBytes(m, ONNXOptions{})
	if err != nil {
		t.Fatal(err)
	}
	decode := func() *onnxpb.Model {
		mp, err := onnxpb.Unmarshal(good)
		if err != nil {
			t.Fatal(err)
		}
		return mp
	}
	mutate := func(f func(mp *onnxpb.Model)) []byte {
		mp := decode()
		f(mp)
		mp.MetadataProps = nil // as if written by another tool: no checksum
		return mp.Marshal()
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
		{"unknown op", mutate(func(mp *onnxpb.Model) { mp.Graph.Node[1].OpType = "LSTM" }), `unsupported op "LSTM"`},
		{"old opset", mutate(func(mp *onnxpb.Model) { mp.OpsetImport[0].Version = 9 }), "opset 9"},
		{"broken chain", mutate(func(mp *onnxpb.Model) { mp.Graph.Node[1].Input[0] = "elsewhere" }), "does not continue the chain"},
		{"missing initializer", mutate(func(mp *onnxpb.Model) { mp.Graph.Initializer = mp.Graph.Initializer[1:] }), `missing initializer "0.weight"`},
		{"edited op", func() []byte { // an edit that keeps a valid graph is caught by the checksum
			mp := decode()
			mp.Graph.Node[1].OpType = "Sigmoid"
			return mp.Marshal()
		}(), "graph checksum mismatch"},
		{"wrong shape", mutate(func(mp *onnxpb.Model) {
			mp.Graph.Initializer[0].Dims = []int64{784, 8}
		}), "Gemm bias"},
		{"feature mismatch", mutate(func(mp *onnxpb.Model) {
			mp.Graph.Input[0].Type.Tensor.Shape.Dim[1] = onnxpb.Dimension{Kind: onnxpb.DimValue, Value: 100}
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
		{exporttest.MLP(1, 4, nil), ONNXOptions{InputShape: []int{5}}, "Linear takes 784 features"},
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
	b, _ = ONNXBytes(exporttest.Model(2), ONNXOptions{InputShape: []int{3, 4}}) // every layer kind
	f.Add(b)
	b, _ = ONNXBytes(nn.NewSequential(nn.NewLinearRNG(2, 2, true, tensor.NewRNG(1))), ONNXOptions{InputShape: []int{3, 2}}) // Transpose MatMul Add
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := parseONNX(b, ONNXLoadOptions{}); err == nil {
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
			got, err := parseONNX(b, ONNXLoadOptions{})
			if err != nil {
				continue
			}
			loaded++
			if got.(*nn.Sequential).String() != m.String() || exporttest.MaxDiff(t, got.Forward(x).Data(), want.Data()) != 0 {
				t.Errorf("flip of bit %d of byte %d loaded a different model", bit, i)
			}
		}
	}
	t.Logf("%d bytes × 8 single-bit flips: %d loaded (identical computation), the rest refused", len(raw), loaded)
}
