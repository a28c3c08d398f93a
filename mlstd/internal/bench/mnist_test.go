package bench

import (
	"io"
	"os"
	"testing"
	"time"
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
	loss := g.epoch(cfg.Batch)
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
