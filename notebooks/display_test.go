package notebooks_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kernelCell is one executed cell as testdata/kernel_session.py reports it.
type kernelCell struct {
	MsgID   string         `json:"msg_id"`
	Reply   map[string]any `json:"reply"`
	Elapsed float64        `json:"elapsed"` // seconds from execute_request to idle
	IOPub   []iopubMsg     `json:"iopub"`
}

type iopubMsg struct {
	MsgType string         `json:"msg_type"`
	Parent  string         `json:"parent"`
	T       float64        `json:"t"`
	Content map[string]any `json:"content"`
}

func (m iopubMsg) data() map[string]any {
	d, _ := m.Content["data"].(map[string]any)
	return d
}

func (m iopubMsg) displayID() string {
	tr, _ := m.Content["transient"].(map[string]any)
	id, _ := tr["display_id"].(string)
	return id
}

func (m iopubMsg) text(mime string) string {
	s, _ := m.data()[mime].(string)
	return s
}

// runKernelCells executes cells in one session of the installed gokernel
// kernelspec through jupyter_client and returns what each produced.
// A cell is a source string, or {"code": SOURCE, "interrupt_after":
// SECONDS} to press the stop button during it.
func runKernelCells(t *testing.T, cells []any) []kernelCell {
	t.Helper()
	needPython(t, "jupyter_client")
	dir := t.TempDir()
	in := filepath.Join(dir, "cells.json")
	b, _ := json.Marshal(cells)
	writeFile(t, in, b)
	r := run(t, dir, 3*time.Minute, nil, python, mustAbs(t, "testdata/kernel_session.py"), in)
	if r.code != 0 {
		t.Fatalf("kernel_session.py: exit %d\n%s", r.code, tail(r.stderr, 4000))
	}
	var out []kernelCell
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("kernel_session.py output: %v\n%s", err, tail(r.stdout, 2000))
	}
	if len(out) != len(cells) {
		t.Fatalf("%d cells reported, want %d", len(out), len(cells))
	}
	for i, c := range out {
		for _, m := range c.IOPub {
			// Status messages of a control request (the interrupt) have
			// that request as parent.
			if m.Parent != c.MsgID && m.MsgType != "status" {
				t.Errorf("cell %d: %s has parent %q, want the cell's execute_request %q", i+1, m.MsgType, m.Parent, c.MsgID)
			}
		}
	}
	return out
}

// outputs returns the cell's IOPub messages other than status and
// execute_input.
func (c kernelCell) outputs() []iopubMsg {
	var out []iopubMsg
	for _, m := range c.IOPub {
		if m.MsgType != "status" && m.MsgType != "execute_input" {
			out = append(out, m)
		}
	}
	return out
}

func (c kernelCell) describe() string {
	var b strings.Builder
	for _, m := range c.outputs() {
		keys := []string{}
		for k := range m.data() {
			keys = append(keys, k)
		}
		fmt.Fprintf(&b, "  %.2fs %s id=%q %v", m.T, m.MsgType, m.displayID(), keys)
		if m.MsgType == "stream" || m.MsgType == "error" || m.MsgType == "clear_output" {
			fmt.Fprintf(&b, " %v", m.Content)
		}
		b.WriteString("\n")
	}
	return b.String()
}

