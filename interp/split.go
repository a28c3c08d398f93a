package interp

import (
	"go/scanner"
	"go/token"
	"strconv"
	"strings"
)

// item is one top-level declaration or statement of a cell, as byte offsets.
type item struct {
	decl       bool   // import, type, func or method declaration
	imp        bool   // an import declaration (decl is set too)
	pkg        bool   // a package clause, ignored
	magic      string // a line magic or shell command line (%who, !ls) among Go code
	start, end int
}

// splitItems cuts a cell into top-level items at depth-0 semicolons
// (explicit or inserted at newlines). It never fails: malformed input is
// left for the parser to report.
func splitItems(src string) []item {
	fset := token.NewFileSet()
	f := fset.AddFile("", -1, len(src))
	var sc scanner.Scanner
	sc.Init(f, []byte(src), func(token.Position, string) {}, 0)
	type tok struct {
		off int
		t   token.Token
	}
	var toks []tok
	for {
		p, t, _ := sc.Scan()
		if t == token.EOF {
			break
		}
		toks = append(toks, tok{f.Offset(p), t})
	}
	var items []item
	depth, first := 0, -1
	header := false // inside an if/for/switch header, whose semicolons do not end the item
	closeItem := func(endTok int, end int) {
		if first < 0 {
			return
		}
		it := item{start: toks[first].off, end: end}
		switch toks[first].t {
		case token.PACKAGE:
			it.pkg = true
		case token.IMPORT:
			it.decl, it.imp = true, true
		case token.TYPE:
			it.decl = true
		case token.FUNC:
			if first+1 < endTok {
				switch toks[first+1].t {
				case token.IDENT:
					it.decl = true
				case token.LPAREN: // receiver or a func literal's parameters
					d := 0
					for k := first + 1; k < endTok; k++ {
						switch toks[k].t {
						case token.LPAREN:
							d++
						case token.RPAREN:
							d--
						}
						if d == 0 {
							it.decl = k+1 < endTok && toks[k+1].t == token.IDENT
							k = endTok
						}
					}
				}
			}
		}
		items = append(items, it)
		first = -1
	}
	for i, t := range toks {
		if depth == 0 {
			switch t.t {
			case token.IF, token.FOR, token.SWITCH:
				header = true
			case token.LBRACE:
				header = false
			}
		}
		switch t.t {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			if depth > 0 {
				depth--
			}
		}
		if t.t == token.SEMICOLON && depth == 0 && !header {
			closeItem(i, t.off)
			continue
		}
		if first < 0 {
			first = i
		}
	}
	closeItem(len(toks), len(src))
	for i := range items {
		items[i].end = trimEnd(src, items[i].start, items[i].end)
	}
	return items
}

func trimEnd(src string, start, end int) int {
	if end > len(src) {
		end = len(src)
	}
	for end > start && strings.ContainsRune(" \t\r\n;", rune(src[end-1])) {
		end--
	}
	return end
}

// lineCol returns the 1-based line of offset off and the offset where that line starts.
func lineCol(src string, off int) (line, lineStart int) {
	line = 1 + strings.Count(src[:off], "\n")
	lineStart = strings.LastIndex(src[:off], "\n") + 1
	return line, lineStart
}

// chunkSource returns src[start:end] prefixed by a //line directive and
// padding so positions in the parsed result are the cell's own.
func chunkSource(cell int, src string, start, end int) string {
	line, ls := lineCol(src, start)
	return lineDirective(cell, line) + strings.Repeat(" ", start-ls) + src[start:end]
}

// lineDirective is the //line directive (with its newline) that makes the
// next line cell's line.
func lineDirective(cell, line int) string {
	return "//line cell" + itoa(cell) + "/_.go:" + itoa(line) + ":1\n"
}

func itoa(n int) string { return strconv.Itoa(n) }

// unit is what execCell compiles and runs as one chunk: a run of
// declaration items (one file) or one statement item; items[from:to].
type unit struct {
	decl     bool
	magic    bool // a magic line: items[from].magic
	from, to int
}

// units groups items into units, in source order; package clauses are dropped.
func units(items []item) []unit {
	var us []unit
	for i := 0; i < len(items); {
		switch it := items[i]; {
		case it.pkg:
			i++
		case it.decl:
			j := i
			for j < len(items) && (items[j].decl || items[j].pkg) {
				j++
			}
			us = append(us, unit{decl: true, from: i, to: j})
			i = j
		default:
			us = append(us, unit{magic: it.magic != "", from: i, to: i + 1})
			i++
		}
	}
	return us
}

// unitSource is the Go file execCell parses for unit u: a statement inside
// func main, or a run of declarations with its imports first (Go wants
// them before other declarations; a cell takes them anywhere). Each item
// placed out of order keeps its own //line directive.
func unitSource(n int, code string, items []item, u unit) string {
	if !u.decl {
		return "package main\nfunc main() {\n" + chunkSource(n, code, items[u.from].start, items[u.to-1].end) + "\n}\n"
	}
	its := items[u.from:u.to]
	ordered := true // no import after another declaration, only space between items (fileOrder moves them)
	for k := 1; k < len(its); k++ {
		if its[k].imp && !its[k-1].imp && !its[k-1].pkg || its[k].start < its[k-1].end ||
			strings.Trim(code[its[k-1].end:its[k].start], " \t\r\n;") != "" {
			ordered = false
		}
	}
	if ordered {
		return "package main\n" + chunkSource(n, code, its[0].start, its[len(its)-1].end) + "\n"
	}
	var b strings.Builder
	b.WriteString("package main\n")
	for _, imports := range []bool{true, false} {
		for _, it := range its {
			if it.imp == imports && !it.pkg {
				b.WriteString(chunkSource(n, code, it.start, it.end))
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

// splitMagics finds the line magics and shell command lines (%who, !ls)
// among a cell's Go code: a line starting with % or ! where the Go code
// above it is complete (outside brackets, strings and unfinished
// expressions, so `ok := a &&` followed by `!b` stays Go). It returns the
// code with those lines blanked (offsets and line numbers unchanged) and
// the lines as items.
func splitMagics(code string) (string, []item) {
	var magics []item
	var b []byte // code with the magic lines found so far blanked, once there is one
	for off := 0; off < len(code); {
		end := strings.IndexByte(code[off:], '\n')
		if end < 0 {
			end = len(code)
		} else {
			end += off
		}
		line := strings.TrimSpace(code[off:end])
		if (strings.HasPrefix(line, "%") || strings.HasPrefix(line, "!")) && line != "!" {
			above := code[:off]
			if b != nil {
				above = string(b[:off])
			}
			if st, _ := scanComplete(above); st == "complete" {
				if b == nil {
					b = []byte(code)
				}
				for k := off; k < end; k++ {
					if b[k] != '\r' {
						b[k] = ' '
					}
				}
				magics = append(magics, item{magic: line, start: off, end: end})
			}
		}
		off = end + 1
	}
	if b == nil {
		return code, nil
	}
	return string(b), magics
}

// mergeItems merges two lists of items sorted by start.
func mergeItems(a, b []item) []item {
	out := make([]item, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if a[0].start < b[0].start {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}
