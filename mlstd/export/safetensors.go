package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Limits on what a safetensors file may claim, so a corrupt length cannot
// make a reader allocate without bound.
const (
	maxHeaderLen = 100 << 20 // the header JSON, in bytes (the Rust crate's limit)
	maxDims      = 16
)

// Metadata keys written by this package.
const (
	metaFormat   = "format"       // "pt" for PyTorch-compatible tensors, as the Python package writes
	metaChecksum = "mlstd.sha256" // hex SHA-256 of the content, see contentHash
	metaArch     = "mlstd.arch"   // architecture description (JSON), see arch.go
	metaKind     = "mlstd.kind"   // "model", "checkpoint", "compact" or "tensors"
	metaEpoch    = "mlstd.epoch"  // checkpoints: the epoch stored
	metaOptim    = "mlstd.optim"  // checkpoints: number of optimizer tensors
	metaCompact  = "mlstd.compact"
)

// dtypeSize gives the element size of the dtypes this package reads.
var dtypeSize = map[string]int{"F32": 4, "F16": 2, "BF16": 2, "F64": 8, "U8": 1, "I32": 4, "I64": 8}

// stEntry is one tensor of a safetensors file: its raw little-endian bytes.
type stEntry struct {
	name  string
	dtype string
	shape []int
	data  []byte
}

// stFile is a parsed safetensors file, entries in file (offset) order.
type stFile struct {
	path    string
	meta    map[string]string
	entries []stEntry
	byName  map[string]int

	noVerify bool // skip the checksum (fuzzing only)
}

func (f *stFile) errorf(format string, args ...any) error {
	return fmt.Errorf("export: %s: %s", f.path, fmt.Sprintf(format, args...))
}

// get returns the entry called name or an error naming the missing key.
func (f *stFile) get(name string) (*stEntry, error) {
	i, ok := f.byName[name]
	if !ok {
		return nil, f.errorf("missing tensor %q", name)
	}
	return &f.entries[i], nil
}

// float32s decodes e as float32 values, converting F16, BF16, F64 and the
// integer types (PyTorch stores counters such as num_batches_tracked as I64).
func (e *stEntry) float32s() ([]float32, error) {
	n := len(e.data) / dtypeSize[e.dtype]
	out := make([]float32, n)
	switch e.dtype {
	case "F32":
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(e.data[4*i:]))
		}
	case "F16":
		for i := range out {
			out[i] = halfToFloat32(binary.LittleEndian.Uint16(e.data[2*i:]))
		}
	case "BF16":
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(e.data[2*i:])) << 16)
		}
	case "F64":
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(e.data[8*i:])))
		}
	case "U8":
		for i, v := range e.data {
			out[i] = float32(v)
		}
	case "I32":
		for i := range out {
			out[i] = float32(int32(binary.LittleEndian.Uint32(e.data[4*i:])))
		}
	case "I64":
		for i := range out {
			out[i] = float32(int64(binary.LittleEndian.Uint64(e.data[8*i:])))
		}
	default:
		return nil, fmt.Errorf("tensor %q has unsupported dtype %s", e.name, e.dtype)
	}
	return out, nil
}

// tensor returns e as a float32 tensor.
func (e *stEntry) tensor() (*tensor.Tensor, error) {
	d, err := e.float32s()
	if err != nil {
		return nil, err
	}
	return tensor.New(d, e.shape...), nil
}

