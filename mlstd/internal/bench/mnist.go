package bench

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/internal/sgemm"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

//go:embed torch_side.py
var torchScript string

// Models are the benchmark's models, by the name Config.Model takes.
var Models = []string{"mlp", "lenet5", "cnn"}

// modelTitle describes each model in the run's header.
var modelTitle = map[string]string{
	"mlp":    "MLP 784-128-10 ReLU",
	"lenet5": "LeNet-5 (conv 1→6 5×5 pad 2, ReLU, maxpool 2, conv 6→16 5×5, ReLU, maxpool 2, fc 120, 84, 10)",
	"cnn":    "pytorch/examples CNN (conv 1→32 3×3, ReLU, conv 32→64 3×3, ReLU, maxpool 2, dropout .25, fc 9216→128, ReLU, dropout .5, fc 10)",
}

// Config is the experiment's setup.
type Config struct {
	Model        string  // one of Models
	Epochs       int     // training epochs (each side)
	Batches      int     // mini-batches per epoch; 0 means the whole training set
	Batch        int     // mini-batch size
	LR           float64 // SGD learning rate
	Momentum     float64 // SGD momentum
	Seed         int64   // initialisation and shuffle seed
	Dir          string  // directory of the four MNIST IDX .gz files
	Python       string  // interpreter with torch; "" skips the PyTorch side
	TorchThreads int     // PyTorch's intra-op threads; 0 times 1 and 2 threads first and keeps the faster
}

// DefaultConfig is the seed's experiment with EPOCHS (default 2) epochs and
// the MNIST files found by MNISTDir.
func DefaultConfig() (Config, error) {
	c := Config{Model: "mlp", Epochs: 2, Batch: 64, LR: 0.01, Momentum: 0.9, Seed: 1, Python: "/usr/bin/python3"}
	if s := os.Getenv("EPOCHS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return c, fmt.Errorf("bench: EPOCHS=%q is not a positive integer", s)
		}
		c.Epochs = n
	}
	dir, err := MNISTDir()
	c.Dir = dir
	return c, err
}

// MNISTDir returns a directory holding the four MNIST IDX .gz files: $MNIST_DIR,
// else the GoMNIST module in the Go module cache, else data.MNIST's cache.
func MNISTDir() (string, error) {
	var dirs []string
	if d := os.Getenv("MNIST_DIR"); d != "" {
		dirs = append(dirs, d)
	}
	gomodcache := os.Getenv("GOMODCACHE")
	if gomodcache == "" {
		if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			gomodcache = strings.TrimSpace(string(out))
		}
	}
	if gomodcache != "" {
		dirs = append(dirs, filepath.Join(gomodcache, "github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63/data"))
	}
	if c, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(c, "gokernel", "mnist"))
	}
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "train-images-idx3-ubyte.gz")); err == nil {
			return d, nil
		}
	}
	return "", fmt.Errorf("bench: no MNIST files in %s; run `go mod download %s` or set MNIST_DIR", strings.Join(dirs, ", "), data.MNISTModule)
}

// Side is one implementation's results.
type Side struct {
	Name     string
	Threads  int             // cores the side may use: GOMAXPROCS, or PyTorch's intra-op threads
	Steps    int             // training steps per epoch
	Epoch    []time.Duration // training time of each epoch (wall clock)
	CPU      []time.Duration // CPU time (user+system) of each epoch
	Loss     []float64       // mean training loss of each epoch
	Accuracy float64         // test accuracy after the last epoch
	PeakRSS  int64           // bytes
}

// Median returns the median wall-clock epoch time in seconds.
func (s *Side) Median() float64 { return median(s.Epoch) }

// MedianCPU returns the median CPU time per epoch in seconds.
func (s *Side) MedianCPU() float64 { return median(s.CPU) }

