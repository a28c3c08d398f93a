package serve

import (
	"slices"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// TestServedIsForward serves the MNIST MLP, LeNet-5 and the
// pytorch/examples CNN (PyTorch's layer definitions, in evaluation mode)
// over sockets and checks every logit of a 3-row request, and of each row
// sent alone, bit for bit against the in-process Forward, recording the
// graph and under NoGrad: serving runs the model's Plan (nn.Infer), the
// same steps and ops as Forward. It also checks that the request buffers
// were released to be recycled only for models whose plan keeps nothing
// of its input.
func TestServedIsForward(t *testing.T) {
	nn.Seed(7)
	models := []struct {
		name  string
		m     *nn.Sequential
		shape []int
	}{
		{"mlp", nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10)), []int{784}},
		{"lenet5", nn.NewSequential(
			nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
			nn.NewConv2d(6, 16, 5, nn.Conv2dOptions{}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
			nn.NewFlatten(),
			nn.NewLinear(400, 120), nn.NewReLU(), nn.NewLinear(120, 84), nn.NewReLU(), nn.NewLinear(84, 10)), []int{1, 28, 28}},
		{"cnn", nn.NewSequential(
			nn.NewConv2d(1, 32, 3, nn.Conv2dOptions{}), nn.NewReLU(),
			nn.NewConv2d(32, 64, 3, nn.Conv2dOptions{}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
			nn.NewDropout(0.25), nn.NewFlatten(),
			nn.NewLinear(9216, 128), nn.NewReLU(), nn.NewDropout(0.5), nn.NewLinear(128, 10)), []int{1, 28, 28}},
	}
	const rows = 3
	x := mnistRows(rows)
	for _, c := range models {
		t.Run(c.name, func(t *testing.T) {
			nn.Eval(c.m)
			in := tensor.New(x, append([]int{rows}, c.shape...)...)
			recorded := c.m.Forward(in)
			if !recorded.RequiresGrad() {
				t.Fatal("Forward recorded no graph: it is not the training path")
			}
			var noGrad *tensor.Tensor
			tensor.NoGrad(func() { noGrad = c.m.Forward(in) })
			sameBits(t, "Forward under NoGrad against recording", noGrad.Data(), recorded.Data())
			s, err := Start(c.m, Options{Name: "m", InputShape: c.shape})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for _, m := range []*nn.Sequential{c.m, nn.NewSequential(c.m, newPicker(10, 10))} {
				_, _, free, err := s.batch.forward(m, slices.Clone(x), rows, false)
				if want := m == c.m; err != nil || free != want {
					t.Errorf("a pass frees its input: %v (error %v); want %v (true only without a module the plan does not know)", free, err, want)
				}
			}
			ask := func(o, n int) []float32 {
				code, body := do(t, "POST", s.InferURL(), inferBody("", append([]int{n}, c.shape...), x[o*784:(o+n)*784]))
				if code != 200 {
					t.Fatalf("%d %s", code, body)
				}
				out := decodeResponse(t, body).Outputs[0].Data
				got := make([]float32, len(out))
				for i, v := range out {
					got[i] = float32(v) // the shortest repr of a float32 reads back as it
				}
				return got
			}
			sameBits(t, "served batch against Forward", ask(0, rows), recorded.Data())
			for r := 0; r < rows; r++ {
				sameBits(t, "served row alone against Forward", ask(r, 1), recorded.Data()[r*10:(r+1)*10])
			}
		})
	}
}
