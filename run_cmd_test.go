package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	gokernelOnce sync.Once
	gokernelPath string
	gokernelErr  error
)

// gokernelBinary builds the gokernel command once for the subprocess tests.
func gokernelBinary(t *testing.T) string {
	t.Helper()
	gokernelOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gokernel-bin-")
		if err != nil {
			gokernelErr = err
			return
		}
		gokernelPath = filepath.Join(dir, "gokernel")
		out, err := exec.Command("go", "build", "-o", gokernelPath, ".").CombinedOutput()
		if err != nil {
			gokernelErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if gokernelErr != nil {
		t.Fatal(gokernelErr)
	}
	return gokernelPath
}

type runResult struct {
	stdout, stderr string
	code           int
}

// runGokernel runs the built command with args and stdin in dir.
func runGokernel(t *testing.T, dir, stdin string, args ...string) runResult {
	t.Helper()
	cmd := exec.Command(gokernelBinary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return runResult{out.String(), errb.String(), cmd.ProcessState.ExitCode()}
}

func writeScript(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunScriptArgsAndExitStatus(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "args.go", `package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

func main() {
	b, _ := json.Marshal(os.Args)
	fmt.Println(string(b))
	fmt.Fprintln(os.Stderr, "to stderr")
	code, _ := strconv.Atoi(os.Args[len(os.Args)-1])
	os.Exit(code)
}
`)
	for _, code := range []int{0, 3, 42} {
		r := runGokernel(t, dir, "", "run", "args.go", "a b", "--flag", strconv.Itoa(code))
		var args []string
		if err := json.Unmarshal([]byte(strings.TrimSpace(r.stdout)), &args); err != nil {
			t.Fatalf("stdout %q: %v (stderr %q)", r.stdout, err, r.stderr)
		}
		want := []string{"args.go", "a b", "--flag", strconv.Itoa(code)}
		if strings.Join(args, "|") != strings.Join(want, "|") {
			t.Errorf("os.Args = %q, want %q", args, want)
		}
		if r.code != code {
			t.Errorf("exit status %d, want %d (stderr %q)", r.code, code, r.stderr)
		}
		if r.stderr != "to stderr\n" {
			t.Errorf("stderr = %q, want only the script's line", r.stderr)
		}
	}
}

func TestRunScriptStdin(t *testing.T) {
	dir := t.TempDir()
	// fmt.Scan goes through the engine's input; bufio reads os.Stdin
	// directly: both see the lines in order.
	writeScript(t, dir, "stdin.go", `
import "bufio"
var name string
fmt.Scanln(&name)
fmt.Println("hello", name)
sc := bufio.NewScanner(os.Stdin)
total := 0
for sc.Scan() {
	n, _ := strconv.Atoi(sc.Text())
	total += n
}
fmt.Println("sum", total)
`)
	r := runGokernel(t, dir, "gopher\n1\n2\n39\n", "run", "stdin.go")
	if r.code != 0 || r.stdout != "hello gopher\nsum 42\n" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestRunScriptErrorLocations(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, src string
		code      int
		stderr    []string
		stdout    string
	}{
		{"panic.go", "fmt.Println(\"before\")\nx := []int{1}\n_ = x\npanic(\"boom\")\n", 2, []string{"panic: boom", "panic.go:4"}, "before\n"},
		{"syntax.go", "x := 1\ny := x +\n", 1, []string{"syntax.go:2:"}, ""},
		// The engine checks a whole script for undefined names before running it.
		{"undefined.go", "x := 1\nfmt.Println(x)\nfmt.Println(nope)\n", 1, []string{"undefined.go:3:", "undefined: nope", "nothing in this cell ran"}, ""},
		{"mainpanic.go", "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"in main\")\n\tvar m map[string]int\n\tm[\"x\"] = 1\n}\n", 2, []string{"assignment to entry in nil map", "mainpanic.go:"}, "in main\n"},
		{"notmain.go", "package lib\n\nfunc F() {}\n", 1, []string{"package lib is not a main package"}, ""},
		// Declarations run in dependency order (a func using a const below it,
		// a var set by a func below it); positions stay the file's.
		{"order.go", "package main\n\nimport \"fmt\"\n\nfunc show() { fmt.Println(\"limit\", limit, table[\"a\"]) }\n\nconst limit = 10\n\nvar table = makeTable()\n\nfunc makeTable() map[string]int { return map[string]int{\"a\": limit} }\n\nfunc main() { show() }\n", 0, nil, "limit 10 10\n"},
		{"ordererr.go", "package main\n\nimport \"fmt\"\n\nvar v = f(1)\n\nfunc f(n int) int {\n\treturn n + undefinedThing\n}\n\nfunc main() { fmt.Println(v) }\n", 1, []string{"ordererr.go:8: undefined: undefinedThing"}, ""},
		{"logfatal.go", "import \"log\"\nlog.Fatal(\"cannot go on\")\nfmt.Println(\"not reached\")\n", 1, []string{"cannot go on"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeScript(t, dir, tc.name, tc.src)
			r := runGokernel(t, dir, "", "run", tc.name)
			if r.code != tc.code {
				t.Errorf("exit status %d, want %d", r.code, tc.code)
			}
			for _, s := range tc.stderr {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("stderr %q lacks %q", r.stderr, s)
				}
			}
			if r.stdout != tc.stdout {
				t.Errorf("stdout %q, want %q", r.stdout, tc.stdout)
			}
		})
	}
}

func TestRunScriptFlagPackage(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "flags.go", `package main

import (
	"flag"
	"fmt"
)

var n = flag.Int("n", 1, "count")

func main() {
	flag.Parse()
	fmt.Println(*n, flag.Args())
}
`)
	r := runGokernel(t, dir, "", "run", "flags.go", "-n", "5", "rest")
	if r.code != 0 || r.stdout != "5 [rest]\n" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runGokernel(t, dir, "", "run", "flags.go", "-bogus")
	if r.code != 2 || !strings.Contains(r.stderr, "flag provided but not defined: -bogus") {
		t.Fatalf("bad flag: exit %d stderr %q", r.code, r.stderr)
	}
}

