package interp

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// inFile returns the error with cell n's positions, "cell N, line L" and
// "cell N: " as the engine writes them, given as those of the file the cell
// is (RunFile: the file's text is the cell, so its lines are the file's):
// "FILE:L" and "FILE: ".
func (e *CellError) inFile(n int, file string) *CellError {
	at := inFile(n, file)
	out := &CellError{Name: e.Name, Value: at(e.Value), Traceback: make([]string, len(e.Traceback)), cause: e.cause}
	for i, l := range e.Traceback {
		out.Traceback[i] = at(l)
	}
	return out
}

// inFile returns the function that rewrites cell n's positions in a text
// as file's (see CellError.inFile).
func inFile(n int, file string) func(string) string {
	re := regexp.MustCompile(`\bcell ` + strconv.Itoa(n) + `, line (\d+)`)
	prefix := fmt.Sprintf("cell %d: ", n)
	return func(s string) string {
		s = re.ReplaceAllString(s, file+":$1")
		return strings.ReplaceAll(s, prefix, file+": ")
	}
}
