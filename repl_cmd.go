package main

import (
	"context"
	"os"

	"github.com/gokernel/gokernel/internal/repl"
	"github.com/gokernel/gokernel/interp"
)

func init() {
	commands["repl"] = command{
		usage:   "repl",
		summary: "interactive Go with mlstd in the terminal (the default)",
		run: func(ctx context.Context, args []string) error {
			if len(args) > 0 {
				return usageErrorf("repl takes no arguments; to run a file use gokernel run [-i] FILE.go")
			}
			sess, err := interp.New(interp.Options{})
			if err != nil {
				return err
			}
			code := repl.Run(ctx, sess, repl.ProcessTerminal(), repl.Options{})
			sess.Close()
			if code != 0 {
				os.Exit(code)
			}
			return nil
		},
	}
}
