package export

import (
	"path/filepath"
	"testing"

	"github.com/gokernel/gokernel/mlstd/export/internal/exporttest"
)

// Benchmarks on the 784-128-10 MNIST MLP (101,770 parameters, 408 kB).

func BenchmarkSave(b *testing.B) {
	m, path := exporttest.MLP(1, 128, nil), filepath.Join(b.TempDir(), "m.safetensors")
	for b.Loop() {
		if err := Save(path, m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	m, path := exporttest.MLP(1, 128, nil), filepath.Join(b.TempDir(), "m.safetensors")
	Save(path, m)
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExportONNX(b *testing.B) {
	m, path := exporttest.MLP(1, 128, nil), filepath.Join(b.TempDir(), "m.onnx")
	for b.Loop() {
		if err := ExportONNX(path, m); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadONNX(b *testing.B) {
	m, path := exporttest.MLP(1, 128, nil), filepath.Join(b.TempDir(), "m.onnx")
	ExportONNX(path, m)
	for b.Loop() {
		if _, err := LoadONNX(path); err != nil {
			b.Fatal(err)
		}
	}
}
