package sgemm

import "unsafe"

// kernelGo is the portable micro-kernel: C[0:mr, 0:nr] += Ap·Bp over kc
// steps, with Ap and Bp packed by packA and packB and C's row stride ldc.
func kernelGo(kc int, a, b, c *float32, ldc int) {
	ap := unsafe.Slice(a, kc*mr)
	bp := unsafe.Slice(b, kc*nr)
	var acc [mr][nr]float32
	for p := 0; p < kc; p++ {
		bv := (*[nr]float32)(bp[p*nr : p*nr+nr])
		av := (*[mr]float32)(ap[p*mr : p*mr+mr])
		for r := 0; r < mr; r++ {
			x := av[r]
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
			row[j] += acc[r][j]
		}
	}
}
