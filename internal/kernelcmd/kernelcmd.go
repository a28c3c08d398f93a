package kernelcmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
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

// ballast is keepHeapFloor's allocation; it is never read or written.
var ballast []byte

// keepHeapFloor makes the garbage collector's goal at least floor, which
// Go has no setting for, with a ballast: floor/2 bytes allocated once and
// never touched. The goal is twice the marked heap (plus stacks and
// globals), ballast included, so it is never below floor, and a large
// heap's goal is only floor above Go's usual one. The ballast holds no
// pointers (the collector never scans it) and its pages are never written,
// so the OS never backs them: it costs no resident memory.
//
// It replaces a GOGC retuned after each collection from a finalizer, which
// was wrong in two ways: a high GOGC also raises the runtime's minimum
// goal (4 MiB × GOGC/100), and a finalizer that ran during the next mark
// phase re-armed a tick that survived that cycle, so the high GOGC of a
// small heap stayed in force after a cell made the heap 80 MB: the goal
// became ~1 GB and re-runs of that cell piled up ten garbage copies.
func keepHeapFloor(floor uint64) {
	ballast = make([]byte, floor/2)
}
