package notebooks_test

// End-to-end checks of the notebooks (issue 7) and of rich display
// through the real kernel (issue 5). TestMain builds the gokernel binary
// once and installs its kernelspec into a temporary Jupyter data dir;
// the tests drive it with `gokernel run`, with Debian's Jupyter clients
// (nbclient, jupyter_client, nbformat, classic Notebook) run by
// /usr/bin/python3, and with headless Chromium. A missing client skips its
// test with the reason, unless GOKERNEL_REQUIRE_CLIENTS=1 makes it fail.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// python is Debian's interpreter, the one with the Jupyter packages.
const python = "/usr/bin/python3"

var (
	tmpRoot string // removed after the tests
	binary  string // the gokernel built for this run
	// clientEnv is the environment of every subprocess: Jupyter's dirs
	// point into tmpRoot (nothing touches $HOME) and the notebooks train
	// for one epoch.
	clientEnv []string
)

func TestMain(m *testing.M) {
	code, err := setup(m)
	if err != nil {
		fmt.Fprintf(os.Stderr, "notebooks_test: %v\n", err)
		code = 1
	}
	if tmpRoot != "" {
		os.RemoveAll(tmpRoot)
	}
	os.Exit(code)
}

func setup(m *testing.M) (int, error) {
	var err error
	tmpRoot, err = os.MkdirTemp("", "gokernel-notebooks-test-")
	if err != nil {
		return 1, err
	}
	binary = filepath.Join(tmpRoot, "gokernel")
	build := exec.Command("go", "build", "-o", binary, "..")
	if out, err := build.CombinedOutput(); err != nil {
		return 1, fmt.Errorf("go build: %v\n%s", err, out)
	}
	dirs := map[string]string{
		"JUPYTER_DATA_DIR":    "jupyter-data",
		"JUPYTER_CONFIG_DIR":  "jupyter-config",
		"JUPYTER_RUNTIME_DIR": "jupyter-runtime",
		"IPYTHONDIR":          "ipython",
	}
	env := []string{}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if _, ours := dirs[k]; ours || k == "JUPYTER_PATH" || k == "GOKERNEL_EPOCHS" {
			continue
		}
		env = append(env, kv)
	}
	for k, d := range dirs {
		p := filepath.Join(tmpRoot, d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			return 1, err
		}
		env = append(env, k+"="+p)
	}
	env = append(env, "JUPYTER_PATH="+filepath.Join(tmpRoot, "jupyter-data"), "GOKERNEL_EPOCHS=1")
	clientEnv = env
	install := exec.Command(binary, "install", "--user")
	install.Env = clientEnv
	if out, err := install.CombinedOutput(); err != nil {
		return 1, fmt.Errorf("gokernel install --user: %v\n%s", err, out)
	}
	spec := filepath.Join(tmpRoot, "jupyter-data", "kernels", "gokernel", "kernel.json")
	if _, err := os.Stat(spec); err != nil {
		return 1, fmt.Errorf("gokernel install did not write %s: %v", spec, err)
	}
	return m.Run(), nil
}

// missing skips t because a client is not installed, or fails it when
// GOKERNEL_REQUIRE_CLIENTS=1 (CI, where the clients must be there).
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("GOKERNEL_REQUIRE_CLIENTS") == "1" {
		t.Fatalf("%s (GOKERNEL_REQUIRE_CLIENTS=1)", msg)
	}
	t.Skip(msg)
}

var pyChecks sync.Map // module list → error (nil when importable)

// needPython skips (or fails, see missing) unless /usr/bin/python3 imports
// every module.
func needPython(t *testing.T, modules ...string) {
	t.Helper()
	key := strings.Join(modules, ", ")
	v, ok := pyChecks.Load(key)
	if !ok {
		var err error
		if _, serr := os.Stat(python); serr != nil {
			err = serr
		} else if out, cerr := exec.Command(python, "-c", "import "+key).CombinedOutput(); cerr != nil {
			err = fmt.Errorf("%v: %s", cerr, lastLine(string(out)))
		}
		pyChecks.Store(key, err)
		v = err
	}
	if err, _ := v.(error); err != nil {
		missing(t, "%s cannot import %s (Debian packages python3-jupyter-client, python3-nbclient, python3-nbformat): %v", python, key, err)
	}
}