func TestRunShebangScript(t *testing.T) {
	if _, err := exec.LookPath("env"); err != nil {
		t.Skip("no env(1)")
	}
	bin := gokernelBinary(t)
	dir := t.TempDir()
	p := writeScript(t, dir, "hello.go", "#!/usr/bin/env -S gokernel run\nfmt.Println(\"hello from\", os.Args)\n")
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("./hello.go", "x", "y")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil || string(out) != "hello from [./hello.go x y]\n" {
		t.Fatalf("./hello.go: %v: %q", err, out)
	}
}

func TestRunInteractiveKeepsState(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "state.go", "x := 21\nfunc twice(n int) int { return 2 * n }\n")
	r := runGokernel(t, dir, "twice(x)\nfmt.Println(\"y\", x+1)\n", "run", "-i", "state.go")
	if r.code != 0 || !strings.Contains(r.stdout, "42\n") || !strings.Contains(r.stdout, "y 22\n") {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

// syncBuffer is a bytes.Buffer safe to read while a process writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startAndInterrupt starts gokernel with args in dir, sends SIGINT once
// stream (stdout or stderr) shows marker, and waits for the exit.
func startAndInterrupt(t *testing.T, dir, marker string, onStderr bool, args ...string) (out, errb *syncBuffer, code int, took time.Duration) {
	t.Helper()
	cmd := exec.Command(gokernelBinary(t), args...)
	cmd.Dir = dir
	out, errb = &syncBuffer{}, &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	watch := out
	if onStderr {
		watch = errb
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(watch.String(), marker) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	cmd.Process.Signal(syscall.SIGINT)
	cmd.Wait()
	return out, errb, cmd.ProcessState.ExitCode(), time.Since(start)
}

// Ctrl-C stops a script where it is, says so, and ends gokernel by
// SIGINT, as it ends a compiled Go program (a shell loop running scripts
// then stops too); exec reports such an end as exit code -1.
func TestRunScriptInterrupt(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "loop.go", "fmt.Println(\"looping\")\nfor {\n}\n")
	_, errb, code, took := startAndInterrupt(t, dir, "looping", false, "run", "loop.go")
	if code != -1 || !strings.Contains(errb.String(), "KeyboardInterrupt") {
		t.Fatalf("exit %d stderr %q; want death by SIGINT after a KeyboardInterrupt message", code, errb.String())
	}
	// The shell's view: Ctrl-C reaches the terminal's whole process group,
	// and bash stops a loop over scripts only if the script dies of it.
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	cmd := exec.Command("bash", "-c", "for i in 1 2; do "+gokernelBinary(t)+" run loop.go; echo next $i; done")
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); !strings.Contains(out.String(), "looping") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	stuck := time.AfterFunc(10*time.Second, func() { syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	cmd.Wait()
	stuck.Stop()
	if strings.Contains(out.String(), "next") {
		t.Errorf("the shell loop went on after Ctrl-C: %q", out.String())
	}
	if took > 2*time.Second {
		t.Errorf("the interrupt took %v (cooperative stop expected within ms)", took)
	}
}

func TestRunNotebookCommand(t *testing.T) {
	dir := t.TempDir()
	nb := `{"nbformat": 4, "nbformat_minor": 5, "metadata": {},
 "cells": [
  {"cell_type": "code", "metadata": {}, "source": ["x := 6 * 7\n", "x"], "outputs": [], "execution_count": null},
  {"cell_type": "markdown", "metadata": {}, "source": "# note"},
  {"cell_type": "code", "metadata": {}, "source": "panic(\"broken\")", "outputs": [], "execution_count": null}
 ]}`
	writeScript(t, dir, "nb.ipynb", nb)
	r := runGokernel(t, dir, "", "run", "nb.ipynb", "-o", "done.ipynb")
	if r.code != 1 || !strings.Contains(r.stderr, "cell 2 failed: panic: broken") {
		t.Errorf("failing notebook: exit %d stderr %q", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "executed notebook: done.ipynb") {
		t.Errorf("stdout %q does not say where the notebook went", r.stdout)
	}
	if !strings.Contains(r.stderr, "[1/2] cell 1 ... ok") {
		t.Errorf("no per-cell progress on stderr: %q", r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "done.ipynb"))
	if err != nil || !bytes.Contains(b, []byte(`"42"`)) {
		t.Errorf("executed notebook: %v %s", err, b)
	}
	r = runGokernel(t, dir, "", "run", "--allow-errors", "nb.ipynb")
	if r.code != 0 || !strings.Contains(r.stdout, "nb.out.ipynb") {
		t.Errorf("--allow-errors: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}

// notebookJSON is an nbformat 4 notebook of a markdown cell and then the
// given code cells.
func notebookJSON(t *testing.T, code ...string) string {
	t.Helper()
	cells := []map[string]any{{"cell_type": "markdown", "metadata": map[string]any{}, "source": "# A title"}}
	for _, c := range code {
		cells = append(cells, map[string]any{"cell_type": "code", "metadata": map[string]any{}, "source": c, "outputs": []any{}, "execution_count": nil})
	}
	b, err := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": cells})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The runner writes the executed notebook and its images where it says,
// whichever directory it is run from and wherever cells move the engine
// (it runs in the notebook's directory; %cd moves it on).
func TestRunNotebookPaths(t *testing.T) {
	root := t.TempDir()
	elsewhere := t.TempDir()
	nbDir := filepath.Join(root, "notebooks")
	if err := os.Mkdir(nbDir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeScript(t, nbDir, "nb.ipynb", notebookJSON(t,
		"x := 6 * 7\nx",
		"%cd "+elsewhere,
		`chart.Line("loss", []float64{3, 2, 1})`,
	))
	for _, tc := range []struct {
		name, dir string
		args      []string
		out       string // as printed, relative to dir
	}{
		{"from the root", root, []string{"notebooks/nb.ipynb"}, "notebooks/nb.out.ipynb"},
		{"from inside", nbDir, []string{"nb.ipynb"}, "nb.out.ipynb"},
		{"-o into a new directory", root, []string{"notebooks/nb.ipynb", "-o", "results/today/run.ipynb"}, "results/today/run.ipynb"},
		{"-o absolute", nbDir, []string{"nb.ipynb", "-o", filepath.Join(root, "abs", "run.ipynb")}, filepath.Join(root, "abs", "run.ipynb")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runGokernel(t, tc.dir, "", append([]string{"run"}, tc.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
			}
			image := strings.TrimSuffix(tc.out, ".ipynb") + "_files/cell3_1.png"
			if want := "executed notebook: " + tc.out + "\nimage: " + image + "\n"; r.stdout != want {
				t.Errorf("stdout %q, want %q", r.stdout, want)
			}
			abs := func(p string) string {
				if filepath.IsAbs(p) {
					return p
				}
				return filepath.Join(tc.dir, p)
			}
			b, err := os.ReadFile(abs(tc.out))
			if err != nil || !bytes.Contains(b, []byte(`"42"`)) {
				t.Errorf("the executed notebook is not where it was said to be: %v", err)
			}
			if _, err := os.Stat(abs(image)); err != nil {
				t.Errorf("image: %v", err)
			}
		})
	}
	// Where a path resolved again after the engine moved would land.
	var stray []string
	for _, p := range []string{filepath.Join(nbDir, "notebooks"), filepath.Join(nbDir, "results"), filepath.Join(root, "nb.out.ipynb")} {
		if _, err := os.Stat(p); err == nil {
			stray = append(stray, p)
		}
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) > 0 {
		stray = append(stray, elsewhere+"/"+entries[0].Name())
	}
	if stray != nil {
		t.Errorf("files written where the runner did not say: %v", stray)
	}
}

// An output path that cannot be written is refused before any cell runs,
// and cells are numbered alike in progress, errors and tracebacks: by
// execution count, as the executed notebook shows them (In [N]).
func TestRunNotebookRefusesAndNumbers(t *testing.T) {
	dir := t.TempDir()
	src := notebookJSON(t,
		`os.WriteFile("ran", nil, 0o644)`,
		"",
		"y := 1\npanic(\"broken\")",
		"y + 1",
	)
	// The cell after the failing one carries a result of an earlier run.
	src = strings.Replace(src, `"outputs":[],"source":"y + 1"`,
		`"outputs":[{"output_type":"execute_result","execution_count":9,"data":{"text/plain":"stale"},"metadata":{}}],"source":"y + 1"`, 1)
	if !strings.Contains(src, "stale") {
		t.Fatalf("test notebook: %s", src)
	}
	writeScript(t, dir, "nb.ipynb", src)
	writeScript(t, dir, "file", "")
	r := runGokernel(t, dir, "", "run", "nb.ipynb", "-o", "file/out.ipynb")
	if r.code != 1 || !strings.Contains(r.stderr, "cannot write the executed notebook file/out.ipynb") {
		t.Errorf("unwritable -o: exit %d stderr %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); err == nil {
		t.Error("a cell ran although the output could not be written")
	}
	r = runGokernel(t, dir, "", "run", "nb.ipynb")
	for _, want := range []string{"[1/4] cell 1 ... ok", "[3/4] cell 2 ... panic: broken", "nb.ipynb: cell 2 failed: panic: broken"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "nb.out.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	var nb struct {
		Cells []struct {
			ExecutionCount *int `json:"execution_count"`
			Outputs        []struct {
				Traceback []string `json:"traceback"`
			} `json:"outputs"`
		} `json:"cells"`
	}
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatal(err)
	}
	last := nb.Cells[3]
	if last.ExecutionCount == nil || *last.ExecutionCount != 2 || len(last.Outputs) != 1 ||
		!strings.Contains(strings.Join(last.Outputs[0].Traceback, "\n"), "cell 2, line 2") {
		t.Errorf("the failing cell: In [%v], outputs %+v; want In [2] and a traceback at cell 2, line 2", last.ExecutionCount, last.Outputs)
	}
	if after := nb.Cells[4]; after.ExecutionCount != nil || len(after.Outputs) != 0 {
		t.Errorf("the cell after the failure did not run but shows outputs %+v (an earlier run's)", after.Outputs)
	}
}

func TestRunUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "nb.ipynb", `{"nbformat": 4, "cells": []}`)
	writeScript(t, dir, "s.go", "fmt.Println(1)\n")
	for _, args := range [][]string{
		{"run"},
		{"run", "-i", "nb.ipynb"},
		{"run", "-o", "x.ipynb", "s.go"},
		{"run", "nb.ipynb", "extra"},
	} {
		r := runGokernel(t, dir, "", args...)
		if r.code != 2 || !strings.Contains(r.stderr, "usage: gokernel run") {
			t.Errorf("%q: exit %d stderr %q, want a usage error", args, r.code, r.stderr)
		}
	}
	if r := runGokernel(t, dir, "", "run", "missing.go"); r.code != 1 || !strings.Contains(r.stderr, "no such file") {
		t.Errorf("missing file: exit %d stderr %q", r.code, r.stderr)
	}
}

// TestMNISTScript runs notebooks/mnist.go briefly, as CI does: the
// training script of the notebook, from the terminal, with progress on
// stderr as plain lines when piped.
func TestMNISTScript(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on MNIST for a few seconds")
	}
	dir := t.TempDir()
	r := runGokernel(t, dir, "", "run", filepath.Join(mustAbs(t, "notebooks"), "mnist.go"), "-epochs", "1", "-limit", "6000", "-save", "mlp.safetensors")
	if r.code != 0 && strings.Contains(r.stderr, "mnist: data:") {
		t.Skipf("MNIST is not available here: %s", r.stderr)
	}
	if r.code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	var acc float64
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "test accuracy: ") {
			fmt.Sscanf(l, "test accuracy: %f%%", &acc)
		}
	}
	if acc < 80 {
		t.Errorf("test accuracy %.2f%% after one epoch on 6,000 images (want > 80%%)\n%s", acc, r.stdout)
	}
	if !strings.Contains(r.stderr, "epoch 1/1  loss ") || strings.Contains(r.stderr, "\x1b[") {
		t.Errorf("stderr should carry the epoch line as plain text when piped: %q", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "mlp.safetensors")); err != nil {
		t.Errorf("-save: %v", err)
	}
}

// TestMNISTScriptInterrupt presses Ctrl-C during training: Fit stops
// between two steps and the script evaluates the model it has.
func TestMNISTScriptInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("trains on MNIST for a few seconds")
	}
	out, errb, code, took := startAndInterrupt(t, t.TempDir(), "epoch 1/50  loss", true,
		"run", filepath.Join(mustAbs(t, "notebooks"), "mnist.go"), "-epochs", "50", "-batch", "16")
	if strings.Contains(errb.String(), "mnist: data:") {
		t.Skipf("MNIST is not available here: %s", errb.String())
	}
	if code != 0 || !strings.Contains(out.String(), "(interrupted after ") || !strings.Contains(out.String(), "test accuracy: ") {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), "\ninterrupted: epoch ") {
		t.Errorf("the progress line does not say training was interrupted:\n%s", errb.String())
	}
	if took > 5*time.Second {
		t.Errorf("stopping and evaluating took %v", took)
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// fitScript trains a small model for 2 epochs of 10 slow batches (1.2 s),
// long enough for several redraws of the progress bar.
const fitScript = `import (
	"fmt"
	"time"

	"github.com/gokernel/gokernel/mlstd/data"
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/optim"
	"github.com/gokernel/gokernel/mlstd/train"
)

ds := data.Blobs(640, 2, 3, 1, 1)
nn.Seed(1)
model := nn.NewSequential(nn.NewLinear(2, 16), nn.NewReLU(), nn.NewLinear(16, 3))
opt := optim.NewSGD(model.Parameters(), optim.SGDConfig{LR: 0.1})
fmt.Println("training")
p := train.NewProgress(2, 10)
for epoch := 1; epoch <= 2; epoch++ {
	sum := 0.0
	for b := ds.Batches(64, true); b.Next(); {
		opt.ZeroGrad()
		loss := nn.CrossEntropy(model.Forward(b.X()), b.Y())
		loss.Backward()
		opt.Step()
		sum += loss.Item()
		p.Batch(loss.Item())
		time.Sleep(60 * time.Millisecond)
	}
	p.EndEpoch(map[string]float64{"loss": sum / 10})
}
p.Done()
fmt.Println("done")
`

// TestRunScriptProgressPiped: with stderr piped, training progress is
// plain lines (the epoch rows), with no control sequences.
func TestRunScriptProgressPiped(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "fit.go", fitScript)
	r := runGokernel(t, dir, "", "run", "fit.go")
	if r.code != 0 || r.stdout != "training\ndone\n" {
		t.Fatalf("exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "epoch 1/2  loss ") || !strings.HasPrefix(lines[1], "epoch 2/2  loss ") ||
		strings.ContainsAny(r.stderr, "\r\x1b") {
		t.Errorf("stderr should be the two epoch rows as plain lines: %q", r.stderr)
	}
}

// TestRunScriptShow: what a script shows (display.Show of a chart) is
// written to a file whose path is printed in program order.
func TestRunScriptShow(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "show.go", `package main

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/chart"
	"github.com/gokernel/gokernel/mlstd/display"
)

func main() {
	fmt.Println("before")
	display.Show(chart.Line("loss", []float64{3, 2, 1}))
	fmt.Println("after")
}
`)
	cmd := exec.Command(gokernelBinary(t), "run", "show.go")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "TMPDIR="+dir)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	lines := strings.Split(string(out), "\n")
	if len(lines) != 4 || lines[0] != "before" || lines[2] != "after" ||
		!strings.HasPrefix(lines[1], "[image/png: "+dir+"/gokernel-out-") || !strings.HasSuffix(lines[1], "/out1-1.png]") {
		t.Fatalf("stdout %q", out)
	}
	png := strings.TrimSuffix(strings.TrimPrefix(lines[1], "[image/png: "), "]")
	if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("%s is not a PNG: %v", png, err)
	}
}

