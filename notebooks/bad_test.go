package notebooks_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// makeNotebook returns an nbformat 4 notebook of code cells in language
// lang ("go" gives the gokernel kernelspec).
func makeNotebook(t *testing.T, lang string, cells ...string) []byte {
	t.Helper()
	var list []map[string]any
	for i, src := range cells {
		list = append(list, map[string]any{
			"id": fmt.Sprintf("cell-%d", i+1), "cell_type": "code", "execution_count": nil, "metadata": map[string]any{},
			"outputs": []any{}, "source": src,
		})
	}
	ks := map[string]any{"name": "gokernel", "display_name": "Go (gokernel)", "language": "go"}
	if lang != "go" {
		ks = map[string]any{"name": "python3", "display_name": "Python 3", "language": lang}
	}
	b, err := json.MarshalIndent(map[string]any{
		"nbformat": 4, "nbformat_minor": 5, "cells": list,
		"metadata": map[string]any{"kernelspec": ks, "language_info": map[string]any{"name": lang}},
	}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBadNotebooks: a notebook gokernel cannot run is a clear error that
// overwrites nothing; a failing cell stops the run naming the cell, unless
// --allow-errors.
func TestBadNotebooks(t *testing.T) {
	dir := t.TempDir()
	const sentinel = "an earlier output that must survive\n"
	refuse := []struct {
		name, content, want string
	}{
		{"malformed.ipynb", `{"nbformat": 4, "cells": [`, "invalid JSON"},
		{"python.ipynb", string(makeNotebook(t, "python", "print('hi')\n")), "python notebook"},
		{"missing.ipynb", "", "no such file"},
		{"old.ipynb", `{"nbformat": 3, "worksheets": []}`, "nbformat 3"},
	}
	for _, c := range refuse {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(dir, c.name)
			if c.content != "" {
				writeFile(t, in, []byte(c.content))
			}
			for _, out := range []string{"", filepath.Join(dir, "explicit-"+c.name)} {
				def := strings.TrimSuffix(in, ".ipynb") + ".out.ipynb"
				target := def
				args := []string{"run", in}
				if out != "" {
					target = out
					args = append(args, "-o", out)
				}
				writeFile(t, target, []byte(sentinel))
				r := run(t, dir, time.Minute, nil, binary, args...)
				if r.code == 0 {
					t.Fatalf("gokernel %s: exit 0, want an error", strings.Join(args, " "))
				}
				msg := strings.ToLower(r.stderr)
				if !strings.Contains(msg, strings.ToLower(c.want)) || !strings.Contains(r.stderr, c.name) {
					t.Errorf("gokernel %s: stderr %q, want it to name %s and say %q", strings.Join(args, " "), r.stderr, c.name, c.want)
				}
				if b, err := os.ReadFile(target); err != nil || string(b) != sentinel {
					t.Errorf("%s was overwritten or removed (err %v)", target, err)
				}
				if c.content != "" {
					if b, _ := os.ReadFile(in); string(b) != c.content {
						t.Errorf("the input %s was changed", in)
					}
				}
				os.Remove(target)
				if strings.Contains(r.stdout, "executed notebook") {
					t.Errorf("stdout claims an executed notebook: %q", r.stdout)
				}
			}
		})
	}

	// Cell 2 of 3 panics. Without --allow-errors the run stops there.
	failing := makeNotebook(t, "go",
		"x := 41\nfmt.Println(\"first cell ran\")\n",
		"fmt.Println(\"before the panic\")\npanic(\"boom in cell two\")\n",
		"fmt.Println(\"third cell ran\", x+1)\n")
	in := filepath.Join(dir, "failing.ipynb")
	writeFile(t, in, failing)

	t.Run("cell error", func(t *testing.T) {
		out := filepath.Join(dir, "failing-stop.ipynb")
		r := run(t, dir, time.Minute, nil, binary, "run", in, "-o", out)
		if r.code == 0 {
			t.Fatalf("exit 0 for a notebook whose cell 2 panics\nstderr:\n%s", r.stderr)
		}
		if !strings.Contains(r.stderr, "cell 2") || !strings.Contains(r.stderr, "boom in cell two") {
			t.Errorf("stderr does not name cell 2 and its error:\n%s", r.stderr)
		}
		if b, _ := os.ReadFile(in); string(b) != string(failing) {
			t.Errorf("the input notebook was changed")
		}
		if _, err := os.Stat(out); err != nil {
			t.Logf("no partial output written (%v)", err)
			return
		}
		// A partial output, if written, is valid and records the error;
		// cell 3 did not run.
		validate(t, out)
		nb := readNotebook(t, out)
		if got := outputText(nb.Cells[0].Outputs); !strings.Contains(got, "first cell ran") {
			t.Errorf("cell 1 outputs %q", got)
		}
		if !hasError(nb.Cells[1].Outputs, "boom in cell two") {
			t.Errorf("cell 2 outputs lack the error: %+v", nb.Cells[1].Outputs)
		}
		if got := outputText(nb.Cells[2].Outputs); strings.Contains(got, "third cell ran") || nb.Cells[2].ExecutionCount != nil {
			t.Errorf("cell 3 ran after the failing cell 2: %q", got)
		}
	})

	t.Run("cell error --allow-errors", func(t *testing.T) {
		out := filepath.Join(dir, "failing-allowed.ipynb")
		r := run(t, dir, time.Minute, nil, binary, "run", in, "-o", out, "--allow-errors")
		if r.code != 0 {
			t.Fatalf("--allow-errors: exit %d, want 0\nstderr:\n%s", r.code, r.stderr)
		}
		validate(t, out)
		nb := readNotebook(t, out)
		if !hasError(nb.Cells[1].Outputs, "boom in cell two") {
			t.Errorf("cell 2 outputs lack the recorded error: %+v", nb.Cells[1].Outputs)
		}
		if got := outputText(nb.Cells[1].Outputs); !strings.Contains(got, "before the panic") {
			t.Errorf("cell 2 lost its output before the panic: %q", got)
		}
		if got := outputText(nb.Cells[2].Outputs); !strings.Contains(got, "third cell ran 42") {
			t.Errorf("cell 3 (after the error) outputs %q, want \"third cell ran 42\"", got)
		}
	})
}

