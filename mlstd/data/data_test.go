package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// seq returns a dataset of n examples with 2 features (i, -i) and label i%3.
func seq(n int) *Dataset {
	x := make([]float32, 2*n)
	y := make([]int, n)
	for i := range n {
		x[2*i], x[2*i+1] = float32(i), float32(-i)
		y[i] = i % 3
	}
	return NewDataset(tensor.New(x, n, 2), y)
}

func TestNewDatasetPanics(t *testing.T) {
	defer func() {
		if _, ok := recover().(*tensor.ShapeError); !ok {
			t.Fatal("want a *tensor.ShapeError panic")
		}
	}()
	NewDataset(tensor.Zeros(3, 2), []int{0, 1})
}

func TestLoader(t *testing.T) {
	for _, tc := range []struct {
		n, batch      int
		shuffle, drop bool
		batches, last int
	}{
		{10, 3, false, false, 4, 1},
		{10, 3, false, true, 3, 3},
		{10, 3, true, false, 4, 1},
		{10, 3, true, true, 3, 3},
		{9, 3, true, true, 3, 3},
		{2, 5, false, true, 0, 0},
		{0, 5, true, false, 0, 0},
	} {
		ds := seq(tc.n)
		l := ds.Loader(LoaderConfig{BatchSize: tc.batch, Shuffle: tc.shuffle, DropLast: tc.drop})
		seen := map[int]int{}
		nb, last := 0, 0
		for l.Next() {
			x, y := l.Batch()
			if x.Dim(0) != len(y) || x.Dim(1) != 2 {
				t.Fatalf("%+v: batch shapes %v and %d", tc, x.Shape(), len(y))
			}
			for i, v := range y {
				id := int(x.Data()[2*i])
				if id%3 != v || x.Data()[2*i+1] != -float32(id) {
					t.Fatalf("%+v: example %d paired with label %d", tc, id, v)
				}
				seen[id]++
			}
			if l.Index() != nb {
				t.Fatalf("Index %d, want %d", l.Index(), nb)
			}
			nb++
			last = len(y)
		}
		if nb != tc.batches || last != tc.last || l.Len() != tc.batches {
			t.Errorf("%+v: %d batches (Len %d), last %d", tc, nb, l.Len(), last)
		}
		if want := nb * tc.batch; !tc.drop && len(seen) != tc.n || tc.drop && len(seen) != min(want, tc.n) {
			t.Errorf("%+v: saw %d distinct examples", tc, len(seen))
		}
		for id, c := range seen {
			if c != 1 {
				t.Errorf("%+v: example %d seen %d times", tc, id, c)
			}
		}
	}
}

func order(ds *Dataset, cfg LoaderConfig) []int {
	var ids []int
	for l := ds.Loader(cfg); l.Next(); {
		for i := range l.Y() {
			ids = append(ids, int(l.X().Data()[2*i]))
		}
	}
	return ids
}

func TestShuffleOrder(t *testing.T) {
	cfg := LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 7}
	a := seq(50)
	e1, e2 := order(a, cfg), order(a, cfg)
	if slices.Equal(e1, e2) {
		t.Error("two epochs had the same order")
	}
	if slices.IsSorted(e1) {
		t.Error("shuffled order is sorted")
	}
	b := seq(50)
	if !slices.Equal(order(b, cfg), e1) || !slices.Equal(order(b, cfg), e2) {
		t.Error("same seed on a fresh dataset gave different epoch orders")
	}
	cfg.Seed = 8
	if slices.Equal(order(seq(50), cfg), e1) {
		t.Error("seeds 7 and 8 gave the same order")
	}
	if got := order(seq(50), LoaderConfig{BatchSize: 7}); !slices.IsSorted(got) || len(got) != 50 {
		t.Error("unshuffled order is not 0..49")
	}
}

func TestLoaderInterrupt(t *testing.T) {
	defer host.Reset()
	l := seq(10).Batches(2, false)
	if !l.Next() {
		t.Fatal("no first batch")
	}
	host.Interrupt()
	defer func() {
		if r := recover(); r != host.ErrInterrupted {
			t.Fatalf("recovered %v, want host.ErrInterrupted", r)
		}
	}()
	l.Next()
}

func TestSplitSubset(t *testing.T) {
	ds := seq(100)
	tr, va := ds.Split(0.8, 1)
	if tr.Len() != 80 || va.Len() != 20 {
		t.Fatalf("split sizes %d, %d", tr.Len(), va.Len())
	}
	ids := map[float32]bool{}
	for _, part := range []*Dataset{tr, va} {
		for i, v := range part.Y {
			id := part.X.Data()[2*i]
			if int(id)%3 != v || ids[id] {
				t.Fatalf("example %v duplicated or mislabelled", id)
			}
			ids[id] = true
		}
	}
	s := ds.Slice(10, 13)
	if !slices.Equal(s.X.Data(), []float32{10, -10, 11, -11, 12, -12}) || !slices.Equal(s.Y, []int{1, 2, 0}) {
		t.Errorf("Slice(10, 13) = %v %v", s.X.Data(), s.Y)
	}
	s.X.Data()[0] = 99
	if ds.X.Data()[20] != 10 {
		t.Error("Slice shares storage with its source")
	}
	if ds.NumClasses() != 3 || !slices.Equal(ds.ClassCounts(), []int{34, 33, 33}) {
		t.Errorf("NumClasses %d, ClassCounts %v", ds.NumClasses(), ds.ClassCounts())
	}
}

