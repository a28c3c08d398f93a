// Package vec holds compiled float32 vector kernels for mlstd's optimizers
// and element-wise ops, with AVX2/FMA assembly on amd64 and portable Go
// elsewhere (build tag purego forces Go).
//
// The kernels round as PyTorch's CPU kernels do, so that optimizer
// trajectories compare with torch's: a fused multiply-add is one rounding
// (VFMADD231PS; math.FMA in the Go version), and MomentumStep rounds the
// momentum product before adding the gradient, as buf.mul_(m).add_(g)
// does.
package vec
