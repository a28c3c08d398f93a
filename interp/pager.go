package interp

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// helpRe matches IPython's help syntax on a cell that is nothing else:
// NAME? or ?NAME for the documentation, NAME?? or ??NAME for more (the
// source), NAME being an identifier or a selector such as fmt.Println or
// m.Forward. `a ? b` is not Go and does not match: it stays a syntax error.
// It is compiled on first use: its Unicode classes cost ~250 KB at init,
// paid by every gokernel process (gokernel serve included) otherwise.
var helpRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(\?{1,2})?([\pL_][\pL\pN_]*(?:\.[\pL_][\pL\pN_]*)*)(\?{1,2})?$`)
})

// helpQuery parses a help cell; ok is false for anything else.
func helpQuery(code string) (name string, detail int, ok bool) {
	if !strings.Contains(code, "?") {
		return "", 0, false
	}
	m := helpRe().FindStringSubmatch(strings.TrimSpace(code))
	if m == nil || (m[1] == "") == (m[3] == "") {
		return "", 0, false // no question marks, or on both sides
	}
	if len(m[1]+m[3]) == 2 {
		detail = 1
	}
	return m[2], detail, true
}

// page shows what Inspect knows about name as the pager's content:
// through Output.Page (Jupyter front ends show it in their pager, the
// kernel sends it as the execute_reply payload), or the text on stdout for
// a front end without one. A name Inspect knows nothing about is a
// NameError.
func (s *Session) page(name string, detail int, out Output) error {
	bundle, found := s.Inspect(name, utf8.RuneCountInString(name), detail)
	if !found || len(bundle) == 0 {
		v := fmt.Sprintf("%s: nothing is known by that name (%s? shows a variable, function, type or package member)", name, name)
		return &CellError{Name: "NameError", Value: v, Traceback: []string{"NameError: " + v}}
	}
	if out.Page != nil {
		out.Page(bundle)
		return nil
	}
	text, _ := bundle["text/plain"].(string)
	_, err := io.WriteString(out.Stdout, strings.TrimRight(text, "\n")+"\n")
	return err
}