func outputText(outs []output) string {
	var b strings.Builder
	for _, o := range outs {
		b.WriteString(string(o.Text))
	}
	return b.String()
}

func hasError(outs []output, text string) bool {
	for _, o := range outs {
		if o.OutputType == "error" && strings.Contains(o.Evalue, text) {
			return true
		}
	}
	return false
}

// TestRunOutputOrder: `gokernel run` records prints and displays in the
// order the cell made them, and clear_output(wait) clears what came before.
func TestRunOutputOrder(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "order.ipynb")
	writeFile(t, in, makeNotebook(t, "go",
		"import \"github.com/gokernel/gokernel/mlstd/display\"\n"+orderCell,
		clearCell))
	out := filepath.Join(dir, "order.out.ipynb")
	if r := run(t, dir, time.Minute, nil, binary, "run", in); r.code != 0 {
		t.Fatalf("gokernel run: exit %d\n%s", r.code, r.stderr)
	}
	validate(t, out)
	nb := readNotebook(t, out)
	var got, want []string
	for i := range 20 {
		want = append(want, fmt.Sprintf("line %d", i), fmt.Sprintf("<i>html %d</i>", i))
	}
	for _, o := range nb.Cells[0].Outputs {
		switch o.OutputType {
		case "stream":
			got = append(got, strings.Split(strings.TrimSuffix(string(o.Text), "\n"), "\n")...)
		case "display_data":
			var html multiString
			b, _ := json.Marshal(o.Data["text/html"])
			json.Unmarshal(b, &html)
			got = append(got, string(html))
		}
	}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("cell 1 outputs out of order:\ngot  %q\nwant %q", got, want)
	}
	if got := outputText(nb.Cells[1].Outputs); got != "shown after the clear\n" {
		t.Errorf("cell 2 after clear_output(true): %q, want only \"shown after the clear\\n\"", got)
	}
}

// TestRunTimeout: --timeout interrupts a cell that runs too long; the run
// fails naming the cell, and later cells do not run.
func TestRunTimeout(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "slow.ipynb")
	writeFile(t, in, makeNotebook(t, "go",
		"import \"time\"\nfmt.Println(\"fast cell\")\n",
		"for {\n\ttime.Sleep(10 * time.Millisecond)\n}\n",
		"fmt.Println(\"after the slow cell\")\n"))
	out := filepath.Join(dir, "slow.out.ipynb")
	r := run(t, dir, time.Minute, nil, binary, "run", in, "--timeout", "1s")
	t.Logf("exit %d after %.1fs\n%s", r.code, r.elapsed.Seconds(), r.stderr)
	if r.code == 0 {
		t.Fatalf("exit 0 for a cell that never ends")
	}
	if r.elapsed > 15*time.Second {
		t.Errorf("--timeout 1s took %v to stop the run", r.elapsed)
	}
	if !strings.Contains(r.stderr, "cell 2") {
		t.Errorf("stderr does not name cell 2:\n%s", r.stderr)
	}
	validate(t, out)
	nb := readNotebook(t, out)
	if !hasError(nb.Cells[1].Outputs, "") {
		t.Errorf("cell 2 has no error output: %+v", nb.Cells[1].Outputs)
	}
	if !strings.Contains(r.stderr, "TimeoutError") || !strings.Contains(r.stderr, "timed out after 1s") {
		t.Errorf("stderr does not say the cell timed out:\n%s", r.stderr)
	}
	if strings.Contains(outputText(nb.Cells[2].Outputs), "after the slow cell") {
		t.Errorf("cell 3 ran after the timed-out cell")
	}
}
