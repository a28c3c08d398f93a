// Command gokernel is a Jupyter kernel for Go with a compiled ML standard
// library, plus the tools around it (installer, notebook runner, REPL,
// model server).
//
// package main is wiring: each subcommand parses its flags and calls into
// the package that does the work (internal/kernelcmd, internal/notebookrun,
// internal/script, internal/repl, internal/servecmd, install). Subcommands
// register themselves from an init function in the commands table:
//
//	func init() {
//		commands["repl"] = command{
//			usage:   "repl",
//			summary: "interactive Go with mlstd in the terminal (the default)",
//			run:     func(ctx context.Context, args []string) error { ... repl.Run(...) ... },
//		}
//	}
//
// run gets the arguments after the command name. It returns nil for
// success (exit 0), an error wrapping errUsage for bad arguments (usage on
// stderr, exit 2), flag.ErrHelp after -h (exit 0), and any other error to
// fail (printed as "gokernel COMMAND: ...", exit 1). With no arguments gokernel runs
// the "repl" command when one is registered, and prints usage otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/gokernel/gokernel/internal/kernelcmd"
	"github.com/gokernel/gokernel/internal/servecmd"
)

// command is one gokernel subcommand.
type command struct {
	usage   string // synopsis after "gokernel ", e.g. "kernel -f CONNECTION_FILE"
	summary string // one line for the usage listing
	run     func(ctx context.Context, args []string) error
}

// commands maps a subcommand name to its implementation; filled by init
// functions in the *_cmd.go files.
var commands = map[string]command{}

// errUsage marks bad command-line arguments (exit status 2).
var errUsage = errors.New("usage")

// usageErrorf returns an error wrapping errUsage.
func usageErrorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

// version is the gokernel version; release builds set it with
// -ldflags "-X main.version=v1.2.3".
var version = ""

// gokernelVersion returns version, else the module version recorded by
// the Go toolchain, else "devel".
func gokernelVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// moduleVersion returns the version of a dependency compiled in, or "unknown".
func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return "unknown"
}

func init() {
	commands["version"] = command{
		usage:   "version",
		summary: "print the gokernel, Go and yaegi versions",
		run: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return usageErrorf("version takes no arguments")
			}
			fmt.Printf("gokernel %s\ngo %s %s/%s\nyaegi %s\n", gokernelVersion(), strings.TrimPrefix(runtime.Version(), "go"),
				runtime.GOOS, runtime.GOARCH, moduleVersion("github.com/traefik/yaegi"))
			return nil
		},
	}
}

// serve's implementation is shared with the serve-only binary
// cmd/gokernel-serve (internal/servecmd).
func init() {
	commands["serve"] = command{
		usage:   "serve " + servecmd.Synopsis,
		summary: "serve an exported model over the Open Inference Protocol v2, with /metrics",
		run: func(ctx context.Context, args []string) error {
			err := servecmd.Run(ctx, "gokernel serve", args, os.Stderr)
			if errors.Is(err, servecmd.ErrUsage) {
				return usageErrorf("%s", strings.TrimPrefix(err.Error(), "usage: "))
			}
			return err
		},
	}
}

// The kernel start-up is internal/kernelcmd.
func init() {
	commands["kernel"] = command{
		usage:   "kernel -f CONNECTION_FILE",
		summary: "run as a Jupyter kernel (Jupyter starts this from the kernelspec)",
		run: func(ctx context.Context, args []string) error {
			fs := flag.NewFlagSet("kernel", flag.ContinueOnError)
			file := fs.String("f", "", "Jupyter connection `file`")
			if err := fs.Parse(args); err != nil {
				if errors.Is(err, flag.ErrHelp) {
					return err
				}
				return usageErrorf("%v", err)
			}
			if *file == "" || fs.NArg() > 0 {
				return usageErrorf("need -f CONNECTION_FILE and nothing else")
			}
			return kernelcmd.Run(ctx, *file, gokernelVersion())
		},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: gokernel COMMAND [arguments]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := commands[n]
		fmt.Fprintf(w, "  gokernel %s\n      %s\n", c.usage, c.summary)
	}
	if _, ok := commands["repl"]; ok {
		fmt.Fprintln(w, "\nWith no command, gokernel starts the REPL.")
	}
}

func main() {
	os.Exit(runMain(context.Background(), os.Args[1:], os.Stderr))
}

// runMain dispatches args to a command and returns the exit status.
func runMain(ctx context.Context, args []string, stderr io.Writer) int {
	name := "repl"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	switch name {
	case "help", "-h", "-help", "--help":
		usage(os.Stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		if len(args) == 0 && name == "repl" {
			usage(stderr)
			return 2
		}
		fmt.Fprintf(stderr, "gokernel: unknown command %q\n", name)
		usage(stderr)
		return 2
	}
	err := c.run(ctx, args)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "gokernel %s: %s\nusage: gokernel %s\n", name, strings.TrimPrefix(err.Error(), "usage: "), c.usage)
		return 2
	default:
		fmt.Fprintf(stderr, "gokernel %s: %v\n", name, err)
		return 1
	}
}
