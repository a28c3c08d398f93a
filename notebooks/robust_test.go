package notebooks_test

// Issue 15 §3-4 through the real kernel: runaway recursion, an interrupted
// shell command and a forced stop end with an error reply while the kernel
// keeps its state (scenarios run by TestKernelEngine), and a fatal stack
// overflow ends the kernel process with the reason in its log
// (TestKernelFatalCrash).

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func init() {
	engineScenarios = append(engineScenarios, robustScenarios...)
}

// interruptedWithin checks that cell i of a scenario was interrupted and
// replied within limit seconds of the interrupt_request.
func interruptedWithin(t *testing.T, r engineReport, limit float64) {
	t.Helper()
	took := r.ReplyT - r.InterruptT
	t.Logf("execute_reply %.3fs after interrupt_request", took)
	if took > limit {
		t.Errorf("execute_reply came %.2fs after interrupt_request, want < %.0fs", took, limit)
	}
}

var robustScenarios = []engineScenario{
	{
		name: "unbounded recursion is an error, state intact",
		cells: []engineCell{
			{code: "kept := 42\nfunc add123(x int) int { return x + 123 }", result: "-"},
			{code: "func rec(n int) int { return rec(n+1) + 1 }\nrec(0)", errName: "RecursionError", errValue: "stack overflow", errTB: "in rec (cell %d, line 1)"},
			{code: "type Node struct{ next *Node }\nfunc (n *Node) depth() int { return n.depth() + 1 }\n(&Node{}).depth()", errName: "RecursionError", errValue: "in Node.depth"},
			{code: "add123(kept)", result: "165"},
		},
		check: func(t *testing.T, got []engineReport, _ int) {
			for _, r := range got[1:3] {
				t.Logf("RecursionError reply after %.2fs", r.ReplyT)
				if r.ReplyT > 20 {
					t.Errorf("RecursionError after %.1fs, want a few seconds", r.ReplyT)
				}
			}
		},
	},
	{
		name: "interrupted shell command stops within a second",
		cells: []engineCell{
			{code: "!sleep 30; echo done", interruptAfter: 0.5, errName: "KeyboardInterrupt"},
			{code: "add123(1)", result: "124"},
		},
		check: func(t *testing.T, got []engineReport, _ int) {
			interruptedWithin(t, got[0], 1)
			if strings.Contains(got[0].stream("stdout"), "done") {
				t.Errorf("the command ran on: %q", got[0].stream("stdout"))
			}
		},
	},
	{
		name: "no zero value after a forced stop",
		cells: []engineCell{
			{code: "mul := func(x int) int { return x * 3 }", result: "-"},
			{code: "var wg sync.WaitGroup\nwg.Add(1)\nwg.Wait()", interruptAfter: 0.3, errName: "KeyboardInterrupt", errValue: "intact"},
			{code: "fmt.Sprint(add123(1), mul(2))", result: "124 6"},
			{code: "wg.Done()", result: "-"},
		},
		check: func(t *testing.T, got []engineReport, _ int) {
			interruptedWithin(t, got[1], 5)
			if s := got[2].stream("stderr"); s != "" {
				t.Errorf("stderr after the forced stop: %q", s)
			}
		},
	},
}

// TestKernelFatalCrash: recursion in a goroutine that outlives its cell is
// not watched (no cell runs) and ends in Go's fatal stack overflow; the
// kernel process must then exit (Jupyter offers a restart) with the reason
// in its stderr log, not hang.
func TestKernelFatalCrash(t *testing.T) {
	needPython(t, "jupyter_client")
	dir := t.TempDir()
	logPath := filepath.Join(dir, "kernel.log")
	code := "func rec(n int) int { return rec(n+1) + 1 }\ngo func() { time.Sleep(300 * time.Millisecond); rec(0) }()"
	r := run(t, dir, 2*time.Minute, nil, python, mustAbs(t, "testdata/kernel_crash.py"), logPath, code)
	if r.code != 0 {
		t.Fatalf("kernel_crash.py: exit %d\n%s", r.code, tail(r.stderr, 4000))
	}
	var out struct {
		Reply map[string]any `json:"reply"`
		Died  float64        `json:"died_after"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("kernel_crash.py output: %v\n%s", err, r.stdout)
	}
	log, _ := os.ReadFile(logPath)
	if out.Reply["status"] != "ok" {
		t.Fatalf("the cell starting the goroutine: %v", out.Reply)
	}
	if out.Died < 0 {
		t.Fatalf("the kernel was still alive 60 s after the cell; log:\n%s", tail(string(log), 2000))
	}
	t.Logf("kernel exited %.1fs after the cell's reply", out.Died)
	if !strings.Contains(string(log), "fatal error: stack overflow") {
		t.Errorf("the kernel's log does not give the reason:\n%s", tail(string(log), 2000))
	}
}
