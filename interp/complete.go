package interp

import (
	"go/scanner"
	"go/token"
	"strings"
)

// IsComplete reports whether code is a complete cell ("complete"), needs
// more lines ("incomplete", with the indent for the next line) or cannot
// become valid ("invalid").
func (s *Session) IsComplete(code string) (status, indent string) {
	if strings.TrimSpace(code) == "" {
		return "complete", ""
	}
	fset := token.NewFileSet()
	f := fset.AddFile("", -1, len(code))
	var sc scanner.Scanner
	incomplete, invalid := false, false
	sc.Init(f, []byte(code), func(pos token.Position, msg string) {
		if strings.Contains(msg, "not terminated") {
			incomplete = true
		} else {
			invalid = true
		}
	}, 0)
	depth := 0
	for {
		_, t, _ := sc.Scan()
		if t == token.EOF {
			break
		}
		switch t {
		case token.LPAREN, token.LBRACE, token.LBRACK:
			depth++
		case token.RPAREN, token.RBRACE, token.RBRACK:
			depth--
		}
	}
	switch {
	case incomplete:
		return "incomplete", ""
	case invalid || depth < 0:
		return "invalid", ""
	case depth > 0:
		return "incomplete", strings.Repeat("\t", depth)
	}
	t := strings.TrimRight(code, " \t\r\n")
	if strings.HasSuffix(t, "\\") || endsWithOperator(t) {
		return "incomplete", ""
	}
	return "complete", ""
}

func endsWithOperator(t string) bool {
	for _, op := range []string{"+", "-", "*", "/", "%", "&&", "||", "=", ",", "(", ".", "&", "|", "^", "<-"} {
		if strings.HasSuffix(t, op) && !strings.HasSuffix(t, "++") && !strings.HasSuffix(t, "--") {
			return true
		}
	}
	return false
}

// Complete returns completions for the identifier before cursorPos (in code points).
func (s *Session) Complete(code string, cursorPos int) (matches []string, start, end int) {
	return nil, cursorPos, cursorPos
}

// Inspect describes the identifier at cursorPos.
func (s *Session) Inspect(code string, cursorPos, detailLevel int) (map[string]any, bool) {
	return nil, false
}