// Cores returns the cores the side kept busy on average: its CPU time over
// its wall time, summed over the epochs.
func (s *Side) Cores() float64 {
	var wall, cpu time.Duration
	for i := range s.Epoch {
		wall += s.Epoch[i]
		cpu += s.CPU[i]
	}
	if wall <= 0 {
		return 0
	}
	return cpu.Seconds() / wall.Seconds()
}

func median(d []time.Duration) float64 {
	if len(d) == 0 {
		return 0
	}
	t := slices.Clone(d)
	slices.Sort(t)
	if len(t)%2 == 1 {
		return t[len(t)/2].Seconds()
	}
	return (t[len(t)/2-1] + t[len(t)/2]).Seconds() / 2
}

// newModel returns the model called name (see Models) with PyTorch's
// layer definitions.
func newModel(name string) (*nn.Sequential, error) {
	switch name {
	case "mlp":
		return nn.NewSequential(nn.NewLinear(784, 128), nn.NewReLU(), nn.NewLinear(128, 10)), nil
	case "lenet5":
		return nn.NewSequential(
			nn.NewConv2d(1, 6, 5, nn.Conv2dOptions{Padding: 2}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
			nn.NewConv2d(6, 16, 5, nn.Conv2dOptions{}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
			nn.NewFlatten(),
			nn.NewLinear(400, 120), nn.NewReLU(), nn.NewLinear(120, 84), nn.NewReLU(), nn.NewLinear(84, 10)), nil
	case "cnn":
		return nn.NewSequential(
			nn.NewConv2d(1, 32, 3, nn.Conv2dOptions{}), nn.NewReLU(),
			nn.NewConv2d(32, 64, 3, nn.Conv2dOptions{}), nn.NewReLU(), nn.NewMaxPool2d(2, nn.Pool2dOptions{}),
			nn.NewDropout(0.25), nn.NewFlatten(),
			nn.NewLinear(9216, 128), nn.NewReLU(), nn.NewDropout(0.5), nn.NewLinear(128, 10)), nil
	}
	return nil, fmt.Errorf("bench: unknown model %q; want one of %s", name, strings.Join(Models, ", "))
}

// goTrainer is the Go side: the seed's training loop, as a cell writes it.
type goTrainer struct {
	train, test *data.Dataset
	model       *nn.Sequential
	opt         *optim.SGD
	seed        int64
	images      bool // the model takes [N, 1, 28, 28] rather than [N, 784]
	batches     int  // steps per epoch, 0 for all
}

func newGoTrainer(cfg Config) (*goTrainer, error) {
	nn.Seed(cfg.Seed)
	model, err := newModel(cfg.Model)
	if err != nil {
		return nil, err
	}
	train, test, err := data.LoadMNIST(cfg.Dir)
	if err != nil {
		return nil, err
	}
	train.Normalize(data.MNISTMean, data.MNISTStd)
	test.Normalize(data.MNISTMean, data.MNISTStd)
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: cfg.LR, Momentum: cfg.Momentum})
	return &goTrainer{train: train, test: test, model: model, opt: opt, seed: cfg.Seed,
		images: cfg.Model != "mlp", batches: cfg.Batches}, nil
}

// input shapes a batch of flat images for the model.
func (g *goTrainer) input(x *tensor.Tensor) *tensor.Tensor {
	if g.images {
		return x.Reshape(-1, 1, 28, 28)
	}
	return x
}

// epoch trains one epoch (or its first g.batches steps) and returns the
// mean loss and the number of steps.
func (g *goTrainer) epoch(batch int) (float64, int) {
	g.model.SetTraining(true)
	total, steps := 0.0, 0
	for b := g.train.Loader(data.LoaderConfig{BatchSize: batch, Shuffle: true, Seed: g.seed}); b.Next(); {
		if g.batches > 0 && steps == g.batches {
			break
		}
		g.opt.ZeroGrad()
		loss := nn.CrossEntropy(g.model.Forward(g.input(b.X())), b.Y())
		loss.Backward()
		g.opt.Step()
		total += loss.Item()
		steps++
	}
	return total / float64(max(steps, 1)), steps
}

