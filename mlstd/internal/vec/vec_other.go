//go:build !amd64 || purego

package vec

func relu(dst, x []float32) { reluGo(dst, x) }

func reluBackward(dst, g, y []float32) { reluBackwardGo(dst, g, y) }

func add(dst, x []float32) { addGo(dst, x) }

func mul(dst, x, y []float32) { mulGo(dst, x, y) }

func dropout(out, mask, x []float32, key uint64, first int, threshold, keep uint32) {
	dropoutGo(out, mask, x, key, first, threshold, keep)
}

func maxPool2x2(out []float32, arg []int32, x []float32, h, w int) {
	maxPool2x2Go(out, arg, x, h, w)
}

func maxUnpool2x2(dx, g []float32, arg []int32, y []float32, h, w int) {
	maxUnpool2x2Go(dx, g, arg, y, h, w)
}

func addScalarRows(dst, src []float32, rows, n, stride int, c float32) {
	addScalarRowsGo(dst, src, rows, n, stride, c)
}

func sum(x []float32) float32 { return sumGo(x) }
