package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxPane drives the REPL in a real terminal (tmux).
type tmuxPane struct {
	t      *testing.T
	socket string
	name   string // the session
	env    []string
}

func requireTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("GOKERNEL_REQUIRE_CLIENTS") == "1" {
			t.Fatal("tmux is required (GOKERNEL_REQUIRE_CLIENTS=1) but not installed")
		}
		t.Skip("tmux not installed (apt-get install tmux); the REPL terminal test needs it")
	}
}

// tmuxSocket names a tmux server of the test's own: one shared by tests
// raced with the previous test's kill-server ("server exited
// unexpectedly" when the next test started its session).
func tmuxSocket(t *testing.T) string {
	return fmt.Sprintf("gokernel-test-%d-%s", os.Getpid(), t.Name())
}

func (p *tmuxPane) tmux(args ...string) string {
	p.t.Helper()
	cmd := exec.Command("tmux", append([]string{"-L", p.socket, "-f", "/dev/null"}, args...)...)
	cmd.Env = p.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %q: %v: %s", args, err, out)
	}
	return string(out)
}

// start runs command in a new 100×40 window whose pane stays after exit.
func (p *tmuxPane) start(command ...string) {
	p.tmux(append([]string{"new-session", "-d", "-s", p.name, "-x", "100", "-y", "40"}, command...)...)
	p.tmux("set-option", "-t", p.name, "remain-on-exit", "on")
}

func (p *tmuxPane) keys(keys ...string) {
	p.tmux(append([]string{"send-keys", "-t", p.name}, keys...)...)
}

// typ types text literally and then presses Enter.
func (p *tmuxPane) typ(text string) {
	p.tmux("send-keys", "-t", p.name, "-l", text)
	p.keys("Enter")
}

func (p *tmuxPane) screen() string { return p.tmux("capture-pane", "-p", "-t", p.name) }

