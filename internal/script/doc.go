// Package script runs Go files from the terminal: `gokernel run FILE.go
// [ARGS...]`, and with -i the REPL after it. Scripts run on the same engine
// as notebook cells, on the terminal of package repl, and end as a
// compiled Go program would: os.Exit(n) gives n (an *interp.ExitError),
// log.Fatal 1, a panic in main or in a goroutine 2 with "panic: VALUE",
// a compile error 1, Ctrl-C death by SIGINT; errors name FILE:LINE.
//
// # A file as one cell
//
// A file without a package clause is one cell (top-level statements,
// declarations and imports in any order). A `package main` file becomes
// such a cell too; loadScript bridges the two differences between a Go
// package and a cell, which runs its items one after another:
//
//   - func main and the init funcs are renamed to gokernel_main and
//     gokernel_initN (yaegi would run a main it sees at once, before the
//     functions declared after it exist), and calls to the inits and then
//     main are appended at the end;
//   - the declarations are put in dependency order, as Go initializes a
//     package (a func using a var declared below it, a var set by a func
//     declared below it), keeping the file's order wherever it works
//     (declOrder: strongly connected components of the "must run before"
//     graph, placed as soon as what they need is placed).
//
// A shebang line becomes a comment. The cell keeps a map from its lines to
// the file's: interp.CellError.InFile gives the engine's positions ("cell
// 1, line 7:") as the file's ("train.go:7:"), so the format of the engine's
// messages is read only where it is written; the renamed entry points read
// main and init again (message).
//
// # What is still to move into interp
//
// Issue 18 asks for this to become Session.RunFile in interp: declaration
// ordering shared with precheck's hoisting (which orders only func and
// type declarations around statements that keep their order, where a
// package needs its vars ordered too), Go's own names kept, positions given
// by //line directives instead of mapped afterwards.
package script