const (
	progressCell = `import (
	"time"

	"github.com/gokernel/gokernel/mlstd/train"
)

p := train.NewProgress(2, 150)
for e := 0; e < 2; e++ {
	for b := 0; b < 150; b++ {
		time.Sleep(8 * time.Millisecond)
		p.Batch(2.0 / float64(e*150+b+1))
	}
	p.EndEpoch(map[string]float64{"loss": 1.0 / float64(e+1)})
}
p.Done()
fmt.Println("loop finished")
`
	fitCell = `import (
	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
)

blobs := data.Blobs(20000, 8, 3, 1.0, 1)
nn.Seed(1)
net := nn.NewSequential(nn.NewLinear(8, 32), nn.NewReLU(), nn.NewLinear(32, 3))
sgd := optim.NewSGD(net.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
hist, err := train.Fit(net, sgd, nn.CrossEntropy, blobs, train.Config{Epochs: 3, BatchSize: 32, Seed: 1})
if err != nil {
	panic(err)
}
fmt.Println("batches:", len(hist.BatchLoss))
`
	kindsCell = `import (
	"image"

	"github.com/gokernel/gokernel/mlstd/chart"
	"github.com/gokernel/gokernel/mlstd/display"
)

display.HTML("<b>bold html</b>")
display.Markdown("**markdown** text")
display.LaTeX("$e^{i\\pi} + 1 = 0$")
display.PNG(chart.Line("a png", []float64{3, 1, 2}).PNG())
display.Image(image.NewGray(image.Rect(0, 0, 8, 8)))
display.SVG("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>")
if err := display.JSON(map[string]any{"answer": 42}); err != nil {
	panic(err)
}
_ = display.Show(display.NewTable([]string{"name", "age"}, [][]string{{"ada", "36"}, {"alan", "41"}}))
`
	chartCell = `chart.Lines("loss", []string{"train", "val"}, [][]float64{{1, 0.5, 0.3}, {1.1, 0.7, 0.5}}).EpochAxis()`
	clearCell = `fmt.Println("soon cleared")
display.ClearOutput(true)
fmt.Println("shown after the clear")
`
	orderCell = `for i := range 20 {
	fmt.Println("line", i)
	display.HTML(fmt.Sprint("<i>html ", i, "</i>"))
}
`
	voidMethodCell = `h := display.NewHandle()
h.Update(display.NewHTML("<i>first</i>"))
h.Update(display.NewHTML("<i>second</i>"))`
	voidProgressCell = `q := train.NewProgress(1, 1)
q.Batch(0.5)
q.Done()`
)

