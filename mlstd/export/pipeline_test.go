package export

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/prep"
	"github.com/gokernel/gokernel/mlstd/table"
)

// penguinModel fits a pipeline on the penguins' training split and builds
// a classifier for its features; it returns them with the test rows.
func penguinModel(t *testing.T) (*prep.Pipeline, nn.Module, *table.Table) {
	t.Helper()
	all, err := table.ReadCSV("../../notebooks/penguins.csv", table.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	train, test := all.DropMissing("body_mass_g").Split(0.8, "species", 1)
	p := prep.NewPipeline().
		Add([]string{"bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"},
			&prep.Imputer{Strategy: prep.Median}, &prep.StandardScaler{}).
		Add([]string{"island", "sex"}, &prep.Imputer{Strategy: prep.MostFrequent}, &prep.OneHot{Unknown: prep.Ignore}).
		Classify("species")
	if err := p.Fit(train); err != nil {
		t.Fatal(err)
	}
	nn.Seed(3)
	m := nn.NewSequential(nn.NewLinear(len(p.Features()), 8), nn.NewReLU(), nn.NewLinear(8, 3))
	return p, m, test
}

// TestPipelineRoundTrip: a model saved with its pipeline (safetensors and
// ONNX) comes back with a pipeline that, with the loaded model, predicts
// the held-out raw rows bit for bit as the originals do.
func TestPipelineRoundTrip(t *testing.T) {
	p, m, test := penguinModel(t)
	x, err := p.Transform(test)
	if err != nil {
		t.Fatal(err)
	}
	want := m.Forward(x)
	ds, err := p.Dataset(test)
	if err != nil {
		t.Fatal(err)
	}
	st, ox := tmp(t, "penguins.safetensors"), tmp(t, "penguins.onnx")
	if err := Save(st, m, WithPipeline(p), WithData(ds)); err != nil {
		t.Fatal(err)
	}
	if err := ExportONNXOptions(ox, m, ONNXOptions{Pipeline: p}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{st, ox} {
		lm, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		lp, err := ReadPipeline(path)
		if err != nil || lp == nil {
			t.Fatalf("%s: ReadPipeline: %v, %v", path, lp, err)
		}
		lx, err := lp.Transform(test)
		if err != nil {
			t.Fatal(err)
		}
		sameBits(t, path+" features", lx, x)
		sameBits(t, path+" outputs", lm.Forward(lx), want)
		if strings.Join(lp.Classes(), ",") != "Adelie,Chinstrap,Gentoo" {
			t.Errorf("%s: classes %q", path, lp.Classes())
		}
	}
	// A file without a pipeline has none; a bad one is refused by name.
	plain := tmp(t, "plain.safetensors")
	if err := Save(plain, m); err != nil {
		t.Fatal(err)
	}
	if lp, err := ReadPipeline(plain); lp != nil || err != nil {
		t.Errorf("plain file: %v, %v", lp, err)
	}
	if err := Save(plain, nn.NewSequential(nn.NewLinear(4, 3)), WithPipeline(p)); err == nil || !strings.Contains(err.Error(), "makes 9 features, the model takes 4") {
		t.Errorf("width mismatch: %v", err)
	}
	if err := Save(plain, m, WithPipeline(prep.NewPipeline().Add([]string{"a"}, &prep.StandardScaler{}))); err == nil || !strings.Contains(err.Error(), "not fitted") {
		t.Errorf("unfitted pipeline: %v", err)
	}
	if err := SaveTensors(plain, nn.NamedParameters(m), map[string]string{metaPipeline: `{"version":1}`}); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPipeline(plain); err == nil || !strings.Contains(err.Error(), "plain.safetensors: mlstd.pipeline") {
		t.Errorf("corrupt pipeline: %v", err)
	}
}

// TestONNXPipelineNote: python3-onnx's checker accepts a pipelined model's
// file and reads the note saying the graph leaves the pipeline out.
func TestONNXPipelineNote(t *testing.T) {
	needPython(t)
	p, m, _ := penguinModel(t)
	path := tmp(t, "penguins.onnx")
	if err := ExportONNXOptions(path, m, ONNXOptions{Pipeline: p}); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, "-c", `import sys, onnx
m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True)
props = {p.key: p.value for p in m.metadata_props}
print(props["mlstd.pipeline_note"]); print(len(props["mlstd.pipeline"]))`, path).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{`"input" holds the 9 features`, "island_Biscoe", "not in the graph", "Imputer(median) StandardScaler", "island, sex → Imputer(most frequent) OneHot"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("note lacks %q:\n%s", want, out)
		}
	}
}
