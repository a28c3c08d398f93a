package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunMainDispatch(t *testing.T) {
	for _, tt := range []struct {
		args []string
		code int
		err  string // in stderr
	}{
		{[]string{"no-such-command"}, 2, `unknown command "no-such-command"`},
		{[]string{"version", "extra"}, 2, "usage: gokernel version"},
		{[]string{"kernel"}, 2, "need -f CONNECTION_FILE"},
		{[]string{"kernel", "-f", "/nonexistent/kernel.json"}, 1, "no such file"},
		{[]string{"install", "--user", "--prefix", "/tmp/x"}, 2, "choose one of"},
		{[]string{"uninstall", "--prefix", "/nonexistent-prefix"}, 1, "not installed"},
	} {
		var stderr bytes.Buffer
		code := runMain(context.Background(), tt.args, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.err) {
			t.Errorf("gokernel %q: exit %d, stderr %q; want %d and %q", tt.args, code, stderr.String(), tt.code, tt.err)
		}
	}
}

func TestInstallCommand(t *testing.T) {
	prefix := t.TempDir()
	var stderr bytes.Buffer
	if code := runMain(context.Background(), []string{"install", "--prefix", prefix, "--name", "gk-test"}, &stderr); code != 0 {
		t.Fatalf("install: exit %d: %s", code, stderr.String())
	}
	spec := filepath.Join(prefix, "share", "jupyter", "kernels", "gk-test", "kernel.json")
	b, err := os.ReadFile(spec)
	if err != nil {
		t.Fatal(err)
	}
	exe, _ := os.Executable()
	if !strings.Contains(string(b), exe) {
		t.Errorf("kernel.json does not name this binary %s:\n%s", exe, b)
	}
	if code := runMain(context.Background(), []string{"uninstall", "--prefix", prefix, "--name", "gk-test"}, &stderr); code != 0 {
		t.Fatalf("uninstall: exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(spec); !os.IsNotExist(err) {
		t.Errorf("kernel.json still there after uninstall")
	}
}
