package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gokernel/gokernel/internal/notebookrun"
	"github.com/gokernel/gokernel/internal/script"
)

const runUsage = `usage: gokernel run [-i] FILE.go [ARGS...]
       gokernel run NOTEBOOK.ipynb [-o OUT.ipynb] [--timeout D] [--allow-errors]

A Go file runs on the notebook engine with mlstd: either a package main
file (main runs) or a script of top-level statements, declarations and
imports (the notebook cell language). ARGS become os.Args[1:]; the exit
status and stderr are the compiled program's (os.Exit(n) gives n, log.Fatal
1, a panic in main or in a goroutine 2 with "panic: VALUE", a compile error
1; Ctrl-C stops it where it is, says where, and kills gokernel with SIGINT,
as it kills a Go program; errors name FILE:LINE). A first line "#!/usr/bin/env -S gokernel run"
makes the file executable directly. With -i the REPL starts after the
script, with its variables and functions.

A notebook runs cell by cell in a fresh session, in its own directory; the
executed notebook is written beside it (NAME.out.ipynb), or to -o OUT.ipynb
(relative to the current directory; its directory is created), with its
images in NAME.out_files/. "cell N" is the cell shown as In [N].

flags:
`

func init() {
	commands["run"] = command{
		usage:   "run [-i] FILE.go [ARGS...] | NOTEBOOK.ipynb [flags]",
		summary: "run a Go script, or execute a notebook headless",
		run: func(ctx context.Context, args []string) error {
			code, err := runCommand(ctx, args, os.Stdout, os.Stderr)
			if err != nil {
				return err
			}
			if code != 0 {
				os.Exit(code) // the script's own status; its error was printed
			}
			return nil
		},
	}
}

// runFlags are the options of `gokernel run`.
type runFlags struct {
	interactive bool
	nb          notebookrun.Options
}

func newRunFlagSet(f *runFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by main
	fs.Usage = func() {}
	fs.BoolVar(&f.interactive, "i", false, "Go scripts: start the REPL after the script, with its state")
	fs.StringVar(&f.nb.Out, "o", "", "notebooks: write the executed notebook to `file` (default NAME.out.ipynb)")
	fs.DurationVar(&f.nb.Timeout, "timeout", 0, "notebooks: interrupt a cell that runs longer than `duration` (0: no limit)")
	fs.BoolVar(&f.nb.AllowErrors, "allow-errors", false, "notebooks: run every cell even after one fails (exit status 0)")
	return fs
}

// runCommand implements `gokernel run` and returns the process exit
// status. err is set only for bad arguments (wrapping errUsage) and -h.
func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	f := &runFlags{}
	fs := newRunFlagSet(f)
	parse := func(args []string) error {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, runUsage)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return err
		}
		if err != nil {
			return usageErrorf("%v", err)
		}
		return nil
	}
	if err := parse(args); err != nil {
		return 0, err
	}
	if fs.NArg() == 0 {
		return 0, usageErrorf("run needs a .go or .ipynb file")
	}
	path, rest := fs.Arg(0), fs.Args()[1:]
	if strings.EqualFold(filepath.Ext(path), ".ipynb") {
		// Notebook flags may also follow the file name.
		for len(rest) > 0 {
			if err := parse(rest); err != nil {
				return 0, err
			}
			if fs.NArg() > 0 {
				return 0, usageErrorf("a notebook takes no arguments (got %q)", fs.Arg(0))
			}
			rest = nil
		}
		if f.interactive {
			return 0, usageErrorf("-i works with Go files, not notebooks")
		}
		return runNotebookCommand(path, f.nb, stdout, stderr), nil
	}
	if f.nb.Out != "" || f.nb.Timeout != 0 || f.nb.AllowErrors {
		return 0, usageErrorf("-o, --timeout and --allow-errors are for notebooks; flags after %s go to the script", path)
	}
	return script.Run(ctx, path, rest, f.interactive, stderr), nil
}

// runNotebookCommand executes a notebook, reporting progress on stderr and
// the files written on stdout.
func runNotebookCommand(path string, opts notebookrun.Options, stdout, stderr io.Writer) int {
	opts.Progress = stderr
	out, images, err := notebookrun.Run(path, opts)
	if out != "" {
		fmt.Fprintf(stdout, "executed notebook: %s\n", out)
		for _, img := range images {
			fmt.Fprintf(stdout, "image: %s\n", img)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "gokernel %v\n", err)
		return 1
	}
	return 0
}
