package main

import (
	"context"
	"os"

	"github.com/gokernel/gokernel/internal/servecmd"
)

func main() {
	os.Exit(servecmd.Main(context.Background(), "gokernel-serve", os.Args[1:], os.Stderr))
}
