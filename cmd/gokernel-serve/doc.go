// Command gokernel-serve is `gokernel serve` on its own: the same flags
// and behaviour (it runs the same code, internal/servecmd), in a binary
// without the interpreter and the kernel, for container images.
//
//	gokernel-serve model.safetensors --name mnist --addr :8080
package main
