package chart

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/display"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func TestNonFiniteIsAnError(t *testing.T) {
	for name, f := range map[string]*Figure{
		"line":    Line("loss", []float64{1, math.NaN()}),
		"lines":   Lines("loss", []string{"a", "b"}, [][]float64{{1}, {math.Inf(1)}}),
		"scatter": Scatter("s", []float64{1}, []float64{math.Inf(-1)}),
		"hist":    Hist("h", []float64{0, math.NaN()}, 10),
		"bar":     Bar("b", []string{"x"}, []float64{math.NaN()}),
		"heatmap": Heatmap("m", [][]float64{{1, math.NaN()}}, nil, nil),
		"images":  ImageGrid("g", tensor.New([]float32{float32(math.NaN()), 0, 0, 0}, 1, 4), nil, 0),
	} {
		err := f.Err()
		if err == nil || !strings.HasPrefix(err.Error(), "chart: ") {
			t.Errorf("%s: err = %v", name, err)
			continue
		}
		if f.PNG() != nil || f.SVG() != "" || f.String() != err.Error() {
			t.Errorf("%s: a failed figure rendered", name)
		}
		if b := display.MIME(f); len(b) != 1 || b["text/plain"] != err.Error() {
			t.Errorf("%s: bundle %v", name, b)
		}
		if f.Save(filepath.Join(t.TempDir(), "x.png")) != err {
			t.Errorf("%s: Save did not return the data error", name)
		}
	}
	if err := Line("loss", []float64{1, math.NaN()}).Err(); !strings.Contains(err.Error(), "value 1 is NaN") {
		t.Errorf("message %q does not say where", err)
	}
}

func TestMismatchesAreErrors(t *testing.T) {
	for name, f := range map[string]*Figure{
		"names":     Lines("l", []string{"a"}, [][]float64{{1}, {2}}),
		"xy":        Scatter("s", []float64{1, 2}, []float64{1}),
		"bar":       Bar("b", []string{"x", "y"}, []float64{1}),
		"ragged":    Heatmap("m", [][]float64{{1, 2}, {3}}, nil, nil),
		"labels":    Heatmap("m", [][]float64{{1, 2}}, []string{"a", "b"}, nil),
		"captions":  ImageGrid("g", tensor.Zeros(2, 4), []string{"a"}, 0),
		"empty":     Hist("h", nil, 5),
		"predicted": Predictions("p", tensor.Zeros(1, 4), []int{1}, nil, 0),
	} {
		if f.Err() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestImageGridShapePanics(t *testing.T) {
	for _, shape := range [][]int{{2, 5}, {2, 3, 4, 4}, {4}} {
		func() {
			defer func() {
				if _, ok := recover().(*tensor.ShapeError); !ok {
					t.Errorf("a %v tensor (not one-channel images) did not panic with a ShapeError", shape)
				}
			}()
			ImageGrid("g", tensor.Zeros(shape...), nil, 0)
		}()
	}
}

// TestImageGridNCHW checks that a batch of one-channel images [n, 1, h, w]
// (a Conv2d's input, a first layer's filters) draws as [n, h, w] does.
func TestImageGridNCHW(t *testing.T) {
	x := tensor.Randn(1, 6, 5, 5)
	want := ImageGrid("filters", x, nil, 6).PNG()
	if got := ImageGrid("filters", x.Reshape(6, 1, 5, 5), nil, 6).PNG(); !bytes.Equal(got, want) || len(want) < 500 {
		t.Errorf("[6 1 5 5] drew %d bytes, [6 5 5] %d, not the same image", len(got), len(want))
	}
	if bytes.Equal(ImageGrid("filters", tensor.Randn(2, 6, 1, 5, 5), nil, 6).PNG(), want) {
		t.Error("other filters drew the same image")
	}
}

func TestSaveAndFormats(t *testing.T) {
	dir := t.TempDir()
	f := Line("loss", []float64{3, 2, 1}).Size(4, 3)
	for _, name := range []string{"a.png", "a.svg", "a.jpg"} {
		path := filepath.Join(dir, name)
		if err := f.Save(path); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil || len(b) < 500 {
			t.Fatalf("%s: %d bytes, %v", name, len(b), err)
		}
	}
	if err := f.Save(filepath.Join(dir, "noext")); err == nil {
		t.Error("saving without an extension worked")
	}
	if err := f.Save(filepath.Join(dir, "missing", "a.png")); err == nil {
		t.Error("saving into a missing directory worked")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 3 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	if svg := f.SVG(); !strings.HasPrefix(strings.TrimSpace(svg), "<?xml") || !strings.Contains(svg, "<svg") {
		t.Errorf("svg starts %q", svg[:min(40, len(svg))])
	}
	b := display.MIME(f)
	if _, ok := b["image/png"]; !ok || len(b) != 2 || b["text/plain"] != `Figure("loss", 4×3 in)` {
		t.Errorf("bundle keys/text %v", b["text/plain"])
	}
	if md := display.Metadata(f)["image/png"].(map[string]any); md["width"] != 384 || md["height"] != 288 {
		t.Errorf("metadata %v", md)
	}
	img, w := f.PNG(), 4*DPI
	if got := pngWidth(t, img); got != w {
		t.Errorf("png width %d, want %d", got, w)
	}
}

func pngWidth(t *testing.T, b []byte) int {
	t.Helper()
	if len(b) < 24 || string(b[1:4]) != "PNG" {
		t.Fatal("not a PNG")
	}
	return int(b[16])<<24 | int(b[17])<<16 | int(b[18])<<8 | int(b[19])
}

// TestGoldenDetectsChange makes sure the golden comparison is not blind:
// a different chart must fail it.
func TestGoldenDetectsChange(t *testing.T) {
	want, err := os.ReadFile("testdata/lines.png")
	if err != nil {
		t.Skip("no golden file yet")
	}
	got := Lines("loss", []string{"train", "val"}, [][]float64{{2, 1, 0.5}, {2, 1.2, 0.9}}).Labels("epoch", "cross-entropy").PNG()
	if d, frac := imageDiff(t, got, want); d < 0.5 && frac < 0.005 {
		t.Errorf("a different chart passed the golden test (diff %.3f, %.4f)", d, frac)
	}
}

// BenchmarkLinePNG is the cost of a typical loss chart (2 × 50 points).
func BenchmarkLinePNG(b *testing.B) {
	a, c := make([]float64, 50), make([]float64, 50)
	for i := range a {
		a[i], c[i] = 1/float64(i+1), 1.2/float64(i+1)
	}
	f := Lines("loss", []string{"train", "val"}, [][]float64{a, c})
	for i := 0; i < b.N; i++ {
		f.PNG()
	}
}

func TestCellText(t *testing.T) {
	for v, want := range map[float64]string{1040: "1040", 0: "0", 0.98765: "0.988", 2.5e9: "2.5e+09", -3: "-3"} {
		if got := cellText(v); got != want {
			t.Errorf("cellText(%v) = %q, want %q", v, got, want)
		}
	}
}
