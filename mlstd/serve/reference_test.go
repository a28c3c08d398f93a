package serve

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestLoadReference reads drift statistics from every kind of file
// LoadReference takes, each checked against data.FeatureStats of the same
// numbers, and the files it must refuse or find empty.
func TestLoadReference(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	near := func(what string, got, want []float64, tol float64) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
		}
		for i := range got {
			if d := got[i] - want[i]; d > tol || d < -tol {
				t.Fatalf("%s[%d] = %v, want %v", what, i, got[i], want[i])
			}
		}
	}

	// An IDX file of 3 images of 2×2 pixels, plain and gzipped.
	pixels := []byte{0, 255, 10, 20, 0, 255, 30, 40, 0, 51, 50, 60}
	var idx bytes.Buffer
	binary.Write(&idx, binary.BigEndian, []uint32{0x803, 3, 2, 2})
	idx.Write(pixels)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(idx.Bytes())
	zw.Close()
	x := make([]float32, len(pixels))
	for i, p := range pixels {
		x[i] = float32(p) / 255
	}
	wantMean, wantStd := data.FeatureStats(tensor.New(x, 3, 4))
	for _, p := range []string{file("train-images-idx3-ubyte", idx.Bytes()), file("train-images-idx3-ubyte.gz", gz.Bytes())} {
		mean, std, err := LoadReference(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		near("IDX mean", mean, wantMean, 0)
		near("IDX std", std, wantStd, 0)
	}

	// CSV training data, label last, with and without a header.
	csvWant := [][]float64{{2, 3}, {1, 1}} // features (1,2),(3,4): mean 2 3, std 1 1
	for name, text := range map[string]string{
		"head.csv": "a,b,label\n1,2,cat\n3,4,dog\n",
		"bare.csv": "1,2,0\n3,4,1\n",
	} {
		mean, std, err := LoadReference(file(name, []byte(text)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		near(name+" mean", mean, csvWant[0], 1e-12)
		near(name+" std", std, csvWant[1], 1e-12)
	}

	// A model saved with its training data's statistics, and without.
	ds := data.NewDataset(tensor.New([]float32{1, 2, 3, 4, 5, 9}, 3, 2), []int{0, 1, 0})
	m := nn.NewSequential(nn.NewLinear(2, 3))
	withRef, plain := filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "plain.safetensors")
	if err := export.Save(withRef, m, export.WithData(ds)); err != nil {
		t.Fatal(err)
	}
	if err := export.Save(plain, m); err != nil {
		t.Fatal(err)
	}
	mean, std, err := LoadReference(withRef)
	if err != nil {
		t.Fatal(err)
	}
	dm, dsd := ds.FeatureStats()
	near("model mean", mean, dm, 1e-6)
	near("model std", std, dsd, 1e-6)
	onnxRef, onnxPlain := filepath.Join(dir, "ref.onnx"), filepath.Join(dir, "plain.onnx")
	if err := export.ExportONNXOptions(onnxRef, m, export.ONNXOptions{Data: ds}); err != nil {
		t.Fatal(err)
	}
	if err := export.ExportONNX(onnxPlain, m); err != nil {
		t.Fatal(err)
	}
	mean, std, err = LoadReference(onnxRef)
	if err != nil {
		t.Fatal(err)
	}
	near("ONNX mean", mean, dm, 1e-6)
	near("ONNX std", std, dsd, 1e-6)
	for _, p := range []string{plain, onnxPlain} {
		if mean, std, err := LoadReference(p); mean != nil || std != nil || err != nil {
			t.Errorf("%s: %v %v %v; want no statistics and no error", p, mean, std, err)
		}
	}

	// A safetensors file of "mean" and "std" tensors (the older form).
	ps := []nn.Param{{Name: "mean", Tensor: tensor.New([]float32{1, 2}, 2)}, {Name: "std", Tensor: tensor.New([]float32{0.5, 3}, 2)}}
	stats := filepath.Join(dir, "ref.safetensors")
	if err := export.SaveTensors(stats, ps, nil); err != nil {
		t.Fatal(err)
	}
	mean, std, err = LoadReference(stats)
	if err != nil {
		t.Fatal(err)
	}
	near("tensors mean", mean, []float64{1, 2}, 0)
	near("tensors std", std, []float64{0.5, 3}, 0)

	// Refused, with the reason.
	noStd := filepath.Join(dir, "nostd.safetensors")
	if err := export.SaveTensors(noStd, ps[:1], nil); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{
		noStd:                                     `"std"`,
		file("junk.onnx", []byte("junk")):         "not a valid ONNX",
		file("junk.bin", []byte("junk")):          "junk.bin",
		file("bad.csv", []byte("1,2,0\n3,x,1\n")): "not a number",
		filepath.Join(dir, "missing.csv"):         "no such file",
		file("cut-idx3-ubyte", idx.Bytes()[:20]):  "truncated",
	} {
		if _, _, err := LoadReference(p); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v; want one containing %q", filepath.Base(p), err, want)
		}
	}
}
