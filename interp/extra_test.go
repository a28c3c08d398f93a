package interp

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/host"
)

func TestMagics(t *testing.T) {
	s := newSession(t)
	if _, _, _, err := run(s, "alpha := 3\nbeta := \"x\""); err != nil {
		t.Fatal(err)
	}
	_, out, _, err := run(s, "%who")
	if err != nil || !strings.Contains(out, "alpha") || !strings.Contains(out, "int") || !strings.Contains(out, "beta") || strings.Contains(out, "__gk") {
		t.Fatalf("%%who: %q %v", out, err)
	}
	res, out, _, err := run(s, "%%time\ntime.Sleep(20 * time.Millisecond)\nalpha * 2")
	if err != nil || res != "6" || !strings.Contains(out, "Wall time: ") {
		t.Fatalf("%%%%time: %q %q %v", res, out, err)
	}
	_, out, _, err = run(s, "%help")
	if err != nil || !strings.Contains(out, "%reset") {
		t.Fatalf("%%help: %q %v", out, err)
	}
	_, out, _, err = run(s, "!echo hi from sh")
	if err != nil || out != "hi from sh\n" {
		t.Fatalf("!echo: %q %v", out, err)
	}
	if _, _, _, err = run(s, "%env GK_TEST_VAR=42"); err != nil {
		t.Fatal(err)
	}
	if res, _, _, err = run(s, "os.Getenv(\"GK_TEST_VAR\")"); err != nil || res != "42" {
		t.Fatalf("%%env then os.Getenv: %q %v", res, err)
	}
	if _, _, _, err = run(s, "%reset"); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err = run(s, "alpha"); err == nil {
		t.Fatal("alpha still defined after %reset")
	}
	if res, _, _, err = run(s, "type T struct{ B string }\nT{\"ok\"}.B"); err != nil || res != "ok" {
		t.Fatalf("after %%reset: %q %v", res, err)
	}
	if _, _, _, err = run(s, "%nosuch"); err == nil {
		t.Fatal("unknown magic accepted")
	}
}