// needFile skips (or fails) unless path exists.
func needFile(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		missing(t, "%s is missing (Debian package %s)", path, pkg)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// result is a finished subprocess.
type result struct {
	code           int
	stdout, stderr string
	elapsed        time.Duration
}

// run runs name with args in dir with clientEnv plus extra, killing it
// (and its process group) after timeout. A failure to start fails t.
func run(t *testing.T, dir string, timeout time.Duration, extra []string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, clientEnv...), extra...)
	setProcessGroup(cmd)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), elapsed: time.Since(start)}
	if ctx.Err() != nil {
		t.Fatalf("%s %s: killed after %v\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), timeout, r.stdout, tail(r.stderr, 3000))
	}
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return r
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// notebookNames lists the committed notebooks, e.g. "mnist.ipynb".
func notebookNames(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob("*.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range paths {
		if !strings.HasSuffix(p, ".out.ipynb") {
			names = append(names, p)
		}
	}
	if len(names) == 0 {
		t.Fatal("no notebooks in notebooks/")
	}
	return names
}

// copyNotebooks copies the regular files of notebooks/ (not tests) into a
// fresh temp dir, so files the notebooks write do not land in the repo.
func copyNotebooks(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		copyFile(t, e.Name(), filepath.Join(dst, e.Name()))
	}
	return dst
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// notebook is the part of nbformat 4 the checks read.
type notebook struct {
	Metadata map[string]any `json:"metadata"`
	Cells    []struct {
		CellType       string          `json:"cell_type"`
		Source         json.RawMessage `json:"source"`
		ExecutionCount *int            `json:"execution_count"`
		Outputs        []output        `json:"outputs"`
	} `json:"cells"`
}

type output struct {
	OutputType string         `json:"output_type"`
	Name       string         `json:"name"`
	Text       multiString    `json:"text"`
	Data       map[string]any `json:"data"`
	Ename      string         `json:"ename"`
	Evalue     string         `json:"evalue"`
}

// multiString is nbformat's string-or-list-of-strings.
type multiString string

func (m *multiString) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*m = multiString(s)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*m = multiString(strings.Join(list, ""))
	return nil
}

func readNotebook(t *testing.T, path string) *notebook {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	nb := &notebook{}
	if err := json.Unmarshal(b, nb); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return nb
}

func (c *multiString) String() string { return string(*c) }

// source returns a cell's source text.
func source(raw json.RawMessage) string {
	var m multiString
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return ""
	}
	return string(m)
}

// validate runs nbformat.validate on each notebook.
func validate(t *testing.T, paths ...string) {
	t.Helper()
	needPython(t, "nbformat")
	r := run(t, ".", time.Minute, nil, python, append([]string{"testdata/validate.py"}, absAll(t, paths)...)...)
	if r.code != 0 {
		t.Fatalf("nbformat.validate failed:\n%s%s", r.stdout, tail(r.stderr, 3000))
	}
}

func absAll(t *testing.T, paths []string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		a, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = a
	}
	return out
}

var (
	progressTag = regexp.MustCompile(`<progress\b[^>]*>`)
	attrValue   = regexp.MustCompile(`\bvalue="([0-9.]+)"`)
	attrMax     = regexp.MustCompile(`\bmax="([0-9.]+)"`)
	ariaFull    = regexp.MustCompile(`role="progressbar"[^>]*aria-valuenow="100"`)
)

// fullBar reports whether html holds a finished progress bar: a
// <progress> element with value = max (max defaults to 1), or an ARIA
// progressbar at 100.
func fullBar(html string) bool {
	for _, tag := range progressTag.FindAllString(html, -1) {
		v := attrValue.FindStringSubmatch(tag)
		m := attrMax.FindStringSubmatch(tag)
		max := "1"
		if m != nil {
			max = m[1]
		}
		if v != nil && v[1] == max {
			return true
		}
	}
	return ariaFull.MatchString(html)
}
