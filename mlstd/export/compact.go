package export

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/bits"
	"os"
	"sort"
	"strings"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// CompactOptions chooses how SaveCompact stores values.
type CompactOptions struct {
	// Float16 stores values as IEEE half floats (F16): half the size again,
	// but lossy (about 3 significant digits; magnitudes beyond 65504
	// become ±Inf). Zeros stay exact either way.
	Float16 bool
}

// CompactReport gives the sizes of a compact export.
type CompactReport struct {
	Path         string  // the file written
	DenseBytes   int64   // size of the same model written by Save
	CompactBytes int64   // size of the file written
	Sparsity     float64 // nn.WeightSparsity of the model: zeros among its weight tensors (biases excluded)
	Sparse       int     // tensors stored as mask + values
	Dense        int     // tensors stored densely
	Float16      bool    // values stored as F16
}

// Reduction returns how much smaller the compact file is, as a fraction of
// the dense size (0.6 means 60 % smaller).
func (r CompactReport) Reduction() float64 {
	if r.DenseBytes == 0 {
		return 0
	}
	return 1 - float64(r.CompactBytes)/float64(r.DenseBytes)
}

// String summarises the report.
func (r CompactReport) String() string {
	v := "float32"
	if r.Float16 {
		v = "float16"
	}
	return fmt.Sprintf("compact export %s: %d → %d bytes (%.1f%% smaller), weight sparsity %.2f%%, %d sparse + %d dense tensors, %s values",
		r.Path, r.DenseBytes, r.CompactBytes, 100*r.Reduction(), 100*r.Sparsity, r.Sparse, r.Dense, v)
}

// compactEntry is the per-tensor record in the "mlstd.compact" metadata.
type compactEntry struct {
	Shape []int  `json:"shape"`
	Enc   string `json:"enc"` // "dense" or "mask"
}

// SaveCompact writes m like Save, but stores each tensor whose zeros make
// it worthwhile as a bitmask of non-zero positions (tensor "<name>.mask",
// U8, one bit per element, least significant bit first) plus the non-zero
// values in order ("<name>.values"); other tensors are stored densely.
// With float32 values this is exact (a zero is a value with all bits 0;
// -0 is kept as a value). Load reads the file back. It returns the sizes
// of the compact file and of the equivalent Save file.
func SaveCompact(path string, m nn.Module, opts CompactOptions) (CompactReport, error) {
	rep := CompactReport{Path: path, Float16: opts.Float16}
	if m == nil {
		return rep, fmt.Errorf("export: save %s: model is nil", path)
	}
	a, err := encodeArch(m)
	if err != nil {
		return rep, err
	}
	params := nn.StateDict(m)
	dense, err := paramEntries(params) // also validates names
	if err != nil {
		return rep, err
	}
	index := map[string]compactEntry{}
	var entries []stEntry
	for _, p := range params {
		d := p.Tensor.Data()
		nz := 0
		for _, v := range d {
			if math.Float32bits(v) != 0 {
				nz++
			}
		}
		vs := 4
		if opts.Float16 {
			vs = 2
		}
		if (len(d)+7)/8+nz*vs < len(d)*vs {
			entries = append(entries, maskEntries(p.Name, d, nz, opts.Float16)...)
			index[p.Name] = compactEntry{Shape: p.Tensor.Shape(), Enc: "mask"}
			rep.Sparse++
		} else {
			entries = append(entries, valueEntry(p.Name, d, p.Tensor.Shape(), opts.Float16))
			index[p.Name] = compactEntry{Shape: p.Tensor.Shape(), Enc: "dense"}
			rep.Dense++
		}
	}
	rep.Sparsity = nn.WeightSparsity(m)
	idx, _ := json.Marshal(index)
	if err := writeSafetensors(path, entries, map[string]string{metaKind: "compact", metaArch: a, metaCompact: string(idx)}); err != nil {
		return rep, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return rep, fmt.Errorf("export: %w", err)
	}
	rep.CompactBytes = st.Size()
	rep.DenseBytes = denseSize(dense, a)
	return rep, nil
}

// denseSize is the exact size of the file Save would write for entries.
func denseSize(entries []stEntry, a string) int64 {
	meta := map[string]string{metaFormat: "pt", metaChecksum: strings.Repeat("0", 64), metaKind: "model", metaArch: a}
	n := int64(8 + len(encodeHeader(entries, meta)))
	for _, e := range entries {
		n += int64(len(e.data))
	}
	return n
}

