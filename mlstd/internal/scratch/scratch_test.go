package scratch

import "testing"

func TestMarkAndDoneCallInstalled(t *testing.T) {
	defer Install(mark, done)
	var marked, finished any
	Install(func(t any) { marked = t }, func(t any) { finished = t })
	Mark(42)
	Done(43)
	if marked != 42 || finished != 43 {
		t.Fatalf("Mark passed %v, Done %v", marked, finished)
	}
	Install(nil, nil)
	Mark(1) // no implementation: nothing happens
	Done(1)
}