// evalChunk is the number of test images evaluated at once, on both
// sides (torch_side.py too): the CNN's activations for 1,000 images
// take ~500 MB, which would dominate both sides' peak RSS.
const evalChunk = 100

// accuracy returns the test accuracy, evaluating evalChunk images at a
// time in evaluation mode.
func (g *goTrainer) accuracy() float64 {
	g.model.SetTraining(false)
	right, n := 0, g.test.Len()
	for lo := 0; lo < n; lo += evalChunk {
		hi := min(lo+evalChunk, n)
		pred := nn.Infer(g.model, g.input(g.test.X.Slice(lo, hi))).Argmax(1)
		for i, p := range pred {
			if p == g.test.Y[lo+i] {
				right++
			}
		}
	}
	return float64(right) / float64(n)
}

// torchProc drives torch_side.py over a pipe.
type torchProc struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startTorch(cfg Config) (*torchProc, error) {
	cmd := exec.Command(cfg.Python, "-u", "-c", torchScript, cfg.Dir,
		fmt.Sprint(data.MNISTMean), fmt.Sprint(data.MNISTStd), fmt.Sprint(cfg.Seed),
		fmt.Sprint(cfg.Batch), fmt.Sprint(cfg.LR), fmt.Sprint(cfg.Momentum), cfg.Model, fmt.Sprint(cfg.Batches))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", cfg.Python, err)
	}
	p := &torchProc{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	if _, err := p.expect("ready"); err != nil {
		p.close()
		return nil, err
	}
	return p, nil
}

// do sends a command and returns the fields of the reply after its keyword.
func (p *torchProc) do(cmd, reply string) ([]float64, error) {
	if _, err := fmt.Fprintln(p.in, cmd); err != nil {
		return nil, fmt.Errorf("bench: pytorch: %w", err)
	}
	return p.expect(reply)
}

func (p *torchProc) expect(reply string) ([]float64, error) {
	if !p.out.Scan() {
		return nil, fmt.Errorf("bench: pytorch exited before %q (see its stderr above)", reply)
	}
	f := strings.Fields(p.out.Text())
	if len(f) == 0 || f[0] != reply {
		return nil, fmt.Errorf("bench: pytorch said %q, want %q", p.out.Text(), reply)
	}
	v := make([]float64, len(f)-1)
	for i, s := range f[1:] {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, fmt.Errorf("bench: pytorch said %q: %w", p.out.Text(), err)
		}
		v[i] = x
	}
	return v, nil
}

func (p *torchProc) close() error {
	p.in.Close()
	return p.cmd.Wait()
}

// probeSteps is the number of steps PyTorch times with each thread
// setting when Config.TorchThreads is 0.
const probeSteps = 30

// chooseThreads sets PyTorch's thread count: cfg.TorchThreads, or the
// faster of 1 and 2 threads by wall time over probeSteps steps (the model
// and optimizer are restored after the probe).
func chooseThreads(cfg Config, tp *torchProc, w io.Writer) (int, error) {
	t := cfg.TorchThreads
	if t == 0 {
		best := 0.0
		for _, n := range []int{1, 2} {
			v, err := tp.do(fmt.Sprintf("probe %d %d", n, probeSteps), "probe")
			if err != nil {
				return 0, err
			}
			if len(v) != 2 {
				return 0, errors.New("bench: pytorch probe reply needs 2 fields")
			}
			fmt.Fprintf(w, "pytorch probe, %d thread(s): %.2f ms/step wall, %.2f ms/step cpu (%d steps)\n", n, 1e3*v[0], 1e3*v[1], probeSteps)
			if t == 0 || v[0] < best {
				t, best = n, v[0]
			}
		}
	}
	v, err := tp.do(fmt.Sprintf("threads %d", t), "threads")
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, errors.New("bench: pytorch threads reply needs 1 field")
	}
	return int(v[0]), nil
}

