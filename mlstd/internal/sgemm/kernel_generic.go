package sgemm

import "unsafe"

// kernelFunc is a micro-kernel: C[0:mr, 0:nr] += alpha·A·Bp over kc steps
// (with set, C[0:mr, 0:nr] = alpha·A·Bp: C is not read, and gets the bits
// a C cleared and then added to would get), where element (r, p) of A is a[r*aRow+p*aStep] (a row-major A has aRow lda
// and aStep 1, a transposed one aRow 1 and aStep lda, an edge panel packed
// by packAEdge aRow 1 and aStep mr), row p of B's nr columns starts at
// b[p*bStride] (bStride nr for a panel packed by packB, ldb for a row-major
// B read in place) and C has row stride ldc.
type kernelFunc func(kc int, a *float32, aRow, aStep int, b *float32, bStride int, c *float32, ldc int, alpha float32, set bool)

// rowsKernelFunc is a kernelFunc whose B rows are anywhere: row p of B's
// nr columns starts at b[boff[p]] (GemmRows reads a B given by row
// offsets in place with it). It does the same operations as the kernelFunc
// of its kernelSpec, so it gives the same bits.
type rowsKernelFunc func(kc int, a *float32, aRow, aStep int, b *float32, boff *int, c *float32, ldc int, alpha float32, set bool)

// kernelSpec is a micro-kernel with its register tile, and its form for
// rows at offsets (nil: such rows are packed).
type kernelSpec struct {
	name   string
	mr, nr int
	fn     kernelFunc
	rows   rowsKernelFunc
	// half, when set, is fn on nr/2 columns: a last panel that narrow
	// takes half the multiply-adds (Winograd's 72-column products spent a
	// quarter of theirs on a panel of 8 padded to 32). Its elements get
	// fn's operations in the same order, so the same bits.
	half kernelFunc
}

// maxTile bounds mr·nr over all kernels (the edge-tile buffer).
const maxTile = 8 * 32

var specGo = kernelSpec{"go", 6, 16, kernelGo, nil, nil}

// kernelGo is the portable 6×16 micro-kernel.
func kernelGo(kc int, a *float32, aRow, aStep int, b *float32, bStride int, c *float32, ldc int, alpha float32, set bool) {
	const mr, nr = 6, 16
	ap := unsafe.Slice(a, (mr-1)*aRow+(kc-1)*aStep+1)
	bp := unsafe.Slice(b, (kc-1)*bStride+nr)
	var acc [mr][nr]float32
	for p := 0; p < kc; p++ {
		bv := (*[nr]float32)(bp[p*bStride : p*bStride+nr])
		for r := 0; r < mr; r++ {
			x := ap[r*aRow+p*aStep]
			row := &acc[r]
			for j := 0; j < nr; j++ {
				row[j] += x * bv[j]
			}
		}
	}
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	for r := 0; r < mr; r++ {
		row := (*[nr]float32)(cs[r*ldc : r*ldc+nr])
		for j := 0; j < nr; j++ {
			if set {
				row[j] = 0
			}
			row[j] += alpha * acc[r][j]
		}
	}
}