// TestKernelDisplay drives the real kernel with jupyter_client: a live
// training display is one display_data plus throttled updates with the same
// display_id and the cell's parent header, ending in the finished state;
// every display kind arrives with its MIME type; a chart result is an
// execute_result with image/png; clear_output(wait) is sent in order.
func TestKernelDisplay(t *testing.T) {
	cells := runKernelCells(t, []any{progressCell, fitCell, kindsCell, chartCell, clearCell, voidMethodCell, voidProgressCell, orderCell})
	for i, c := range cells {
		if c.Reply["status"] != "ok" {
			t.Errorf("cell %d: execute_reply status %v: %v\n%s", i+1, c.Reply["status"], c.Reply["evalue"], c.describe())
		}
	}

	t.Run("progress loop", func(t *testing.T) {
		checkLiveDisplay(t, cells[0], 300)
		if !strings.Contains(streamText(cells[0]), "loop finished") {
			t.Errorf("no stream output after the loop:\n%s", cells[0].describe())
		}
	})
	t.Run("train.Fit", func(t *testing.T) {
		checkLiveDisplay(t, cells[1], 3*625)
		if !strings.Contains(streamText(cells[1]), "batches: 1875") {
			t.Errorf("Fit did not run 3×625 batches:\n%s", cells[1].describe())
		}
	})
	t.Run("display kinds", func(t *testing.T) {
		want := []string{"text/html", "text/markdown", "text/latex", "image/png", "image/png", "image/svg+xml", "application/json", "text/html"}
		outs := cells[2].outputs()
		if len(outs) != len(want) {
			t.Fatalf("%d outputs, want %d display_data:\n%s", len(outs), len(want), cells[2].describe())
		}
		for i, m := range outs {
			if m.MsgType != "display_data" {
				t.Errorf("output %d is %s, want display_data", i+1, m.MsgType)
			}
			if _, ok := m.data()[want[i]]; !ok {
				t.Errorf("output %d has no %s:\n%s", i+1, want[i], cells[2].describe())
			}
			if _, ok := m.data()["text/plain"]; !ok {
				t.Errorf("output %d (%s) has no text/plain fallback", i+1, want[i])
			}
		}
		if len(outs) == len(want) {
			if s := outs[0].text("text/html"); s != "<b>bold html</b>" {
				t.Errorf("HTML data %q", s)
			}
			if j, _ := outs[6].data()["application/json"].(map[string]any); j["answer"] != float64(42) {
				t.Errorf("application/json data %v, want {answer: 42}", outs[6].data()["application/json"])
			}
			if s := outs[7].text("text/html"); !strings.Contains(s, "<table") || !strings.Contains(s, "ada") {
				t.Errorf("table HTML %q", s)
			}
			for _, i := range []int{3, 4} {
				if png, _ := outs[i].data()["image/png"].(map[string]any); png["head"] != "iVBORw0KGgo" && !strings.HasPrefix(fmt.Sprint(png["head"]), "iVBORw0KGgo") {
					t.Errorf("output %d image/png does not start with the PNG signature: %v", i+1, png)
				}
			}
		}
	})
	t.Run("chart result", func(t *testing.T) {
		outs := cells[3].outputs()
		if len(outs) != 1 || outs[0].MsgType != "execute_result" {
			t.Fatalf("want one execute_result:\n%s", cells[3].describe())
		}
		png, _ := outs[0].data()["image/png"].(map[string]any)
		if n, _ := png["png_base64_len"].(float64); n < 1000 || !strings.HasPrefix(fmt.Sprint(png["head"]), "iVBORw0KGgo") {
			t.Errorf("execute_result image/png %v, want a real PNG", png)
		}
	})
	t.Run("clear_output", func(t *testing.T) {
		var seq []string
		for _, m := range cells[4].outputs() {
			switch m.MsgType {
			case "stream":
				seq = append(seq, "stream:"+strings.TrimSpace(fmt.Sprint(m.Content["text"])))
			case "clear_output":
				seq = append(seq, fmt.Sprintf("clear_output(wait=%v)", m.Content["wait"]))
			default:
				seq = append(seq, m.MsgType)
			}
		}
		got := strings.Join(seq, " | ")
		want := "stream:soon cleared | clear_output(wait=true) | stream:shown after the clear"
		if got != want {
			t.Errorf("messages %q, want %q", got, want)
		}
	})
	// Prints and displays reach the frontend in the order the cell made
	// them (stdout is captured from fd 1; it must be drained before a
	// display message goes out).
	t.Run("print and display order", func(t *testing.T) {
		var got, want []string
		for i := range 20 {
			want = append(want, fmt.Sprintf("stream:line %d", i), fmt.Sprintf("html:<i>html %d</i>", i))
		}
		for _, m := range cells[7].outputs() {
			switch m.MsgType {
			case "stream":
				for _, line := range strings.Split(strings.TrimSuffix(fmt.Sprint(m.Content["text"]), "\n"), "\n") {
					got = append(got, "stream:"+line)
				}
			case "display_data":
				got = append(got, "html:"+m.text("text/html"))
			default:
				got = append(got, m.MsgType)
			}
		}
		if strings.Join(got, " | ") != strings.Join(want, " | ") {
			t.Errorf("outputs out of order:\ngot  %q\nwant %q", got, want)
		}
	})
	// A cell ending in a call with no results has no result to show.
	for i, name := range map[int]string{5: "trailing Handle.Update", 6: "trailing Progress.Done"} {
		t.Run(name, func(t *testing.T) {
			for _, m := range cells[i].outputs() {
				if m.MsgType == "execute_result" || m.MsgType == "error" {
					t.Errorf("cell ending in a void method call produced %s %v\n%s", m.MsgType, m.Content, cells[i].describe())
				}
			}
		})
	}
}

func streamText(c kernelCell) string {
	var b strings.Builder
	for _, m := range c.outputs() {
		if m.MsgType == "stream" {
			b.WriteString(fmt.Sprint(m.Content["text"]))
		}
	}
	return b.String()
}

