package interp

import (
	"go/scanner"
	"go/token"
	"strconv"
	"strings"
)

// item is one top-level declaration or statement of a cell, as byte offsets.
type item struct {
	decl       bool // import, type, func or method declaration
	pkg        bool // a package clause, ignored
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
		case token.IMPORT, token.TYPE:
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
	var b strings.Builder
	b.WriteString("//line cell")
	b.WriteString(itoa(cell))
	b.WriteString("/_.go:")
	b.WriteString(itoa(line))
	b.WriteString(":1\n")
	b.WriteString(strings.Repeat(" ", start-ls))
	b.WriteString(src[start:end])
	return b.String()
}

func itoa(n int) string { return strconv.Itoa(n) }

// unit is what execCell compiles and runs as one chunk: a run of
// declaration items (one file) or one statement item; items[from:to].
type unit struct {
	decl     bool
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
			us = append(us, unit{true, i, j})
			i = j
		default:
			us = append(us, unit{false, i, i + 1})
			i++
		}
	}
	return us
}
