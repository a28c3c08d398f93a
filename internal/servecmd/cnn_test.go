package servecmd

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/gokernel/gokernel/mlstd/export"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/serve"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestServeCommandCNN runs the serve command (a child process) on a CNN
// saved with export.WithInputShape: it takes [batch 1 28 28] images and
// flat [batch 784] rows and answers the in-process logits bit for bit.
func TestServeCommandCNN(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end")
	}
	g := tensor.NewRNG(4)
	m := nn.NewSequential(
		nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2, RNG: g}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewConv2d(6, 16, 5, nn.Conv2dOptions{RNG: g}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewFlatten(), nn.NewLinearRNG(400, 10, true, g))
	path := filepath.Join(t.TempDir(), "lenet.safetensors")
	if err := export.Save(path, m, export.WithInputShape([]int{1, 28, 28})); err != nil {
		t.Fatal(err)
	}
	x := g.Rand(3, 1, 28, 28)
	var want *tensor.Tensor
	tensor.NoGrad(func() { want = m.Forward(x) })
	c := spawn(t, path, "--name", "lenet", "--addr", "127.0.0.1:0")
	url, _ := c.waitReady(t)
	base := url[:len(url)-len("/v2/models/lenet/infer")]
	for _, in := range []*tensor.Tensor{x, x.Reshape(3, 784)} {
		p, err := serve.Infer(base, "lenet", "", in)
		if err != nil {
			t.Fatalf("%v: %v", in.Shape(), err)
		}
		for i, v := range p.Output.Data() {
			if math.Float32bits(v) != math.Float32bits(want.Data()[i]) {
				t.Fatalf("%v: logit %d is %v, in-process %v", in.Shape(), i, v, want.Data()[i])
			}
		}
	}
	t.Logf("served at %s; 3 images and 3 flat rows answered bitwise", url)
	if err, tail := c.stop(t); err != nil {
		t.Fatalf("%v\n%s", err, tail)
	}
}
