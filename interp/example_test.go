package interp_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/gokernel/gokernel/interp"
)

func ExampleSession_Execute() {
	s, err := interp.New(interp.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	out := interp.Output{Stdout: os.Stdout, Stderr: os.Stdout}
	ctx := context.Background()

	// Declarations and statements mix; fmt is imported automatically.
	s.Execute(ctx, "func sq(x int) int { return x * x }\nfor i := range 3 { fmt.Print(sq(i), \";\") }\nfmt.Println()", out)

	// A trailing expression is the cell's result.
	res, _ := s.Execute(ctx, "sq(12)", out)
	fmt.Println(res["text/plain"])

	// Errors name the cell and line; compile and type errors are found
	// before anything in the cell runs.
	_, err = s.Execute(ctx, "fmt.Println(\"not printed\")\nvar s string = 5", out)
	fmt.Println(err)
	_, err = s.Execute(ctx, "fmt.Println(\"not printed\")\nfmt.Println(yy)", out)
	fmt.Println(err)
	// Output:
	// 0;1;4;
	// 144
	// CompileError: cell 3, line 2: cannot use 5 (untyped int constant) as string value in variable declaration (nothing in this cell ran)
	// CompileError: cell 4, line 2: undefined: yy (nothing in this cell ran)
}

func ExampleSession_IsComplete() {
	s, _ := interp.New(interp.Options{})
	defer s.Close()
	fmt.Printf("%q\n", fmt.Sprint(s.IsComplete("func f() {")))
	fmt.Printf("%q\n", fmt.Sprint(s.IsComplete("x := 1")))
	// Output:
	// "incomplete\t"
	// "complete"
}

// A front end receives what a cell shows as typed events and renders them
// its own way; this one, a terminal without a live status line, prints
// them. Progress shows as Status lines because the front end is not Rich.
func ExampleOutput_show() {
	s, err := interp.New(interp.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	out := interp.Output{Stdout: os.Stdout, Show: func(e interp.Event) {
		switch e := e.(type) {
		case interp.Display:
			fmt.Printf("[display %q]\n", e.Data["text/plain"])
		case interp.Update:
			fmt.Printf("[update %q]\n", e.Data["text/plain"])
		case interp.Clear:
			fmt.Println("[clear]")
		case interp.Status:
			first, _, _ := strings.Cut(e.Line, "  ") // then rate and time, which vary
			fmt.Printf("[status %q… final=%v]\n", first, e.Final)
		}
	}}
	s.Execute(context.Background(), `import (
	"github.com/gokernel/gokernel/mlstd/display"
	"github.com/gokernel/gokernel/mlstd/train"
)
h := display.New("step 1")
fmt.Println("between")
h.Update("step 2")
p := train.NewProgress(1, 1)
p.Batch(0.5)
p.Stop("stopped")`, out)
	// Output:
	// [display "step 1"]
	// between
	// [update "step 2"]
	// [status "stopped: epoch 1/1"… final=true]
}

// Redefinitions: a function redefined reaches the callers defined before
// it; a changed type is a new type, earlier definitions that mention it
// are re-bound (the engine says so on stderr), and old values keep the old
// type.
func ExampleSession_Execute_redefinition() {
	s, err := interp.New(interp.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	out := interp.Output{Stdout: os.Stdout, Stderr: os.Stdout}
	ctx := context.Background()
	for _, cell := range []string{
		"func rate() float64 { return 0.1 }\nfunc step(x float64) float64 { return x * rate() }",
		"func rate() float64 { return 0.5 }\nfmt.Println(step(2))",
		"type Point struct{ X int }\nfunc (p Point) String() string { return fmt.Sprint(\"x=\", p.X) }\norigin := Point{1}",
		"type Point struct{ X, Y int }", // (its note on stderr)
		"fmt.Println(Point{2, 3}.String(), origin.String())",
	} {
		if _, err := s.Execute(ctx, cell, out); err != nil {
			fmt.Println(err)
		}
	}
	// Output:
	// 1
	// note: type Point changed; re-bound to the new definition: method Point.String (cell 3)
	// x=2 x=1
}