// Run trains both sides for cfg.Epochs epochs, interleaved, writing one
// line per epoch to w, and returns the Go and PyTorch results (torch is nil
// when cfg.Python is empty).
func Run(cfg Config, w io.Writer) (goSide, torchSide *Side, err error) {
	title, ok := modelTitle[cfg.Model]
	if !ok {
		return nil, nil, fmt.Errorf("bench: unknown model %q; want one of %s", cfg.Model, strings.Join(Models, ", "))
	}
	part := "whole epochs"
	if cfg.Batches > 0 {
		part = fmt.Sprintf("the first %d batches of each epoch (times scaled to a whole epoch of %d batches)", cfg.Batches, stepsPerEpoch(cfg))
	}
	fmt.Fprintf(w, "MNIST %s, batch %d, SGD lr %g momentum %g, %d epochs, %s; data %s\n",
		title, cfg.Batch, cfg.LR, cfg.Momentum, cfg.Epochs, part, cfg.Dir)
	g, err := newGoTrainer(cfg)
	if err != nil {
		return nil, nil, err
	}
	goSide = &Side{Name: "go", Threads: runtime.GOMAXPROCS(0)}
	var tp *torchProc
	if cfg.Python != "" {
		if tp, err = startTorch(cfg); err != nil {
			return nil, nil, err
		}
		defer func() {
			if tp != nil {
				tp.close()
			}
		}()
		torchSide = &Side{Name: "pytorch"}
		if torchSide.Threads, err = chooseThreads(cfg, tp, w); err != nil {
			return nil, nil, err
		}
	}
	fmt.Fprintf(w, "go: GOMAXPROCS=%d, sgemm %s", goSide.Threads, sgemm.Backend())
	if torchSide != nil {
		fmt.Fprintf(w, "; pytorch: %s, torch.set_num_threads(%d)", cfg.Python, torchSide.Threads)
	}
	fmt.Fprintf(w, "\n%-6s %8s %8s %8s | %8s %8s %8s | %6s %6s\n", "epoch", "go s", "go cpu", "go loss",
		"torch s", "torch cpu", "loss", "ratio", "cpu")
	scale := float64(stepsPerEpoch(cfg)) // steps measured → a whole epoch
	for e := 1; e <= cfg.Epochs; e++ {
		start, cpu0 := time.Now(), cpuTime()
		loss, steps := g.epoch(cfg.Batch)
		d, c := time.Since(start), cpuTime()-cpu0
		d, c = scaleTo(d, steps, scale), scaleTo(c, steps, scale)
		goSide.Steps = steps
		goSide.Epoch = append(goSide.Epoch, d)
		goSide.CPU = append(goSide.CPU, c)
		goSide.Loss = append(goSide.Loss, loss)
		if tp == nil {
			fmt.Fprintf(w, "%-6d %8.3f %8.3f %8.4f\n", e, d.Seconds(), c.Seconds(), loss)
			continue
		}
		v, err := tp.do("epoch", "epoch")
		if err != nil {
			return nil, nil, err
		}
		if len(v) != 4 {
			return nil, nil, errors.New("bench: pytorch epoch reply needs 4 fields")
		}
		torchSide.Steps = int(v[3])
		td, tc := scaleTo(seconds(v[0]), torchSide.Steps, scale), scaleTo(seconds(v[2]), torchSide.Steps, scale)
		torchSide.Epoch = append(torchSide.Epoch, td)
		torchSide.CPU = append(torchSide.CPU, tc)
		torchSide.Loss = append(torchSide.Loss, v[1])
		fmt.Fprintf(w, "%-6d %8.3f %8.3f %8.4f | %8.3f %8.3f %8.4f | %6.3f %6.3f\n", e, d.Seconds(), c.Seconds(), loss,
			td.Seconds(), tc.Seconds(), v[1], d.Seconds()/td.Seconds(), c.Seconds()/tc.Seconds())
	}
	goSide.Accuracy = g.accuracy()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		goSide.PeakRSS = ru.Maxrss * 1024
	}
	if tp != nil {
		v, err := tp.do("eval", "acc")
		if err != nil {
			return nil, nil, err
		}
		torchSide.Accuracy = v[0]
		v, err = tp.do("quit", "rss")
		if err != nil {
			return nil, nil, err
		}
		torchSide.PeakRSS = int64(v[0]) * 1024
		err = tp.close()
		tp = nil
		if err != nil {
			return nil, nil, fmt.Errorf("bench: pytorch: %w", err)
		}
	}
	Summary(w, goSide, torchSide)
	return goSide, torchSide, nil
}

