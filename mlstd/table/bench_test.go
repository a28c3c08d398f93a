package table

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/gokernel/gokernel/internal/pyref"
)

// benchCSV writes the benchmark file: n rows of 7 columns — two
// ints, three floats with 2 % missing, a 4-category string and a bool.
func benchCSV(tb testing.TB, n int) string {
	path := filepath.Join(tb.TempDir(), "bench.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	cats := []string{"alpha", "beta", "gamma", "delta"}
	w.WriteString("id,count,x,y,z,category,flag\n")
	float := func() string {
		if r.IntN(50) == 0 {
			return ""
		}
		return strconv.FormatFloat(r.NormFloat64()*100, 'f', 3, 64)
	}
	for i := range n {
		fmt.Fprintf(w, "%d,%d,%s,%s,%s,%s,%t\n", i, r.IntN(100000), float(), float(), float(), cats[r.IntN(4)], r.IntN(2) == 0)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// measured is what one child process reports: wall-clock and CPU
// seconds (all threads) to read and to describe, and its peak RSS in MiB.
type measured struct {
	Read, Describe float64
	ReadCPU        float64 `json:"read_cpu"`
	DescribeCPU    float64
	RSS            float64
}

// runMeasured runs cmd, which prints {"read": s, "describe": s} first,
// and adds its peak RSS.
func runMeasured(b *testing.B, cmd *exec.Cmd) measured {
	out, err := cmd.Output()
	if err != nil {
		b.Fatalf("%v: %v", cmd.Args, err)
	}
	var m measured
	if err := json.NewDecoder(bytes.NewReader(out)).Decode(&m); err != nil {
		b.Fatalf("%v: %v: %s", cmd.Args, err, out)
	}
	m.RSS = float64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) / 1024
	return m
}

// TestBenchChild is the Go side of BenchmarkReadCSVVsPandas, run in a
// child process so its peak RSS is its own.
func TestBenchChild(t *testing.T) {
	path := os.Getenv("GOKERNEL_TABLE_BENCH_FILE")
	if path == "" {
		t.Skip("run by BenchmarkReadCSVVsPandas")
	}
	cpu := func() float64 {
		var ru syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	}
	start, c0 := time.Now(), cpu()
	tb, err := ReadCSV(path, CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	read, c1 := time.Since(start).Seconds(), cpu()
	if os.Getenv("GOKERNEL_TABLE_BENCH_DEBUG") != "" {
		st, _ := os.ReadFile("/proc/self/status")
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		fmt.Fprintf(os.Stderr, "%s\nheap in use %d MiB, sys %d MiB, GCs %d\n", st, ms.HeapInuse>>20, ms.Sys>>20, ms.NumGC)
	}
	start = time.Now()
	tb.Describe()
	desc, c2 := time.Since(start).Seconds(), cpu()
	fmt.Printf(`{"read": %g, "describe": %g, "read_cpu": %g, "describecpu": %g}`+"\n", read, desc, c1-c0, c2-c1)
}

// BenchmarkReadCSVVsPandas reads a generated 1,000,000-row, 40 MB CSV file
// here and with pandas' read_csv, each in a child process, describes it
// (pandas: describe(include="all")), and prints the times, the peak RSS
// and the ratios. Set GOKERNEL_TABLE_BENCH_ROWS for another size.
//
//	go test -run '^$' -bench ReadCSVVsPandas -benchtime 1x ./mlstd/table/
func BenchmarkReadCSVVsPandas(b *testing.B) {
	rows := 1_000_000
	if s := os.Getenv("GOKERNEL_TABLE_BENCH_ROWS"); s != "" {
		rows, _ = strconv.Atoi(s)
	}
	path := benchCSV(b, rows)
	st, _ := os.Stat(path)
	havePandas := exec.Command(pyref.Python, "-c", "import pandas").Run() == nil
	for range b.N {
		child := exec.Command(os.Args[0], "-test.run", "^TestBenchChild$", "-test.count", "1")
		child.Env = append(os.Environ(), "GOKERNEL_TABLE_BENCH_FILE="+path)
		goM := runMeasured(b, child)
		b.Logf("%d rows, %.1f MB: gokernel read %.3f s (CPU %.3f s), describe %.3f s (CPU %.3f s), peak RSS %.0f MiB",
			rows, float64(st.Size())/1e6, goM.Read, goM.ReadCPU, goM.Describe, goM.DescribeCPU, goM.RSS)
		if !havePandas {
			b.Logf("pandas not installed: no ratios")
			continue
		}
		py := exec.Command(pyref.Python, "-c", `
import sys, time, json
import pandas as pd
t, c = time.perf_counter(), time.process_time()
df = pd.read_csv(sys.argv[1])
r, rc = time.perf_counter() - t, time.process_time() - c
t, c = time.perf_counter(), time.process_time()
df.describe(include="all")
print(json.dumps({"read": r, "describe": time.perf_counter() - t, "read_cpu": rc, "describecpu": time.process_time() - c}))`, path)
		pdM := runMeasured(b, py)
		b.Logf("pandas %s: read %.3f s (CPU %.3f s), describe %.3f s (CPU %.3f s), peak RSS %.0f MiB",
			pandasVersion(), pdM.Read, pdM.ReadCPU, pdM.Describe, pdM.DescribeCPU, pdM.RSS)
		b.Logf("ratios gokernel/pandas: read time ×%.2f (target ≤ 0.5; CPU ×%.2f), peak RSS ×%.2f (target ≤ 1), describe time ×%.2f (target ≤ 1; CPU ×%.2f)",
			goM.Read/pdM.Read, goM.ReadCPU/pdM.ReadCPU, goM.RSS/pdM.RSS, goM.Describe/pdM.Describe, goM.DescribeCPU/pdM.DescribeCPU)
		if load, err := os.ReadFile("/proc/loadavg"); err == nil {
			b.Logf("load average %s(wall-clock ratios are unreliable when it exceeds the %d CPUs)", load[:15], runtime.NumCPU())
		}
	}
}

func pandasVersion() string {
	out, err := exec.Command(pyref.Python, "-c", "import pandas; print(pandas.__version__, end='')").Output()
	if err != nil {
		return "?"
	}
	return string(out)
}
