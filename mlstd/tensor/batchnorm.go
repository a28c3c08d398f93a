package tensor

import (
	"fmt"
	"math"
)

// BatchNorm normalises x (N, C, …) per channel (axis 1), PyTorch's
// F.batch_norm: y = (x − mean)/√(var + eps)·weight + bias. weight and bias
// are (C) or both nil (affine=False); runningMean and runningVar are (C)
// buffers, not parameters.
//
// In training mode the mean and the biased variance are those of the batch
// (over N and every axis after C), and the running statistics are updated
// in place: running = (1 − momentum)·running + momentum·batch, with the
// unbiased variance, as torch does. In evaluation mode the running
// statistics normalise and are left alone. Statistics are accumulated in
// float64, like PyTorch's CPU kernel. Training needs more than one value
// per channel.
func BatchNorm(x, weight, bias, runningMean, runningVar *Tensor, training bool, momentum, eps float64) *Tensor {
	const op = "batch_norm"
	if len(x.shape) < 2 {
		panic(&ShapeError{Op: op, A: x.shape, Msg: "input must be (N, C, …)"})
	}
	n, c := x.shape[0], x.shape[1]
	for _, t := range []*Tensor{weight, bias, runningMean, runningVar} {
		if t != nil && (len(t.shape) != 1 || t.shape[0] != c) {
			panic(&ShapeError{Op: op, A: x.shape, B: t.shape, Msg: fmt.Sprintf("weight, bias and running statistics must be (%d)", c)})
		}
	}
	if (weight == nil) != (bias == nil) || runningMean == nil || runningVar == nil {
		panic(&ShapeError{Op: op, A: x.shape, Msg: "needs both weight and bias or neither, and both running statistics"})
	}
	s := 1
	for _, d := range x.shape[2:] {
		s *= d
	}
	m := n * s // values per channel
	if training && m <= 1 {
		panic(&ShapeError{Op: op, A: x.shape, Msg: "expected more than 1 value per channel when training"})
	}
	mean := make([]float64, c)
	invstd := make([]float64, c)
	for ch := 0; ch < c; ch++ {
		if !training {
			mean[ch] = float64(runningMean.data[ch])
			invstd[ch] = 1 / math.Sqrt(float64(runningVar.data[ch])+eps)
			continue
		}
		var sum float64
		for i := 0; i < n; i++ {
			for _, v := range x.data[(i*c+ch)*s : (i*c+ch+1)*s] {
				sum += float64(v)
			}
		}
		mu := sum / float64(m)
		var sq float64
		for i := 0; i < n; i++ {
			for _, v := range x.data[(i*c+ch)*s : (i*c+ch+1)*s] {
				d := float64(v) - mu
				sq += d * d
			}
		}
		mean[ch], invstd[ch] = mu, 1/math.Sqrt(sq/float64(m)+eps)
		rm, rv := &runningMean.data[ch], &runningVar.data[ch]
		*rm = float32((1-momentum)*float64(*rm) + momentum*mu)
		*rv = float32((1-momentum)*float64(*rv) + momentum*sq/float64(m-1))
	}
	out := make([]float32, len(x.data))
	for ch := 0; ch < c; ch++ {
		scale, shift := invstd[ch], -mean[ch]*invstd[ch]
		if weight != nil {
			w := float64(weight.data[ch])
			scale, shift = scale*w, shift*w+float64(bias.data[ch])
		}
		a, b := float32(scale), float32(shift)
		for i := 0; i < n; i++ {
			lo := (i*c + ch) * s
			for j, v := range x.data[lo : lo+s] {
				out[lo+j] = v*a + b
			}
		}
	}
	inputs := []*Tensor{x}
	if weight != nil {
		inputs = append(inputs, weight, bias)
	}
	return result(op, append([]int(nil), x.shape...), out, func(res *Tensor) {
		gy := res.grad.data
		var gx []float32
		if x.requiresGrad {
			gx = x.gradBuf()
		}
		for ch := 0; ch < c; ch++ {
			mu, is := mean[ch], invstd[ch]
			var sdy, sdyx float64 // Σ dy and Σ dy·(x − mean)
			for i := 0; i < n; i++ {
				lo := (i*c + ch) * s
				for j, d := range gy[lo : lo+s] {
					sdy += float64(d)
					sdyx += float64(d) * (float64(x.data[lo+j]) - mu)
				}
			}
			w := 1.0
			if weight != nil {
				w = float64(weight.data[ch])
				if weight.requiresGrad {
					weight.gradBuf()[ch] += float32(sdyx * is)
				}
				if bias.requiresGrad {
					bias.gradBuf()[ch] += float32(sdy)
				}
			}
			if gx == nil {
				continue
			}
			// dx = w·invstd·(dy − Σdy/m − (x − mean)·invstd²·Σdy(x − mean)/m)
			// in training; w·invstd·dy in evaluation (constant statistics).
			k := w * is
			var c0, c1 float64
			if training {
				c0, c1 = sdy/float64(m), is*is*sdyx/float64(m)
			}
			for i := 0; i < n; i++ {
				lo := (i*c + ch) * s
				for j, d := range gy[lo : lo+s] {
					gx[lo+j] += float32(k * (float64(d) - c0 - (float64(x.data[lo+j])-mu)*c1))
				}
			}
		}
	}, inputs...)
}
