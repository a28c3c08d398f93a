//go:build !amd64 || purego

package vec

func relu(dst, x []float32) { reluGo(dst, x) }

func reluBackward(dst, g, y []float32) { reluBackwardGo(dst, g, y) }
