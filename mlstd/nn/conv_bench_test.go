package nn_test

import (
	"encoding/json"
	"os/exec"
	"runtime"
	"sync"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// torchLeNetScript times LeNet-5 training steps in PyTorch on one thread
// (its fastest setting for this model on the 2-core machine, issue 17):
// the same model, batch 64, SGD lr 0.01 momentum 0.9, random data of
// MNIST's shape, 20 warm-up steps then 200 timed ones.
const torchLeNetScript = `
import json, time, torch
import torch.nn as nn
import torch.nn.functional as F
torch.set_num_threads(1)
torch.manual_seed(0)
m = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
    nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
x = torch.rand(4096, 1, 28, 28)
y = torch.randint(0, 10, (4096,))
def step(i):
    lo = (i * 64) % 4096
    opt.zero_grad()
    F.cross_entropy(m(x[lo:lo + 64]), y[lo:lo + 64]).backward()
    opt.step()
for i in range(20):
    step(i)
n = 200
c0, w0 = time.process_time(), time.perf_counter()
for i in range(n):
    step(i)
print(json.dumps({"cpu": (time.process_time() - c0) / n, "wall": (time.perf_counter() - w0) / n}))`

// torchLeNetStep runs torchLeNetScript once per test binary.
var torchLeNetStep = sync.OnceValues(func() (r struct{ CPU, Wall float64 }, err error) {
	out, err := exec.Command("/usr/bin/python3", "-c", torchLeNetScript).Output()
	if err != nil {
		return r, err
	}
	err = json.Unmarshal(out, &r)
	return r, err
})

// BenchmarkLeNet5Step is one training step of LeNet-5 (issue 17's model:
// conv 1→6 5×5 pad 2, ReLU, maxpool 2, conv 6→16 5×5, ReLU, maxpool 2,
// flatten, fc 120, 84, 10), batch 64, SGD lr 0.01 momentum 0.9, on random
// data of MNIST's shape (an epoch is 938 steps). Beside this side's
// figures it reports PyTorch's for the same step on one thread and the
// ratios (torch-… and …-ratio, this side ÷ PyTorch's; below 1 is faster
// than PyTorch); the benchmark is skipped when /usr/bin/python3 has no
// torch. This side uses GOMAXPROCS cores (printed as the procs metric).
func BenchmarkLeNet5Step(b *testing.B) {
	ref, err := torchLeNetStep()
	if err != nil {
		b.Skipf("no PyTorch reference (/usr/bin/python3 with torch): %v", err)
	}
	nn.Seed(0)
	wall, cpu := trainSteps(b, leNet5())
	b.ReportMetric(wall*938, "s/epoch")
	b.ReportMetric(cpu*938, "cpu-s/epoch")
	b.ReportMetric(ref.Wall*938, "torch-s/epoch")
	b.ReportMetric(ref.CPU*938, "torch-cpu-s/epoch")
	b.ReportMetric(wall/ref.Wall, "wall-ratio")
	b.ReportMetric(cpu/ref.CPU, "cpu-ratio")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}

// BenchmarkCNNStep is one training step of pytorch/examples' MNIST CNN
// (conv 1→32 3×3, ReLU, conv 32→64 3×3, ReLU, maxpool 2, dropout .25,
// flatten, fc 9216→128, ReLU, dropout .5, fc 10), batch 64, SGD lr 0.01
// momentum 0.9, on random data of MNIST's shape: wall and CPU seconds per
// 938-step epoch (mnistbench -model cnn compares it with PyTorch).
func BenchmarkCNNStep(b *testing.B) {
	nn.Seed(0)
	wall, cpu := trainSteps(b, nn.NewSequential(
		nn.NewConv2d(1, 32, 3, nn.Conv2dOptions{}), nn.NewReLU(),
		nn.NewConv2d(32, 64, 3, nn.Conv2dOptions{}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewDropout(0.25), nn.NewFlatten(),
		nn.NewLinear(9216, 128), nn.NewReLU(), nn.NewDropout(0.5),
		nn.NewLinear(128, 10),
	))
	b.ReportMetric(wall*938, "s/epoch")
	b.ReportMetric(cpu*938, "cpu-s/epoch")
	b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "procs")
}

// trainSteps runs b.N training steps of model (batch 64, SGD lr 0.01
// momentum 0.9) on 4,096 random images of MNIST's shape and returns the
// wall and CPU seconds per step.
func trainSteps(b *testing.B, model *nn.Sequential) (wall, cpu float64) {
	const n, batch = 4096, 64
	g := tensor.NewRNG(1)
	x := g.Rand(n, 1, 28, 28)
	y := make([]int, n)
	for i := range y {
		y[i] = g.Intn(10)
	}
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		lo := (i * batch) % n
		opt.ZeroGrad()
		loss := nn.CrossEntropy(model.Forward(x.Slice(lo, lo+batch)), y[lo:lo+batch])
		loss.Backward()
		opt.Step()
	}
	return b.Elapsed().Seconds() / float64(b.N), (cpuTime() - cpu0).Seconds() / float64(b.N)
}