func TestCompleteAndInspect(t *testing.T) {
	s := newSession(t)
	if _, _, _, err := run(s, "type Pt struct{ X, Y int }\nfunc (p Pt) Norm() int { return p.X + p.Y }\nmyPoint := Pt{1, 2}\nmyCount := 3"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for _, c := range []struct {
		code string
		want string
		from int
	}{
		{"my", "myCount", 0},
		{"x := strings.ToU", "ToUpper", 13},
		{"myPoint.N", "Norm", 8},
		{"myPoint.", "X", 8},
		{"fmt.Sprin", "Sprintf", 4},
		{"ran", "range", 0},
		{"é := tensor.Ze", "Zeros", 12},
	} {
		m, st, end := s.Complete(c.code, len([]rune(c.code)))
		found := false
		for _, x := range m {
			found = found || x == c.want
		}
		if !found || st != c.from || end != len([]rune(c.code)) {
			t.Errorf("Complete(%q) = %v [%d,%d], want %s from %d", c.code, m, st, end, c.want, c.from)
		}
	}
	if d := time.Since(start); d > 7*50*time.Millisecond {
		t.Errorf("7 completions took %v", d)
	}
	b, ok := s.Inspect("strings.ToUpper(x)", 10, 0)
	if !ok || !strings.Contains(b["text/plain"].(string), "func strings.ToUpper(string) string") || !strings.Contains(b["text/plain"].(string), "upper case") {
		t.Errorf("Inspect strings.ToUpper: %v %v", b, ok)
	}
	b, ok = s.Inspect("myCount + 1", 2, 0)
	if !ok || !strings.Contains(b["text/plain"].(string), "myCount int = 3") {
		t.Errorf("Inspect myCount: %v %v", b, ok)
	}
	b, ok = s.Inspect("tensor.Zeros", 9, 0)
	if !ok || !strings.Contains(b["text/plain"].(string), "func tensor.Zeros") {
		t.Errorf("Inspect tensor.Zeros: %v %v", b, ok)
	}
	if _, _, _, err := run(s, "tt := tensor.Zeros(2)"); err != nil {
		t.Fatal(err)
	}
	b, ok = s.Inspect("tt.MatMul(w)", 5, 0)
	if !ok || b["text/plain"] != "func (*tensor.Tensor) MatMul(*tensor.Tensor) *tensor.Tensor" {
		t.Errorf("Inspect tt.MatMul: %v %v", b, ok)
	}
	if _, ok := s.Inspect("nothingHere", 3, 0); ok {
		t.Error("Inspect of an unknown name reported found")
	}
}

func TestMLStdInCells(t *testing.T) {
	s := newSession(t)
	res, _, _, err := run(s, "x := tensor.New([]float32{1, 2, 3, 4}, 2, 2)\nx.Shape()")
	if err != nil || res != "[2 2]" {
		t.Fatalf("tensor in a cell: %q %v", res, err)
	}
	// A long compiled loop polling host.Check is interrupted through the same flag.
	go func() {
		time.Sleep(100 * time.Millisecond)
		s.Interrupt()
	}()
	_, _, _, err = run(s, "for { host.Check() }")
	if ce, ok := err.(*CellError); !ok || ce.Name != "KeyboardInterrupt" {
		t.Fatalf("host.Check loop: %v", err)
	}
}

// TestShowFront: a cell's events reach its Output.Show, and mlstd sees the
// front end of the running cell: a rich one, a live terminal, none.
func TestShowFront(t *testing.T) {
	s := newSession(t)
	var got []Event
	out := Output{Show: func(e Event) { got = append(got, e) }, Rich: true}
	r, err := s.Execute(context.Background(), "host.Show(host.Display{Data: map[string]any{\"text/plain\": \"hi\"}, ID: \"d\"})\nhost.Show(host.Status{Line: \"s\"})\nhost.Rich()", out)
	if err != nil || r["text/plain"] != "true" {
		t.Fatalf("rich front end: %v %v", r, err)
	}
	if len(got) != 2 || got[0].(Display).ID != "d" || got[1] != (Status{Line: "s"}) {
		t.Fatalf("shown %#v", got)
	}
	r, err = s.Execute(context.Background(), "host.Rich() || !host.LiveStatus()", Output{Show: func(Event) {}, LiveStatus: true})
	if err != nil || r["text/plain"] != "false" {
		t.Fatalf("live terminal: %v %v", r, err)
	}
	r, err = s.Execute(context.Background(), "host.Rich() || host.LiveStatus() || host.Show(host.Clear{})", Output{Rich: true, LiveStatus: true})
	if err != nil || r["text/plain"] != "false" {
		t.Fatalf("no Show, no front end: %v %v", r, err)
	}
}

func TestInput(t *testing.T) {
	s := newSession(t)
	var prompts int
	out := Output{Input: func(prompt string, password bool) (string, error) {
		prompts++
		return "17 abc", nil
	}}
	r, err := s.Execute(context.Background(), "var n int\nvar w string\nfmt.Scan(&n, &w)\nfmt.Sprint(n*2, w)", out)
	if err != nil || r["text/plain"] != "34abc" || prompts != 1 {
		t.Fatalf("fmt.Scan via Input: %v %v (prompts %d)", r, err, prompts)
	}
}

// TestInterruptBeforeStart checks that an interrupt arriving after Execute
// was called but before the cell started is not lost, and that an older
// one does not stop the next cell.
func TestInterruptBeforeStart(t *testing.T) {
	in := newInterrupter(new(host.Session))
	entered := time.Now()
	in.trigger()
	if in.resetBefore(entered); !in.raised() {
		t.Fatal("an interrupt after entry was cleared")
	}
	if in.resetBefore(time.Now().Add(time.Millisecond)); in.raised() {
		t.Fatal("an interrupt before entry was kept")
	}

	s := newSession(t)
	done := make(chan error, 2)
	go func() {
		_, err := s.Execute(context.Background(), "for { time.Sleep(time.Millisecond) }", Output{})
		done <- err
	}()
	time.Sleep(100 * time.Millisecond) // the loop is running
	go func() {
		_, err := s.Execute(context.Background(), "fmt.Println(\"queued\")\nfor { time.Sleep(time.Millisecond) }", Output{})
		done <- err
	}()
	time.Sleep(50 * time.Millisecond) // the second cell waits for the first
	s.Interrupt()
	for i := 0; i < 2; i++ {
		select {
		case err := <-done:
			if ce, ok := err.(*CellError); !ok || ce.Name != "KeyboardInterrupt" {
				t.Fatalf("cell %d: %v, want KeyboardInterrupt", i+1, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a cell did not stop")
		}
	}
	if r, err := s.Execute(context.Background(), "1 + 1", Output{}); err != nil || r["text/plain"] != "2" {
		t.Fatalf("a cell after the interrupt: %v %v", r, err)
	}
}

// TestCellModuleInSequential: a layer type defined in a cell reaches nn
// as the interpreter's wrapper, which interp/symbols gives a String, so
// nn prints and summarises it without knowing the interpreter, and the
// model runs the cell's Forward.
func TestCellModuleInSequential(t *testing.T) {
	s := newSession(t)
	code := `import (
	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)
type Scale struct{ K float64 }
func (s *Scale) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Scale(s.K) }
func (s *Scale) Parameters() []*tensor.Tensor { return nil }
m := nn.NewSequentialFrom([]nn.Module{nn.NewReLU(), &Scale{K: 2}})
fmt.Println(m)
fmt.Println(nn.Summary(m).Rows[1].Type)
m.Forward(tensor.New([]float32{-1, 3}, 1, 2)).Float64s()`
	res, out, _, err := run(s, code)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Sequential(\n  (0): ReLU()\n  (1): Module(&{K:2})\n)\nModule\n"; out != want {
		t.Errorf("printed %q, want %q", out, want)
	}
	if res != "[0 6]" {
		t.Errorf("Forward = %s, want [0 6]", res)
	}
}
