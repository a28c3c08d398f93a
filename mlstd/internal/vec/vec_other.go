//go:build !amd64 || purego

package vec

func relu(dst, x []float32) { reluGo(dst, x) }

func reluBackward(dst, g, y []float32) { reluBackwardGo(dst, g, y) }

func add(dst, x []float32) { addGo(dst, x) }

func maxPool2x2(out []float32, arg []int32, r0, r1 []float32, base, w int32) {
	maxPool2x2Go(out, arg, r0, r1, base, w)
}

func addScalar(dst, x []float32, c float32) { addScalarGo(dst, x, c) }

func sum(x []float32) float32 { return sumGo(x) }
