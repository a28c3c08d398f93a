//go:build amd64 && !purego

package sgemm

import "golang.org/x/sys/cpu"

// kernel6x16AVX2 is the micro-kernel (see kernelGo) with AVX2 FMA
// (kernel_amd64.s).
//
//go:noescape
func kernel6x16AVX2(kc int, a *float32, aRow, aStep int, b, c *float32, ldc int, alpha float32)

var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// kernel is the micro-kernel in use, chosen once from the CPU's features.
var kernel kernelFunc = pickKernel()

func pickKernel() kernelFunc {
	if hasAVX2 {
		return kernel6x16AVX2
	}
	return kernelGo
}

// Backend names the micro-kernel in use ("avx2" or "go").
func Backend() string {
	if hasAVX2 {
		return "avx2"
	}
	return "go"
}
