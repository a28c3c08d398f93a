package interp

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// orderLog records text writes and shown events in the order they arrive.
type orderLog struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (l *orderLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	return len(p), nil
}

func (l *orderLog) show(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if d, ok := e.(Display); ok {
		fmt.Fprintf(&l.buf, "<Display %v>\n", d.Data["text/html"])
		return
	}
	fmt.Fprintf(&l.buf, "<%T>\n", e)
}

// normOrder sorts the text lines between event lines.
func normOrder(s string) string {
	var out, seg []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "<") {
			sort.Strings(seg)
			out = append(append(out, seg...), line)
			seg = nil
			continue
		}
		seg = append(seg, line)
	}
	sort.Strings(seg)
	return strings.Join(append(out, seg...), "\n")
}

// TestShowAfterText checks that text written before a display (stdout
// and stderr, through the pipes) reaches the cell's writers before the
// display reaches Show, and likewise for a Clear.
func TestShowAfterText(t *testing.T) {
	s := newSession(t)
	var l orderLog
	out := Output{Stdout: &l, Stderr: &l, Show: l.show, Rich: true}
	code := `for i := 0; i < 20; i++ {
	fmt.Println("line", i)
	fmt.Fprintln(os.Stderr, "err", i)
	display.HTML(fmt.Sprint("<b>", i, "</b>"))
}
display.ClearOutput(false)
fmt.Println("after clear")`
	start := time.Now()
	if _, err := s.Execute(context.Background(), code, out); err != nil {
		t.Fatal(err)
	}
	el := time.Since(start)
	var want strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&want, "line %d\nerr %d\n<Display <b>%d</b>>\n", i, i, i)
	}
	want.WriteString("<host.Clear>\nafter clear\n")
	// stdout and stderr are two pipes: their relative order is not kept,
	// so text lines between two events are compared as sets.
	if got := l.buf.String(); normOrder(got) != normOrder(want.String()) {
		t.Fatalf("order:\n%s\nwant:\n%s", got, want.String())
	}
	t.Logf("20 print+display pairs and a clear in %v", el)
}
