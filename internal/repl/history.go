package repl

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/chzyer/readline"

	"github.com/gokernel/gokernel/internal/atomicfile"
)

// The REPL's history holds whole entries: a cell typed over several lines
// is one entry, and Up recalls all of it, as IPython does (readline's own
// history would recall it line by line, "}" first). readline edits one
// line, so a recalled multi-line entry shows its line breaks as ↵ (in
// readline's history and on screen); a line submitted after recalling is
// split at them again. The file keeps one Go-quoted entry per line after a
// header; a history file of plain lines (readline's format, written by
// earlier versions) is read as one-line entries and rewritten.

const (
	historyHeader = "# gokernel REPL history: one Go-quoted entry per line"
	historyLimit  = 1000 // entries kept
	lineBreakMark = "↵"  // a line break of a recalled entry, as readline shows it
)

// history is the REPL's list of entries and the file it persists to
// ("" keeps it in memory).
type history struct {
	path     string
	entries  []string
	recalled atomic.Bool // the line being edited came from the history
}

// loadHistory reads the history file at path; a missing or unreadable
// file is an empty history.
func loadHistory(path string) *history {
	h := &history{path: path}
	if path == "" {
		return h
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return h
	}
	text := string(b)
	quoted := strings.HasPrefix(text, historyHeader+"\n")
	text = strings.TrimPrefix(text, historyHeader+"\n")
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if quoted {
			s, err := strconv.Unquote(line)
			if err != nil {
				continue // a line cut short by a crash
			}
			line = s
		}
		h.entries = append(h.entries, line)
	}
	if !quoted || len(h.entries) > historyLimit {
		h.entries = h.entries[max(0, len(h.entries)-historyLimit):]
		h.rewrite()
	}
	return h
}

// rewrite writes the whole history file.
func (h *history) rewrite() {
	var b strings.Builder
	b.WriteString(historyHeader + "\n")
	for _, e := range h.entries {
		b.WriteString(strconv.Quote(e) + "\n")
	}
	atomicfile.Write(h.path, []byte(b.String()), 0o600)
}

// add records a finished entry (not a blank one, nor a repeat of the last)
// in memory and at the end of the file.
func (h *history) add(entry string) {
	if strings.TrimSpace(entry) == "" || (len(h.entries) > 0 && h.entries[len(h.entries)-1] == entry) {
		return
	}
	h.entries = append(h.entries, entry)
	if h.path == "" {
		return
	}
	if len(h.entries) > historyLimit+historyLimit/10 {
		h.entries = h.entries[len(h.entries)-historyLimit:]
		h.rewrite()
		return
	}
	if fi, err := os.Stat(h.path); err != nil || fi.Size() == 0 {
		h.rewrite()
		return
	}
	f, err := os.OpenFile(h.path, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, strconv.Quote(entry))
	w.Flush()
	f.Close()
}

// load gives readline the entries, in its one-line form, as its history.
func (h *history) load(rl *readline.Instance) {
	rl.ResetHistory()
	for _, e := range h.entries {
		rl.SaveHistory(strings.ReplaceAll(e, "\n", lineBreakMark))
	}
}

// listener watches the keys readline handles: it notes whether the line
// being edited came from the history (Up, Down, a search).
func (h *history) listener() readline.Listener {
	return readline.FuncListener(func(line []rune, pos int, key rune) ([]rune, int, bool) {
		switch key {
		case 0: // a new line starts
			h.recalled.Store(false)
		case readline.CharPrev, readline.CharNext, readline.CharBckSearch, readline.CharFwdSearch:
			h.recalled.Store(true)
		}
		return nil, 0, false
	})
}

// line turns what readline returned into the REPL's input: a recalled
// entry's ↵ marks become line breaks again.
func (h *history) line(s string) string {
	if h.recalled.Load() {
		return strings.ReplaceAll(s, lineBreakMark, "\n")
	}
	return s
}
