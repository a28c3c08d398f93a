//go:build !amd64 || purego

package sgemm

// kernel is the micro-kernel in use.
var kernel kernelFunc = kernelGo

// Backend names the micro-kernel in use ("avx2" or "go").
func Backend() string { return "go" }
