package repl

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/interp"
	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/train"
)

// TestTerminalStatusWhenPiped: piped, each status is a plain line; an
// empty one (taking the bar away) writes nothing.
func TestTerminalStatusWhenPiped(t *testing.T) {
	var out, errb bytes.Buffer
	term := newTerminal(&out, &errb, false, false)
	o := term.output(nil)
	if o.LiveStatus || o.Rich {
		t.Fatal("a piped terminal has no live status line and is not rich")
	}
	bar := "epoch 1/2  batch 3/9  10.0 it/s  ETA 1s  loss 0.5"
	row := "epoch 1/2  loss 0.5  (0:01)"
	o.Show(interp.Status{Line: bar})
	o.Show(interp.Status{Line: row, Final: true})
	o.Show(interp.Status{})
	term.finish()
	if want := bar + "\n" + row + "\n"; errb.String() != want || out.Len() != 0 {
		t.Fatalf("stderr %q stdout %q, want stderr %q", errb.String(), out.String(), want)
	}
}

func TestTerminalDrawsBarInPlace(t *testing.T) {
	var screen bytes.Buffer // one terminal behind both streams
	term := newTerminal(&screen, &screen, true, true)
	outw := term.stream(0)
	o := term.output(nil)
	if !o.LiveStatus {
		t.Fatal("stderr on a terminal should have a live status line")
	}
	status := func(line string, final bool) { o.Show(interp.Status{Line: line, Final: final}) }
	bar1 := "epoch 1/2  batch 3/9  10.0 it/s  ETA 1s  loss 0.5"
	bar2 := "epoch 1/2  batch 6/9  10.0 it/s  ETA 1s  loss 0.4"
	status(bar1, false)
	status(bar2, false)
	outw.Write([]byte("printed\n"))
	status("epoch 1/2  loss 0.4  (0:01)", true) // an epoch row
	outw.Write([]byte("Name: "))                // a prompt shows at once
	term.finish()
	e := "\r\x1b[K"
	want := e + bar1 + e + bar2 + // drawn in place
		e + "printed\n" + e + bar2 + // other output goes above the bar
		e + "epoch 1/2  loss 0.4  (0:01)\n" + // the epoch row takes its place
		"Name: "
	if got := screen.String(); got != want {
		t.Fatalf("screen\n%q\nwant\n%q", got, want)
	}

	// A bar still live at the end stays; an erased one is gone; a final
	// one is a plain line.
	screen.Reset()
	status(bar1, false)
	term.finish()
	status(bar1, false)
	status("", false)
	status("interrupted: epoch 2/2  10.0 it/s  0:03  loss 0.3", true)
	outw.Write([]byte("after\n"))
	term.finish()
	want = e + bar1 + "\n" + e + bar1 + e + e + "interrupted: epoch 2/2  10.0 it/s  0:03  loss 0.3\n" + "after\n"
	if got := screen.String(); got != want {
		t.Fatalf("screen\n%q\nwant\n%q", got, want)
	}
}

// TestTerminalWithTrainProgress runs mlstd/train's Progress against the
// terminal's Output installed as the front end, as Session.Execute does
// for the REPL and scripts.
func TestTerminalWithTrainProgress(t *testing.T) {
	var screen bytes.Buffer
	term := newTerminal(&screen, &screen, true, true)
	o := term.output(nil)
	host.SetFront(host.Front{Show: o.Show, Rich: o.Rich, LiveStatus: o.LiveStatus})
	defer host.SetFront(host.Front{})
	p := train.NewProgress(2, 3)
	for i := 0; i < 3; i++ {
		p.Batch(1 / float64(i+1))
	}
	p.EndEpoch(map[string]float64{"loss": 0.6})
	p.Batch(0.25)
	p.Stop("interrupted")
	term.finish()
	got := screen.String()
	if strings.Contains(got, "\x1b[K\x1b[K") || strings.Count(got, "\x1b[K") != strings.Count(got, "\r") {
		t.Errorf("every draw should be one erase-and-write: %q", got)
	}
	lines := strings.Split(got, "\n")
	if len(lines) != 3 || lines[2] != "" {
		t.Fatalf("want an epoch row and a finished bar, got %q", got)
	}
	if !strings.Contains(lines[0], "\r\x1b[Kepoch 1/2  batch 1/3  ") || !strings.HasSuffix(lines[0], "\r\x1b[Kepoch 1/2  loss 0.6000  (0:00)") {
		t.Errorf("bar then the epoch row in its place: %q", lines[0])
	}
	if !strings.Contains(lines[1], "\r\x1b[Kinterrupted: epoch 2/2  ") || !strings.HasSuffix(lines[1], "loss 0.2500") {
		t.Errorf("the stopped bar was not drawn in place: %q", lines[1])
	}
}

// TestTerminalShow: what a cell shows is saved as files and their paths
// printed; an update of the same display overwrites its file; a Clear
// does nothing; pager text is printed.
func TestTerminalShow(t *testing.T) {
	var out bytes.Buffer
	term := newTerminal(&out, &out, false, false)
	term.files.dir = t.TempDir()
	term.files.nextCell()
	o := term.output(nil)
	if o.Show == nil || o.Page == nil {
		t.Fatal("the terminal's Output should show events and pages")
	}
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG fake"))
	o.Show(interp.Display{Data: map[string]any{"text/plain": "Figure", "image/png": png}})
	o.Show(interp.Display{Data: map[string]any{"text/plain": "just text"}, ID: "h"})
	o.Show(interp.Update{ID: "h", Data: map[string]any{"text/plain": "svg", "image/svg+xml": "<svg/>"}})
	o.Show(interp.Clear{Wait: true})
	o.Page(map[string]any{"text/plain": "func strings.ToUpper(s string) string\n"})
	d := term.files.dir
	want := "[image/png: " + filepath.Join(d, "out1-1.png") + "]\njust text\n[image/svg+xml: " + filepath.Join(d, "out1-2.svg") + "]\n" +
		"func strings.ToUpper(s string) string\n"
	if out.String() != want {
		t.Fatalf("printed\n%q\nwant\n%q", out.String(), want)
	}
	if b, err := os.ReadFile(filepath.Join(d, "out1-1.png")); err != nil || string(b) != "\x89PNG fake" {
		t.Errorf("png file: %q %v", b, err)
	}
}

func TestTerminalPartialLine(t *testing.T) {
	var out bytes.Buffer
	term := newTerminal(&out, &out, true, true)
	w := term.stream(0)
	w.Write([]byte("line\nname"))
	w.Write([]byte("? "))
	if term.atLineStart(0) {
		t.Fatal("atLineStart after a partial line")
	}
	if got := term.takePartial(0); got != "name? " {
		t.Fatalf("takePartial = %q", got)
	}
	if !term.atLineStart(0) || term.takePartial(0) != "" {
		t.Fatal("the partial line was not forgotten")
	}
}
