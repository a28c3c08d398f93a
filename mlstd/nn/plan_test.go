package nn_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// spy is a module the plan does not know: it records what it was given.
type spy struct{ saw *tensor.Tensor }

func (s *spy) Forward(x *tensor.Tensor) *tensor.Tensor { s.saw = x; return x.Tanh() }
func (s *spy) Parameters() []*tensor.Tensor            { return nil }

// TestPlanInferMatchesForward runs models of every form the plan has a
// step for (fused pairs, a ReLU first, two ReLUs in a row, a model ending
// in a ReLU, no bias, a module it does not know, a nested Sequential,
// Dropout in both modes, a CNN with batch norm, pooling and Flatten)
// through Infer, through Forward recording the graph and through Forward
// under NoGrad, and checks that the outputs are the same bits, that Infer
// records no graph and leaves the input alone, and that a second pass
// (recycled buffers) and in-place weight changes give Forward's bits too.
func TestPlanInferMatchesForward(t *testing.T) {
	g := tensor.NewRNG(3)
	lin := func(in, out int, bias bool) *nn.Linear { return nn.NewLinearRNG(in, out, bias, g) }
	conv := func(in, out, k int, o nn.Conv2dOptions) *nn.Conv2d { o.RNG = g; return nn.NewConv2d(in, out, k, o) }
	flat := []int{5, 20}
	image := []int{5, 1, 12, 12}
	cases := []struct {
		name  string
		m     *nn.Sequential
		shape []int
	}{
		{"linear-relu-linear", nn.NewSequential(lin(20, 16, true), nn.NewReLU(), lin(16, 3, true)), flat},
		{"linear", nn.NewSequential(lin(20, 5, true)), flat},
		{"relu-first", nn.NewSequential(nn.NewReLU(), lin(20, 4, false)), flat},
		{"ends-in-relu", nn.NewSequential(lin(20, 6, true), nn.NewReLU()), flat},
		{"deep-no-bias-relu-relu", nn.NewSequential(lin(20, 12, false), lin(12, 9, true), nn.NewReLU(), nn.NewReLU(), lin(9, 7, true), nn.NewReLU()), flat},
		{"custom-and-nested", nn.NewSequential(lin(20, 8, true), &spy{}, nn.NewSequential(lin(8, 8, true), nn.NewReLU()), lin(8, 3, true)), flat},
		{"dropout", nn.NewSequential(lin(20, 16, true), nn.NewReLU(), nn.NewDropout(0.5), lin(16, 3, true)), flat},
		{"cnn", nn.NewSequential(
			conv(1, 4, 3, nn.Conv2dOptions{Padding: 1}), nn.NewBatchNorm2d(4, nn.BatchNormOptions{}), nn.NewReLU(),
			nn.NewMaxPool2d(2, nn.Pool2dOptions{}), conv(4, 8, 3, nn.Conv2dOptions{}), nn.NewReLU(),
			nn.NewAvgPool2d(2, nn.Pool2dOptions{}), nn.NewDropout2d(0.2), nn.NewFlatten(), nn.NewDropout(0.3), lin(32, 10, true)), image},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// Training mode first (BatchNorm's statistics move), then
			// evaluation, where Dropout passes its input on.
			tensor.CrossEntropy(c.m.Forward(g.Randn(c.shape...)), []int{0, 1, 2, 0, 1}).Backward()
			nn.Eval(c.m)
			x := g.Randn(c.shape...)
			orig := slices.Clone(x.Data())
			recorded := c.m.Forward(x)
			if !recorded.RequiresGrad() {
				t.Fatal("Forward did not record a graph: the comparison checks nothing")
			}
			var noGrad *tensor.Tensor
			tensor.NoGrad(func() { noGrad = c.m.Forward(x) })
			for pass := 0; pass < 2; pass++ {
				y := nn.Infer(c.m, x)
				if y.RequiresGrad() || y.IsInference() {
					t.Fatalf("Infer: requires grad %v, inference %v; want an ordinary tensor without a graph", y.RequiresGrad(), y.IsInference())
				}
				if !slices.Equal(y.Shape(), recorded.Shape()) || !slices.Equal(y.Data(), recorded.Data()) || !slices.Equal(y.Data(), noGrad.Data()) {
					t.Fatalf("pass %d: Infer %v, Forward %v, under NoGrad %v", pass, y.Data(), recorded.Data(), noGrad.Data())
				}
				if !slices.Equal(x.Data(), orig) {
					t.Fatal("Infer changed its input")
				}
			}
			for _, l := range c.m.Layers() {
				if s, ok := l.(*spy); ok && !s.saw.IsInference() {
					t.Error("a module the plan does not know got an ordinary tensor from Infer: it would record")
				}
			}
			// Weights changed in place (an optimizer step) are used at once.
			w := c.m.Parameters()[0].Data()
			for i := range w {
				w[i] *= -0.5
			}
			before := recorded.Data()
			recorded = c.m.Forward(x)
			if y := nn.Infer(c.m, x); slices.Equal(y.Data(), before) || !slices.Equal(y.Data(), recorded.Data()) {
				t.Fatalf("after an in-place weight update: Infer %v (before %v), Forward %v", y.Data(), before, recorded.Data())
			}
		})
	}
}