// TestRunScriptProgressOrder: progress text goes around the engine's
// pipes, so the terminal flushes them first; what a script prints just
// before an epoch ends comes before that epoch's row.
func TestRunScriptProgressOrder(t *testing.T) {
	dir := t.TempDir()
	writeScript(t, dir, "order.go", `import (
	"fmt"
	"os"

	"github.com/gokernel/gokernel/mlstd/train"
)

p := train.NewProgress(3, 1)
for e := 1; e <= 3; e++ {
	p.Batch(1)
	fmt.Fprintf(os.Stderr, "note %d\n", e)
	p.EndEpoch(map[string]float64{"loss": 1})
}
p.Done()
`)
	r := runGokernel(t, dir, "", "run", "order.go")
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		got = append(got, strings.Fields(l)[0]+" "+strings.Fields(l)[1])
	}
	want := "note 1|epoch 1/3|note 2|epoch 2/3|note 3|epoch 3/3"
	if r.code != 0 || strings.Join(got, "|") != want {
		t.Errorf("exit %d, stderr %q: want the order %s", r.code, r.stderr, want)
	}
}

// programCases is one package main file whose first argument picks how it
// ends; TestRunScriptLikeCompiled runs it compiled and with gokernel run.
const programCases = `package main

import (
	"errors"
	"fmt"
	"log"
	"os"
	"time"
)

func main() {
	fmt.Println("start")
	var zero int
	var m map[string]int
	var p *struct{ X int }
	switch os.Args[1] {
	case "normal":
	case "exit3":
		os.Exit(3)
	case "exit0":
		fmt.Fprintln(os.Stderr, "leaving")
		os.Exit(0)
	case "panic":
		panic("boom")
	case "panicerr":
		panic(errors.New("bad thing"))
	case "fatal":
		log.Fatal("cannot go on")
	case "fatalf":
		log.Fatalf("failed after %d tries", 3)
	case "loggerfatal":
		log.New(os.Stderr, "mine: ", 0).Fatalln("stop")
	case "nilmap":
		m["a"] = 1
	case "divide":
		fmt.Println(10 / zero)
	case "nilptr":
		fmt.Println(p.X)
	case "goroutinepanic":
		go func() { panic("in goroutine") }()
		time.Sleep(5 * time.Second)
	case "goroutineexit":
		go func() { os.Exit(4) }()
		time.Sleep(5 * time.Second)
	case "goroutinefatal":
		go func() { log.Fatal("fatal in goroutine") }()
		time.Sleep(5 * time.Second)
	}
	fmt.Println("end")
}
`

