package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

func TestInstallUninstall(t *testing.T) {
	data := t.TempDir()
	spec, err := NewSpec("gokernel")
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(spec.Argv[0]) || spec.Argv[3] != "{connection_file}" {
		t.Fatalf("argv = %q; want absolute binary and {connection_file}", spec.Argv)
	}
	for i := 0; i < 2; i++ { // the second install replaces the first
		dir, err := Install(data, DefaultName, spec)
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(data, "kernels", "gokernel"); dir != want {
			t.Fatalf("Install dir = %s; want %s", dir, want)
		}
	}
	dir := filepath.Join(data, "kernels", "gokernel")
	b, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got["display_name"] != "Go (gokernel)" || got["language"] != "go" || got["interrupt_mode"] != "message" {
		t.Errorf("kernel.json = %s", b)
	}
	for _, px := range []int{32, 64} {
		f, err := os.ReadFile(filepath.Join(dir, "logo-"+itoa(px)+"x"+itoa(px)+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(f))
		if err != nil {
			t.Fatal(err)
		}
		if s := img.Bounds().Size(); s.X != px || s.Y != px {
			t.Errorf("logo %d: size %v", px, s)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(data, "kernels"))
	if len(ents) != 1 {
		t.Errorf("kernels dir has %d entries (temp dirs left behind?)", len(ents))
	}
	if _, err := Uninstall(data, DefaultName); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("spec dir still there after Uninstall: %v", err)
	}
	if _, err := Uninstall(data, DefaultName); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("second Uninstall = %v; want ErrNotInstalled", err)
	}
}

func itoa(n int) string { return string(rune('0'+n/10)) + string(rune('0'+n%10)) }

func TestInstallRejects(t *testing.T) {
	spec, _ := NewSpec("/bin/gokernel")
	if _, err := Install(t.TempDir(), "bad/name", spec); err == nil {
		t.Error("name with a slash accepted")
	}
	spec.Argv[0] = "relative"
	if _, err := Install(t.TempDir(), "ok", spec); err == nil {
		t.Error("relative binary accepted")
	}
}

func TestDataDir(t *testing.T) {
	t.Setenv("JUPYTER_DATA_DIR", "/tmp/jdd")
	if d, _ := DataDir(User, ""); d != "/tmp/jdd" {
		t.Errorf("DataDir(User) = %s; want $JUPYTER_DATA_DIR", d)
	}
	if d, _ := DataDir(Prefix, "/opt/x"); d != "/opt/x/share/jupyter" {
		t.Errorf("DataDir(Prefix) = %s", d)
	}
	if _, err := DataDir(Prefix, ""); err == nil {
		t.Error("empty prefix accepted")
	}
	t.Setenv("VIRTUAL_ENV", "/venv")
	if d, _ := DataDir(SysPrefix, ""); d != "/venv/share/jupyter" {
		t.Errorf("DataDir(SysPrefix) = %s", d)
	}
	t.Setenv("JUPYTER_PATH", "/a"+string(filepath.ListSeparator)+"/b")
	sp := SearchPath()
	if len(sp) < 3 || sp[0] != "/tmp/jdd" || sp[1] != "/a" || sp[2] != "/b" {
		t.Errorf("SearchPath = %q", sp)
	}
}

func TestLogoPNG(t *testing.T) {
	a, err := LogoPNG(64)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := LogoPNG(64)
	if !bytes.Equal(a, b) {
		t.Error("LogoPNG is not deterministic")
	}
	img, _ := png.Decode(bytes.NewReader(a))
	// The centre of the "o" ring is background blue, its rim white, a corner transparent.
	if r, g, bl, _ := img.At(46, 36).RGBA(); r>>8 != 0 || g>>8 != 0xAD || bl>>8 != 0xD8 {
		t.Errorf("o centre = %v; want Go blue", img.At(46, 36))
	}
	if r, _, _, _ := img.At(46+7, 36).RGBA(); r>>8 < 0xF0 {
		t.Errorf("o rim = %v; want white", img.At(53, 36))
	}
	if _, _, _, al := img.At(0, 0).RGBA(); al != 0 {
		t.Errorf("corner alpha = %d; want 0 (rounded)", al)
	}
	if _, err := LogoPNG(4); err == nil {
		t.Error("tiny logo accepted")
	}
}
