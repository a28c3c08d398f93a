package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/gokernel/gokernel/install"
)

func init() {
	commands["install"] = command{
		usage:   "install [--user|--sys-prefix|--prefix DIR] [--name NAME]",
		summary: "install the Jupyter kernelspec for this binary",
		run:     func(ctx context.Context, args []string) error { return runInstall(args, false) },
	}
	commands["uninstall"] = command{
		usage:   "uninstall [--user|--sys-prefix|--prefix DIR] [--name NAME]",
		summary: "remove the Jupyter kernelspec",
		run:     func(ctx context.Context, args []string) error { return runInstall(args, true) },
	}
}

// runInstall is `gokernel install` and `gokernel uninstall`.
func runInstall(args []string, remove bool) error {
	name := "install"
	if remove {
		name = "uninstall"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	user := fs.Bool("user", false, "the user's Jupyter data dir (the default; JUPYTER_DATA_DIR is honoured)")
	sys := fs.Bool("sys-prefix", false, "the active Python environment (VIRTUAL_ENV, CONDA_PREFIX or python3's sys.prefix)")
	prefix := fs.String("prefix", "", "`DIR`/share/jupyter")
	spec := fs.String("name", install.DefaultName, "kernelspec `name`")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErrorf("%v", err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected argument %q", fs.Arg(0))
	}
	scope, n := install.User, 0
	if *user {
		n++
	}
	if *sys {
		scope, n = install.SysPrefix, n+1
	}
	if *prefix != "" {
		scope, n = install.Prefix, n+1
	}
	if n > 1 {
		return usageErrorf("choose one of --user, --sys-prefix and --prefix")
	}
	data, err := install.DataDir(scope, *prefix)
	if err != nil {
		return err
	}
	if remove {
		dir, err := install.Uninstall(data, *spec)
		if err != nil {
			return err
		}
		fmt.Printf("removed kernelspec %s from %s\n", *spec, dir)
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("cannot locate this binary: %v", err)
	}
	s, err := install.NewSpec(exe)
	if err != nil {
		return err
	}
	dir, err := install.Install(data, *spec, s)
	if err != nil {
		return err
	}
	fmt.Printf("installed kernelspec %s in %s\n", *spec, dir)
	return nil
}
