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

// TestSessions checks that the package-level functions act on the current
// session: each session keeps its own front end and interrupt flag, and
// without a session entered the process has one of its own.
func TestSessions(t *testing.T) {
	defer Enter(nil)
	var a, b Session
	var got []string
	a.SetFront(Front{Show: func(Event) { got = append(got, "a") }, Rich: true})
	b.SetFront(Front{Show: func(Event) { got = append(got, "b") }, LiveStatus: true})
	b.Interrupt()

	Enter(&a)
	Show(Clear{})
	if !Rich() || LiveStatus() || Interrupted() {
		t.Fatalf("session a: Rich %v LiveStatus %v Interrupted %v", Rich(), LiveStatus(), Interrupted())
	}
	Check() // b's interrupt is not a's
	Enter(&b)
	Show(Clear{})
	if Rich() || !LiveStatus() || !Interrupted() {
		t.Fatalf("session b: Rich %v LiveStatus %v Interrupted %v", Rich(), LiveStatus(), Interrupted())
	}
	func() {
		defer func() {
			if r := recover(); r != ErrInterrupted {
				t.Errorf("Check in interrupted session b: recovered %v", r)
			}
		}()
		Check()
	}()
	Reset() // the current session's: b's
	if b.Interrupted() || a.Interrupted() {
		t.Fatal("Reset did not clear b's interrupt")
	}
	if len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("events went to %v, want [a b]", got)
	}

	Enter(nil)
	Interrupt()
	if !Interrupted() || a.Interrupted() || b.Interrupted() || Show(Clear{}) {
		t.Fatal("without a session entered, the process's own session is current")
	}
	Reset()
}
