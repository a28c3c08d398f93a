// Command mnistbench trains an MNIST model in mlstd and in PyTorch side by
// side and prints both sides' epochs, a summary and their ratios
// (mlstd/internal/bench). -model takes one model or a comma-separated
// list: each model then runs in a process of its own (so that each side's
// peak RSS is its model's), and a table of all of them, a row each, ends
// the run.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"strconv"
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
	flag.StringVar(&cfg.Model, "model", cfg.Model, "model, or a comma-separated list run one after the other: "+strings.Join(bench.Models, ", "))
	flag.IntVar(&cfg.Batches, "batches", cfg.Batches, "train only the first N mini-batches of each epoch (times are scaled to a whole epoch); 0 trains whole epochs")
	flag.StringVar(&cfg.Python, "python", cfg.Python, "Python with torch; empty skips PyTorch")
	flag.IntVar(&cfg.TorchThreads, "torch-threads", cfg.TorchThreads, "PyTorch's threads; 0 times 1 and 2 threads and keeps the faster")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	memprofile := flag.String("memprofile", "", "write an allocation profile of the run to this file")
	resultFD := flag.Int("result-fd", 0, "write the run's result as JSON to this file descriptor (used for a list of models)")
	flag.Parse()
	if models := strings.Split(cfg.Model, ","); len(models) > 1 {
		if *cpuprofile != "" || *memprofile != "" {
			fmt.Fprintln(os.Stderr, "mnistbench: profiles take one model")
			os.Exit(2)
		}
		if err := runEach(cfg, models); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
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
	goSide, torchSide, err := bench.Run(cfg, os.Stdout)
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *resultFD != 0 {
		f := os.NewFile(uintptr(*resultFD), "result")
		err := json.NewEncoder(f).Encode(bench.Result{Model: cfg.Model, Go: goSide, Torch: torchSide})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "mnistbench: result:", err)
			os.Exit(1)
		}
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

// runEach runs this program once per model, its output passed on and its
// result read from a pipe, then writes the table of all of them.
func runEach(cfg bench.Config, models []string) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var rs []bench.Result
	for _, m := range models {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		cmd := exec.Command(exe, "-model", m, "-epochs", strconv.Itoa(cfg.Epochs), "-batches", strconv.Itoa(cfg.Batches),
			"-python", cfg.Python, "-torch-threads", strconv.Itoa(cfg.TorchThreads), "-result-fd", "3")
		cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = os.Stdout, os.Stderr, []*os.File{w}
		err = cmd.Start()
		w.Close()
		if err != nil {
			r.Close()
			return err
		}
		var res bench.Result
		derr := json.NewDecoder(r).Decode(&res)
		r.Close()
		if err := cmd.Wait(); err != nil {
			return fmt.Errorf("mnistbench: model %s: %w", m, err)
		}
		if derr != nil {
			return fmt.Errorf("mnistbench: model %s: no result: %w", m, derr)
		}
		rs = append(rs, res)
		fmt.Println()
	}
	bench.Table(os.Stdout, rs)
	return nil
}
