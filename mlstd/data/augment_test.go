package data

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/tensor"
)

// images returns n examples of c planes of h×w distinct random values,
// labels i%10.
func images(n, c, h, w int, seed int64) *Dataset {
	x := tensor.Randn(seed, n, c, h, w)
	y := make([]int, n)
	for i := range y {
		y[i] = i % 10
	}
	return NewDataset(x, y)
}

func TestView(t *testing.T) {
	ds := images(5, 1, 4, 6, 1)
	flat := ds.View(24)
	if !slices.Equal(flat.X.Shape(), []int{5, 24}) || flat.Features() != 24 || flat.Len() != 5 {
		t.Fatalf("View(24): x %v, %d features, %d examples", flat.X.Shape(), flat.Features(), flat.Len())
	}
	if &flat.X.Data()[0] != &ds.X.Data()[0] || &flat.Y[0] != &ds.Y[0] {
		t.Error("View copied the examples or labels")
	}
	back := flat.View(1, 4, 6)
	if !slices.Equal(back.X.Shape(), []int{5, 1, 4, 6}) || !slices.Equal(ds.X.Shape(), []int{5, 1, 4, 6}) {
		t.Errorf("View(1, 4, 6): %v (original now %v)", back.X.Shape(), ds.X.Shape())
	}
	for _, shape := range [][]int{{25}, {}, {-1, -24}, {0, 24}} {
		func() {
			defer func() {
				var se *tensor.ShapeError
				if err, ok := recover().(error); !ok || !errors.As(err, &se) || se.Op != "data.View" {
					t.Errorf("View(%v) panicked with %v, want a data.View *tensor.ShapeError", shape, err)
				}
			}()
			ds.View(shape...)
		}()
	}
}

// shiftedBy reports whether out is in (one example, planes of h×w)
// moved by (dy, dx) with edge pixels repeated, computed independently of
// the loader's code.
func shiftedBy(out, in []float32, planes, h, w, dy, dx int) bool {
	for p := range planes {
		for i := range h {
			for j := range w {
				si, sj := i-dy, j-dx
				si = max(0, min(h-1, si))
				sj = max(0, min(w-1, sj))
				if out[p*h*w+i*w+j] != in[p*h*w+si*w+sj] {
					return false
				}
			}
		}
	}
	return true
}

// epoch returns the examples and labels of one pass of a fresh loader.
func epoch(ds *Dataset, cfg LoaderConfig) ([]float32, []int) {
	var x []float32
	var y []int
	for b := ds.Loader(cfg); b.Next(); {
		x = append(x, b.X().Data()...)
		y = append(y, b.Y()...)
	}
	return x, y
}

// TestLoaderShift checks the shift augmentation: every image of every
// batch is its source moved by one (dy, dx) in [−Shift, Shift]² for all its
// channels, every offset occurs, labels and order are those of the
// unaugmented loader, the dataset is unchanged, the same seed reproduces
// every epoch on a fresh dataset, and another seed or the next epoch
// differs.
func TestLoaderShift(t *testing.T) {
	const n, c, h, w, s = 300, 2, 5, 7, 2
	ds := images(n, c, h, w, 3)
	orig := slices.Clone(ds.X.Data())
	for _, shuffle := range []bool{false, true} {
		cfg := LoaderConfig{BatchSize: 32, Shuffle: shuffle, Seed: 9, Shift: s}
		plain := cfg
		plain.Shift = 0
		fresh := func() *Dataset { return NewDataset(tensor.New(slices.Clone(orig), n, c, h, w), slices.Clone(ds.Y)) }
		x, y := epoch(fresh(), cfg)
		px, py := epoch(fresh(), plain)
		if !slices.Equal(y, py) {
			t.Fatalf("shuffle %v: labels %v, want the unaugmented loader's %v", shuffle, y[:10], py[:10])
		}
		size := c * h * w
		seen := map[[2]int]int{}
		for e := range n {
			found := false
			for dy := -s; dy <= s && !found; dy++ {
				for dx := -s; dx <= s && !found; dx++ {
					if shiftedBy(x[e*size:(e+1)*size], px[e*size:(e+1)*size], c, h, w, dy, dx) {
						found = true
						seen[[2]int{dy, dx}]++
					}
				}
			}
			if !found {
				t.Fatalf("shuffle %v: example %d is not its image shifted by at most %d pixels", shuffle, e, s)
			}
		}
		if len(seen) != (2*s+1)*(2*s+1) {
			t.Errorf("shuffle %v: %d distinct offsets in %d images, want all %d", shuffle, len(seen), n, (2*s+1)*(2*s+1))
		}
		if again, _ := epoch(fresh(), cfg); !slices.Equal(again, x) {
			t.Errorf("shuffle %v: the same seed on a fresh dataset gave other batches", shuffle)
		}
		other := cfg
		other.Seed = 10
		if ox, _ := epoch(fresh(), other); slices.Equal(ox, x) {
			t.Errorf("shuffle %v: seeds 9 and 10 gave the same batches", shuffle)
		}
		d := fresh()
		first, _ := epoch(d, cfg)
		second, _ := epoch(d, cfg)
		if !slices.Equal(first, x) || slices.Equal(second, first) {
			t.Errorf("shuffle %v: the second epoch repeated the first", shuffle)
		}
	}
	if !slices.Equal(ds.X.Data(), orig) {
		t.Error("the loader modified the dataset")
	}
}

func TestLoaderShiftErrors(t *testing.T) {
	for _, tc := range []struct {
		ds    *Dataset
		shift int
		want  string
	}{
		{seq(4), 2, "tensor: data.Loader shape mismatch [4 2]: LoaderConfig.Shift needs images"},
		{images(4, 1, 3, 3, 1), -1, "data: LoaderConfig.Shift -1 must not be negative"},
	} {
		func() {
			defer func() {
				err, ok := recover().(error)
				if !ok || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("Shift %d on %v: panic %v, want %q", tc.shift, tc.ds.X.Shape(), err, tc.want)
				}
			}()
			tc.ds.Loader(LoaderConfig{BatchSize: 2, Shift: tc.shift})
		}()
	}
	// [n, h, w] examples are images of one plane.
	if x, _ := epoch(images(4, 1, 3, 3, 1).View(3, 3), LoaderConfig{BatchSize: 2, Shift: 1}); len(x) != 36 {
		t.Errorf("[n, h, w]: %d values, want 36", len(x))
	}
}
