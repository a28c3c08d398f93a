package kernel_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"testing"
)

// BenchmarkKernelVsIPykernel runs testdata/bench.py: gokernel and
// ipykernel side by side (startup, trivial-cell round trip p50/p99, idle
// RSS, CPU per cell of the kernel and of the client). Run it once:
//
//	go test -run XXX -bench KernelVsIPykernel -benchtime 1x ./kernel/
func BenchmarkKernelVsIPykernel(b *testing.B) {
	built(b)
	if err := exec.Command(python, "-c", "import jupyter_client, ipykernel").Run(); err != nil {
		b.Skip("needs jupyter_client and ipykernel (apt-get install python3-jupyter-client python3-ipykernel)")
	}
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(python, "bench.py", "--json")
		cmd.Dir = "testdata"
		cmd.Env = append(os.Environ(), "JUPYTER_DATA_DIR="+dataDir, "JUPYTER_RUNTIME_DIR="+b.TempDir())
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("bench.py: %v\n%s", err, out)
		}
		var res map[string]map[string]float64
		if err := json.Unmarshal(out, &res); err != nil {
			b.Fatalf("bench.py output %q: %v", out, err)
		}
		g, p := res["gokernel"], res["ipykernel"]
		for _, k := range []string{"startup_ms", "p50_ms", "p99_ms", "idle_rss_mib", "cpu_ms", "client_cpu_ms"} {
			b.ReportMetric(g[k], "go-"+k)
			b.ReportMetric(p[k], "py-"+k)
			b.Logf("%-13s gokernel %8.2f  ipykernel %8.2f  ratio %.2fx", k, g[k], p[k], g[k]/p[k])
		}
	}
}
