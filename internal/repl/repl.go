package repl

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/chzyer/readline"

	"github.com/gokernel/gokernel/internal/atomicfile"
	"github.com/gokernel/gokernel/interp"
)

// Options configure Run.
type Options struct {
	HistoryFile string // default: historyPath()
	OutDir      string // where rich results go; default: the terminal's (a new temp dir on first use)
}

const (
	replPrompt = "go> "
	contPrompt = "...> "
)

// historyPath is the REPL's history file: gokernel/history in the user's
// config directory ($XDG_CONFIG_HOME or ~/.config on Linux), else
// ~/.gokernel_history.
func historyPath() string {
	if dir, err := os.UserConfigDir(); err == nil {
		d := filepath.Join(dir, "gokernel")
		if os.MkdirAll(d, 0o700) == nil {
			return filepath.Join(d, "history")
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".gokernel_history")
	}
	return ""
}

// repl is one REPL session on an engine session.
type repl struct {
	sess    *interp.Session
	term    *Terminal
	rl      *readline.Instance
	history *history
	pending []string // lines of an unfinished cell (a recalled entry is one "line")

	stdout, stderr io.Writer // the REPL's own messages (values, errors, files)
}

// Run runs the REPL on sess until Ctrl-D and returns the exit status.
func Run(ctx context.Context, sess *interp.Session, term *Terminal, opts Options) int {
	r := &repl{sess: sess, term: term, stdout: os.Stdout, stderr: os.Stderr}
	if opts.OutDir != "" {
		term.files.dir = opts.OutDir
	}
	hist := opts.HistoryFile
	if hist == "" {
		hist = historyPath()
	}
	r.history = loadHistory(hist)
	rl, err := readline.NewEx(&readline.Config{
		Prompt:                 replPrompt,
		DisableAutoSaveHistory: true, // whole entries, by r.history
		HistoryLimit:           historyLimit,
		HistorySearchFold:      true,
		AutoComplete:           completer{r},
		Listener:               r.history.listener(),
		InterruptPrompt:        "^C",
		EOFPrompt:              "\n",
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "gokernel repl: %v\n", err)
		return 1
	}
	defer rl.Close()
	r.rl = rl
	r.history.load(rl)
	stop := InterruptOnSignal(sess, false)
	defer stop()
	if readline.DefaultIsTerminal() {
		fmt.Fprintln(os.Stderr, "gokernel REPL: Go with mlstd. %help for help, Ctrl-D to exit.")
	}
	for {
		if len(r.pending) == 0 {
			rl.SetPrompt(replPrompt)
		} else {
			rl.SetPrompt(contPrompt)
		}
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			r.pending = nil
			continue
		case err != nil: // io.EOF: Ctrl-D
			return 0
		}
		if r.cellDone(r.history.line(line)) {
			code := strings.Join(r.pending, "\n")
			r.pending = nil
			r.history.add(code)
			r.history.load(rl)
			switch trimmed := strings.TrimSpace(code); {
			case trimmed == "":
			case trimmed == "%open" || strings.HasPrefix(trimmed, "%open "):
				r.open(strings.TrimSpace(strings.TrimPrefix(trimmed, "%open")))
			default:
				r.execute(ctx, code)
			}
		}
	}
}

// cellDone adds a line to the pending cell and reports whether the cell
// is ready to run.
func (r *repl) cellDone(line string) bool {
	r.pending = append(r.pending, line)
	code := strings.Join(r.pending, "\n")
	first := strings.TrimSpace(r.pending[0])
	if strings.HasPrefix(first, "%%") {
		// A cell magic takes lines up to an empty one.
		lines := strings.Split(code, "\n")
		return len(lines) > 1 && strings.TrimSpace(lines[len(lines)-1]) == ""
	}
	if len(r.pending) == 1 && !strings.Contains(line, "\n") && (strings.HasPrefix(first, "%") || strings.HasPrefix(first, "!")) {
		return true
	}
	status, _ := r.sess.IsComplete(code)
	return status != "incomplete"
}

