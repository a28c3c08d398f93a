package bench

import (
	"io"
	"os"
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