// stepsPerEpoch is the number of mini-batches in a whole epoch of MNIST's
// 60,000 training images.
func stepsPerEpoch(cfg Config) int { return (60000 + cfg.Batch - 1) / cfg.Batch }

// scaleTo scales a time measured over steps steps to per steps.
func scaleTo(d time.Duration, steps int, per float64) time.Duration {
	if steps == 0 {
		return 0
	}
	return time.Duration(float64(d) * per / float64(steps))
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// cpuTime returns the process's user+system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Result is one model's run: both sides (Torch is nil without PyTorch).
type Result struct {
	Model string
	Go    *Side
	Torch *Side
}

// Table writes the models' runs side by side, a row each: both sides'
// median s/epoch and CPU s/epoch, their ratios, the accuracy difference
// and the ratio of peak RSS.
func Table(w io.Writer, rs []Result) {
	fmt.Fprintf(w, "%-7s %9s %9s %7s %7s %9s %9s %8s\n", "model", "go s", "torch s", "ratio", "cpu", "acc go", "Δacc pp", "RSS")
	for _, r := range rs {
		fmt.Fprintf(w, "%-7s %9.3f", r.Model, r.Go.Median())
		if r.Torch == nil || r.Torch.Median() <= 0 || r.Torch.MedianCPU() <= 0 {
			fmt.Fprintf(w, " %9s %7s %7s %8.2f%% %9s %8s\n", "-", "-", "-", 100*r.Go.Accuracy, "-", "-")
			continue
		}
		fmt.Fprintf(w, " %9.3f %7.3f %7.3f %8.2f%% %+9.2f %8.2f\n", r.Torch.Median(),
			r.Go.Median()/r.Torch.Median(), r.Go.MedianCPU()/r.Torch.MedianCPU(), 100*r.Go.Accuracy,
			100*(r.Go.Accuracy-r.Torch.Accuracy), float64(r.Go.PeakRSS)/float64(r.Torch.PeakRSS))
	}
}

// Summary writes the median s/epoch, the ratio, test accuracy and peak RSS.
func Summary(w io.Writer, goSide, torchSide *Side) {
	fmt.Fprintf(w, "%-8s %12s %14s %10s %10s %8s %12s\n", "", "s/epoch(med)", "cpu s/epoch", "test acc", "peak RSS", "threads", "cores busy")
	for _, s := range []*Side{goSide, torchSide} {
		if s != nil {
			fmt.Fprintf(w, "%-8s %12.3f %14.3f %9.2f%% %7.0f MB %8d %12.2f\n", s.Name, s.Median(), s.MedianCPU(),
				100*s.Accuracy, float64(s.PeakRSS)/(1<<20), s.Threads, s.Cores())
		}
	}
	if torchSide != nil && torchSide.Median() > 0 && torchSide.MedianCPU() > 0 {
		fmt.Fprintf(w, "ratio go/pytorch s/epoch: %.3f (cpu time %.3f); accuracy difference %+.2f pp; RSS ratio %.2f\n",
			goSide.Median()/torchSide.Median(), goSide.MedianCPU()/torchSide.MedianCPU(),
			100*(goSide.Accuracy-torchSide.Accuracy), float64(goSide.PeakRSS)/float64(torchSide.PeakRSS))
	}
}
