package export

import (
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestSaveWithData records a dataset's statistics in a model file: they
// read back as float32 roundings of data.FeatureStats, the model and its
// tensors load as before, and a file without them or with a damaged entry
// answers nil or an error naming the key.
func TestSaveWithData(t *testing.T) {
	x := tensor.Randn(3, 300, 784)
	xd := x.Data()
	for i := range xd {
		xd[i] = xd[i]*float32(1+i%7) + float32(i%784)/100 // features with different means and spreads
	}
	ds := data.NewDataset(x, make([]int, 300))
	m := exporttest.MLP(1, 16, nil)
	path := tmp(t, "m.safetensors")
	if err := Save(path, m, WithData(ds)); err != nil {
		t.Fatal(err)
	}
	ref, err := ReadReference(path)
	if err != nil || ref == nil {
		t.Fatalf("ReadReference = %v, %v", ref, err)
	}
	mean, std := ds.FeatureStats()
	if ref.Rows != 300 || len(ref.Mean) != 784 || len(ref.Std) != 784 {
		t.Fatalf("reference: %d rows, %d means, %d stds", ref.Rows, len(ref.Mean), len(ref.Std))
	}
	for j := range mean {
		if ref.Mean[j] != float64(float32(mean[j])) || ref.Std[j] != float64(float32(std[j])) {
			t.Fatalf("feature %d: mean %v std %v, want float32 of %v %v", j, ref.Mean[j], ref.Std[j], mean[j], std[j])
		}
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sameParams(t, loaded, m)
	if ps, err := LoadTensors(path); err != nil || len(ps) != len(nn.NamedParameters(m)) {
		t.Fatalf("LoadTensors: %d tensors, %v; the reference must not add any", len(ps), err)
	}

	// ONNX: the statistics in metadata_props; the graph loads as before.
	onnxPath := tmp(t, "m.onnx")
	if err := ExportONNXOptions(onnxPath, m, ONNXOptions{Data: ds}); err != nil {
		t.Fatal(err)
	}
	oref, err := ReadReference(onnxPath)
	if err != nil || oref == nil || oref.Rows != 300 || oref.Mean[5] != ref.Mean[5] || oref.Std[783] != ref.Std[783] {
		t.Fatalf("ONNX ReadReference = %+v, %v; want the safetensors file's", oref, err)
	}
	if _, err := LoadONNX(onnxPath); err != nil {
		t.Fatal(err)
	}

	plain := tmp(t, "plain.safetensors")
	if err := Save(plain, m); err != nil {
		t.Fatal(err)
	}
	if ref, err := ReadReference(plain); ref != nil || err != nil {
		t.Errorf("file saved without WithData: ReadReference = %v, %v; want nil, nil", ref, err)
	}
	for _, bad := range []string{`{"rows":1,"mean":[1],"std":[]}`, `not json`, `{"rows":0,"mean":[1],"std":[1]}`, `{"rows":2,"mean":[1],"std":[-1]}`} {
		p := writeVariant(t, nn.NamedParameters(m), map[string]string{metaReference: bad})
		if _, err := ReadReference(p); err == nil || !strings.Contains(err.Error(), metaReference) {
			t.Errorf("reference %s: error %v; want one naming %s", bad, err, metaReference)
		}
	}
}
