package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// fatalCases is a package main file whose first argument picks a way to
// die of a fatal error, or a wait that looks like one and is not;
// TestRunScriptFatalLikeCompiled runs it compiled and with gokernel run.
const fatalCases = `package main

import (
	"fmt"
	"os"
	"sync"
	"time"
)

func rec(n int) int { return rec(n+1) + 1 }

func main() {
	fmt.Println("start")
	var wg sync.WaitGroup
	var mu sync.Mutex
	switch os.Args[1] {
	case "recursion":
		rec(0)
	case "waitgroup":
		wg.Add(1)
		wg.Wait()
	case "mutex":
		mu.Lock()
		mu.Lock()
	case "workers":
		ch := make(chan int)
		for i := 0; i < 3; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mu.Lock()
				ch <- i
			}()
		}
		<-ch
		wg.Wait()
	case "sleeper":
		wg.Add(1)
		go func() {
			time.Sleep(1500 * time.Millisecond)
			wg.Done()
		}()
		wg.Wait()
	case "timer":
		wg.Add(1)
		go func() {
			<-time.After(1500 * time.Millisecond)
			wg.Done()
		}()
		wg.Wait()
	case "afterfunc":
		wg.Add(1)
		time.AfterFunc(1500*time.Millisecond, wg.Done)
		wg.Wait()
	}
	fmt.Println("end")
}
`

// A script that dies of a fatal error dies as the compiled program does:
// status 2 and Go's "fatal error: ..." line on stderr, within seconds; a
// program that only waits a while (on a sleep, on a timer, for a timer's
// callback) is not taken
// for deadlocked. The compiled reference overflows a 64 MB stack
// (debug.SetMaxStack in a file of its own), not Go's 1 GB: the same end,
// 25 s sooner.
func TestRunScriptFatalLikeCompiled(t *testing.T) {
	dir := t.TempDir()
	src := writeScript(t, dir, "fatal.go", fatalCases)
	small := writeScript(t, dir, "smallstack.go", "package main\n\nimport \"runtime/debug\"\n\nfunc init() { debug.SetMaxStack(64 << 20) }\n")
	bin := filepath.Join(dir, "fatal")
	if out, err := exec.Command("go", "build", "-o", bin, src, small).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fatalLine := func(s string) string {
		for _, l := range strings.Split(s, "\n") {
			if strings.HasPrefix(l, "fatal error: ") {
				return l
			}
		}
		return ""
	}
	for _, c := range []string{"recursion", "waitgroup", "mutex", "workers", "sleeper", "timer", "afterfunc"} {
		t.Run(c, func(t *testing.T) {
			cmd := exec.Command(bin, c)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			want := runResult{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
			// gokernel run, killed if it hangs.
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd = exec.CommandContext(ctx, gokernelBinary(t), "run", "fatal.go", c)
			cmd.Dir = dir
			out.Reset()
			errb.Reset()
			cmd.Stdout, cmd.Stderr = &out, &errb
			start := time.Now()
			err = cmd.Run()
			took := time.Since(start)
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			got := runResult{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
			if got.code != want.code || got.stdout != want.stdout || fatalLine(got.stderr) != fatalLine(want.stderr) {
				t.Errorf("gokernel run: exit %d, stdout %q, stderr %q\ncompiled:     exit %d, stdout %q, fatal line %q",
					got.code, got.stdout, got.stderr, want.code, want.stdout, fatalLine(want.stderr))
			}
			if took > 15*time.Second {
				t.Errorf("gokernel run took %v", took)
			}
		})
	}
}
