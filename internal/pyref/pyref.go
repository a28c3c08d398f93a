package pyref

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Python is the interpreter that has the reference packages.
const Python = "/usr/bin/python3"

// Required reports whether GOKERNEL_REQUIRE_CLIENTS=1 forbids skipping a
// comparison because its reference is missing.
func Required() bool { return os.Getenv("GOKERNEL_REQUIRE_CLIENTS") == "1" }

// Missing returns why Python cannot import the modules, or "" when it can.
func Missing(modules ...string) string {
	out, err := exec.Command(Python, "-c", "import "+strings.Join(modules, ", ")).CombinedOutput()
	if err == nil {
		return ""
	}
	return Python + " cannot import " + strings.Join(modules, ", ") + " (apt-get install the python3-* packages): " +
		err.Error() + " " + string(bytes.TrimSpace(out))
}

// Require skips t when Python cannot import every module, or fails it when
// Required.
func Require(t testing.TB, modules ...string) {
	t.Helper()
	if why := Missing(modules...); why != "" {
		if Required() {
			t.Fatalf("GOKERNEL_REQUIRE_CLIENTS=1: %s", why)
		}
		t.Skip(why)
	}
}

// Run runs the Python source script with the JSON of in on stdin and
// decodes its standard output, JSON, into out.
func Run(t testing.TB, script string, in, out any) {
	t.Helper()
	if err := Call(in, out, "-c", script); err != nil {
		t.Fatal(err)
	}
}

// RunFile is Run for a script file (a path relative to the test's package
// directory, such as "testdata/torch_ref.py").
func RunFile(t testing.TB, path string, in, out any) {
	t.Helper()
	if err := Call(in, out, path); err != nil {
		t.Fatal(err)
	}
}

// Call runs Python with args (a script path, or "-c" and source), the JSON
// of in on stdin, and decodes its JSON standard output into out: Run and
// RunFile for callers without a testing.TB (a reference computed once for
// several tests).
func Call(in, out any, args ...string) error {
	name := args[0]
	if name == "-c" {
		name = "python"
	}
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	cmd := exec.Command(Python, args...)
	cmd.Stdin = bytes.NewReader(data)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	res, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", name, err, stderr.String())
	}
	if err := json.Unmarshal(res, out); err != nil {
		return fmt.Errorf("%s: bad output: %v\n%.500s", name, err, res)
	}
	return nil
}
