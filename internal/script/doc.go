// Package script is `gokernel run FILE.go [ARGS...]`, and with -i the REPL
// after it: the terminal side of running a Go file as a program. The
// engine does the running (interp.Session.RunFile: a package main file in
// Go's declaration order, inits, then main; a file without a package
// clause as one cell; positions as FILE:LINE and Go's names for main and
// init) and says how the program ends as an *interp.ExitError: its exit
// status (os.Exit(n) gives n, log.Fatal 1, a panic in main or in a
// goroutine 2, a stack overflow 2, a compile error 1) and what the
// compiled program would print on stderr. This package sets os.Args, runs
// the file on the terminal of package repl (progress bars, saved
// displays, stdin), prints that report, returns the status, and on Ctrl-C
// stops the script and dies of SIGINT, as a Go program does.
package script