// execute runs one cell and prints its value, files and error.
func (r *repl) execute(ctx context.Context, code string) {
	r.term.files.nextCell()
	result, err := r.sess.Execute(ctx, code, r.term.output(r.input))
	if !r.term.atLineStart(0) || !r.term.atLineStart(1) {
		fmt.Fprintln(r.stdout)
	}
	r.term.finish()
	if err != nil {
		var ce *interp.CellError
		if errors.As(err, &ce) {
			if ce.Name == "KeyboardInterrupt" && r.term.tty[1] {
				fmt.Fprintln(r.stderr) // after the ^C the terminal echoed
			}
			fmt.Fprintln(r.stderr, strings.Join(ce.Traceback, "\n"))
		} else {
			fmt.Fprintln(r.stderr, err)
		}
		return
	}
	if result == nil {
		return
	}
	for _, p := range r.term.files.save(result, "") {
		fmt.Fprintf(r.stdout, "[%s]\n", p)
	}
	if text, ok := result["text/plain"].(string); ok && text != "" {
		fmt.Fprintln(r.stdout, text)
	}
}

// richFiles maps the MIME types the REPL saves to file extensions.
var richFiles = map[string]string{
	"image/png":     ".png",
	"image/jpeg":    ".jpg",
	"image/svg+xml": ".svg",
	"text/html":     ".html",
}

// outFiles are the files the REPL and scripts write for rich output: a
// cell's trailing result as outN.ext (N counts cells, a script being one)
// and what the cell shows while it runs (display.Show, a chart) as
// outN-K.ext, in dir, a new temp directory unless set.
type outFiles struct {
	dir   string
	cell  int
	shown int               // displays in this cell
	ids   map[string]string // display_id → file name base, so updates overwrite
	saved []string          // files written, oldest first
}

// nextCell starts numbering the files of the next cell.
func (o *outFiles) nextCell() {
	o.cell++
	o.shown = 0
	o.ids = nil
}

