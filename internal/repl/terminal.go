package repl

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/chzyer/readline"

	"github.com/gokernel/gokernel/interp"
)

// DieOfInterrupt ends the process as SIGINT ends a Go program: killed by
// the signal, so the shell sees Ctrl-C, not an exit status (bash stops a
// loop running scripts only when its child dies of SIGINT); where a signal
// cannot be sent to oneself, with status 130.
func DieOfInterrupt() {
	signal.Reset(os.Interrupt)
	if p, err := os.FindProcess(os.Getpid()); err == nil && p.Signal(os.Interrupt) == nil {
		time.Sleep(time.Second) // the signal's default action ends the process meanwhile
	}
	os.Exit(130)
}

// InterruptOnSignal turns SIGINT (Ctrl-C) into a cooperative interrupt of
// the running statement. With exitOnSecond, a second Ctrl-C while the
// first is pending ends the process at once (DieOfInterrupt).
func InterruptOnSignal(sess *interp.Session, exitOnSecond bool) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	done := make(chan struct{})
	go func() {
		pending := false
		for {
			select {
			case <-ch:
				if pending && exitOnSecond {
					fmt.Fprintln(os.Stderr, "\nKeyboardInterrupt")
					DieOfInterrupt()
				}
				pending = true
				sess.Interrupt()
			case <-done:
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// StdinLine reads one line from the process's standard input without
// buffering ahead, so a script that reads os.Stdin directly finds the rest.
func StdinLine(prompt string, password bool) (string, error) {
	if prompt != "" {
		fmt.Fprint(os.Stderr, prompt)
	}
	var line []byte
	var b [1]byte
	for {
		n, err := os.Stdin.Read(b[:])
		if n == 1 {
			line = append(line, b[0])
			if b[0] == '\n' {
				return string(line), nil
			}
		}
		if err != nil {
			if len(line) > 0 {
				return string(line), nil
			}
			return "", err
		}
	}
}

// Terminal is the process's stdout and stderr as an engine Output. Text
// passes through unchanged. The session's Status events (mlstd/train's
// bar) go to stderr: on a terminal the status line is drawn in place, like
// tqdm: each new one replaces the last, other output goes above it (the
// bar is erased, the text written, the bar drawn again below), and a final
// one (an epoch row, a stopped bar) takes its place and stays. Piped or
// redirected, each status is a plain line. What a cell shows (display.Show)
// is saved to files whose paths are printed (files).
type Terminal struct {
	mu       sync.Mutex
	w        [2]io.Writer
	tty      [2]bool
	mid      [2]bool   // the stream's last write ended inside a line
	partial  [2][]byte // the text of that unfinished line
	bar      int       // stream holding the live progress line, or -1
	barText  string
	barShown bool // the live line is on screen (not erased for other output)

	pub   sync.Mutex // serializes Show and Page
	files outFiles
}

// newTerminal returns a terminal writing to stdout and stderr, which are
// terminals when the flags say so.
func newTerminal(stdout, stderr io.Writer, stdoutTTY, stderrTTY bool) *Terminal {
	return &Terminal{w: [2]io.Writer{stdout, stderr}, tty: [2]bool{stdoutTTY, stderrTTY}, bar: -1}
}

// ProcessTerminal is the terminal of this process's fds 1 and 2.
func ProcessTerminal() *Terminal {
	return newTerminal(os.Stdout, os.Stderr, isTTY(os.Stdout), isTTY(os.Stderr))
}

func isTTY(f *os.File) bool { return readline.IsTerminal(int(f.Fd())) }

// statusStream is the stream status lines go to: stderr, as tqdm's do.
const statusStream = 1

// Execute runs code in sess as one cell with the terminal as its
// standard streams and the process's stdin as its input, and returns the
// engine's outcome: a script's run.
func (t *Terminal) Execute(ctx context.Context, sess *interp.Session, code string) error {
	t.files.nextCell()
	_, err := sess.Execute(ctx, code, t.output(StdinLine))
	t.finish()
	return err
}

// RunFile runs the Go file name (text src) in sess as a program (see
// interp.Session.RunFile) with the terminal as its standard streams and
// the process's stdin as its input.
func (t *Terminal) RunFile(ctx context.Context, sess *interp.Session, name string, src []byte) error {
	t.files.nextCell()
	err := sess.RunFile(ctx, name, src, t.output(StdinLine))
	t.finish()
	return err
}

// output returns the engine Output for a cell: the two streams, input,
// and the terminal's rendering of what the cell shows: displays saved to
// files, status lines drawn (live when stderr is a terminal), pager text
// printed; a Clear does nothing (a terminal keeps what it showed). It is
// not Rich: progress comes as status lines.
func (t *Terminal) output(input func(prompt string, password bool) (string, error)) interp.Output {
	stdout := t.stream(0)
	return interp.Output{
		Stdout: stdout, Stderr: t.stream(1), Input: input,
		LiveStatus: t.tty[statusStream],
		Show: func(ev interp.Event) {
			t.pub.Lock()
			defer t.pub.Unlock()
			switch ev := ev.(type) {
			case interp.Status:
				t.status(statusStream, ev)
			case interp.Display:
				t.files.show(stdout, ev.ID, ev.Data)
			case interp.Update:
				t.files.show(stdout, ev.ID, ev.Data)
			}
		},
		Page: func(bundle map[string]any) {
			if text, _ := bundle["text/plain"].(string); text != "" {
				fmt.Fprintln(stdout, strings.TrimRight(text, "\n"))
			}
		},
	}
}

func (t *Terminal) stream(i int) io.Writer {
	return writerFunc(func(p []byte) (int, error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		if err := t.write(i, p); err != nil {
			return 0, err
		}
		return len(p), nil
	})
}

// status shows a status line on stream i. On a terminal it replaces the
// live line (an empty one removes it) and a final one takes its place and
// stays; piped, each non-empty line is written as a line.
func (t *Terminal) status(i int, st interp.Status) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case !t.tty[i]:
		if st.Line != "" {
			t.write(i, []byte(st.Line+"\n"))
		}
	case st.Line == "" && !st.Final:
		t.hideBar()
		t.bar = -1
	default:
		t.drawBar(i, st.Line, st.Final)
	}
}

// eraseLine moves to the start of the line and erases it.
const eraseLine = "\r\x1b[K"

// write is Write for stream i, called with mu held. Text goes above the
// live progress line.
func (t *Terminal) write(i int, p []byte) error {
	if !t.tty[i] {
		if _, err := t.w[i].Write(p); err != nil {
			return err
		}
		t.track(i, p)
		return nil
	}
	if err := t.hideBar(); err != nil {
		return err
	}
	if _, err := t.w[i].Write(p); err != nil {
		return err
	}
	t.track(i, p)
	return t.showBar()
}

// showBar draws the live progress line again after other output, unless a
// stream is inside a line (a prompt the user is answering).
func (t *Terminal) showBar() error {
	if t.bar < 0 || t.barShown || t.mid[0] || t.mid[1] {
		return nil
	}
	t.barShown = true
	_, err := io.WriteString(t.w[t.bar], eraseLine+t.barText)
	return err
}

// drawBar shows a progress line from stream i in place of the last one;
// a final one stays on screen as an ordinary line.
func (t *Terminal) drawBar(i int, line string, final bool) error {
	if t.bar >= 0 && t.bar != i {
		if err := t.hideBar(); err != nil {
			return err
		}
	}
	if final {
		t.bar, t.barShown = -1, false
		_, err := io.WriteString(t.w[i], eraseLine+line+"\n")
		return err
	}
	t.bar, t.barText, t.barShown = i, line, false // showBar overwrites it in place
	return t.showBar()
}

// hideBar erases the live progress line, if shown, keeping it to redraw.
func (t *Terminal) hideBar() error {
	if t.bar < 0 || !t.barShown {
		return nil
	}
	t.barShown = false
	_, err := io.WriteString(t.w[t.bar], eraseLine)
	return err
}

// track records what stream i's output leaves on its last line.
func (t *Terminal) track(i int, p []byte) {
	if j := bytes.LastIndexByte(p, '\n'); j >= 0 {
		t.partial[i] = append(t.partial[i][:0], p[j+1:]...)
	} else {
		t.partial[i] = append(t.partial[i], p...)
	}
	t.mid[i] = len(t.partial[i]) > 0
}

// takePartial returns the unfinished last line of stream i and forgets
// it: a line editor reading input redraws it as its prompt.
func (t *Terminal) takePartial(i int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(t.partial[i])
	t.partial[i], t.mid[i] = t.partial[i][:0], false
	return s
}

// finish ends the live progress line with a newline, so its last state
// stays on screen, and forgets partial lines (the prompt or the next
// command starts a fresh line).
func (t *Terminal) finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bar >= 0 {
		if t.barShown {
			io.WriteString(t.w[t.bar], "\n")
		} else {
			io.WriteString(t.w[t.bar], eraseLine+t.barText+"\n")
		}
		t.bar, t.barShown = -1, false
	}
	t.mid = [2]bool{}
	t.partial = [2][]byte{}
}

// atLineStart reports whether stream i's output ends with a newline.
func (t *Terminal) atLineStart(i int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.mid[i]
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
