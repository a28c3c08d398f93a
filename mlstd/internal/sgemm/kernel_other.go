//go:build !amd64 || purego

package sgemm

// pickSpec returns the micro-kernel for a product with m rows and n
// columns (a variable so tests can force each kernel).
var pickSpec = func(m, n int) kernelSpec { return specGo }

// allSpecs lists the kernels this CPU can run (for tests).
func allSpecs() []kernelSpec { return []kernelSpec{specGo} }

// Backend names the micro-kernels in use: "go" (portable), "avx2" or
// "avx512+avx2".
func Backend() string { return "go" }

// allDotSpecs lists the dot-product kernels this CPU can run (for tests).
func allDotSpecs() []dotSpec { return []dotSpec{dotGoSpec} }
