package interp

import (
	"strings"
	"testing"
	"time"
)

// TestShellInterrupt: an interrupt stops a shell command and what it
// started (sh's child `sleep` holds the output pipe) within a second, also
// when the command ignores SIGINT; a command that leaves a background
// process holding the pipe returns without waiting for it.
func TestShellInterrupt(t *testing.T) {
	s := newSession(t)
	for _, c := range []struct{ cmd, out string }{
		{"!sleep 30; echo done", ""},
		{"!echo started; sleep 30; echo done", "started\n"},
		{"!trap '' INT; sleep 30; echo done", ""},
	} {
		go func() {
			time.Sleep(200 * time.Millisecond)
			s.Interrupt()
		}()
		start := time.Now()
		_, out, _, err := run(s, c.cmd)
		took := time.Since(start) - 200*time.Millisecond
		ce, ok := err.(*CellError)
		if !ok || ce.Name != "KeyboardInterrupt" || out != c.out {
			t.Fatalf("%s: want KeyboardInterrupt and output %q, got %q, %v", c.cmd, c.out, out, err)
		}
		if took > time.Second {
			t.Errorf("%s: stopped %v after the interrupt, want < 1s", c.cmd, took)
		}
		t.Logf("%s: stopped %v after the interrupt", c.cmd, took.Round(time.Millisecond))
	}
	start := time.Now()
	_, out, _, err := run(s, "!(sleep 3; echo late) & echo now")
	if err != nil || strings.TrimSpace(out) != "now" || time.Since(start) > time.Second {
		t.Fatalf("background command: %q %v after %v", out, err, time.Since(start))
	}
}
