package train

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"image/png"
	"io"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gokernel/gokernel/mlstd/chart"
	"github.com/gokernel/gokernel/mlstd/display"
	"github.com/gokernel/gokernel/mlstd/host"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Progress is a live training display in the style of fastai's
// fastprogress: a progress bar (epoch, batch, rate, ETA, current loss), a
// loss chart and a table of per-epoch metrics, shown once and then redrawn
// in place (a display with an id, host.Update). Feed it from a training
// loop:
//
//	p := train.NewProgress(epochs, loader.Len())
//	for epoch := 0; epoch < epochs; epoch++ {
//		for b := ds.Batches(64, true); b.Next(); {
//			… loss …
//			p.Batch(loss.Item())
//		}
//		p.EndEpoch(map[string]float64{"loss": mean, "val_acc": acc})
//	}
//	p.Done()
//
// However often it is fed, it redraws at most once per 200 ms (five times
// a second; see SetEvery) and renders the chart at most once a second (less often if drawing it
// takes over 100 ms),
// so a loop of thousands of batches a second costs a few messages. Done
// and Stop always publish the final state.
//
// When the front end cannot show HTML (host.Rich is false: a terminal, a
// script, a test) Progress writes text instead: to the writer given by
// SetWriter as plain lines, else to the front end as host.Status lines,
// else (no front end) nowhere. On a live status line (host.LiveStatus: a
// terminal) the bar is redrawn at the same 200 ms throttle, each epoch's
// row replaces it and stays (a final Status), a stopped bar stays, and
// Done takes the last bar away. Otherwise each line stands alone: one per
// epoch and at most one per 10 s during an epoch. It never writes to
// os.Stdout. Progress is safe for concurrent use.
type Progress struct {
	mu sync.Mutex

	epochs, batches int // planned; batches per epoch (0: unknown)
	epoch, batch    int // current epoch (1-based) and batches done in it
	done            int // batches done in all epochs
	loss, smooth    float64
	start           time.Time

	curve   []point              // smoothed batch losses, thinned to at most maxPoints
	stride  int                  // keep every stride-th batch in curve
	columns []string             // metric names, in display order
	rows    []map[string]float64 // per finished epoch
	times   []float64            // seconds per finished epoch
	epochT  time.Time

	handle             *display.Handle
	lastDraw, lastText time.Time
	lastChart          time.Time
	chartPNG           []byte
	chartDirty         bool
	charts             int    // charts rendered (for tests and tuning)
	status             string // "", "done", or why it stopped
	w                  io.Writer
	barShown           bool // a live Status bar is on screen (not final)

	every, chartEvery, textEvery time.Duration
	now                          func() time.Time
}

type point struct{ x, y float64 }

const maxPoints = 600

// NewProgress returns a progress display for epochs epochs of batches
// batches each (0 when unknown: no ETA). Nothing is shown until the first
// Batch or EndEpoch.
func NewProgress(epochs, batches int) *Progress {
	p := &Progress{
		epochs: max(epochs, 1), batches: max(batches, 0), epoch: 1, stride: 1,
		every: 200 * time.Millisecond, chartEvery: time.Second, textEvery: 10 * time.Second,
		now: time.Now, handle: display.NewHandle(),
	}
	p.start = p.now()
	p.epochT = p.start
	return p
}

// live reports whether text goes to a status line the front end redraws
// in place (not to p's writer). Called with mu held.
func (p *Progress) live() bool { return p.w == nil && host.LiveStatus() }

// SetWriter sets where text progress goes when the front end cannot show
// HTML, as plain lines, and returns p. nil (the default) means the front
// end, as host.Status lines: the REPL and `gokernel run` draw them on the
// terminal.
func (p *Progress) SetWriter(w io.Writer) *Progress {
	p.mu.Lock()
	p.w = w
	p.mu.Unlock()
	return p
}

// SetEvery sets the minimum interval between redraws (default 200 ms) and
// returns p.
func (p *Progress) SetEvery(d time.Duration) *Progress {
	p.mu.Lock()
	p.every = d
	p.mu.Unlock()
	return p
}

