// Package kernelcmd starts gokernel as a Jupyter kernel (`gokernel kernel
// -f CONNECTION_FILE`, what the kernelspec runs): it joins the two halves
// that never import each other, an interp.Session (the engine) and a
// kernel.Kernel (the Jupyter protocol over ZeroMQ), through
// sessionEvaluator, which adapts the session to kernel.Evaluator and turns
// an *interp.CellError into a *kernel.ExecError. It is the Jupyter front
// end of the session's display contract: a cell's typed events
// (interp.Display, Update, Clear) map one to one onto kernel.Output's
// Display, UpdateDisplay and ClearOutput (show), which the kernel
// publishes as Jupyter messages, and pager text onto Output.Page. The
// front end is rich, so mlstd shows progress as HTML displays, never as
// Status lines.
//
// Run also owns what is per process in a kernel: the session captures fd 1
// and os.Stderr (compiled output reaches the running cell), so the kernel's
// log goes to the real stderr (Session.LogWriter); fd 2 stays the real
// stderr, where a fatal runtime error writes its reason before the process
// exits and Jupyter offers a restart; SIGINT interrupts the running
// cell, SIGTERM and the death of the parent (JPY_PARENT_PID) end the
// kernel; the start-up time is logged once the kernel is ready.
//
// Memory: unless GOGC is set, the garbage collector's goal is kept at
// at least 32 MiB (keepHeapFloor: an untouched 16 MiB ballast, which adds
// no resident memory), because with Go's default a trivial cell's
// ~30 KB made a collection every ~100 cells that added 2-3 ms to the cells
// it overlapped; after the kernel has been idle a while (kernel.Config
// OnIdle) the free heap is returned to the OS, so idle notebooks stay
// small.
package kernelcmd
