package repl

import (
	"bytes"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/train"
)

func TestTerminalPassesThroughWhenPiped(t *testing.T) {
	var out, errb bytes.Buffer
	term := newTerminal(&out, &errb, false, false)
	w, live := term.textWriter(1)
	if live {
		t.Fatal("a piped stderr is not a live terminal")
	}
	in := "epoch 1/2  batch 3/9  10.0 it/s  ETA 1s  loss 0.5\nplain\npartial"
	for _, c := range []string{in[:10], in[10:30], in[30:]} {
		w.Write([]byte(c))
	}
	term.finish()
	if errb.String() != in || out.Len() != 0 {
		t.Fatalf("stderr %q stdout %q, want stderr %q unchanged", errb.String(), out.String(), in)
	}
}

func TestTerminalDrawsBarInPlace(t *testing.T) {
	var screen bytes.Buffer // one terminal behind both streams
	term := newTerminal(&screen, &screen, true, true)
	outw := term.stream(0)
	barw, live := term.textWriter(1)
	if !live {
		t.Fatal("stderr on a terminal should be live")
	}
	bar1 := "epoch 1/2  batch 3/9  10.0 it/s  ETA 1s  loss 0.5"
	bar2 := "epoch 1/2  batch 6/9  10.0 it/s  ETA 1s  loss 0.4"
	io.WriteString(barw, "\r"+bar1+eraseRight)
	io.WriteString(barw, "\r"+bar2+eraseRight)
	outw.Write([]byte("printed\n"))
	io.WriteString(barw, "\repoch 1/2  lo") // an epoch row, split
	io.WriteString(barw, "ss 0.4  (0:01)"+eraseRight+"\n")
	outw.Write([]byte("Name: ")) // a prompt shows at once
	term.finish()
	e := "\r\x1b[K"
	want := e + bar1 + e + bar2 + // drawn in place
		e + "printed\n" + e + bar2 + // other output goes above the bar
		e + "epoch 1/2  lo" + e + "epoch 1/2  loss 0.4  (0:01)\n" + // the epoch row takes its place
		"Name: "
	if got := screen.String(); got != want {
		t.Fatalf("screen\n%q\nwant\n%q", got, want)
	}

	// A bar still live at the end stays; an erased one is gone; a final
	// one is a plain line.
	screen.Reset()
	io.WriteString(barw, "\r"+bar1)
	term.finish()
	io.WriteString(barw, "\r"+bar1)
	io.WriteString(barw, "\r"+eraseRight)
	io.WriteString(barw, "\rinterrupted: epoch 2/2  10.0 it/s  0:03  loss 0.3"+eraseRight+"\n")
	outw.Write([]byte("after\n"))
	term.finish()
	want = e + bar1 + "\n" + e + bar1 + e + e + "interrupted: epoch 2/2  10.0 it/s  0:03  loss 0.3\n" + "after\n"
	if got := screen.String(); got != want {
		t.Fatalf("screen\n%q\nwant\n%q", got, want)
	}
}

// TestTerminalWithTrainProgress runs mlstd/train's Progress against the
// terminal's live writer through host.SetText, as the REPL and scripts do.
func TestTerminalWithTrainProgress(t *testing.T) {
	var screen bytes.Buffer
	term := newTerminal(&screen, &screen, true, true)
	host.SetText(term.textWriter(1))
	defer host.SetText(nil, false)
	p := train.NewProgress(2, 3)
	for i := 0; i < 3; i++ {
		p.Batch(1 / float64(i+1))
	}
	p.EndEpoch(map[string]float64{"loss": 0.6})
	p.Batch(0.25)
	p.Stop("interrupted")
	term.finish()
	got := screen.String()
	if strings.Contains(got, eraseRight+eraseRight) || strings.Count(got, "\x1b[K") != strings.Count(got, "\r") {
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

// TestTerminalPublish: what a cell shows is saved as files and their
// paths printed; an update of the same display overwrites its file.
func TestTerminalPublish(t *testing.T) {
	var out bytes.Buffer
	term := newTerminal(&out, &out, false, false)
	term.files.dir = t.TempDir()
	term.files.nextCell()
	pub := term.output(nil)
	if !pub.TextOnly || pub.Publish == nil {
		t.Fatal("the terminal's Output should publish as text-only")
	}
	png := base64.StdEncoding.EncodeToString([]byte("\x89PNG fake"))
	show := func(typ, id string, data map[string]any) {
		c := map[string]any{"data": data, "metadata": map[string]any{}}
		if id != "" {
			c["transient"] = map[string]any{"display_id": id}
		}
		pub.Publish(typ, c)
	}
	show("display_data", "", map[string]any{"text/plain": "Figure", "image/png": png})
	show("display_data", "h", map[string]any{"text/plain": "just text"})
	show("update_display_data", "h", map[string]any{"text/plain": "svg", "image/svg+xml": "<svg/>"})
	pub.Publish("clear_output", map[string]any{"wait": true})
	d := term.files.dir
	want := "[image/png: " + filepath.Join(d, "out1-1.png") + "]\njust text\n[image/svg+xml: " + filepath.Join(d, "out1-2.svg") + "]\n"
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
