package grid

import (
	"html"
	"strings"
	"unicode/utf8"
)

// HTML renders the grid as an HTML <table> with escaped cells; caption and
// header are left out when empty. Rows may be ragged: missing cells are empty.
func HTML(caption string, header []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("<table>")
	if caption != "" {
		b.WriteString("<caption>" + html.EscapeString(caption) + "</caption>")
	}
	if len(header) > 0 {
		b.WriteString("<thead><tr>")
		for _, h := range header {
			b.WriteString("<th>" + html.EscapeString(h) + "</th>")
		}
		b.WriteString("</tr></thead>")
	}
	b.WriteString("<tbody>")
	n := columns(header, rows)
	for _, r := range rows {
		b.WriteString("<tr>")
		for j := 0; j < n; j++ {
			b.WriteString("<td>" + html.EscapeString(cell(r, j)) + "</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</tbody></table>")
	return b.String()
}

// Text renders the grid as text with columns padded to equal width and a
// dashed line under the header.
func Text(caption string, header []string, rows [][]string) string {
	n := columns(header, rows)
	width := make([]int, n)
	all := append([][]string{header}, rows...)
	for _, r := range all {
		for j := 0; j < n; j++ {
			width[j] = max(width[j], utf8.RuneCountInString(cell(r, j)))
		}
	}
	var b strings.Builder
	if caption != "" {
		b.WriteString(caption + "\n")
	}
	line := func(r []string) {
		var l strings.Builder
		for j := 0; j < n; j++ {
			if j > 0 {
				l.WriteString("  ")
			}
			c := cell(r, j)
			l.WriteString(c + strings.Repeat(" ", width[j]-utf8.RuneCountInString(c)))
		}
		b.WriteString(strings.TrimRight(l.String(), " ") + "\n")
	}
	if len(header) > 0 {
		line(header)
		total := 2 * (n - 1)
		for _, w := range width {
			total += w
		}
		b.WriteString(strings.Repeat("-", total) + "\n")
	}
	for _, r := range rows {
		line(r)
	}
	return strings.TrimRight(b.String(), "\n")
}

func columns(header []string, rows [][]string) int {
	n := len(header)
	for _, r := range rows {
		n = max(n, len(r))
	}
	return n
}

func cell(r []string, j int) string {
	if j < len(r) {
		return strings.TrimRight(r[j], " ")
	}
	return ""
}
