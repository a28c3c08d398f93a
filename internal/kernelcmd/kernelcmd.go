package kernelcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gokernel/gokernel/internal/exepages"
	"github.com/gokernel/gokernel/interp"
	"github.com/gokernel/gokernel/kernel"
)

// releaseOnce releases the start-up pages at the kernel's first idle spell.
var releaseOnce sync.Once

// Run is `gokernel kernel -f FILE`: one interp session served over the
// Jupyter protocol described by the connection file until shutdown,
// SIGTERM or the parent's death. SIGINT interrupts the running cell instead
// of killing the kernel. version is reported in kernel_info.
func Run(ctx context.Context, connectionFile, version string) error {
	info, err := kernel.ReadConnectionFile(connectionFile)
	if err != nil {
		return err
	}
	tStart := time.Now()
	if os.Getenv("GOGC") == "" {
		keepHeapFloor(heapFloor)
	}
	sess, err := interp.New(interp.Options{CaptureFDs: true})
	if err != nil {
		return err
	}
	defer sess.Close()
	tInterp := time.Now()
	logw := sess.LogWriter()
	ppid, _ := strconv.Atoi(os.Getenv("JPY_PARENT_PID"))
	k, err := kernel.New(info, sessionEvaluator{sess}, kernel.Config{
		Log:       logw,
		Version:   version,
		ParentPID: ppid,
		// Return the heap a cell left behind to the OS once the kernel
		// has been idle for a while, and the first time also the pages of
		// the executable that start-up touched: idle notebooks stay small.
		OnIdle: func() {
			debug.FreeOSMemory()
			releaseOnce.Do(exepages.Release)
		},
		HelpLinks: []kernel.HelpLink{
			{Text: "Go documentation", URL: "https://go.dev/doc/"},
			{Text: "Go standard library", URL: "https://pkg.go.dev/std"},
		},
	})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, os.Interrupt)
	defer signal.Stop(sigint)
	go func() {
		for {
			select {
			case <-sigint:
				k.Interrupt()
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() {
		<-k.Ready()
		fmt.Fprintf(logw, "gokernel: ready in %v (engine %v)\n", time.Since(tStart).Round(time.Microsecond),
			tInterp.Sub(tStart).Round(time.Microsecond))
	}()
	err = k.Run(ctx)
	if errors.Is(err, kernel.ErrParentGone) {
		return nil
	}
	return err
}

// sessionEvaluator adapts *interp.Session to kernel.Evaluator; the two
// packages do not import each other.
type sessionEvaluator struct{ *interp.Session }

func (e sessionEvaluator) Execute(ctx context.Context, code string, out kernel.Output) (map[string]any, error) {
	o := interp.Output{Stdout: out.Stdout, Stderr: out.Stderr, Input: out.Input, Page: out.Page, Rich: true}
	if out.Display != nil {
		o.Show = func(ev interp.Event) { show(out, ev) }
	}
	res, err := e.Session.Execute(ctx, code, o)
	var ce *interp.CellError
	if errors.As(err, &ce) {
		return res, &kernel.ExecError{Name: ce.Name, Value: ce.Value, Traceback: ce.Traceback}
	}
	return res, err
}

var _ kernel.Evaluator = sessionEvaluator{}

// show hands what a cell shows to the kernel, which publishes it as
// Jupyter messages. A Status line is not sent: a notebook is rich, so
// mlstd shows progress as a display instead.
func show(out kernel.Output, ev interp.Event) {
	switch ev := ev.(type) {
	case interp.Display:
		out.Display(ev.Data, ev.Metadata, ev.ID)
	case interp.Update:
		out.UpdateDisplay(ev.Data, ev.Metadata, ev.ID)
	case interp.Clear:
		out.ClearOutput(ev.Wait)
	}
}

// heapFloor is the heap size below which the kernel does not collect
// garbage. A trivial cell allocates ~30 KB; with Go's default goal (twice
// the live heap, a few MiB here) a collection ran every ~100 cells, and
// the cells it overlapped took 2-3 ms longer on a 2-core machine. The heap
// grows to the floor only while cells run: after IdleAfter the kernel
// collects and returns the free memory to the OS (Config.OnIdle).
const heapFloor = 32 << 20

// keepHeapFloor makes the garbage collector's goal max(floor, the usual
// goal), which Go has no setting for: after each collection GOGC is set so
// that the next goal is the floor while the live heap is under floor/2, and
// back to 100 (twice the live heap) above that, so large notebooks are
// collected as usual. The kernel command does this unless GOGC is set.
func keepHeapFloor(floor uint64) {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	adjust := func() {
		metrics.Read(live)
		pct := 100
		if l := live[0].Value.Uint64(); l > 0 && l < floor/2 {
			pct = int(floor*100/l) - 100
		}
		debug.SetGCPercent(pct)
	}
	adjust()
	// A finalizer runs once per collection that finds its object
	// unreachable: it re-arms itself to run after the next one.
	var arm func()
	arm = func() {
		runtime.SetFinalizer(&gcTick{}, func(*gcTick) {
			adjust()
			arm()
		})
	}
	arm()
}

// gcTick is the object whose finalizer runs after each collection; it is
// bigger than 16 bytes so that it is not batched into a tiny allocation,
// whose finalizer may never run.
type gcTick struct{ _ [32]byte }
