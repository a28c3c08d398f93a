//go:build amd64 && !purego

package sgemm

import (
	"os"

	"golang.org/x/sys/cpu"
)

// kernel6x16AVX2 is a 6×16 kernelFunc with AVX2 FMA (kernel_amd64.s).
//
//go:noescape
func kernel6x16AVX2(kc int, a *float32, aRow, aStep int, b *float32, bStride int, c *float32, ldc int, alpha float32, set bool)

// kernel8x32AVX512 is an 8×32 kernelFunc with AVX-512F (kernel512_amd64.s).
//
//go:noescape
func kernel8x32AVX512(kc int, a *float32, aRow, aStep int, b *float32, bStride int, c *float32, ldc int, alpha float32, set bool)

// kernel8x16AVX512 is kernel8x32AVX512 on 16 columns, the half kernel
// of a last panel of at most 16 (kernel512_amd64.s).
//
//go:noescape
func kernel8x16AVX512(kc int, a *float32, aRow, aStep int, b *float32, bStride int, c *float32, ldc int, alpha float32, set bool)

// kernel6x16RowsAVX2 and kernel8x32RowsAVX512 are the same kernels as
// rowsKernelFuncs (B's rows at offsets).
//
//go:noescape
func kernel6x16RowsAVX2(kc int, a *float32, aRow, aStep int, b *float32, boff *int, c *float32, ldc int, alpha float32, set bool)

//go:noescape
func kernel8x32RowsAVX512(kc int, a *float32, aRow, aStep int, b *float32, boff *int, c *float32, ldc int, alpha float32, set bool)

// pack8TransAVX2 transposes blocks 8×8 tiles of b into a packed panel
// (pack_amd64.s).
//
//go:noescape
func pack8TransAVX2(src *float32, ldb, blocks int, dst *float32, nr int)

// dotRowAVX512 and dotTileAVX512 are the 16-lane dot-product kernels,
// dotRowAVX2 and dotTileAVX2 (2 rows of x) the 8-lane ones (dot_amd64.s).
//
//go:noescape
func dotRowAVX512(k int, x *float32, w *[8]*float32, d *[8]float32)

//go:noescape
func dotTileAVX512(k int, x *[4]*float32, w *[4]*float32, d *[16]float32)

//go:noescape
func dotRowAVX2(k int, x *float32, w *[8]*float32, d *[8]float32)

//go:noescape
func dotTileAVX2(k int, x *[4]*float32, w *[4]*float32, d *[16]float32)

func init() {
	if hasAVX2 {
		pack8Trans = pack8TransAVX2
		dotKernel = dotAVX2
	}
	if hasAVX512 {
		dotKernel = dotAVX512
	}
}

// The environment variable GOKERNEL_SGEMM=avx2 or =go limits the kernels
// to AVX2 or to portable Go (for measurements and to rule out a kernel).
var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA && os.Getenv("GOKERNEL_SGEMM") != "go"
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F && os.Getenv("GOKERNEL_SGEMM") != "avx2"

	specAVX2   = kernelSpec{"avx2", 6, 16, kernel6x16AVX2, kernel6x16RowsAVX2, nil}
	specAVX512 = kernelSpec{"avx512", 8, 32, kernel8x32AVX512, kernel8x32RowsAVX512, kernel8x16AVX512}

	dotAVX2   = dotSpec{name: "avx2", row: dotRowAVX2, tile: dotTileAVX2, rows: 2}
	dotAVX512 = dotSpec{name: "avx512", row: dotRowAVX512, tile: dotTileAVX512, rows: 4}
)

// pickSpec returns the micro-kernel for a product with m rows and n
// columns (a variable so tests can force each kernel).
var pickSpec = cpuSpec

// cpuSpec returns the widest kernel the CPU runs, but not a 32-wide tile
// for narrow products, nor 8-row tiles where 6-row ones leave fewer rows
// empty (m = 6: LeNet-5's first convolution has 6 filters, its second's
// input gradient 6 channels; m = 10, 84). Per row the two kernels cost
// the same here (AMD Zen 4 runs a 512-bit FMA as two 256-bit ones): a
// 16×196 product by 150 rows of offsets took 9.7 µs with AVX-512 (16 rows)
// and 11.0 with AVX2 (18 rows), while the 6×896 forward product of
// LeNet-5's first layer took 3.8–4.4 µs with AVX2 against 6.7–7.7, and the
// 6×196 input gradient of its second 13.3–15.0 against 22–23.
func cpuSpec(m, n int) kernelSpec {
	switch {
	case hasAVX512 && n >= 24 && roundUp(m, 8) <= roundUp(m, 6):
		return specAVX512
	case hasAVX2:
		return specAVX2
	}
	return specGo
}

// allDotSpecs lists the dot-product kernels this CPU can run (for tests).
func allDotSpecs() []dotSpec {
	s := []dotSpec{dotGoSpec}
	if hasAVX2 {
		s = append(s, dotAVX2)
	}
	if hasAVX512 {
		s = append(s, dotAVX512)
	}
	return s
}

// allSpecs lists the kernels this CPU can run (for tests).
func allSpecs() []kernelSpec {
	s := []kernelSpec{specGo}
	if hasAVX2 {
		s = append(s, specAVX2)
	}
	if hasAVX512 {
		s = append(s, specAVX512)
	}
	return s
}

// Backend names the micro-kernels in use: "go" (portable), "avx2" or
// "avx512+avx2".
func Backend() string {
	switch {
	case hasAVX512:
		return "avx512+avx2"
	case hasAVX2:
		return "avx2"
	}
	return "go"
}
