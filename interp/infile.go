package interp

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// InFile returns the error with cell n's positions, "cell N, line L" and
// "cell N: " as the engine writes them, given as those of the file the cell
// was made from: "FILE:L'" and "FILE: ". lines[i] is the file's line shown
// as the cell's line i+1 (nil, or a line past its end: the same number).
// A front end that runs a file as one cell (gokernel run FILE.go) reports
// its failures so; the format and its reading stay in this package.
func (e *CellError) InFile(n int, file string, lines []int) *CellError {
	re := regexp.MustCompile(`\bcell ` + strconv.Itoa(n) + `, line (\d+)`)
	prefix := fmt.Sprintf("cell %d: ", n)
	at := func(s string) string {
		s = re.ReplaceAllStringFunc(s, func(m string) string {
			l, _ := strconv.Atoi(re.FindStringSubmatch(m)[1])
			if l >= 1 && l <= len(lines) {
				l = lines[l-1]
			}
			return file + ":" + strconv.Itoa(l)
		})
		return strings.ReplaceAll(s, prefix, file+": ")
	}
	out := &CellError{Name: e.Name, Value: at(e.Value), Traceback: make([]string, len(e.Traceback))}
	for i, l := range e.Traceback {
		out.Traceback[i] = at(l)
	}
	return out
}