// Batch records one finished batch and its loss. After Done or Stop it
// does nothing.
func (p *Progress) Batch(loss float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status != "" {
		return
	}
	p.batch++
	p.done++
	p.loss = loss
	if p.done == 1 || math.IsNaN(p.smooth) || math.IsInf(p.smooth, 0) {
		p.smooth = loss
	} else {
		p.smooth = 0.98*p.smooth + 0.02*loss
	}
	if (p.done-1)%p.stride == 0 && !math.IsNaN(loss) && !math.IsInf(loss, 0) {
		x := float64(p.epoch - 1)
		if p.batches > 0 {
			x += float64(p.batch) / float64(p.batches)
		}
		p.curve = append(p.curve, point{x, p.smooth})
		if len(p.curve) > maxPoints {
			p.thin()
		}
		p.chartDirty = true
	}
	p.maybeDraw(false)
}

// thin halves the stored curve and doubles the stride.
func (p *Progress) thin() {
	k := 0
	for i := 0; i < len(p.curve); i += 2 {
		p.curve[k] = p.curve[i]
		k++
	}
	p.curve = p.curve[:k]
	p.stride *= 2
}

// EndEpoch records the metrics of the epoch just finished (for example
// "loss", "acc", "val_loss", "val_acc") as a table row and starts the next
// epoch. Columns appear in the order loss, acc, val_loss, val_acc, then
// other names sorted; a time column is added. After Done or Stop it does
// nothing.
func (p *Progress) EndEpoch(metrics map[string]float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status != "" {
		return
	}
	for k := range metrics {
		if !contains(p.columns, k) {
			p.columns = append(p.columns, k)
		}
	}
	sortColumns(p.columns)
	row := make(map[string]float64, len(metrics))
	for k, v := range metrics {
		row[k] = v
	}
	now := p.now()
	p.times = append(p.times, now.Sub(p.epochT).Seconds())
	p.epochT = now
	p.rows = append(p.rows, row)
	p.chartDirty = true
	p.writeText(true)
	p.lastText = now // the row stands for the bar until the next interval
	p.epoch++
	p.batch = 0
	p.maybeDraw(false)
}

// Done marks training finished and publishes the final state.
func (p *Progress) Done() { p.finish("done") }

// Stop marks training stopped early for the given reason (such as
// "interrupted") and publishes the final state, the bar in red.
func (p *Progress) Stop(reason string) { p.finish(reason) }

func (p *Progress) finish(status string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.status != "" {
		return
	}
	p.status = status
	p.chartDirty = true
	p.maybeDraw(true)
	if status != "done" || len(p.rows) == 0 {
		p.writeText(false)
	} else if p.barShown && !host.Rich() {
		// The epoch rows say it all: take the live bar off the screen.
		host.Show(host.Status{})
		p.barShown = false
	}
}

// maybeDraw redraws when forced or when Every has passed since the last
// redraw. Called with mu held.
func (p *Progress) maybeDraw(force bool) {
	now := p.now()
	if !host.Rich() {
		p.maybeText(force, now)
		return
	}
	if !force && !p.lastDraw.IsZero() && now.Sub(p.lastDraw) < p.every {
		return
	}
	p.lastDraw = now
	if p.chartDirty && (force || now.Sub(p.lastChart) >= p.chartEvery) {
		t0 := p.now()
		p.chartPNG = p.renderChart()
		p.charts++
		p.chartDirty = false
		p.lastChart = now
		// Keep charts under ~10% of the loop's time on a slow machine.
		p.chartEvery = max(time.Second, 10*p.now().Sub(t0))
	}
	p.handle.Update(snapshot{html: p.html(), text: p.line()})
}

// snapshot is one drawn state: HTML for the notebook, the bar line as
// text/plain.
type snapshot struct{ html, text string }

func (s snapshot) HTML() string   { return s.html }
func (s snapshot) String() string { return s.text }

