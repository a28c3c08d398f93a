package train

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

func blobs() (train, val *data.Dataset) {
	return data.Blobs(1200, 4, 3, 2.5, 7).Split(0.8, 1)
}

func moons() (train, val *data.Dataset) {
	return data.Moons(1500, 0.2, 3).Split(0.8, 1)
}

func TestFitLearns(t *testing.T) {
	got := sink(t, true)
	nn.Seed(1)
	tr, va := moons() // not linearly separable: the hidden layer must learn
	model := nn.NewMLP([]int{2, 32, 2})
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	h, err := Fit(model, opt, nil, tr, Config{Epochs: 12, BatchSize: 40, Val: va})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("loss %v\nacc %v\nval_acc %v", h.Loss, h.Acc, h.ValAcc)
	if h.Epochs() != 12 || len(h.Acc) != 12 || len(h.ValLoss) != 12 || len(h.ValAcc) != 12 || len(h.Seconds) != 12 {
		t.Fatalf("history lengths: %d %d %d %d %d", len(h.Loss), len(h.Acc), len(h.ValLoss), len(h.ValAcc), len(h.Seconds))
	}
	if len(h.BatchLoss) != 12*30 {
		t.Errorf("%d batch losses, want 12 epochs × 30 batches", len(h.BatchLoss))
	}
	if !(h.Loss[11] < h.Loss[0]) || h.ValAcc[11] < 0.97 {
		t.Errorf("did not learn: loss %v, val acc %v", h.Loss, h.ValAcc)
	}
	// The epoch mean loss is the mean of that epoch's batch losses weighted
	// by batch size (all batches are 40 here).
	mean := 0.0
	for _, l := range h.BatchLoss[:30] {
		mean += l / 30 // 1200 examples, batches of 40
	}
	if math.Abs(mean-h.Loss[0]) > 1e-9 {
		t.Errorf("epoch loss %v, batch mean %v", h.Loss[0], mean)
	}
	if len(*got) < 2 || (*got)[0].typ != "Display" || !strings.Contains((*got)[len(*got)-1].plain, "epoch 12/12") {
		t.Errorf("progress display: %d messages", len(*got))
	}
	if s := h.String(); !strings.HasPrefix(s, "epoch  loss    acc     val_loss  val_acc  time") {
		t.Errorf("history text:\n%s", s)
	}
	if f := h.Figure(); f.Err() != nil || len(f.PNG()) == 0 {
		t.Errorf("history figure: %v", f.Err())
	}
	if !strings.Contains(h.HTML(), "<img") || h.AccuracyFigure().Err() != nil {
		t.Error("history HTML lacks the chart")
	}
}

// TestFitInterrupt presses "stop" during batch 5 of epoch 2: Fit returns
// the first epoch's history, Interrupted, an error wrapping
// host.ErrInterrupted, and a model holding the weights after step 5.
func TestFitInterrupt(t *testing.T) {
	host.SetFront(host.Front{})
	defer host.Reset()
	nn.Seed(2)
	tr, _ := blobs()
	model := nn.NewMLP([]int{4, 8, 3})
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.05})
	calls := 0
	var before []float32
	loss := func(out *tensor.Tensor, y []int) *tensor.Tensor {
		calls++
		if calls == 30+5 { // epoch 2, batch 5 (30 batches per epoch)
			before = append([]float32(nil), model.Parameters()[0].Data()...)
			host.Interrupt()
		}
		return nn.CrossEntropy(out, y)
	}
	h, err := Fit(model, opt, loss, tr, Config{Epochs: 3, BatchSize: 32, Quiet: true})
	if !errors.Is(err, host.ErrInterrupted) || !h.Interrupted {
		t.Fatalf("err %v, interrupted %v", err, h.Interrupted)
	}
	if !strings.Contains(err.Error(), "epoch 2 after 5 batches") {
		t.Errorf("err %q", err)
	}
	if calls != 35 || len(h.BatchLoss) != 35 || h.Epochs() != 1 {
		t.Errorf("calls %d, batch losses %d, epochs %d; want 35, 35, 1", calls, len(h.BatchLoss), h.Epochs())
	}
	after := model.Parameters()[0].Data()
	changed := false
	for i := range after {
		changed = changed || after[i] != before[i]
		if math.IsNaN(float64(after[i])) {
			t.Fatal("NaN weight after interrupt")
		}
	}
	if !changed {
		t.Error("the step of the batch in flight when stop was pressed was lost")
	}
	if !strings.Contains(h.String(), "interrupted after 1 epochs") {
		t.Errorf("history text %q", h.String())
	}
}

func TestFitInterruptShowsStopped(t *testing.T) {
	got := sink(t, true)
	defer host.Reset()
	tr, _ := blobs()
	model := nn.NewMLP([]int{4, 3})
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.01})
	host.Interrupt()
	h, err := Fit(model, opt, nil, tr, Config{Epochs: 2})
	if !errors.Is(err, host.ErrInterrupted) || h.Epochs() != 0 {
		t.Fatalf("err %v, epochs %d", err, h.Epochs())
	}
	if len(*got) != 1 || !strings.HasPrefix((*got)[0].plain, "interrupted: ") {
		t.Errorf("messages %v", *got)
	}
}

func TestFitDivergesIsAnError(t *testing.T) {
	host.SetFront(host.Front{})
	tr, _ := blobs()
	model := nn.NewMLP([]int{4, 3})
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.01})
	nan := func(out *tensor.Tensor, y []int) *tensor.Tensor {
		return nn.CrossEntropy(out, y).Mul(tensor.Scalar(math.NaN()))
	}
	_, err := Fit(model, opt, nan, tr, Config{Epochs: 1})
	if err == nil || !strings.Contains(err.Error(), "loss became NaN in epoch 1, batch 1") {
		t.Errorf("err %v", err)
	}
	if _, err := Fit(nil, opt, nil, tr, Config{}); err == nil {
		t.Error("nil model accepted")
	}
	if _, err := Fit(model, opt, nil, tr.Slice(0, 0), Config{}); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty training set: err %v", err)
	}
}

func TestFitPanicsPropagate(t *testing.T) {
	host.SetFront(host.Front{})
	tr, _ := blobs()
	model := nn.NewMLP([]int{5, 3}) // wrong input width
	opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.01})
	defer func() {
		if err, ok := recover().(error); !ok || !strings.HasPrefix(err.Error(), "nn.Linear(5→3): input [") {
			t.Errorf("a shape mistake panicked with %v, want the error of nn.Linear(5→3)", err)
		}
	}()
	Fit(model, opt, nil, tr, Config{Quiet: true})
}
