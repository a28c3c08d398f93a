//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func reluAVX2(dst, x *float32, n int)

//go:noescape
func reluBackwardAVX2(dst, grad, y *float32, n int)

func relu(dst, x []float32) {
	if !hasAVX2 {
		reluGo(dst, x)
		return
	}
	reluAVX2(&dst[0], &x[0], len(dst))
}

func reluBackward(dst, g, y []float32) {
	if !hasAVX2 {
		reluBackwardGo(dst, g, y)
		return
	}
	reluBackwardAVX2(&dst[0], &g[0], &y[0], len(dst))
}