// maybeText is maybeDraw's text form: on a live terminal the bar is
// redrawn at most every p.every, elsewhere a line is written at most every
// p.textEvery. Called with mu held.
func (p *Progress) maybeText(force bool, now time.Time) {
	live := p.live()
	every := p.textEvery
	if live {
		every = p.every
	}
	if !force && !p.lastText.IsZero() && now.Sub(p.lastText) < every {
		return
	}
	if p.lastText.IsZero() && !live && !force {
		p.lastText = now // plain lines: the first comes after textEvery
		return
	}
	p.lastText = now
	if !force {
		p.writeText(false)
	}
}

// writeText writes the bar line, or with epoch the finished epoch's row:
// a line to p's writer, else a Status to the front end. On a live status
// line the bar replaces the previous one; rows and a stopped bar are
// final. Called with mu held.
func (p *Progress) writeText(epoch bool) {
	if host.Rich() {
		return
	}
	var b strings.Builder
	if epoch {
		row := p.rows[len(p.rows)-1]
		fmt.Fprintf(&b, "epoch %d/%d", p.epoch, p.epochs)
		for _, c := range p.columns {
			fmt.Fprintf(&b, "  %s %s", c, value(row, c))
		}
		fmt.Fprintf(&b, "  (%s)", formatDuration(p.times[len(p.times)-1]))
	} else {
		b.WriteString(p.line())
	}
	if p.w != nil {
		io.WriteString(p.w, b.String()+"\n")
		return
	}
	final := epoch || p.status != ""
	if host.Show(host.Status{Line: b.String(), Final: final}) {
		p.barShown = !final && host.LiveStatus()
	}
}

// line is the one-line form of the bar.
func (p *Progress) line() string {
	elapsed := p.now().Sub(p.start).Seconds()
	rate := 0.0
	if elapsed > 0 {
		rate = float64(p.done) / elapsed
	}
	ep := min(p.epoch, p.epochs)
	var b strings.Builder
	if p.status != "" && p.status != "done" {
		fmt.Fprintf(&b, "%s: ", p.status)
	}
	fmt.Fprintf(&b, "epoch %d/%d", ep, p.epochs)
	if p.batches > 0 && p.status == "" {
		fmt.Fprintf(&b, "  batch %d/%d", p.batch, p.batches)
	}
	fmt.Fprintf(&b, "  %.1f it/s", rate)
	if total := p.epochs * p.batches; total > 0 && rate > 0 && p.status == "" {
		fmt.Fprintf(&b, "  ETA %s", formatDuration(float64(total-p.done)/rate))
	} else {
		fmt.Fprintf(&b, "  %s", formatDuration(elapsed))
	}
	if p.done > 0 {
		fmt.Fprintf(&b, "  loss %s", format(p.loss))
	}
	return b.String()
}

// fraction is the share of all planned batches (or epochs) done.
func (p *Progress) fraction() float64 {
	if p.status == "done" {
		return 1
	}
	if total := p.epochs * p.batches; total > 0 {
		return math.Min(1, float64(p.done)/float64(total))
	}
	return math.Min(1, float64(len(p.rows))/float64(p.epochs))
}

// html renders bar, chart and table. Called with mu held.
func (p *Progress) html() string {
	var b strings.Builder
	color := "#1f77b4"
	if p.status != "" && p.status != "done" {
		color = "#d62728"
	}
	// A <progress> element, as fastprogress uses: frontends that sanitize
	// untrusted HTML (classic Notebook strips style and aria-* attributes)
	// still draw it.
	fmt.Fprintf(&b, `<div class="gokernel-progress"><div style="display:flex;align-items:center;gap:0.8em;font-family:monospace">`+
		`<progress class="gokernel-bar" value="%.0f" max="100" style="width:300px;height:14px;accent-color:%s"></progress>`+
		`<span>%.0f%% %s</span></div>`,
		100*p.fraction(), color, 100*p.fraction(), html.EscapeString(p.line()))
	if len(p.chartPNG) > 0 {
		fmt.Fprintf(&b, `<img class="gokernel-chart" alt="loss chart" width="480" src="data:image/png;base64,%s">`,
			base64.StdEncoding.EncodeToString(p.chartPNG))
	}
	if len(p.rows) > 0 {
		b.WriteString(p.table().HTML())
	}
	b.WriteString("</div>")
	return b.String()
}