func TestStandardize(t *testing.T) {
	ds := seq(11) // feature 0 = 0..10: mean 5, population std sqrt(10)
	mean, std := ds.Standardize()
	if math.Abs(mean[0]-5) > 1e-9 || math.Abs(mean[1]+5) > 1e-9 || math.Abs(std[0]-math.Sqrt(10)) > 1e-9 {
		t.Fatalf("stats %v %v", mean, std)
	}
	m2, s2 := ds.FeatureStats()
	for j := range 2 {
		if math.Abs(m2[j]) > 1e-6 || math.Abs(s2[j]-1) > 1e-6 {
			t.Errorf("after Standardize feature %d has mean %v std %v", j, m2[j], s2[j])
		}
	}
	d := NewDataset(tensor.New([]float32{0.1307, 0.4388}, 2, 1), []int{0, 1}).Normalize(MNISTMean, MNISTStd)
	if math.Abs(float64(d.X.Data()[0])) > 1e-6 || math.Abs(float64(d.X.Data()[1])-1) > 1e-5 {
		t.Errorf("Normalize gave %v", d.X.Data())
	}
}

func TestReadCSV(t *testing.T) {
	in := "a,b,species\n1.5, 2,setosa\n3,-4e1,virginica\n5,6,setosa\n"
	ds, err := ReadCSVFrom(strings.NewReader(in), CSVConfig{Header: true, Label: "species"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.X.Data(), []float32{1.5, 2, 3, -40, 5, 6}) || !slices.Equal(ds.Y, []int{0, 1, 0}) ||
		!slices.Equal(ds.Classes, []string{"setosa", "virginica"}) || !slices.Equal(ds.X.Shape(), []int{3, 2}) {
		t.Errorf("got %v %v %v %v", ds.X.Shape(), ds.X.Data(), ds.Y, ds.Classes)
	}
	ds, err = ReadCSVFrom(strings.NewReader("2;1;0.5\n0;3;4\n"), CSVConfig{LabelColumn: 0, Comma: ';'})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.Y, []int{2, 0}) || ds.Classes != nil || !slices.Equal(ds.X.Data(), []float32{1, 0.5, 3, 4}) {
		t.Errorf("got %v %v %v", ds.X.Data(), ds.Y, ds.Classes)
	}
	for _, bad := range []struct{ in, want string }{
		{"h1,h2\n1,2\n3,x\n", "line 3, column 2"},
		{"1,2\n3\n", "line 2"},
		{"", "no data"},
	} {
		_, err := ReadCSVFrom(strings.NewReader(bad.in), CSVConfig{Header: strings.HasPrefix(bad.in, "h"), LabelColumn: 0})
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want one containing %q", bad.in, err, bad.want)
		}
	}
	path := filepath.Join(t.TempDir(), "d.csv")
	os.WriteFile(path, []byte("1,2,1\n"), 0o644)
	if ds, err := ReadCSV(path, CSVConfig{LabelColumn: -1}); err != nil || ds.Y[0] != 1 {
		t.Errorf("ReadCSV: %v %v", ds, err)
	}
}

func TestSynthetic(t *testing.T) {
	a, b := Blobs(90, 3, 3, 0.5, 42), Blobs(90, 3, 3, 0.5, 42)
	if !slices.Equal(a.X.Data(), b.X.Data()) || !slices.Equal(a.ClassCounts(), []int{30, 30, 30}) {
		t.Error("Blobs not reproducible or unbalanced")
	}
	if slices.Equal(a.X.Data(), Blobs(90, 3, 3, 0.5, 43).X.Data()) {
		t.Error("Blobs ignores its seed")
	}
	m := Moons(100, 0.1, 1)
	if m.Len() != 100 || !slices.Equal(m.ClassCounts(), []int{50, 50}) {
		t.Errorf("Moons: %v", m)
	}
}

func writeIDX(t *testing.T, path string, magic uint32, dims []uint32, body []byte) {
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	binary.Write(z, binary.BigEndian, append([]uint32{magic}, dims...))
	z.Write(body)
	z.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadIDX(t *testing.T) {
	dir := t.TempDir()
	img, lab := filepath.Join(dir, "i.gz"), filepath.Join(dir, "l.gz")
	writeIDX(t, img, 0x803, []uint32{2, 2, 2}, []byte{0, 255, 51, 102, 255, 0, 0, 0})
	writeIDX(t, lab, 0x801, []uint32{2}, []byte{3, 1})
	ds, err := LoadIDX(img, lab)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ds.X.Data(), []float32{0, 1, 0.2, 0.4, 1, 0, 0, 0}) || !slices.Equal(ds.Y, []int{3, 1}) || len(ds.Classes) != 4 {
		t.Errorf("got %v %v %v", ds.X.Data(), ds.Y, ds.Classes)
	}
	writeIDX(t, lab, 0x803, []uint32{2}, []byte{3, 1})
	if _, err := LoadIDX(img, lab); err == nil || !strings.Contains(err.Error(), "magic") {
		t.Errorf("bad magic: %v", err)
	}
	writeIDX(t, lab, 0x801, []uint32{3}, []byte{3, 1})
	if _, err := LoadIDX(img, lab); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated labels: %v", err)
	}
}

