package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"

	"github.com/gokernel/gokernel/mlstd/internal/bench"
)

func main() {
	cfg, err := bench.DefaultConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	flag.IntVar(&cfg.Epochs, "epochs", cfg.Epochs, "training epochs (default $EPOCHS or 2)")
	flag.StringVar(&cfg.Model, "model", cfg.Model, "model: "+strings.Join(bench.Models, ", "))
	flag.IntVar(&cfg.Batches, "batches", cfg.Batches, "train only the first N mini-batches of each epoch (times are scaled to a whole epoch); 0 trains whole epochs")
	flag.StringVar(&cfg.Python, "python", cfg.Python, "Python with torch; empty skips PyTorch")
	flag.IntVar(&cfg.TorchThreads, "torch-threads", cfg.TorchThreads, "PyTorch's threads; 0 times 1 and 2 threads and keeps the faster")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	memprofile := flag.String("memprofile", "", "write an allocation profile of the run to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	if *memprofile != "" {
		runtime.MemProfileRate = 64 << 10
	}
	if _, _, err := bench.Run(cfg, os.Stdout); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *memprofile != "" {
		f, err := os.Create(*memprofile)
		if err == nil {
			err = pprof.Lookup("allocs").WriteTo(f, 0)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