// table returns the epoch metrics table. Called with mu held.
func (p *Progress) table() *display.Table {
	t := &display.Table{Header: append(append([]string{"epoch"}, p.columns...), "time")}
	for i, row := range p.rows {
		r := []string{fmt.Sprint(i + 1)}
		for _, c := range p.columns {
			r = append(r, value(row, c))
		}
		t.Rows = append(t.Rows, append(r, formatDuration(p.times[i])))
	}
	return t
}

// renderChart draws the smoothed batch loss and the epoch losses.
func (p *Progress) renderChart() []byte {
	var names []string
	var xs, ys [][]float64
	if len(p.curve) > 1 {
		x, y := make([]float64, len(p.curve)), make([]float64, len(p.curve))
		for i, pt := range p.curve {
			x[i], y[i] = pt.x, pt.y
		}
		names, xs, ys = append(names, "train (batches, smoothed)"), append(xs, x), append(ys, y)
	}
	for _, c := range []string{"loss", "val_loss"} {
		legend := map[string]string{"loss": "train (epoch mean)", "val_loss": "validation"}[c]
		var x, y []float64
		for e, row := range p.rows {
			if v, ok := row[c]; ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
				x, y = append(x, float64(e+1)), append(y, v)
			}
		}
		if len(x) > 0 {
			names, xs, ys = append(names, legend), append(xs, x), append(ys, y)
		}
	}
	if len(names) == 0 {
		return nil
	}
	f := chart.LinesXY("loss", names, xs, ys).EpochAxis()
	if f.Err() != nil {
		return nil
	}
	return fastPNG(f.Plot(), 5, 3)
}

// fastPNG draws p at chart.DPI and encodes it with the fastest zlib level:
// encoding dominates the cost of a chart (≈70% at default compression),
// and a live chart is redrawn many times and kept by no one.
func fastPNG(p *plot.Plot, w, h vg.Length) []byte {
	c := vgimg.NewWith(vgimg.UseWH(w*vg.Inch, h*vg.Inch), vgimg.UseDPI(chart.DPI))
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, c.Image()); err != nil {
		return nil
	}
	return buf.Bytes()
}

// String returns the one-line form of the bar.
func (p *Progress) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.line()
}

// HTML returns the current bar, chart and table as HTML.
func (p *Progress) HTML() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.html()
}

// ID returns the id of the display Progress updates.
func (p *Progress) ID() string { return p.handle.ID() }

func contains(s []string, x string) bool { return indexOf(s, x) >= 0 }

func indexOf(s []string, x string) int {
	for i, v := range s {
		if v == x {
			return i
		}
	}
	return -1
}

// sortColumns orders loss, acc, val_loss, val_acc first, then the rest.
func sortColumns(c []string) {
	rank := func(s string) int {
		if i := indexOf([]string{"loss", "acc", "val_loss", "val_acc"}, s); i >= 0 {
			return i
		}
		return 4
	}
	sort.SliceStable(c, func(i, j int) bool {
		if rank(c[i]) != rank(c[j]) {
			return rank(c[i]) < rank(c[j])
		}
		return c[i] < c[j]
	})
}

// value formats row[c], or "—" when the epoch did not report c.
func value(row map[string]float64, c string) string {
	v, ok := row[c]
	if !ok {
		return "—"
	}
	return format(v)
}

func format(v float64) string {
	return fmt.Sprintf("%.4f", v)
}

// formatDuration formats seconds as m:ss or h:mm:ss.
func formatDuration(s float64) string {
	if s < 0 || math.IsNaN(s) || math.IsInf(s, 0) {
		return "?"
	}
	t := int(math.Round(s))
	if t >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", t/3600, t/60%60, t%60)
	}
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}
