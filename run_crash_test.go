package main

import (
	"strings"
	"testing"
)

// TestRunScriptRecursion: `gokernel run` of a script with runaway
// recursion ends promptly with the reason on stderr and status 2, as a Go
// program does. Interpreted recursion is stopped by the engine (Go's
// "fatal error: stack overflow", then the function and line); a
// fatal stack overflow (here forced early by debug.SetMaxStack, as in
// compiled code) ends the process with Go's own report and status 2
// instead of hanging.
func TestRunScriptRecursion(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "rec.go", "x := 5\nfunc rec(n int) int { return rec(n+1) + 1 }\nfmt.Println(rec(0))\nfmt.Println(\"not reached\", x)\n")
	r := runGokernel(t, dir, "", "run", "rec.go")
	if r.code != 2 || !strings.Contains(r.stderr, "fatal error: stack overflow") || !strings.Contains(r.stderr, "in rec (rec.go:2)") || strings.Contains(r.stdout, "not reached") {
		t.Fatalf("interpreted recursion: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	writeScript(t, dir, "fatal.go", "import \"runtime/debug\"\ndebug.SetMaxStack(1 << 20)\nfunc rec(n int) int { return rec(n+1) + 1 }\nrec(0)\n")
	r = runGokernel(t, dir, "", "run", "fatal.go")
	if r.code != 2 || !strings.Contains(r.stderr, "fatal error: stack overflow") {
		t.Fatalf("fatal stack overflow: exit %d, stderr %q", r.code, lastBytes(r.stderr, 500))
	}
}

// TestREPLRecursion: the REPL reports runaway recursion and keeps its state.
func TestREPLRecursion(t *testing.T) {
	r := runGokernel(t, t.TempDir(), "x := 5\nfunc rec(n int) int { return rec(n+1) + 1 }\nrec(0)\nx+1\n")
	if !strings.Contains(r.stdout+r.stderr, "RecursionError") || !strings.Contains(r.stdout, "6") {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
