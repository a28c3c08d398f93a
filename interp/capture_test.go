package interp

import (
	"context"
	"fmt"
	"log"
	"os"
	"reflect"
	"strings"
	"testing"

	yaegi "github.com/traefik/yaegi/interp"
)

// TestCaptureFDs checks that output written by compiled code to the
// process's fd 1 (not through the interpreter) reaches the running cell.
func TestCaptureFDs(t *testing.T) {
	s, err := New(Options{CaptureFDs: true})
	if err != nil {
		t.Fatal(err)
	}
	err = s.yi.Use(yaegi.Exports{"capt/capt": {
		"Hello": reflect.ValueOf(func() { fmt.Fprintln(os.Stdout, "compiled hello") }),
	}})
	var o, e syncBuf
	var res map[string]any
	if err == nil {
		res, err = s.Execute(context.Background(), "import \"capt\"\ncapt.Hello()\nfmt.Println(\"interpreted\")\n1", Output{Stdout: &o, Stderr: &e})
	}
	s.Close() // restores fds 1 and 2 before the test reports anything
	if err != nil {
		t.Fatal(err)
	}
	if got := o.String(); got != "compiled hello\ninterpreted\n" || res["text/plain"] != "1" {
		t.Fatalf("captured stdout %q, result %v", got, res)
	}
}

// TestYaegiLogFilter checks that yaegi's pre-panic log lines are dropped
// and the host's own log lines pass.
func TestYaegiLogFilter(t *testing.T) {
	var b syncBuf
	l := log.New(yaegiLogFilter{&b}, "", log.LstdFlags)
	l.Print("nil type")
	l.Print("nil reflect type")
	l.Print("kernel: heartbeat ok")
	if got := b.String(); !strings.HasSuffix(got, " kernel: heartbeat ok\n") || strings.Count(got, "\n") != 1 {
		t.Fatalf("log output %q", got)
	}
}
