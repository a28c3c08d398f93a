//go:build !amd64 || purego

package vec

func axpy(alpha float32, x, y []float32) { axpyGo(alpha, x, y) }

func momentumStep(w, g, buf []float32, lr, momentum float32) {
	momentumStepGo(w, g, buf, lr, momentum)
}

func relu(dst, x []float32) { reluGo(dst, x) }

func reluBackward(dst, g, y []float32) { reluBackwardGo(dst, g, y) }
