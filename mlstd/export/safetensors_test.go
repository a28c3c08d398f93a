package export

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	m := exporttest.Model(1)
	path := tmp(t, "m.safetensors")
	if err := Save(path, m); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sameParams(t, got, m)
	if g, w := got.(*nn.Sequential).String(), m.String(); g != w {
		t.Fatalf("loaded architecture\n%s\nwant\n%s", g, w)
	}
	nn.Eval(m)
	x := tensor.Randn(7, 3, 3, 4)
	sameBits(t, "forward", got.Forward(x), m.Forward(x))
	for _, p := range got.Parameters() {
		if !p.RequiresGrad() {
			t.Fatal("loaded parameters should require gradients")
		}
	}
}

// TestFileLayout checks the bytes against the safetensors specification
// by hand: length prefix, JSON header padded to 8, offsets, little-endian.
func TestFileLayout(t *testing.T) {
	path := tmp(t, "t.safetensors")
	w := tensor.New([]float32{1, -2, 3.5, 0, 0, 1e-30}, 2, 3)
	b := tensor.New([]float32{0.25}, 1)
	if err := SaveTensors(path, []nn.Param{{Name: "w", Tensor: w}, {Name: "b", Tensor: b}}, map[string]string{"note": "x"}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(raw)
	if n%8 != 0 || int(8+n) != len(raw)-28 {
		t.Fatalf("header length %d, file %d bytes (want a multiple of 8 and 28 data bytes)", n, len(raw))
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(raw[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	var we stHeaderEntry
	json.Unmarshal(h["w"], &we)
	if we.Dtype != "F32" || len(we.Shape) != 2 || we.DataOffsets[0] != 0 || we.DataOffsets[1] != 24 {
		t.Fatalf("entry w = %+v", we)
	}
	if got := raw[8+n+8 : 8+n+12]; !bytes.Equal(got, []byte{0, 0, 0x60, 0x40}) { // 3.5f LE
		t.Fatalf("third value bytes % x, want 00 00 60 40", got)
	}
	ps, err := LoadTensors(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].Name != "w" || ps[1].Name != "b" {
		t.Fatalf("LoadTensors order %v", ps)
	}
	sameBits(t, "w", ps[0].Tensor, w)
	sameBits(t, "b", ps[1].Tensor, b)
	md, err := Metadata(path)
	if err != nil || md["note"] != "x" || md["format"] != "pt" {
		t.Fatalf("Metadata = %v, %v", md, err)
	}
}

func TestLoadState(t *testing.T) {
	src, dst := exporttest.Model(1), exporttest.Model(2)
	path := tmp(t, "m.safetensors")
	if err := Save(path, src); err != nil {
		t.Fatal(err)
	}
	w0 := dst.Parameters()[0]
	if err := LoadState(path, dst); err != nil {
		t.Fatal(err)
	}
	sameParams(t, dst, src)
	if dst.Parameters()[0] != w0 {
		t.Fatal("LoadState replaced a parameter tensor instead of copying into it")
	}
	// A model of another shape is refused and left unchanged.
	other := exporttest.MLP(3, 16, nil)
	before := other.Parameters()[0].Clone()
	if err := LoadState(path, other); err == nil {
		t.Fatal("LoadState into a different model succeeded")
	}
	sameBits(t, "unchanged", other.Parameters()[0], before)
	// PyTorch's attribute names: the error lists both sides' names.
	torchNames := writeVariant(t, []nn.Param{{Name: "fc1.weight", Tensor: tensor.Zeros(16, 3)}, {Name: "fc1.bias", Tensor: tensor.Zeros(16)}}, nil)
	err := LoadState(torchNames, nn.NewSequential(nn.NewLinear(3, 16)))
	for _, want := range []string{`missing tensor "0.weight"`, `the file has "fc1.weight" [16 3], "fc1.bias" [16]`, `the model has "0.weight" [16 3], "0.bias" [16]`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LoadState with other names: error %v; want it to contain %s", err, want)
		}
	}
}

// writeVariant writes params with the given metadata (a hand-made file).
func writeVariant(t *testing.T, params []nn.Param, meta map[string]string) string {
	t.Helper()
	path := tmp(t, "v.safetensors")
	if err := SaveTensors(path, params, meta); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadFaults(t *testing.T) {
	m := exporttest.MLP(1, 4, nil)
	arch, err := encodeArch(m)
	if err != nil {
		t.Fatal(err)
	}
	good := nn.NamedParameters(m)
	wrongShape := append([]nn.Param(nil), good...)
	wrongShape[0] = nn.Param{Name: "0.weight", Tensor: tensor.Zeros(784, 4)}
	extra := append(append([]nn.Param(nil), good...), nn.Param{Name: "9.weight", Tensor: tensor.Zeros(1)})
	for _, tc := range []struct {
		name   string
		params []nn.Param
		meta   map[string]string
		want   string
	}{
		{"wrong shape", wrongShape, map[string]string{metaArch: arch}, `tensor "0.weight" has shape [784 4], the model needs [4 784]`},
		{"missing key", good[1:], map[string]string{metaArch: arch}, `missing tensor "0.weight"`},
		{"extra key", extra, map[string]string{metaArch: arch}, `unexpected tensors not used by the model: "9.weight"`},
		{"unknown kind", good, map[string]string{metaArch: strings.Replace(arch, `"ReLU"`, `"Conv9d"`, 1)}, `unknown layer kind "Conv9d"`},
		{"no arch", good, nil, "no architecture description"},
		{"bad arch json", good, map[string]string{metaArch: "{"}, "corrupt architecture description"},
		{"future version", good, map[string]string{metaArch: strings.Replace(arch, `"version":1`, `"version":7`, 1)}, "version 7"},
		{"bad dropout", good, map[string]string{metaArch: strings.Replace(arch, `{"kind":"ReLU"}`, `{"kind":"Dropout","p":3}`, 1)}, "Dropout needs"},
		{"huge linear", good, map[string]string{metaArch: strings.Replace(arch, `"in":784`, `"in":99999999999`, 1)}, "invalid sizes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeVariant(t, tc.params, tc.meta)
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Load error = %v; want one naming %s and containing %q", err, path, tc.want)
			}
		})
	}
}

func TestLoadCorruptBytes(t *testing.T) {
	path := tmp(t, "m.safetensors")
	if err := Save(path, exporttest.MLP(1, 4, nil)); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	n := binary.LittleEndian.Uint64(raw)
	for _, tc := range []struct {
		name string
		edit func(b []byte) []byte
		want string
	}{
		{"empty", func(b []byte) []byte { return nil }, "truncated"},
		{"truncated length", func(b []byte) []byte { return b[:5] }, "truncated"},
		{"truncated header", func(b []byte) []byte { return b[:8+n/2] }, "out of range"},
		{"truncated data", func(b []byte) []byte { return b[:len(b)-1] }, "outside the"},
		{"header length huge", func(b []byte) []byte { binary.LittleEndian.PutUint64(b, 1<<62); return b }, "out of range"},
		{"header length zero", func(b []byte) []byte { binary.LittleEndian.PutUint64(b, 0); return b }, "out of range"},
		{"trailing bytes", func(b []byte) []byte { return append(b, 0, 0, 0, 0) }, "after the last tensor"},
		{"flipped data byte", func(b []byte) []byte { b[len(b)-3] ^= 0x40; return b }, "checksum mismatch"},
		{"flipped header byte", func(b []byte) []byte { b[8+2] ^= 0x01; return b }, ""},
		{"not json", func(b []byte) []byte { b[8] = 'x'; return b }, "does not start with"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.edit(append([]byte(nil), raw...))
			p := filepath.Join(t.TempDir(), "bad.safetensors")
			os.WriteFile(p, b, 0o644)
			_, err := Load(p)
			if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load error = %v; want one naming the file and containing %q", err, tc.want)
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nope.safetensors")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing file: %v", err)
	}
}

// TestEveryFlipAndTruncation checks a small model file exhaustively: every
// proper prefix and every single-bit flip fails to load.
func TestEveryFlipAndTruncation(t *testing.T) {
	g := tensor.NewRNG(5)
	m := nn.NewSequential(nn.NewLinearRNG(3, 2, true, g), nn.NewReLU(), nn.NewLinearRNG(2, 2, false, g), nn.NewSoftmax(1))
	path := tmp(t, "m.safetensors")
	if err := Save(path, m); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	for i := 0; i < len(raw); i++ {
		if f, err := parseSafetensors("x", raw[:i]); err == nil {
			if _, err := loadModel(f); err == nil {
				t.Fatalf("prefix of %d/%d bytes loaded", i, len(raw))
			}
		}
	}
	loaded, silent := 0, 0
	x := tensor.Randn(1, 4, 3)
	want := m.Forward(x)
	for i := range raw {
		for bit := 0; bit < 8; bit++ {
			b := append([]byte(nil), raw...)
			b[i] ^= 1 << bit
			f, err := parseSafetensors("x", b)
			if err != nil {
				continue
			}
			got, err := loadModel(f)
			if err != nil {
				continue
			}
			loaded++
			t.Errorf("flip of bit %d of byte %d (%q) loaded", bit, i, raw[i])
			y := got.Forward(x)
			same := got.(*nn.Sequential).String() == m.String()
			for k := range y.Data() {
				same = same && y.Data()[k] == want.Data()[k]
			}
			if !same {
				silent++
				t.Errorf("flip of bit %d of byte %d loaded a different model", bit, i)
			}
		}
	}
	t.Logf("%d bytes × 8 single-bit flips and %d truncations: %d loaded, %d of them silently different", len(raw), len(raw), loaded, silent)
}

func TestSaveErrors(t *testing.T) {
	dir := t.TempDir()
	if err := Save(filepath.Join(dir, "no", "such", "dir", "m.safetensors"), exporttest.MLP(1, 4, nil)); err == nil {
		t.Fatal("Save into a missing directory succeeded")
	}
	type custom struct{ nn.Linear }
	if err := Save(filepath.Join(dir, "c.safetensors"), &custom{}); err == nil || !strings.Contains(err.Error(), "cannot describe") {
		t.Fatalf("Save of a custom module: %v", err)
	}
	dup := []nn.Param{{Name: "a", Tensor: tensor.Zeros(1)}, {Name: "a", Tensor: tensor.Zeros(1)}}
	if err := SaveTensors(filepath.Join(dir, "d.safetensors"), dup, nil); err == nil {
		t.Fatal("duplicate names accepted")
	}
	if err := SaveTensors(filepath.Join(dir, "d.safetensors"), []nn.Param{{Name: "a"}}, nil); err == nil {
		t.Fatal("nil tensor accepted")
	}
}

// TestReadOnlyDir checks that a failed save leaves the old file intact and
// no temporary file behind. Root ignores permissions, so as root the
// directory is made immutable with chattr instead.
func TestReadOnlyDir(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	old := exporttest.MLP(1, 4, nil)
	if err := Save(path, old); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o555)
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	if probe, err := os.CreateTemp(dir, "probe"); err == nil { // root
		probe.Close()
		os.Remove(probe.Name())
		if out, err := exec.Command("chattr", "+i", dir).CombinedOutput(); err != nil {
			t.Skipf("directory stays writable (root) and chattr +i failed: %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("chattr", "-i", dir).Run() })
	}
	err := Save(path, exporttest.MLP(2, 4, nil))
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Save into a read-only directory: %v", err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sameParams(t, got, old)
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries after a failed save, want 1", len(entries))
	}
}

func TestWriteAtomicFailure(t *testing.T) {
	path := tmp(t, "f")
	os.WriteFile(path, []byte("old"), 0o644)
	err := writeAtomic(path, func(w io.Writer) error {
		w.Write(bytes.Repeat([]byte("partial"), 1<<18)) // past the buffer: reaches the temp file
		return errors.New("disk on fire")
	})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || !strings.Contains(err.Error(), path) {
		t.Fatalf("writeAtomic error = %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Fatalf("file holds %q after a failed write, want the old content", b[:min(len(b), 10)])
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("%d directory entries after a failed write, want 1 (temp file left?)", len(entries))
	}
}

func FuzzLoad(f *testing.F) {
	dir := f.TempDir()
	g := tensor.NewRNG(1)
	small := nn.NewSequential(nn.NewLinearRNG(3, 2, true, g), nn.NewDropout(0.5), nn.NewSequential(nn.NewTanh(), nn.NewLinearRNG(2, 2, false, g)), nn.NewLogSoftmax(1))
	for i, m := range []nn.Module{small, nn.NewSequential(nn.NewFlatten(), nn.NewReLU(), nn.NewSigmoid(), nn.NewSoftmax(0))} {
		p := filepath.Join(dir, "seed"+string(rune('a'+i)))
		if err := Save(p, m); err != nil {
			f.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	f.Add([]byte{})
	f.Add([]byte{2, 0, 0, 0, 0, 0, 0, 0, '{', '}'})
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := parseSafetensorsCheck("fuzz", b, false) // the checksum would stop most mutants early
		if err != nil {
			return
		}
		if m, err := loadModel(file); err == nil {
			nn.NamedParameters(m)
		}
		for i := range file.entries {
			file.entries[i].float32s()
		}
	})
}

// TestDtypes reads a file with every dtype LoadTensors converts, written
// without the mlstd checksum (as PyTorch would write it).
func TestDtypes(t *testing.T) {
	le := binary.LittleEndian
	b16 := func(v uint16) []byte { return le.AppendUint16(nil, v) }
	entries := []stEntry{
		{name: "f16", dtype: "F16", shape: []int{2}, data: append(b16(0x3c00), b16(0xc100)...)}, // 1, -2.5
		{name: "bf16", dtype: "BF16", shape: []int{1}, data: b16(0x3fc0)},                       // 1.5
		{name: "f64", dtype: "F64", shape: []int{1}, data: le.AppendUint64(nil, math.Float64bits(0.1))},
		{name: "i64", dtype: "I64", shape: []int{}, data: le.AppendUint64(nil, uint64(1<<40))},
		{name: "i32", dtype: "I32", shape: []int{1}, data: le.AppendUint32(nil, uint32(0xffffffff))}, // -1
		{name: "u8", dtype: "U8", shape: []int{1, 1}, data: []byte{200}},
	}
	header := encodeHeader(entries, nil)
	var file []byte
	file = le.AppendUint64(file, uint64(len(header)))
	file = append(file, header...)
	for _, e := range entries {
		file = append(file, e.data...)
	}
	path := tmp(t, "dtypes.safetensors")
	os.WriteFile(path, file, 0o644)
	ps, err := LoadTensors(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]float32{"f16": {1, -2.5}, "bf16": {1.5}, "f64": {0.1}, "i64": {1 << 40}, "i32": {-1}, "u8": {200}}
	for _, p := range ps {
		w := want[p.Name]
		if fmt.Sprint(p.Tensor.Data()) != fmt.Sprint(w) {
			t.Errorf("%s = %v, want %v", p.Name, p.Tensor.Data(), w)
		}
	}
	if len(ps) != len(want) || !sameShape(ps[3].Tensor.Shape(), []int{}) {
		t.Fatalf("got %d tensors; i64 shape %v", len(ps), ps[3].Tensor.Shape())
	}
}
