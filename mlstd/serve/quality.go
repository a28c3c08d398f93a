package serve

import (
	"container/list"
	"math"
	"sync"
	"time"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/metrics"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// ReferenceStats returns the per-feature mean and (population) standard
// deviation of x, a training set of shape [N, features...] (data's
// FeatureStats); pass them as Options.RefMean and Options.RefStd to score
// input drift. A model file saved with export.WithData carries them, and
// LoadReference reads them back.
func ReferenceStats(x *tensor.Tensor) (mean, std []float64) {
	if x.Dims() < 2 || x.Dim(0) == 0 {
		panic(&tensor.ShapeError{Op: "serve.ReferenceStats", A: x.Shape(), Msg: "need [N, features...] with N > 0"})
	}
	return data.FeatureStats(x)
}

// DriftPoint is one completed drift window.
type DriftPoint struct {
	Time  time.Time
	Score float64
}

// drift scores input drift as the mean absolute z-shift of a window's
// per-feature means against the training reference:
//
//	score = (1/F) Σ_j |mean_window(x_j) − μ_j| / σ_j
//
// With no drift a window of n rows scores about sqrt(2/(π n)) (0.05 for
// n = 256); a shift of every feature by one training standard deviation
// scores about 1. σ_j is floored at a tenth of the average σ so that
// features constant in training (MNIST's border pixels) do not dominate;
// a pipelined model's raw columns, in units of their own, are floored
// each at a millionth of its mean's magnitude instead (separately, since
// a body mass in grams would otherwise swamp a bill length in mm).
type drift struct {
	mu      sync.Mutex
	mean    []float64
	invStd  []float64
	window  int
	sum     []float64
	rows    int
	last    float64
	history []DriftPoint // bounded, oldest first
}

const driftHistory = 512

// newDrift returns a drift scorer; without a reference (mean nil) it
// scores nothing until setReference gives it one.
func newDrift(mean, std []float64, window int) *drift {
	d := &drift{window: window, last: math.NaN()}
	d.setReference(mean, std, false)
	return d
}

// setReference replaces the training statistics (a reloaded model file's)
// and starts a new window; the history stays. perColumn floors each σ_j
// on its own (raw columns) rather than at a tenth of the average σ.
func (d *drift) setReference(mean, std []float64, perColumn bool) {
	var inv []float64
	if len(mean) > 0 {
		avg := 0.0
		for _, s := range std {
			avg += s
		}
		avg /= float64(len(std))
		floor := math.Max(avg/10, 1e-6)
		inv = make([]float64, len(std))
		for j, s := range std {
			if perColumn {
				floor = math.Max(math.Abs(mean[j])*1e-6, 1e-12)
			}
			inv[j] = 1 / math.Max(s, floor)
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.mean, d.invStd, d.sum, d.rows = mean, inv, make([]float64, len(mean)), 0
}

// observe adds rows of x (rows × F); it returns the scores of any windows
// it completed.
func (d *drift) observe(x []float32, rows int) []float64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	f := len(d.mean)
	if f == 0 {
		return nil // no reference
	}
	var done []float64
	for r := 0; r < rows; r++ {
		row := x[r*f : (r+1)*f]
		sum := d.sum
		for j, v := range row {
			sum[j] += float64(v)
		}
		d.rows++
		if d.rows == d.window {
			done = append(done, d.close())
		}
	}
	return done
}

// close scores and resets the current window; d.mu is held.
func (d *drift) close() float64 {
	n := float64(d.rows)
	s := 0.0
	for j, v := range d.sum {
		s += math.Abs(v/n-d.mean[j]) * d.invStd[j]
		d.sum[j] = 0
	}
	d.rows = 0
	d.last = s / float64(len(d.sum))
	d.history = append(d.history, DriftPoint{Time: time.Now(), Score: d.last})
	if len(d.history) > driftHistory {
		d.history = append(d.history[:0], d.history[len(d.history)-driftHistory:]...)
	}
	return d.last
}

func (d *drift) snapshot() (last float64, hist []DriftPoint) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.last, append([]DriftPoint(nil), d.history...)
}

// predictions remembers recent predictions by request id (a bounded LRU)
// so that POSTed true labels can be matched to them, and accumulates the
// confusion matrix of the matched pairs.
type predictions struct {
	mu       sync.Mutex
	capacity int
	order    *list.List // front = most recent; values are *predEntry
	byID     map[string]*list.Element
	classes  int
	conf     [][]int64 // [true][predicted]
	matched  int64
}

type predEntry struct {
	id    string
	class []int
}

func newPredictions(capacity, classes int) *predictions {
	c := make([][]int64, classes)
	for i := range c {
		c[i] = make([]int64, classes)
	}
	return &predictions{capacity: capacity, order: list.New(), byID: map[string]*list.Element{}, classes: classes, conf: c}
}

func (p *predictions) remember(id string, class []int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.byID[id]; ok {
		e.Value.(*predEntry).class = class
		p.order.MoveToFront(e)
		return
	}
	p.byID[id] = p.order.PushFront(&predEntry{id: id, class: class})
	for p.order.Len() > p.capacity {
		old := p.order.Remove(p.order.Back()).(*predEntry)
		delete(p.byID, old.id)
	}
}

// feedback records the true labels of the prediction id. It reports
// whether the id was known, and the predicted classes it matched.
func (p *predictions) feedback(id string, labels []int) (pred []int, known bool, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.byID[id]
	if !ok {
		return nil, false, nil
	}
	pred = e.Value.(*predEntry).class
	if len(labels) != len(pred) {
		return nil, true, errorf("feedback for %q has %d labels, the prediction had %d rows", id, len(labels), len(pred))
	}
	for _, l := range labels {
		if l < 0 || l >= p.classes {
			return nil, true, errorf("label %d is outside [0, %d)", l, p.classes)
		}
	}
	for i, l := range labels {
		p.conf[l][pred[i]]++
	}
	p.matched += int64(len(labels))
	p.order.Remove(e)
	delete(p.byID, id)
	return pred, true, nil
}

// Quality holds the live model-quality figures computed from feedback.
type Quality struct {
	Labelled  int64   // predictions with a true label
	Accuracy  float64 // NaN before any feedback
	Precision float64 // macro average over classes seen in labels or predictions
	Recall    float64
	F1        float64
}

func (p *predictions) quality() Quality {
	p.mu.Lock()
	defer p.mu.Unlock()
	return qualityOf(p.conf, p.matched)
}

// qualityOf computes accuracy and macro precision/recall/F1 with
// mlstd/metrics (sklearn's average="macro": over the classes present in
// either the labels or the predictions).
func qualityOf(conf [][]int64, n int64) Quality {
	q := Quality{Labelled: n, Accuracy: math.NaN(), Precision: math.NaN(), Recall: math.NaN(), F1: math.NaN()}
	if n == 0 {
		return q
	}
	cm := confusionMatrix(conf, nil)
	avg := cm.Average(metrics.Macro)
	q.Accuracy, q.Precision, q.Recall, q.F1 = cm.Accuracy(), avg.Precision, avg.Recall, avg.F1
	return q
}

// confusionMatrix copies counts into a *metrics.ConfusionMatrix.
func confusionMatrix(conf [][]int64, labels []string) *metrics.ConfusionMatrix {
	cm := &metrics.ConfusionMatrix{Counts: make([][]int, len(conf)), Labels: make([]string, len(conf))}
	for i, row := range conf {
		cm.Counts[i] = make([]int, len(row))
		for j, v := range row {
			cm.Counts[i][j] = int(v)
		}
		cm.Labels[i] = classLabel(labels, i)
	}
	return cm
}

func (p *predictions) confusion(labels []string) *metrics.ConfusionMatrix {
	p.mu.Lock()
	defer p.mu.Unlock()
	return confusionMatrix(p.conf, labels)
}