// f32Entry encodes t as an F32 entry.
func f32Entry(name string, t *tensor.Tensor) stEntry {
	d := t.Data()
	b := make([]byte, 4*len(d))
	for i, v := range d {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return stEntry{name: name, dtype: "F32", shape: t.Shape(), data: b}
}

// paramEntries checks params (non-empty unique names, non-nil tensors) and
// encodes them as F32 entries.
func paramEntries(params []nn.Param) ([]stEntry, error) {
	seen := make(map[string]bool, len(params))
	out := make([]stEntry, 0, len(params))
	for _, p := range params {
		switch {
		case p.Name == "" || p.Name == "__metadata__":
			return nil, fmt.Errorf("export: invalid tensor name %q", p.Name)
		case seen[p.Name]:
			return nil, fmt.Errorf("export: duplicate tensor name %q", p.Name)
		case p.Tensor == nil:
			return nil, fmt.Errorf("export: tensor %q is nil", p.Name)
		}
		seen[p.Name] = true
		out = append(out, f32Entry(p.Name, p.Tensor))
	}
	return out, nil
}

// encodeHeader returns the header JSON (keys in entry order, metadata
// first) padded with spaces to a multiple of 8 bytes, as the format allows.
func encodeHeader(entries []stEntry, meta map[string]string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	if len(meta) > 0 {
		m, _ := json.Marshal(meta) // map[string]string always marshals
		b.WriteString(`"__metadata__":`)
		b.Write(m)
	}
	off := 0
	for i, e := range entries {
		if i > 0 || len(meta) > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(e.name)
		shape, _ := json.Marshal(e.shape)
		if e.shape == nil || len(e.shape) == 0 {
			shape = []byte("[]")
		}
		fmt.Fprintf(&b, `%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, name, e.dtype, shape, off, off+len(e.data))
		off += len(e.data)
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return b.Bytes()
}

// contentHash is the checksum stored under "mlstd.sha256": SHA-256 over
// every entry's name, dtype and shape in file order, every metadata
// entry but the checksum itself (keys sorted), and the data section, each
// string prefixed by its length. It covers the whole file but the JSON
// spelling, so any flipped byte is either a syntax error or a mismatch.
func contentHash(entries []stEntry, meta map[string]string) string {
	h := sha256.New()
	str := func(s string) {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	for _, e := range entries {
		str(e.name)
		str(e.dtype)
		str(fmt.Sprint(e.shape))
	}
	keys := make([]string, 0, len(meta))
	for k := range meta {
		if k != metaChecksum {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		str(k)
		str(meta[k])
	}
	for _, e := range entries {
		h.Write(e.data)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeSafetensors writes entries atomically to path, adding "format" and
// the content checksum to meta.
func writeSafetensors(path string, entries []stEntry, meta map[string]string) error {
	m := map[string]string{metaFormat: "pt"}
	for k, v := range meta {
		m[k] = v
	}
	m[metaChecksum] = contentHash(entries, m)
	header := encodeHeader(entries, m)
	return writeAtomic(path, func(w io.Writer) error {
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
		if _, err := w.Write(n[:]); err != nil {
			return err
		}
		if _, err := w.Write(header); err != nil {
			return err
		}
		for _, e := range entries {
			if _, err := w.Write(e.data); err != nil {
				return err
			}
		}
		return nil
	})
}

// readSafetensors reads and validates the safetensors file at path.
func readSafetensors(path string) (*stFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return parseSafetensors(path, b)
}

type stHeaderEntry struct {
	Dtype       string  `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// parseSafetensors validates and decodes a safetensors file held in b;
// path only names the file in errors. Entries share b's memory.
func parseSafetensors(path string, b []byte) (*stFile, error) {
	return parseSafetensorsCheck(path, b, true)
}

// parseSafetensorsCheck is parseSafetensors with the checksum test optional
// (off only in fuzzing, to reach the decoders behind it).
func parseSafetensorsCheck(path string, b []byte, verify bool) (*stFile, error) {
	f := &stFile{path: path, byName: map[string]int{}, noVerify: !verify}
	if len(b) < 8 {
		return nil, f.errorf("truncated: %d bytes, shorter than the 8-byte header length", len(b))
	}
	n := binary.LittleEndian.Uint64(b)
	if n < 2 || n > maxHeaderLen || n > uint64(len(b)-8) {
		return nil, f.errorf("header length %d out of range (file has %d bytes after the length; truncated or not a safetensors file)", n, len(b)-8)
	}
	header, data := b[8:8+n], b[8+n:]
	if header[0] != '{' {
		return nil, f.errorf("header does not start with '{': not a safetensors file")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(header, &raw); err != nil {
		return nil, f.errorf("corrupt header JSON: %v", err)
	}
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &f.meta); err != nil {
			return nil, f.errorf("corrupt __metadata__ (want string values): %v", err)
		}
		delete(raw, "__metadata__")
	}
	if f.meta == nil {
		f.meta = map[string]string{}
	}
	begins := make([]int64, 0, len(raw))
	for name, r := range raw {
		e, begin, err := parseEntry(name, r, data)
		if err != nil {
			return nil, f.errorf("%v", err)
		}
		f.entries = append(f.entries, e)
		begins = append(begins, begin)
	}
	return f, f.checkLayout(begins, data)
}

// parseEntry validates one header entry against the data section.
func parseEntry(name string, r json.RawMessage, data []byte) (stEntry, int64, error) {
	// Decode field by field: encoding/json matches struct keys without
	// regard to case, and a corrupt key must not pass for a good one.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(r, &fields); err != nil {
		return stEntry{}, 0, fmt.Errorf("corrupt header entry %q: %v", name, err)
	}
	var h stHeaderEntry
	for k, v := range fields {
		var err error
		switch k {
		case "dtype":
			err = json.Unmarshal(v, &h.Dtype)
		case "shape":
			err = json.Unmarshal(v, &h.Shape)
		case "data_offsets":
			err = json.Unmarshal(v, &h.DataOffsets)
		default:
			err = fmt.Errorf("unknown field %q", k)
		}
		if err != nil {
			return stEntry{}, 0, fmt.Errorf("corrupt header entry %q: %v", name, err)
		}
	}
	size, ok := dtypeSize[h.Dtype]
	if !ok {
		return stEntry{}, 0, fmt.Errorf("tensor %q has unsupported dtype %q", name, h.Dtype)
	}
	if len(h.Shape) > maxDims {
		return stEntry{}, 0, fmt.Errorf("tensor %q has %d dimensions", name, len(h.Shape))
	}
	numel := int64(1)
	shape := make([]int, len(h.Shape))
	for i, d := range h.Shape {
		if d < 0 || (d > 0 && numel > math.MaxInt32/d) {
			return stEntry{}, 0, fmt.Errorf("tensor %q has invalid shape %v", name, h.Shape)
		}
		numel *= d
		shape[i] = int(d)
	}
	if len(h.DataOffsets) != 2 {
		return stEntry{}, 0, fmt.Errorf("tensor %q: data_offsets must have 2 values, has %d", name, len(h.DataOffsets))
	}
	begin, end := h.DataOffsets[0], h.DataOffsets[1]
	if begin < 0 || end < begin || end > int64(len(data)) {
		return stEntry{}, 0, fmt.Errorf("tensor %q: data_offsets [%d, %d] outside the %d-byte data section (truncated file?)", name, begin, end, len(data))
	}
	if end-begin != numel*int64(size) {
		return stEntry{}, 0, fmt.Errorf("tensor %q: shape %v of %s needs %d bytes, data_offsets give %d", name, h.Shape, h.Dtype, numel*int64(size), end-begin)
	}
	return stEntry{name: name, dtype: h.Dtype, shape: shape, data: data[begin:end]}, begin, nil
}

// checkLayout sorts the entries by offset and checks that they tile the
// data section exactly (no gaps, overlaps or trailing bytes) and that the
// data matches the recorded checksum, if any.
func (f *stFile) checkLayout(begins []int64, data []byte) error {
	idx := make([]int, len(f.entries))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if begins[idx[a]] != begins[idx[b]] {
			return begins[idx[a]] < begins[idx[b]]
		}
		return f.entries[idx[a]].name < f.entries[idx[b]].name
	})
	sorted := make([]stEntry, len(idx))
	pos := int64(0)
	for k, i := range idx {
		e := f.entries[i]
		if begins[i] != pos {
			return f.errorf("tensor %q starts at byte %d of the data section, want %d (gap or overlap)", e.name, begins[i], pos)
		}
		pos += int64(len(e.data))
		sorted[k] = e
		f.byName[e.name] = k
	}
	f.entries = sorted
	if pos != int64(len(data)) {
		return f.errorf("%d bytes of data after the last tensor", int64(len(data))-pos)
	}
	want, ok := f.meta[metaChecksum]
	if !ok && !f.noVerify {
		for k := range f.meta {
			if strings.HasPrefix(k, "mlstd.") {
				return f.errorf("mlstd metadata without its checksum %q (header corrupt)", metaChecksum)
			}
		}
	}
	if ok && !f.noVerify {
		if got := contentHash(f.entries, f.meta); got != want {
			return f.errorf("checksum mismatch (file corrupt): content sha256 %s…, header says %s…", got[:12], trim(want, 12))
		}
	}
	return nil
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// SaveTensors writes named float32 tensors to path in the safetensors
// format (readable by Python's safetensors and by hand: an 8-byte
// little-endian header length, a JSON header, then the raw data), in the
// order given. metadata (may be nil) is stored in the header's
// "__metadata__"; the package adds "format" and "mlstd.sha256", a checksum
// of the file's content that loading verifies (files without it, such as
// PyTorch's, load unchecked). The write is atomic.
func SaveTensors(path string, params []nn.Param, metadata map[string]string) error {
	entries, err := paramEntries(params)
	if err != nil {
		return err
	}
	m := map[string]string{metaKind: "tensors"}
	for k, v := range metadata {
		m[k] = v
	}
	return writeSafetensors(path, entries, m)
}

// LoadTensors reads every tensor of a safetensors file, in file order, as
// float32 (F16, BF16, F64, U8, I32 and I64 tensors are converted). Any structural problem or checksum mismatch is an error naming
// the file.
func LoadTensors(path string) ([]nn.Param, error) {
	f, err := readSafetensors(path)
	if err != nil {
		return nil, err
	}
	out := make([]nn.Param, 0, len(f.entries))
	for i := range f.entries {
		t, err := f.entries[i].tensor()
		if err != nil {
			return nil, f.errorf("%v", err)
		}
		out = append(out, nn.Param{Name: f.entries[i].name, Tensor: t})
	}
	return out, nil
}

// Metadata returns the "__metadata__" map of a safetensors file (after
// validating the whole file).
func Metadata(path string) (map[string]string, error) {
	f, err := readSafetensors(path)
	if err != nil {
		return nil, err
	}
	return f.meta, nil
}

// epochString formats an epoch for metadata.
func epochString(e int) string { return strconv.Itoa(e) }
