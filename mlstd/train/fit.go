package train

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/metrics"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// LossFunc computes a scalar loss from a batch of model outputs and their
// labels; nn.CrossEntropy is one.
type LossFunc func(out *tensor.Tensor, labels []int) *tensor.Tensor

// TargetLoss computes a scalar loss from a batch of model outputs and
// their float targets; nn.MSE, nn.L1 are ones.
type TargetLoss func(out, target *tensor.Tensor) *tensor.Tensor

// Config configures Fit. The zero value trains one epoch in shuffled
// batches of 64 with a live progress display.
type Config struct {
	Epochs    int           // passes over the training set; 0 means 1
	BatchSize int           // examples per step; 0 means 64
	NoShuffle bool          // keep the dataset order (default: a new order each epoch)
	Seed      int64         // seeds the shuffle and the shifts (see data.LoaderConfig)
	DropLast  bool          // skip a final batch smaller than BatchSize
	Shift     int           // augment: move each training image by up to Shift pixels (see data.LoaderConfig)
	Val       *data.Dataset // evaluated after every epoch when not nil

	// TargetLoss is the loss of a regression dataset (Targets set), used
	// instead of Fit's loss argument, which must then be nil; nil means nn.MSE.
	TargetLoss TargetLoss

	// Scheduler, when not nil, is stepped after every epoch.
	Scheduler optim.Scheduler

	Quiet bool      // show no progress display
	Text  io.Writer // where progress goes as plain lines when the front end cannot show HTML (nil: the front end's status line, host.Status)
}

// Fit trains model on ds with opt, the classic loop once per batch —
// opt.ZeroGrad(), loss(model.Forward(x), y).Backward(), opt.Step() — for
// cfg.Epochs epochs, evaluating cfg.Val after each, and returns the
// history. A nil loss means nn.CrossEntropy. Accuracy is recorded when the
// model's output has shape [batch, classes] with classes > 1.
//
// A regression dataset (ds.Targets set, see data.NewRegression) trains on
// cfg.TargetLoss of the outputs and the batch's float targets (nn.MSE when
// nil); loss must then be nil.
//
// Unless cfg.Quiet, a Progress display shows the bar, the live loss chart
// and the epoch table (text outside a notebook: to cfg.Text, else the host's terminal).
//
// Fit is interruptible: the loader checks host.Check before each batch, so
// the notebook's stop button ends training between steps. Fit then returns
// the history of the completed epochs with Interrupted set and an error
// wrapping host.ErrInterrupted; the model keeps the weights of the last
// completed step. A loss that becomes NaN or infinite stops training with
// an error. Shape mistakes in the model panic, as everywhere in mlstd.
func Fit(model nn.Module, opt optim.Optimizer, loss LossFunc, ds *data.Dataset, cfg Config) (h *History, err error) {
	if model == nil || opt == nil || ds == nil {
		return &History{}, errors.New("train: Fit needs a model, an optimizer and a dataset")
	}
	if ds.Len() == 0 {
		return &History{}, errors.New("train: the training set is empty")
	}
	obj := objective{labels: loss, targets: cfg.TargetLoss}
	switch regression := ds.Targets != nil; {
	case cfg.Val != nil && (cfg.Val.Targets != nil) != regression:
		return &History{}, errors.New("train: the training and validation sets differ: one has float targets, the other class labels")
	case regression && loss != nil:
		return &History{}, errors.New("train: the dataset has float targets (regression): pass a nil loss and set Config.TargetLoss (nil means nn.MSE)")
	case !regression && cfg.TargetLoss != nil:
		return &History{}, errors.New("train: Config.TargetLoss is for datasets with float targets; this one has class labels")
	case regression && obj.targets == nil:
		obj.targets = nn.MSE
	case !regression && obj.labels == nil:
		obj.labels = nn.CrossEntropy
	}
	epochs, bs := max(cfg.Epochs, 1), cfg.BatchSize
	if bs <= 0 {
		bs = 64
	}
	st := &fitState{}
	lc := data.LoaderConfig{BatchSize: bs, Shuffle: !cfg.NoShuffle, Seed: cfg.Seed, DropLast: cfg.DropLast, Shift: cfg.Shift}
	h = &History{}
	var p *Progress
	if !cfg.Quiet {
		batches := (ds.Len() + bs - 1) / bs // not ds.Loader(lc).Len(): that would use up a shuffle order
		if cfg.DropLast {
			batches = ds.Len() / bs
		}
		p = NewProgress(epochs, batches).SetWriter(cfg.Text)
	}
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if e, ok := r.(error); ok && errors.Is(e, host.ErrInterrupted) {
			h.Interrupted = true
			if p != nil {
				p.Stop("interrupted")
			}
			err = fmt.Errorf("train: stopped in epoch %d after %d batches: %w", st.epoch, st.batch, host.ErrInterrupted)
			return
		}
		if p != nil {
			p.Stop("failed")
		}
		panic(r)
	}()
	for st.epoch = 1; st.epoch <= epochs; st.epoch++ {
		if err := epoch(model, opt, obj, ds, lc, cfg.Val, h, p, st); err != nil {
			if p != nil {
				p.Stop("failed")
			}
			return h, err
		}
		if cfg.Scheduler != nil {
			cfg.Scheduler.Step()
		}
	}
	if p != nil {
		p.Done()
	}
	return h, nil
}