// valueEntry encodes d as F32 or F16.
func valueEntry(name string, d []float32, shape []int, half bool) stEntry {
	if !half {
		return f32Entry(name, tensor.New(d, shape...))
	}
	b := make([]byte, 2*len(d))
	for i, v := range d {
		binary.LittleEndian.PutUint16(b[2*i:], float32ToHalf(v))
	}
	return stEntry{name: name, dtype: "F16", shape: append([]int{}, shape...), data: b}
}

// maskEntries encodes d as a bitmask of its non-zero positions and the
// nz non-zero values.
func maskEntries(name string, d []float32, nz int, half bool) []stEntry {
	mask := make([]byte, (len(d)+7)/8)
	vals := make([]float32, 0, nz)
	for i, v := range d {
		if math.Float32bits(v) != 0 {
			mask[i/8] |= 1 << (i % 8)
			vals = append(vals, v)
		}
	}
	return []stEntry{
		{name: name + ".mask", dtype: "U8", shape: []int{len(mask)}, data: mask},
		valueEntry(name+".values", vals, []int{len(vals)}, half),
	}
}

// compactIndex is the decoded "mlstd.compact" index of a file.
type compactIndex struct {
	f     *stFile
	index map[string]compactEntry
	names []string
}

func (f *stFile) compactIndex() (*compactIndex, error) {
	c := &compactIndex{f: f}
	if err := json.Unmarshal([]byte(f.meta[metaCompact]), &c.index); err != nil {
		return nil, f.errorf("corrupt compact index (%s): %v", metaCompact, err)
	}
	stored := 0
	for name, e := range c.index {
		c.names = append(c.names, name)
		if e.Enc == "mask" {
			stored += 2
		} else {
			stored++
		}
	}
	sort.Strings(c.names)
	if stored != len(f.entries) {
		return nil, f.errorf("compact index lists %d stored tensors, the file has %d", stored, len(f.entries))
	}
	return c, nil
}

// decode rebuilds the float32 tensor called name.
func (c *compactIndex) decode(name string) (*tensor.Tensor, error) {
	f := c.f
	e, ok := c.index[name]
	if !ok {
		return nil, f.errorf("missing tensor %q", name)
	}
	n := 1
	for _, d := range e.Shape {
		if d < 0 || (d > 0 && n > math.MaxInt32/d) {
			return nil, f.errorf("tensor %q has invalid shape %v", name, e.Shape)
		}
		n *= d
	}
	switch e.Enc {
	case "dense":
		s, err := f.get(name)
		if err != nil {
			return nil, err
		}
		if !sameShape(s.shape, e.Shape) {
			return nil, f.errorf("tensor %q stored with shape %v, index says %v", name, s.shape, e.Shape)
		}
		return s.tensor()
	case "mask":
		return c.decodeMask(name, e.Shape, n)
	}
	return nil, f.errorf("tensor %q has unknown encoding %q", name, e.Enc)
}

func (c *compactIndex) decodeMask(name string, shape []int, n int) (*tensor.Tensor, error) {
	f := c.f
	m, err := f.get(name + ".mask")
	if err != nil {
		return nil, err
	}
	v, err := f.get(name + ".values")
	if err != nil {
		return nil, err
	}
	if m.dtype != "U8" || len(m.data) != (n+7)/8 {
		return nil, f.errorf("tensor %q: mask must be U8 with %d bytes, is %s with %d", name, (n+7)/8, m.dtype, len(m.data))
	}
	ones := 0
	for _, b := range m.data {
		ones += bits.OnesCount8(b)
	}
	if n%8 != 0 && m.data[len(m.data)-1]>>(n%8) != 0 {
		return nil, f.errorf("tensor %q: mask has bits set past the last element", name)
	}
	if v.dtype != "F32" && v.dtype != "F16" {
		return nil, f.errorf("tensor %q: values must be F32 or F16, are %s", name, v.dtype)
	}
	vals, err := v.float32s()
	if err != nil {
		return nil, f.errorf("%v", err)
	}
	if len(vals) != ones {
		return nil, f.errorf("tensor %q: mask marks %d non-zeros, %d values stored", name, ones, len(vals))
	}
	out := make([]float32, n)
	k := 0
	for i := range out {
		if m.data[i/8]&(1<<(i%8)) != 0 {
			out[i] = vals[k]
			k++
		}
	}
	return tensor.New(out, shape...), nil
}