// waitLine waits until the screen has a line equal to line (trailing
// spaces ignored) after the first `after` such lines.
func (p *tmuxPane) waitLine(line string, count int) string {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		s := p.screen()
		n := 0
		for _, l := range strings.Split(s, "\n") {
			if strings.TrimRight(l, " ") == line {
				n++
			}
		}
		if n >= count {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("no line %q (×%d) on the screen:\n%s", line, count, s)
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func (p *tmuxPane) waitDead() int {
	p.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var dead, status int
		fmt.Sscan(p.tmux("display-message", "-p", "-t", p.name, "#{pane_dead} #{pane_dead_status}"), &dead, &status)
		if dead == 1 {
			return status
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the REPL did not exit; screen:\n%s", p.screen())
		}
		time.Sleep(40 * time.Millisecond)
	}
}

func TestREPLInTerminal(t *testing.T) {
	requireTmux(t)
	bin := gokernelBinary(t)
	cfg := t.TempDir()
	p := &tmuxPane{t: t, socket: tmuxSocket(t), name: "repl1",
		env: append(os.Environ(), "XDG_CONFIG_HOME="+cfg, "TERM=xterm")}
	t.Cleanup(func() { exec.Command("tmux", "-L", p.socket, "kill-server").Run() })

	p.start(bin) // no arguments: the REPL
	p.waitLine("go>", 1)
	p.typ("func add(a, b int) int {")
	p.typ("return a + b")
	p.typ("}")
	p.typ("add(2, 40)")
	s := p.waitLine("42", 1)
	for _, want := range []string{"go> func add(a, b int) int {", "...> return a + b", "...> }", "go> add(2, 40)"} {
		if !strings.Contains(s, want+"\n") {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}

	// Tab completes the function's name from the engine.
	p.tmux("send-keys", "-t", p.name, "-l", "ad")
	p.keys("Tab")
	p.typ("(1, 1)")
	s = p.waitLine("2", 1)
	if !strings.Contains(s, "go> add(1, 1)\n") {
		t.Errorf("Tab did not complete add:\n%s", s)
	}

	// Ctrl-C stops a running loop and keeps the session.
	p.typ("for {}")
	time.Sleep(300 * time.Millisecond)
	p.keys("C-c")
	p.typ("add(3, 4)")
	s = p.waitLine("7", 1)
	if !strings.Contains(s, "KeyboardInterrupt") {
		t.Errorf("no KeyboardInterrupt after Ctrl-C:\n%s", s)
	}

	// Ctrl-C at the prompt throws the line away.
	p.tmux("send-keys", "-t", p.name, "-l", "this is not Go")
	p.keys("C-c")
	p.typ("add(5, 5)")
	s = p.waitLine("10", 1)
	if i := strings.Index(s, "go> add(3, 4)"); i < 0 || strings.Contains(s[i:], "cell ") {
		t.Errorf("the line cleared with Ctrl-C ran (an engine error names its cell):\n%s", s)
	}

	// Ctrl-D exits with status 0.
	p.keys("C-d")
	if status := p.waitDead(); status != 0 {
		t.Errorf("exit status %d after Ctrl-D", status)
	}

	// History survives a restart: Up brings back the last line.
	p.name = "repl2"
	p.start(bin, "repl")
	p.waitLine("go>", 1)
	p.keys("Up")
	p.waitLine("go> add(5, 5)", 1)
	p.keys("C-c")
	p.waitLine("go>", 1)
	p.keys("C-d")
	p.waitDead()
	hist, err := os.ReadFile(filepath.Join(cfg, "gokernel", "history"))
	if err != nil || !strings.Contains(string(hist), `"func add(a, b int) int {\nreturn a + b\n}"`+"\n") || strings.Contains(string(hist), "this is not Go") {
		t.Errorf("history file: %v\n%s", err, hist)
	}
}

// History recalls whole entries: Up after a multi-line function gives the
// function (its line breaks shown as ↵), not its last line "}"; Enter runs
// all of it; after a restart the entries are still whole.
func TestREPLHistoryWholeEntries(t *testing.T) {
	requireTmux(t)
	bin := gokernelBinary(t)
	cfg := t.TempDir()
	p := &tmuxPane{t: t, socket: tmuxSocket(t), name: "hist1",
		env: append(os.Environ(), "XDG_CONFIG_HOME="+cfg, "TERM=xterm")}
	t.Cleanup(func() { exec.Command("tmux", "-L", p.socket, "kill-server").Run() })
	recalled := "go> func twice(n int) int {↵return 2 * n↵}"

	p.start(bin)
	p.waitLine("go>", 1)
	p.typ("func twice(n int) int {")
	p.typ("return 2 * n")
	p.typ("}")
	p.typ("twice(21)")
	p.waitLine("42", 1)
	p.keys("Up")
	p.waitLine("go> twice(21)", 2)
	p.keys("Up")
	p.waitLine(recalled, 1)
	p.keys("Enter") // defines twice again, from the one recalled entry
	p.typ("twice(4)")
	s := p.waitLine("8", 1)
	if strings.Contains(s, "Error") || strings.Contains(s, "cell ") {
		t.Fatalf("running the recalled entry failed:\n%s", s)
	}
	p.keys("C-d")
	p.waitDead()

	p.name = "hist2"
	p.start(bin)
	p.waitLine("go>", 1)
	p.keys("Up")
	p.waitLine("go> twice(4)", 1)
	p.keys("Up")
	p.waitLine(recalled, 1)
	p.keys("Up", "Up")
	p.waitLine(recalled, 1) // the first entry: the same function, as typed
	p.keys("Enter")
	p.typ("twice(50)")
	p.waitLine("100", 1)
	p.keys("C-d")
	p.waitDead()
}

func TestRunScriptProgressInTerminal(t *testing.T) {
	requireTmux(t)
	dir := t.TempDir()
	script := writeScript(t, dir, "fit.go", fitScript)
	p := &tmuxPane{t: t, socket: tmuxSocket(t), name: "fit",
		env: append(os.Environ(), "TERM=xterm")}
	t.Cleanup(func() { exec.Command("tmux", "-L", p.socket, "kill-server").Run() })
	p.start(gokernelBinary(t), "run", script)
	bars := map[string]bool{}
	deadline := time.Now().Add(30 * time.Second)
	var s string
	for {
		s = p.screen()
		n := 0
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "  batch ") {
				n++
				bars[strings.TrimRight(l, " ")] = true
			}
		}
		if n > 1 {
			t.Fatalf("%d bar lines on the screen; want the bar redrawn in place:\n%s", n, s)
		}
		if strings.Contains(s, "\ndone\n") || time.Now().After(deadline) {
			break
		}
		time.Sleep(30 * time.Millisecond)
	}
	if status := p.waitDead(); status != 0 {
		t.Fatalf("exit %d:\n%s", status, s)
	}
	if len(bars) < 3 {
		t.Errorf("saw %d bar states in 1.2 s of training; want it redrawn every 200 ms: %v", len(bars), bars)
	}
	var rows []string
	// With history (-S -): when the pane dies tmux may scroll its top line away.
	final := p.tmux("capture-pane", "-p", "-S", "-", "-t", p.name)
	for _, l := range strings.Split(strings.TrimRight(final, "\n"), "\n") {
		if l = strings.TrimRight(l, " "); l != "" && !strings.HasPrefix(l, "Pane is dead") {
			rows = append(rows, l)
		}
	}
	if len(rows) != 4 || rows[0] != "training" || !strings.HasPrefix(rows[1], "epoch 1/2  loss ") ||
		!strings.HasPrefix(rows[2], "epoch 2/2  loss ") || rows[3] != "done" {
		t.Errorf("final screen: want training, two epoch rows, done; got %q", rows)
	}
}
