package host

import "testing"

func TestSetFront(t *testing.T) {
	defer SetFront(Front{})
	if Show(Clear{}) || Rich() || LiveStatus() {
		t.Fatal("no front end by default: Show must report false, Rich and LiveStatus false")
	}
	var got []Event
	SetFront(Front{Show: func(e Event) { got = append(got, e) }, Rich: true})
	if !Show(Clear{Wait: true}) || !Rich() || LiveStatus() {
		t.Fatalf("with a rich front end: Rich %v LiveStatus %v", Rich(), LiveStatus())
	}
	if len(got) != 1 || got[0] != (Clear{Wait: true}) {
		t.Fatalf("front end got %v", got)
	}
	SetFront(Front{Rich: true, LiveStatus: true})
	if Show(Status{Line: "x"}) || Rich() || LiveStatus() {
		t.Fatal("a front end without Show is none: it cannot be rich or live")
	}
}