// TestPlanSteps checks the plan's fused pairs (String) and what it says of
// its input (KeepsInput), which lets serve recycle request buffers.
func TestPlanSteps(t *testing.T) {
	g := tensor.NewRNG(1)
	mlp := nn.NewSequential(nn.NewLinearRNG(784, 128, true, g), nn.NewReLU(), nn.NewLinearRNG(128, 10, true, g))
	want := `Plan(
  (0,1): Linear(in_features=784, out_features=128, bias=True) + ReLU()
  (2): Linear(in_features=128, out_features=10, bias=True)
)`
	if got := mlp.Plan().String(); got != want {
		t.Errorf("MLP plan:\n%s\nwant\n%s", got, want)
	}
	lenet := nn.NewSequential(nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{RNG: g}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewMaxPool2d(1, nn.Pool2dOptions{}), nn.NewReLU(), nn.NewFlatten(), nn.NewLinearRNG(6, 2, true, g), nn.NewReLU())
	var pos []string
	for _, line := range strings.Split(lenet.Plan().String(), "\n") {
		if p, _, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			pos = append(pos, p)
		}
	}
	if want := []string{"(0)", "(1,2)", "(3,4)", "(5)", "(6,7)"}; !slices.Equal(pos, want) {
		t.Errorf("conv, relu, pool, pool, relu, flatten, linear, relu: steps %v, want %v (a ReLU goes with a MaxPool2d next to it, not with the Conv2d before)", pos, want)
	}
	mlp.Add(nn.NewReLU())
	if got := mlp.Plan().String(); !strings.Contains(got, "(2,3): Linear(in_features=128, out_features=10, bias=True) + ReLU()") {
		t.Errorf("after Add(ReLU) the last Linear is not fused:\n%s", got)
	}
	for _, c := range []struct {
		name  string
		m     *nn.Sequential
		keeps bool
	}{
		{"mlp", mlp, false},
		{"flatten-then-linear", nn.NewSequential(nn.NewFlatten(), nn.NewLinearRNG(4, 2, true, g)), false},
		{"flatten-only", nn.NewSequential(nn.NewFlatten()), true},
		{"dropout-only", nn.NewSequential(nn.NewDropout(0.5)), true},
		{"dropout2d-only", nn.NewSequential(nn.NewDropout2d(0.5)), true},
		{"empty", nn.NewSequential(), true},
		{"zero", &nn.Sequential{}, true},
		{"custom", nn.NewSequential(nn.NewLinearRNG(4, 2, true, g), &spy{}), true},
		{"nested", nn.NewSequential(nn.NewSequential(nn.NewLinearRNG(4, 2, true, g))), true},
	} {
		if got := c.m.Plan().KeepsInput(); got != c.keeps {
			t.Errorf("%s: KeepsInput %v, want %v", c.name, got, c.keeps)
		}
	}
	x := g.Randn(2, 4)
	if y := nn.Infer(&nn.Sequential{}, x); !slices.Equal(y.Data(), x.Data()) {
		t.Errorf("a zero Sequential's Infer gave %v, want its input %v", y.Data(), x.Data())
	}
}

// TestPlanInferRows checks the tensor-free form: Forward's bits for rows
// of an MLP, also from several goroutines at once (each pass takes its own
// buffers), and a refusal, with nothing computed, for what it does not run.
func TestPlanInferRows(t *testing.T) {
	g := tensor.NewRNG(4)
	mlp := nn.NewSequential(nn.NewLinearRNG(20, 32, true, g), nn.NewReLU(), nn.NewLinearRNG(32, 16, false, g), nn.NewReLU(), nn.NewLinearRNG(16, 3, true, g))
	x := g.Randn(9, 20)
	want := mlp.Forward(x)
	done := make(chan string)
	for c := 0; c < 4; c++ {
		go func() {
			for i := 0; i < 50; i++ {
				out, w, ok := mlp.Plan().InferRows(x.Data(), 9, 20)
				if !ok || w != 3 || !slices.Equal(out, want.Data()) {
					done <- "InferRows differs from Forward"
					return
				}
			}
			done <- ""
		}()
	}
	for c := 0; c < 4; c++ {
		if msg := <-done; msg != "" {
			t.Error(msg)
		}
	}
	for name, m := range map[string]*nn.Sequential{
		"sigmoid":     nn.NewSequential(nn.NewLinearRNG(20, 4, true, g), nn.NewSigmoid()),
		"wrong-width": nn.NewSequential(nn.NewLinearRNG(21, 4, true, g)),
		"flatten":     nn.NewSequential(nn.NewFlatten(), nn.NewLinearRNG(20, 4, true, g)),
		"empty":       nn.NewSequential(),
	} {
		if _, _, ok := m.Plan().InferRows(x.Data(), 9, 20); ok {
			t.Errorf("%s: InferRows ran a model it does not support", name)
		}
	}
	if _, _, ok := mlp.Plan().InferRows(x.Data(), 8, 20); ok {
		t.Error("InferRows ran on fewer values than rows·width")
	}
}

// Infer is a forward pass without a graph (torch.inference_mode()): what
// evaluation and serving run.
func ExampleInfer() {
	nn.Seed(1)
	model := nn.NewSequential(nn.NewLinear(4, 8), nn.NewReLU(), nn.NewLinear(8, 3))
	x := tensor.Ones(2, 4)
	y := nn.Infer(model, x)
	fmt.Println(y.Shape(), y.RequiresGrad())
	fmt.Println(slices.Equal(y.Data(), model.Forward(x).Data())) // Forward's bits
	// Output:
	// [2 3] false
	// true
}

// A Sequential's Plan shows which layers run fused.
func ExampleSequential_Plan() {
	model := nn.NewSequential(
		nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
		nn.NewFlatten(), nn.NewLinear(1176, 10))
	fmt.Println(model.Plan())
	// Output:
	// Plan(
	//   (0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
	//   (1,2): ReLU() + MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
	//   (3): Flatten(start_dim=1, end_dim=-1)
	//   (4): Linear(in_features=1176, out_features=10, bias=True)
	// )
}
