package bench

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

func TestMedian(t *testing.T) {
	s := Side{Epoch: []time.Duration{3 * time.Second, time.Second, 2 * time.Second}, CPU: []time.Duration{4 * time.Second, 2 * time.Second}}
	if got := s.Median(); got != 2 {
		t.Errorf("Median = %v, want 2", got)
	}
	if got := s.MedianCPU(); got != 3 {
		t.Errorf("MedianCPU = %v, want 3", got)
	}
	if got := (&Side{}).Median(); got != 0 {
		t.Errorf("empty Median = %v", got)
	}
}

// TestTable checks the side-by-side rows: the ratios of the medians, the
// accuracy difference, and dashes for a model run without PyTorch.
func TestTable(t *testing.T) {
	side := func(s, cpu, acc float64, rss int64) *Side {
		return &Side{Epoch: []time.Duration{time.Duration(s * float64(time.Second))},
			CPU: []time.Duration{time.Duration(cpu * float64(time.Second))}, Accuracy: acc, PeakRSS: rss}
	}
	var b strings.Builder
	Table(&b, []Result{
		{Model: "cnn", Go: side(20, 36, 0.983, 400<<20), Torch: side(64, 128, 0.9803, 600<<20)},
		{Model: "lenet5", Go: side(2.2, 3.3, 0.981, 262<<20)},
	})
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want a header and 2 rows:\n%s", len(lines), b.String())
	}
	if want := strings.Fields("cnn 20.000 64.000 0.312 0.281 98.30% +0.27 0.67"); !slices.Equal(strings.Fields(lines[1]), want) {
		t.Errorf("row %q, want %q", lines[1], want)
	}
	if want := strings.Fields("lenet5 2.200 - - - 98.10% - -"); !slices.Equal(strings.Fields(lines[2]), want) {
		t.Errorf("row %q, want %q", lines[2], want)
	}
}

// TestGoTrainerLearns trains the Go side for one epoch on the first 6,400
// training images and expects well above chance on 2,000 test images.
func TestGoTrainerLearns(t *testing.T) {
	cfg, err := DefaultConfig()
	if err != nil {
		t.Skip(err)
	}
	g, err := newGoTrainer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	g.train, g.test = g.train.Slice(0, 6400), g.test.Slice(0, 2000)
	loss, _ := g.epoch(cfg.Batch)
	acc := g.accuracy()
	if !(loss < 1) || acc < 0.8 {
		t.Fatalf("after one epoch on 6,400 images: loss %v, test accuracy %v; want loss < 1, accuracy ≥ 0.8", loss, acc)
	}
}

// BenchmarkMNIST runs the whole comparison once (use -benchtime 1x):
//
//	EPOCHS=10 go test -run XXX -bench MNIST -benchtime 1x ./mlstd/internal/bench/
func BenchmarkMNIST(b *testing.B) {
	cfg, err := DefaultConfig()
	if err != nil {
		b.Skip(err)
	}
	if _, err := os.Stat(cfg.Python); err != nil {
		cfg.Python = ""
	}
	var w io.Writer = os.Stdout
	for b.Loop() {
		goSide, torchSide, err := Run(cfg, w)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(goSide.Median(), "go-s/epoch")
		b.ReportMetric(goSide.MedianCPU(), "go-cpu-s/epoch")
		b.ReportMetric(100*goSide.Accuracy, "go-acc-%")
		if torchSide != nil {
			b.ReportMetric(torchSide.Median(), "torch-s/epoch")
			b.ReportMetric(torchSide.MedianCPU(), "torch-cpu-s/epoch")
			b.ReportMetric(100*torchSide.Accuracy, "torch-acc-%")
			b.ReportMetric(goSide.Median()/torchSide.Median(), "ratio")
			b.ReportMetric(goSide.MedianCPU()/torchSide.MedianCPU(), "ratio-cpu")
		}
	}
}

// TestModels builds every model, runs two images through it as the
// trainer shapes them, and refuses an unknown name.
func TestModels(t *testing.T) {
	for _, name := range Models {
		m, err := newModel(name)
		if err != nil {
			t.Fatal(err)
		}
		g := &goTrainer{images: name != "mlp"}
		out := m.Forward(g.input(tensor.Zeros(2, 784)))
		if s := out.Shape(); len(s) != 2 || s[0] != 2 || s[1] != 10 {
			t.Errorf("%s: output shape %v, want [2 10]", name, s)
		}
		if _, ok := modelTitle[name]; !ok {
			t.Errorf("%s has no title", name)
		}
	}
	if _, err := newModel("resnet"); err == nil || !strings.Contains(err.Error(), "lenet5") {
		t.Errorf("unknown model: err = %v, want one naming the models", err)
	}
}

// TestScaleAndCores checks the scaling of a partial epoch to a whole one
// and the cores-busy figure.
func TestScaleAndCores(t *testing.T) {
	if got := scaleTo(2*time.Second, 100, 938); got != 18760*time.Millisecond {
		t.Errorf("scaleTo = %v, want 18.76s", got)
	}
	if got := scaleTo(time.Second, 0, 938); got != 0 {
		t.Errorf("scaleTo of no steps = %v", got)
	}
	s := Side{Epoch: []time.Duration{time.Second, 3 * time.Second}, CPU: []time.Duration{2 * time.Second, 4 * time.Second}}
	if got := s.Cores(); got != 1.5 {
		t.Errorf("Cores = %v, want 1.5", got)
	}
	if got := stepsPerEpoch(Config{Batch: 64}); got != 938 {
		t.Errorf("stepsPerEpoch = %d, want 938", got)
	}
}
