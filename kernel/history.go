package kernel

import "sync"

// historySession is the session number of this process's history. History
// lives in memory, so there is only the current session.
const historySession = 1

type historyEntry struct {
	line   int
	input  string
	output string // text/plain of the result; "" when none
}

// history is the in-memory input/output history served to history_request.
type history struct {
	mu      sync.Mutex
	entries []historyEntry
}

func (h *history) add(line int, input, output string) {
	h.mu.Lock()
	h.entries = append(h.entries, historyEntry{line, input, output})
	h.mu.Unlock()
}

// historyRequest is the content of a history_request.
type historyRequest struct {
	Output         bool   `json:"output"`
	Raw            bool   `json:"raw"`
	HistAccessType string `json:"hist_access_type"`
	Session        int    `json:"session"`
	Start          int    `json:"start"`
	Stop           int    `json:"stop"`
	N              *int   `json:"n"`
	Pattern        string `json:"pattern"`
	Unique         bool   `json:"unique"`
}

// query answers a history_request: "tail" (last n), "range" (lines
// start <= line < stop of session 0 = current, or this session's number;
// stop 0 = to the end) and "search" (glob pattern with * and ?, matched
// against the whole input; last n matches, unique drops repeats keeping the
// latest). Each item is [session, line, input] or, with output, [session,
// line, [input, output-or-null]].
func (h *history) query(r historyRequest) [][]any {
	h.mu.Lock()
	all := append([]historyEntry(nil), h.entries...)
	h.mu.Unlock()
	var sel []historyEntry
	switch r.HistAccessType {
	case "tail":
		n := 10
		if r.N != nil {
			n = *r.N
		}
		sel = last(all, n)
	case "range":
		if r.Session != 0 && r.Session != historySession {
			break
		}
		for _, e := range all {
			if e.line >= r.Start && (r.Stop <= 0 || e.line < r.Stop) {
				sel = append(sel, e)
			}
		}
	case "search":
		pat := r.Pattern
		if pat == "" {
			pat = "*"
		}
		seen := map[string]bool{}
		for i := len(all) - 1; i >= 0; i-- { // newest first, for unique
			e := all[i]
			if !globMatch(pat, e.input) || (r.Unique && seen[e.input]) {
				continue
			}
			seen[e.input] = true
			sel = append(sel, e)
		}
		for i, j := 0, len(sel)-1; i < j; i, j = i+1, j-1 {
			sel[i], sel[j] = sel[j], sel[i]
		}
		if r.N != nil {
			sel = last(sel, *r.N)
		}
	}
	out := make([][]any, 0, len(sel))
	for _, e := range sel {
		if r.Output {
			var o any
			if e.output != "" {
				o = e.output
			}
			out = append(out, []any{historySession, e.line, []any{e.input, o}})
		} else {
			out = append(out, []any{historySession, e.line, e.input})
		}
	}
	return out
}

func last(e []historyEntry, n int) []historyEntry {
	if n < 0 {
		n = 0
	}
	if n < len(e) {
		return e[len(e)-n:]
	}
	return e
}

// globMatch matches s against a shell glob with * (any run) and ? (any one
// character), like sqlite's GLOB without character classes.
func globMatch(pat, s string) bool {
	p, t := []rune(pat), []rune(s)
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(t) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == t[ti]):
			pi++
			ti++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
