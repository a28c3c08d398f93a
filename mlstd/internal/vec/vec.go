package vec

// ReLU sets dst[i] = max(x[i], 0); NaN stays NaN, as torch.relu. It
// panics if x is shorter than dst.
func ReLU(dst, x []float32) {
	x = x[:len(dst)]
	if len(dst) == 0 {
		return
	}
	relu(dst, x)
}

// ReLUBackward sets dst[i] = g[i] where y[i] > 0 and 0 elsewhere (y is the
// ReLU's input or output), without branches. It panics if g or y is
// shorter than dst.
func ReLUBackward(dst, g, y []float32) {
	g = g[:len(dst)]
	y = y[:len(dst)]
	if len(dst) == 0 {
		return
	}
	reluBackward(dst, g, y)
}

func reluGo(dst, x []float32) {
	x = x[:len(dst)]
	for i, v := range x {
		if !(v <= 0) { // keeps NaN
			dst[i] = v
		} else {
			dst[i] = 0
		}
	}
}

func reluBackwardGo(dst, g, y []float32) {
	g = g[:len(dst)]
	y = y[:len(dst)]
	for i, v := range y {
		if v > 0 {
			dst[i] = g[i]
		} else {
			dst[i] = 0
		}
	}
}
