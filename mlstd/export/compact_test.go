package export

import (
	"math"
	"os"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
)

func TestCompactExact(t *testing.T) {
	for _, frac := range []float64{0, 0.5, 0.9} {
		m := exporttest.MLP(6, 128, nil)
		exporttest.Prune(m, frac)
		m.Parameters()[0].Data()[1] = float32(math.Copysign(0, -1)) // -0 must survive as -0
		path := tmp(t, "c.safetensors")
		rep, err := SaveCompact(path, m, CompactOptions{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		sameParams(t, got, m)
		dense := tmp(t, "d.safetensors")
		Save(dense, m)
		st, _ := os.Stat(dense)
		if rep.DenseBytes != st.Size() {
			t.Fatalf("DenseBytes %d, Save wrote %d", rep.DenseBytes, st.Size())
		}
		if frac == 0 && rep.CompactBytes > rep.DenseBytes+400 {
			t.Fatalf("unpruned compact file is %d bytes, dense %d", rep.CompactBytes, rep.DenseBytes)
		}
		if frac == 0.9 && rep.Reduction() < 0.8 {
			t.Fatalf("90%% pruned: reduction only %.2f", rep.Reduction())
		}
		t.Log(strings.Replace(rep.String(), path, "c.safetensors", 1))
	}
}

func TestCompactFloat16(t *testing.T) {
	m := exporttest.MLP(6, 128, nil)
	exporttest.Prune(m, 0.9)
	path := tmp(t, "h.safetensors")
	rep, err := SaveCompact(path, m, CompactOptions{Float16: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	gp, wp := got.Parameters(), m.Parameters()
	for i := range gp {
		for k, w := range wp[i].Data() {
			g := gp[i].Data()[k]
			if (w == 0) != (g == 0) {
				t.Fatalf("zero pattern changed at %d/%d", i, k)
			}
			if w != 0 {
				worst = math.Max(worst, math.Abs(float64(g-w))/math.Abs(float64(w)))
			}
		}
	}
	if worst > 1.0/2048 {
		t.Fatalf("float16 relative error %g, want ≤ 2⁻¹¹", worst)
	}
	t.Logf("%s; worst relative error %.2g", strings.Replace(rep.String(), path, "h.safetensors", 1), worst)
}

func TestHalfConversion(t *testing.T) {
	for _, tc := range []struct {
		f float32
		h uint16
	}{
		{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {1e6, 0x7c00}, {5.960464e-08, 0x0001},
		{6.1035156e-05, 0x0400}, {float32(math.Inf(-1)), 0xfc00}, {1.0009766, 0x3c01}, {1.00048828125, 0x3c00}, // tie to even
	} {
		if got := float32ToHalf(tc.f); got != tc.h {
			t.Errorf("float32ToHalf(%g) = %#04x, want %#04x", tc.f, got, tc.h)
		}
	}
	// every finite half value round-trips exactly
	for h := 0; h < 1<<16; h++ {
		if h&0x7c00 == 0x7c00 {
			continue
		}
		if got := float32ToHalf(halfToFloat32(uint16(h))); got != uint16(h) {
			t.Fatalf("half %#04x → %g → %#04x", h, halfToFloat32(uint16(h)), got)
		}
	}
	if !math.IsNaN(float64(halfToFloat32(float32ToHalf(float32(math.NaN()))))) {
		t.Fatal("NaN lost")
	}
}

func TestCompactFaults(t *testing.T) {
	m := exporttest.MLP(6, 16, nil)
	exporttest.Prune(m, 0.9)
	path := tmp(t, "c.safetensors")
	if _, err := SaveCompact(path, m, CompactOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := readSafetensors(path)
	if err != nil {
		t.Fatal(err)
	}
	// Rewrite the file with edited entries (the checksum is recomputed,
	// so only the compact decoder can catch these).
	rewrite := func(edit func(es []stEntry, meta map[string]string) []stEntry) string {
		es := append([]stEntry(nil), f.entries...)
		meta := map[string]string{}
		for k, v := range f.meta {
			meta[k] = v
		}
		p := tmp(t, "bad.safetensors")
		if err := writeSafetensors(p, edit(es, meta), meta); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		edit func(es []stEntry, meta map[string]string) []stEntry
		want string
	}{
		{"missing values", func(es []stEntry, _ map[string]string) []stEntry { return es[:len(es)-1] }, "compact index lists"},
		{"extra mask bit", func(es []stEntry, _ map[string]string) []stEntry {
			for i := range es {
				if strings.HasSuffix(es[i].name, ".mask") {
					d := append([]byte(nil), es[i].data...)
					for k := range d {
						if d[k] != 0xff {
							d[k] |= ^d[k] & -^d[k] // set the lowest clear bit
							break
						}
					}
					es[i].data = d
					break
				}
			}
			return es
		}, "non-zeros"},
		{"bad index", func(es []stEntry, meta map[string]string) []stEntry { meta[metaCompact] = "["; return es }, "corrupt compact index"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := rewrite(tc.edit)
			if _, err := Load(p); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
				t.Fatalf("Load = %v, want an error naming the file and containing %q", err, tc.want)
			}
		})
	}
}