// fitState says where training is, for the interrupt message.
type fitState struct{ epoch, batch int }

// objective is the loss of a batch: labels on its class labels, or, for a
// regression dataset, targets on its float targets.
type objective struct {
	labels  LossFunc
	targets TargetLoss
}

func (o objective) of(out *tensor.Tensor, b *data.Loader) *tensor.Tensor {
	if o.targets != nil {
		return o.targets(out, b.T())
	}
	return o.labels(out, b.Y())
}

// epoch runs one training epoch and the validation pass, appending to h.
func epoch(model nn.Module, opt optim.Optimizer, obj objective, ds *data.Dataset, lc data.LoaderConfig,
	val *data.Dataset, h *History, p *Progress, st *fitState) error {
	start := time.Now()
	nn.Train(model)
	var sum, correct float64
	n, classified := 0, true
	st.batch = 0
	for b := ds.Loader(lc); b.Next(); {
		host.Check() // data.Loader checks too; Fit does not rely on it
		x, y := b.X(), b.Y()
		opt.ZeroGrad()
		out := model.Forward(x)
		l := obj.of(out, b)
		l.Backward()
		lv := l.Item()
		if math.IsNaN(lv) || math.IsInf(lv, 0) {
			return fmt.Errorf("train: loss became %v in epoch %d, batch %d (lower the learning rate?)", lv, st.epoch, st.batch+1)
		}
		opt.Step()
		st.batch++
		sum += lv * float64(x.Dim(0))
		n += x.Dim(0)
		if classified = classified && y != nil && isScores(out, len(y)); classified {
			correct += metrics.Accuracy(out, y) * float64(len(y))
		}
		h.BatchLoss = append(h.BatchLoss, lv)
		if p != nil {
			p.Batch(lv)
		}
	}
	m := map[string]float64{}
	if n > 0 {
		m["loss"] = sum / float64(n)
		h.Loss = append(h.Loss, m["loss"])
		if classified {
			m["acc"] = correct / float64(n)
			h.Acc = append(h.Acc, m["acc"])
		}
	}
	if val != nil && val.Len() > 0 {
		vl, va, ok := evaluate(model, obj, val, max(lc.BatchSize, 1000))
		m["val_loss"] = vl
		h.ValLoss = append(h.ValLoss, vl)
		if ok {
			m["val_acc"] = va
			h.ValAcc = append(h.ValAcc, va)
		}
	}
	h.Seconds = append(h.Seconds, time.Since(start).Seconds())
	if p != nil {
		p.EndEpoch(m)
	}
	return nil
}

// evaluate returns the mean loss and accuracy of model on ds, without
// gradients (nn.Infer) and in evaluation mode; ok is false when the outputs are not
// class scores.
func evaluate(model nn.Module, obj objective, ds *data.Dataset, batch int) (l, acc float64, ok bool) {
	nn.Eval(model)
	defer nn.Train(model)
	var sum, correct float64
	n := 0
	ok = true
	for b := ds.Loader(data.LoaderConfig{BatchSize: batch}); b.Next(); {
		out := nn.Infer(model, b.X())
		y, m := b.Y(), b.X().Dim(0)
		sum += obj.of(out, b).Item() * float64(m)
		if ok = ok && y != nil && isScores(out, len(y)); ok {
			correct += metrics.Accuracy(out, y) * float64(len(y))
		}
		n += m
	}
	if n == 0 {
		return math.NaN(), math.NaN(), false
	}
	return sum / float64(n), correct / float64(n), ok
}

// isScores reports whether out looks like class scores for n examples.
func isScores(out *tensor.Tensor, n int) bool {
	return out.Dims() == 2 && out.Dim(0) == n && out.Dim(1) > 1
}
