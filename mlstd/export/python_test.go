package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gokernel/gokernel/internal/pyref"
	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// python is Debian's interpreter, which has python3-onnx, torch and numpy.
const python = pyref.Python

// needPython skips the test when python3 with onnx, torch and numpy is
// missing, unless GOKERNEL_REQUIRE_CLIENTS=1 makes that a failure.
func needPython(t *testing.T) {
	t.Helper()
	pyref.Require(t, "onnx", "torch", "numpy")
}

type pyReport struct {
	ONNX, Torch string
	Cases       []struct {
		Name        string
		Checker     string
		Ops         []string
		N           int
		MaxAbsDiff  float64 `json:"max_abs_diff"`
		ArgmaxAgree int     `json:"argmax_agree"`
	}
	Safetensors map[string]struct {
		SHA256 string
		Shape  []int
		Equals bool `json:"equals_onnx_initializer"`
	}
}

// TestPythonIndependent has Python check mlstd's files: the ONNX checker
// (full_check), PyTorch rebuilt from the ONNX initializers reproducing
// mlstd's outputs on 1,000 MNIST test images within 1e-5, and a hand
// parse of the safetensors file giving the same tensors.
func TestPythonIndependent(t *testing.T) {
	needPython(t)
	fx := exporttest.TrainedMNIST(t)
	dir := t.TempDir()
	g := tensor.NewRNG(11)
	rank3 := nn.NewSequential(nn.NewLinearRNG(784, 16, true, g), nn.NewReLU(), nn.NewLinearRNG(16, 10, true, g))
	cases := []struct {
		name  string
		m     nn.Module
		x     *tensor.Tensor
		shape []int
	}{
		{"mlp_pruned_logits", fx.Model, fx.X, nil},
		{"mlp_logsoftmax", nn.NewSequential(fx.Model, nn.NewLogSoftmax(1)), fx.X, nil},
		{"flatten_tanh_dropout_sigmoid_softmax", nn.NewSequential(nn.NewFlatten(), fx.Model.Layer(0), nn.NewTanh(), nn.NewDropout(0.3),
			nn.NewLinearRNG(128, 10, false, g), nn.NewSigmoid(), nn.NewSoftmax(-1)), fx.X.Reshape(1000, 1, 28, 28), []int{1, 28, 28}},
		{"rank3_matmul_add", rank3, fx.X.Reshape(500, 2, 784), []int{2, 784}},
	}
	type mcase struct {
		Name string `json:"name"`
		ONNX string `json:"onnx"`
		Data string `json:"data"`
		Out  string `json:"state_dict_out,omitempty"`
		// Resaved is where Python writes the model again after onnx.load
		// (its protobuf's encoding, not this package's).
		Resaved string `json:"resaved"`
	}
	manifest := struct {
		Cases           []mcase `json:"cases"`
		Safetensors     string  `json:"safetensors"`
		SafetensorsONNX string  `json:"safetensors_onnx"`
	}{}
	for _, c := range cases {
		nn.Eval(c.m)
		p := filepath.Join(dir, c.name+".onnx")
		if err := ExportONNXOptions(p, c.m, ONNXOptions{InputShape: c.shape}); err != nil {
			t.Fatal(err)
		}
		var y *tensor.Tensor
		tensor.NoGrad(func() { y = c.m.Forward(c.x) })
		if c.x.Dims() == 3 {
			y = y.Reshape(-1, 10) // compare per row
		}
		d := filepath.Join(dir, c.name+".io.safetensors")
		if err := SaveTensors(d, []nn.Param{{Name: "x", Tensor: c.x}, {Name: "y", Tensor: y}}, nil); err != nil {
			t.Fatal(err)
		}
		manifest.Cases = append(manifest.Cases, mcase{c.name, p, d, "", filepath.Join(dir, c.name+".resaved.onnx")})
	}
	fromTorch := filepath.Join(dir, "torch_state_dict.safetensors")
	manifest.Cases[0].Out = fromTorch
	manifest.Safetensors = filepath.Join(dir, "model.safetensors")
	manifest.SafetensorsONNX = manifest.Cases[0].ONNX
	if err := Save(manifest.Safetensors, fx.Model); err != nil {
		t.Fatal(err)
	}
	mf := filepath.Join(dir, "manifest.json")
	b, _ := json.Marshal(manifest)
	os.WriteFile(mf, b, 0o644)

	cmd := exec.Command(python, "testdata/check_onnx.py", mf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("check_onnx.py: %v\n%s", err, stderr.Bytes())
	}
	var rep pyReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("report %q: %v", out, err)
	}
	if len(rep.Cases) != len(cases) {
		t.Fatalf("python checked %d cases, want %d", len(rep.Cases), len(cases))
	}
	for _, c := range rep.Cases {
		t.Logf("onnx %s checker(full_check)=%s; torch %s vs mlstd on %d rows: max |diff| %.3g, argmax agree %d; ops %v",
			rep.ONNX, c.Checker, rep.Torch, c.N, c.MaxAbsDiff, c.ArgmaxAgree, c.Ops)
		if c.Checker != "ok" || c.MaxAbsDiff > 1e-5 || c.ArgmaxAgree != c.N {
			t.Errorf("%s: checker %s, max |diff| %g, argmax %d/%d", c.Name, c.Checker, c.MaxAbsDiff, c.ArgmaxAgree, c.N)
		}
	}
	params := fx.Model.NamedParameters()
	if len(rep.Safetensors) != len(params) {
		t.Fatalf("python read %d tensors, want %d", len(rep.Safetensors), len(params))
	}
	for _, p := range params {
		r := rep.Safetensors[p.Name]
		raw := make([]byte, 4*p.Tensor.Len())
		for i, v := range p.Tensor.Data() {
			binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
		}
		sum := sha256.Sum256(raw)
		if r.SHA256 != hex.EncodeToString(sum[:]) || !sameShape(r.Shape, p.Tensor.Shape()) || !r.Equals {
			t.Errorf("python's %s: %+v; want sha256 %x shape %v and equal to the ONNX initializer", p.Name, r, sum[:6], p.Tensor.Shape())
		}
	}
	t.Logf("python parsed %d safetensors tensors; all match Go's bytes and the ONNX initializers", len(params))

	// Files re-serialized by the onnx Python package (unpacked repeated
	// numbers, its own field encoding) load, checksum verified, into the
	// same model.
	for i, c := range cases {
		mc := manifest.Cases[i]
		got, err := LoadONNX(mc.Resaved)
		if err != nil {
			t.Fatalf("%s re-saved by Python: %v", c.name, err)
		}
		var want, y *tensor.Tensor
		tensor.NoGrad(func() { want, y = c.m.Forward(c.x), got.Forward(c.x) })
		sameBits(t, c.name+" re-saved by Python", y, want)
		a, _ := os.ReadFile(mc.ONNX)
		b, _ := os.ReadFile(mc.Resaved)
		t.Logf("%s: re-saved by Python (%d bytes, identical to mlstd's %d: %v) loads and computes the same bits", c.name, len(b), len(a), bytes.Equal(a, b))
	}

	// The other direction: PyTorch's state_dict, written by Python in the
	// safetensors package's layout, loads into an mlstd model bit for bit.
	m := exporttest.MLP(99, 128, nil)
	if err := LoadState(fromTorch, m); err != nil {
		t.Fatal(err)
	}
	sameParams(t, m, fx.Model)
}
