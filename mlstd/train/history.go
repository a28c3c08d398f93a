package train

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/gokernel/gokernel/mlstd/chart"
	"github.com/gokernel/gokernel/mlstd/display"
)

// History is what Fit records, one entry per completed epoch (Keras's
// History, fastai's recorder). Acc is empty when the model's output is not
// class scores; ValLoss and ValAcc are empty without a validation set.
type History struct {
	Loss    []float64 // mean training loss of each epoch
	Acc     []float64 // training accuracy of each epoch
	ValLoss []float64 // validation loss after each epoch
	ValAcc  []float64 // validation accuracy after each epoch
	Seconds []float64 // wall time of each epoch, validation included

	BatchLoss []float64 // the loss of every training batch, in order

	// Interrupted is true when training stopped early at the user's
	// request; the model keeps the weights of the last completed step and
	// the epoch in progress is not in the per-epoch slices.
	Interrupted bool
}

// Epochs returns the number of completed epochs.
func (h *History) Epochs() int { return len(h.Loss) }

// Figure returns the loss curves (train, and val when recorded) by epoch.
func (h *History) Figure() *chart.Figure {
	names, series := []string{"train"}, [][]float64{h.Loss}
	if len(h.ValLoss) > 0 {
		names, series = append(names, "val"), append(series, h.ValLoss)
	}
	return chart.Lines("loss", names, series).Labels("epoch", "loss")
}

// AccuracyFigure returns the accuracy curves (train, and val when
// recorded) by epoch.
func (h *History) AccuracyFigure() *chart.Figure {
	names, series := []string{"train"}, [][]float64{h.Acc}
	if len(h.ValAcc) > 0 {
		names, series = append(names, "val"), append(series, h.ValAcc)
	}
	return chart.Lines("accuracy", names, series).Labels("epoch", "accuracy")
}

// Table returns the per-epoch metrics as a table.
func (h *History) Table() *display.Table {
	t := &display.Table{Header: []string{"epoch", "loss"}}
	cols := [][]float64{h.Loss}
	for _, c := range []struct {
		name string
		v    []float64
	}{{"acc", h.Acc}, {"val_loss", h.ValLoss}, {"val_acc", h.ValAcc}} {
		if len(c.v) > 0 {
			t.Header = append(t.Header, c.name)
			cols = append(cols, c.v)
		}
	}
	t.Header = append(t.Header, "time")
	for e := range h.Loss {
		row := []string{fmt.Sprint(e + 1)}
		for _, c := range cols {
			if e < len(c) {
				row = append(row, format(c[e]))
			} else {
				row = append(row, "—")
			}
		}
		sec := "?"
		if e < len(h.Seconds) {
			sec = formatDuration(h.Seconds[e])
		}
		t.Rows = append(t.Rows, append(row, sec))
	}
	return t
}

// String returns the metrics table as text, with a note when training was
// interrupted.
func (h *History) String() string {
	s := h.Table().String()
	if h.Interrupted {
		s += fmt.Sprintf("\n(interrupted after %d epochs)", h.Epochs())
	}
	return s
}

// HTML returns the loss chart and the metrics table, so a History that is
// a cell's result shows both.
func (h *History) HTML() string {
	var b strings.Builder
	b.WriteString("<div>")
	if h.Epochs() > 0 {
		if png := h.Figure().Size(5, 3).PNG(); png != nil {
			fmt.Fprintf(&b, `<img alt="loss chart" width="480" src="data:image/png;base64,%s">`, base64.StdEncoding.EncodeToString(png))
		}
	}
	b.WriteString(h.Table().HTML())
	if h.Interrupted {
		fmt.Fprintf(&b, "<p>interrupted after %d epochs</p>", h.Epochs())
	}
	b.WriteString("</div>")
	return b.String()
}