// logTime is the date and time the standard logger puts before a message.
var logTime = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d `)

// A script is a program: its exit status, its stdout and the first line of
// its stderr are the compiled program's.
func TestRunScriptLikeCompiled(t *testing.T) {
	dir := t.TempDir()
	src := writeScript(t, dir, "prog.go", programCases)
	bin := filepath.Join(dir, "prog")
	if out, err := exec.Command("go", "build", "-o", bin, src).CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	firstLine := func(s string) string {
		line, _, _ := strings.Cut(s, "\n")
		return logTime.ReplaceAllString(line, "")
	}
	for _, c := range []string{"normal", "exit3", "exit0", "panic", "panicerr", "fatal", "fatalf", "loggerfatal",
		"nilmap", "divide", "nilptr", "goroutinepanic", "goroutineexit", "goroutinefatal"} {
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
			got := runGokernel(t, dir, "", "run", "prog.go", c)
			if got.code != want.code || got.stdout != want.stdout || firstLine(got.stderr) != firstLine(want.stderr) {
				t.Errorf("gokernel run: exit %d, stdout %q, stderr %q\ncompiled:     exit %d, stdout %q, stderr %q",
					got.code, got.stdout, got.stderr, want.code, want.stdout, want.stderr)
			}
		})
	}
}
