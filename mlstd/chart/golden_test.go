package chart

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata")

// goldenFigures are the charts pinned by testdata/*.png. The data are
// deterministic (fixed seeds) so the pictures are too.
func goldenFigures() map[string]*Figure {
	r := rand.New(rand.NewPCG(1, 2))
	train, val := make([]float64, 10), make([]float64, 10)
	for i := range train {
		train[i] = 2.3*math.Exp(-0.45*float64(i)) + 0.05
		val[i] = 2.3*math.Exp(-0.38*float64(i)) + 0.12 + 0.02*r.Float64()
	}
	before := make([]float64, 4000)
	for i := range before {
		before[i] = r.NormFloat64() * 0.05
	}
	after := make([]float64, 0, len(before))
	for _, w := range before {
		if math.Abs(w) > 0.034 {
			after = append(after, w)
		}
	}
	conf := [][]int{{50, 2, 1}, {3, 45, 7}, {0, 6, 44}}
	xs, ys := make([]float64, 200), make([]float64, 200)
	for i := range xs {
		xs[i] = r.NormFloat64()
		ys[i] = 0.7*xs[i] + 0.4*r.NormFloat64()
	}
	return map[string]*Figure{
		"lines.png":     Lines("loss", []string{"train", "val"}, [][]float64{train, val}).Labels("epoch", "cross-entropy"),
		"hists.png":     Hists("fc1 weights", []string{"before", "after pruning"}, [][]float64{before, after}, 60),
		"confusion.png": Confusion("confusion matrix", conf, []string{"cat", "dog", "bird"}),
		"bar.png":       Bar("accuracy per class", []string{"0", "1", "2", "3"}, []float64{0.98, 0.99, 0.95, 0.91}),
		"scatter.png":   Scatter("y against x", xs, ys).Labels("x", "y"),
		"digits.png":    Predictions("predictions", digits(8), []int{0, 1, 2, 3, 4, 5, 6, 1}, []int{0, 1, 2, 3, 4, 5, 6, 7}, 4),
	}
}

// digits draws n synthetic 28×28 "digits": a ring whose radius grows with
// the index, so each image is recognisably different.
func digits(n int) *tensor.Tensor {
	v := make([]float32, n*784)
	for k := 0; k < n; k++ {
		rad := 4 + float64(k)
		for y := 0; y < 28; y++ {
			for x := 0; x < 28; x++ {
				d := math.Hypot(float64(x)-13.5, float64(y)-13.5)
				if math.Abs(d-rad) < 1.6 {
					v[k*784+y*28+x] = 1
				}
			}
		}
	}
	return tensor.New(v, n, 784)
}

func TestGolden(t *testing.T) {
	for name, f := range goldenFigures() {
		t.Run(name, func(t *testing.T) {
			got := f.PNG()
			if got == nil {
				t.Fatalf("no PNG: %v", f.Err())
			}
			path := filepath.Join("testdata", name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if d, frac := imageDiff(t, got, want); d > 0.5 || frac > 0.005 {
				t.Errorf("differs from %s: mean abs diff %.3f/255, %.2f%% of pixels differ by more than 32", path, d, 100*frac)
			}
		})
	}
}

// imageDiff returns the mean absolute channel difference (0..255) and the
// fraction of pixels with any channel off by more than 32. Sizes must match.
func imageDiff(t *testing.T, a, b []byte) (mean, frac float64) {
	t.Helper()
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatal(err)
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if ia.Bounds() != ib.Bounds() {
		t.Fatalf("size %v, golden %v", ia.Bounds(), ib.Bounds())
	}
	return pixelDiff(ia, ib)
}

func pixelDiff(ia, ib image.Image) (mean, frac float64) {
	r := ia.Bounds()
	var sum float64
	bad := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := ia.At(x, y).RGBA()
			r2, g2, b2, _ := ib.At(x, y).RGBA()
			worst := 0.0
			for _, d := range []float64{
				math.Abs(float64(r1>>8) - float64(r2>>8)),
				math.Abs(float64(g1>>8) - float64(g2>>8)),
				math.Abs(float64(b1>>8) - float64(b2>>8)),
			} {
				sum += d
				worst = math.Max(worst, d)
			}
			if worst > 32 {
				bad++
			}
		}
	}
	n := float64(r.Dx() * r.Dy())
	return sum / (3 * n), float64(bad) / n
}