// checkLiveDisplay asserts the cell drew one progress display and updated
// it in place at most ~5 times a second (plus the forced final draw),
// however many batches it ran, and that the last state is the finished one
// with its loss chart.
func checkLiveDisplay(t *testing.T, c kernelCell, batches int) {
	t.Helper()
	var id string
	displays, updates := 0, 0
	var last iopubMsg
	for _, m := range c.outputs() {
		switch m.MsgType {
		case "display_data":
			if m.displayID() == "" {
				continue
			}
			displays++
			id = m.displayID()
			last = m
		case "update_display_data":
			updates++
			if m.displayID() != id || id == "" {
				t.Errorf("update_display_data with display_id %q, want the display_data's %q", m.displayID(), id)
			}
			last = m
		}
	}
	t.Logf("%d batches in %.2fs: %d display_data, %d update_display_data", batches, c.Elapsed, displays, updates)
	if displays != 1 {
		t.Fatalf("%d display_data with a display_id, want exactly 1:\n%s", displays, c.describe())
	}
	// At most one redraw per 200 ms, plus the first draw, the end of each
	// epoch and the final one: allow 5/s + 2 + one per epoch.
	if limit := int(5*c.Elapsed) + 4; updates > limit {
		t.Errorf("%d updates in %.2fs (%d batches), want ≤ %d: not throttled by time\n%s", updates, c.Elapsed, batches, limit, c.describe())
	}
	if updates < 1 || updates >= batches/3 {
		t.Errorf("%d updates for %d batches in %.2fs: want the display redrawn in place, far fewer times than batches", updates, batches, c.Elapsed)
	}
	html := last.text("text/html")
	plain := last.text("text/plain")
	if !fullBar(html) {
		t.Errorf("final state is not a full bar: %.600s", html)
	}
	if !strings.Contains(html, `class="gokernel-progress"`) || !strings.Contains(html, `class="gokernel-chart"`) || !strings.Contains(html, "data:image/png;base64,") {
		t.Errorf("final state lacks the progress container or the loss chart image: %s", tail(html, 600))
	}
	if !strings.Contains(html, "<table") {
		t.Errorf("final state lacks the epoch table: %s", tail(html, 600))
	}
	if !strings.Contains(plain, "100%") && !strings.Contains(plain, "epoch") {
		t.Errorf("final text/plain %q does not describe the finished bar", plain)
	}
}

// TestKernelInterruptFit: the notebook's stop button (interrupt_request,
// the kernelspec's interrupt mode) ends train.Fit between two steps: Fit
// returns with Interrupted set, the live display's final state says so,
// and the model keeps its trained weights for the next cell.
func TestKernelInterruptFit(t *testing.T) {
	setup := `import (
	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/metrics"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/train"
)

blobs := data.Blobs(20000, 8, 3, 1.0, 1)
nn.Seed(1)
net := nn.NewSequential(nn.NewLinear(8, 32), nn.NewReLU(), nn.NewLinear(32, 3))
sgd := optim.NewSGD(net.Parameters(), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
fmt.Printf("accuracy before %.3f\n", metrics.ModelAccuracy(net, blobs))
`
	long := `hist, err := train.Fit(net, sgd, nn.CrossEntropy, blobs, train.Config{Epochs: 1000000, BatchSize: 32, Seed: 1})
fmt.Println("interrupted:", hist.Interrupted, "err:", err)
`
	after := `fmt.Printf("accuracy after %.3f\n", metrics.ModelAccuracy(net, blobs))`
	cells := runKernelCells(t, []any{setup, map[string]any{"code": long, "interrupt_after": 1.5}, after})
	for i, c := range cells {
		if c.Reply["status"] != "ok" {
			t.Errorf("cell %d: execute_reply status %v: %v %v\n%s", i+1, c.Reply["status"], c.Reply["ename"], c.Reply["evalue"], c.describe())
		}
	}
	c := cells[1]
	t.Logf("interrupted after %.2fs", c.Elapsed)
	if c.Elapsed > 10 {
		t.Errorf("the interrupt took %.1fs to stop training", c.Elapsed)
	}
	if out := streamText(c); !strings.Contains(out, "interrupted: true") || !strings.Contains(out, "interrupted by user") {
		t.Errorf("Fit did not report the interrupt: %q", out)
	}
	var last iopubMsg
	for _, m := range c.outputs() {
		if m.MsgType == "update_display_data" {
			last = m
		}
	}
	if !strings.Contains(last.text("text/plain"), "interrupted") {
		t.Errorf("the progress display's final state %q does not say it was interrupted", last.text("text/plain"))
	}
	var before, afterAcc float64
	fmt.Sscanf(strings.TrimSpace(streamText(cells[0])), "accuracy before %f", &before)
	fmt.Sscanf(strings.TrimSpace(streamText(cells[2])), "accuracy after %f", &afterAcc)
	t.Logf("accuracy %.3f before training, %.3f after the interrupted run", before, afterAcc)
	if afterAcc < 0.9 || afterAcc <= before {
		t.Errorf("the interrupted model did not keep its training: accuracy %.3f before, %.3f after", before, afterAcc)
	}
}