// save writes the rich forms of a MIME bundle to files named base.ext
// (base "": the cell's result, outN) and returns their descriptions:
// "image/png: /tmp/gokernel-out-1/out3.png". A bundle with an image keeps
// only the image (its HTML is usually the same picture).
func (o *outFiles) save(bundle map[string]any, base string) []string {
	if base == "" {
		base = fmt.Sprintf("out%d", o.cell)
	}
	var kinds []string
	for k := range bundle {
		if _, ok := richFiles[k]; ok {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	var out []string
	for _, k := range kinds {
		if k == "text/html" && len(kinds) > 1 {
			continue
		}
		var data []byte
		switch v := bundle[k].(type) {
		case string:
			data = []byte(v)
			if k == "image/png" || k == "image/jpeg" {
				b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
				if err != nil {
					out = append(out, fmt.Sprintf("%s: cannot decode: %v", k, err))
					continue
				}
				data = b
			}
		case []byte:
			data = v
		default:
			continue
		}
		p, err := o.write(base+richFiles[k], data)
		if err != nil {
			out = append(out, fmt.Sprintf("%s: %v", k, err))
			continue
		}
		o.saved = append(o.saved, p)
		out = append(out, k+": "+p)
	}
	return out
}

// show renders a display (or an update of display id) on a terminal: its
// rich forms are saved (an update of a display overwrites its files) and
// described on w, "[image/png: /tmp/gokernel-out-1/out2-1.png]"; a display
// with only text prints the text.
func (o *outFiles) show(w io.Writer, id string, data map[string]any) {
	base, ok := o.ids[id]
	if !ok {
		o.shown++
		base = fmt.Sprintf("out%d-%d", o.cell, o.shown)
		if id != "" {
			if o.ids == nil {
				o.ids = map[string]string{}
			}
			o.ids[id] = base
		}
	}
	files := o.save(data, base)
	for _, f := range files {
		fmt.Fprintf(w, "[%s]\n", f)
	}
	if text, ok := data["text/plain"].(string); ok && text != "" && len(files) == 0 {
		fmt.Fprintln(w, text)
	}
}

// open shows a file with the desktop's viewer: the named one, or the last
// result file. The viewer is $GOKERNEL_OPEN, else xdg-open (open on macOS).
func (r *repl) open(name string) {
	if name == "" {
		if len(r.term.files.saved) == 0 {
			io.WriteString(r.stderr, "%open: no result file yet (charts and images a cell returns or shows are saved as files)\n")
			return
		}
		name = r.term.files.saved[len(r.term.files.saved)-1]
	}
	if err := openFile(name); err != nil {
		fmt.Fprintf(r.stderr, "%%open: %v\n", err)
		return
	}
	fmt.Fprintf(r.stdout, "opened %s\n", name)
}

// openFile starts the viewer for path without waiting for it to exit.
func openFile(path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	viewer := os.Getenv("GOKERNEL_OPEN")
	if viewer == "" {
		viewer = "xdg-open"
		if runtime.GOOS == "darwin" {
			viewer = "open"
		}
	}
	cmd := exec.Command(viewer, path)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %v (set GOKERNEL_OPEN to your viewer)", viewer, err)
	}
	go cmd.Wait()
	return nil
}

// write writes a result file in the output directory, made on first use.
func (o *outFiles) write(name string, data []byte) (string, error) {
	if o.dir == "" {
		d, err := os.MkdirTemp("", "gokernel-out-")
		if err != nil {
			return "", err
		}
		o.dir = d
	} else if err := os.MkdirAll(o.dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(o.dir, name)
	if err := atomicfile.Write(p, data, 0o644); err != nil {
		return "", fmt.Errorf("run: writing %s: %w", p, err)
	}
	return p, nil
}

// input reads a line for a running cell (fmt.Scan and friends) at the
// cell's prompt. Ctrl-C there interrupts the cell.
func (r *repl) input(prompt string, password bool) (string, error) {
	if password {
		b, err := r.rl.ReadPassword(prompt)
		if err != nil {
			r.sess.Interrupt()
			return "", err
		}
		return string(b), nil
	}
	if prompt == "" {
		// The line editor redraws the line it starts on: keep what the
		// cell printed there (fmt.Print("name? ")) as the prompt.
		prompt = r.term.takePartial(0)
	}
	r.rl.SetPrompt(prompt)
	line, err := r.rl.Readline()
	if errors.Is(err, readline.ErrInterrupt) {
		r.sess.Interrupt()
		return "", err
	}
	if err != nil {
		return "", io.EOF
	}
	return line + "\n", nil
}

// completer feeds readline's Tab key from the engine's completions.
type completer struct{ r *repl }

// Do returns the candidates' remaining text after the typed prefix and the
// prefix's length, as readline wants. Tab on a blank line start indents.
func (c completer) Do(line []rune, pos int) ([][]rune, int) {
	if strings.TrimSpace(string(line[:pos])) == "" {
		return [][]rune{[]rune("    ")}, 0
	}
	before := ""
	if len(c.r.pending) > 0 {
		before = strings.Join(c.r.pending, "\n") + "\n"
	}
	code := before + string(line)
	cursor := utf8.RuneCountInString(before) + pos
	matches, start, _ := c.r.sess.Complete(code, cursor)
	runes := []rune(code)
	if start < 0 || start > cursor || cursor > len(runes) {
		return nil, 0
	}
	typed := string(runes[start:cursor])
	var out [][]rune
	seen := map[string]bool{}
	for _, m := range matches {
		if !strings.HasPrefix(m, typed) || seen[m] {
			continue
		}
		seen[m] = true
		out = append(out, []rune(m[len(typed):]))
	}
	return out, utf8.RuneCountInString(typed)
}
