package scratch

import "testing"

func TestMarkCallsInstalled(t *testing.T) {
	defer Install(mark)
	var got any
	Install(func(t any) { got = t })
	Mark(42)
	if got != 42 {
		t.Fatalf("Mark passed %v", got)
	}
	Install(nil)
	Mark(1) // no implementation: nothing happens
}