func TestEscapeModulePath(t *testing.T) {
	if got := escapeModulePath(MNISTModule); got != "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63" {
		t.Error(got)
	}
}

func TestLoadMNISTBadFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, mnistFiles[0].name), []byte("not mnist"), 0o644)
	_, _, err := LoadMNIST(dir)
	if err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz is corrupt") {
		t.Errorf("corrupt file: %v", err)
	}
	os.Remove(filepath.Join(dir, mnistFiles[0].name))
	_, _, err = LoadMNIST(dir)
	if err == nil || !strings.Contains(err.Error(), "train-images-idx3-ubyte.gz is missing") {
		t.Errorf("missing file: %v", err)
	}
}

// TestMNIST decodes the real files once (about 0.5 s): it fills an empty
// user cache directory from the module cache, or from the module proxy.
func TestMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes 55 MB")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	dir, err := findMNIST()
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := mnistCacheDir(); dir != c {
		t.Errorf("files served from %s, not copied to the cache %s", dir, c)
	}
	if err := verifyDir(dir); err != nil {
		t.Fatal(err)
	}
	train, test, err := MNIST()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(train.X.Shape(), []int{60000, 784}) || !slices.Equal(test.X.Shape(), []int{10000, 784}) {
		t.Fatalf("shapes %v %v", train.X.Shape(), test.X.Shape())
	}
	// Known facts of MNIST: first labels, class counts, pixel statistics.
	if !slices.Equal(train.Y[:5], []int{5, 0, 4, 1, 9}) || !slices.Equal(test.Y[:3], []int{7, 2, 1}) {
		t.Errorf("first labels %v %v", train.Y[:5], test.Y[:3])
	}
	if c := train.ClassCounts(); c[1] != 6742 || c[5] != 5421 {
		t.Errorf("train class counts %v", c)
	}
	var sum, sq float64
	for _, v := range train.X.Data() {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	n := float64(len(train.X.Data()))
	mean, std := sum/n, math.Sqrt(sq/n-sum*sum/n/n)
	if math.Abs(mean-MNISTMean) > 5e-5 || math.Abs(std-MNISTStd) > 5e-5 {
		t.Errorf("pixel mean %v std %v", mean, std)
	}
	train.Normalize(MNISTMean, MNISTStd)
	again, _, err := MNIST()
	if err != nil || again.X.Data()[0] != 0 || again.X.Data()[200] == train.X.Data()[200] {
		t.Error("second MNIST() call returned normalized or shared data")
	}
}

// BenchmarkEpoch measures one shuffled epoch of MNIST-shaped data (60000 ×
// 784 float32) at batch 64: the loader's whole cost per epoch.
func BenchmarkEpoch(b *testing.B) {
	ds := NewDataset(tensor.Zeros(60000, 784), make([]int, 60000))
	for _, shuffle := range []bool{false, true} {
		name := "sequential"
		if shuffle {
			name = "shuffled"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				for l := ds.Batches(64, shuffle); l.Next(); {
				}
			}
		})
	}
}

// TestMNISTNotFound hides every source (empty caches, module proxy off) and
// checks that the error names the missing file and the fixes.
func TestMNISTNotFound(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-modcacherw")
	_, err := findMNIST()
	if err == nil {
		t.Fatal("found MNIST with every source hidden")
	}
	for _, want := range []string{"train-images-idx3-ubyte.gz is missing", "go mod download " + MNISTModule, "data.LoadMNIST(dir)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

// TestMNISTDownload exercises the last resort, `go mod download` through
// the module proxy into an empty module cache. It needs the network, so it
// runs only with GOKERNEL_TEST_DOWNLOAD=1.
func TestMNISTDownload(t *testing.T) {
	if os.Getenv("GOKERNEL_TEST_DOWNLOAD") != "1" {
		t.Skip("set GOKERNEL_TEST_DOWNLOAD=1 to fetch MNIST through the Go module proxy")
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOFLAGS", "-modcacherw") // lets t.TempDir clean the module cache up
	dir, err := findMNIST()
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := mnistCacheDir(); dir != c {
		t.Errorf("downloaded files not copied to the cache: served from %s", dir)
	}
}

// TestLoaderReusesBuffers checks that a shuffled epoch does not copy the
// data into fresh memory per batch: 6000 × 784 float32 is 18.8 MB, and the
// loader may allocate only its permutation, one batch buffer and small
// per-batch headers.
func TestLoaderReusesBuffers(t *testing.T) {
	ds := NewDataset(tensor.Zeros(6000, 784), make([]int, 6000))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for l := ds.Batches(64, true); l.Next(); {
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Errorf("one shuffled epoch allocated %d bytes", got)
	}
}
