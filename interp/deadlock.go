package interp

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A Go program whose goroutines all wait for each other dies with "fatal
// error: all goroutines are asleep - deadlock!" and status 2. The runtime
// cannot see that in the engine's process: the output readers wait on the
// network poller and the engine's own goroutines stay, so the program would
// hang silently. While RunFile runs a program, watchDeadlock looks every
// deadlockEvery whether the process used almost no CPU time since the last
// look (under a twentieth of it); only then does it read all goroutine
// stacks (which stops the world for time growing with the depth of the
// stacks: seconds in a runaway recursion) and sort them:
//
//   - the program's: interpreted code (yaegi's frames) runs on them;
//   - the host's: the engine's and the front end's (this module's interp,
//     internal and kernel packages, os/signal, testing);
//   - any other: compiled code the program started (a server, a loader).
//
// The program is deadlocked when all its goroutines wait where only
// another goroutine can wake them (a WaitGroup, a Mutex, a Cond, a nil
// channel, an empty select) and no other goroutine can run (none is
// runnable, in a system call, in I/O or asleep), in two readings in a
// row: the program then ends as Go's would. A goroutine waiting on a
// channel may instead be woken by a timer (time.After, a ticker, a
// context's deadline) or a signal, which goroutine stacks do not show, so
// when a channel wait is among them the program is not stopped: after
// deadlockNote of it, one note on its stderr says it looks deadlocked.
// A timer's callback may wake any goroutine (time.AfterFunc calling
// wg.Done), so while one of the program's AfterFunc timers has not fired
// (Session.timers; a stopped timer stays counted) the program is treated
// as waiting on channels: noted, never stopped.
const (
	deadlockEvery = 500 * time.Millisecond
	deadlockNote  = 5 * time.Second
)

// deadlockError is why RunFile stopped a deadlocked program; report is
// what Go prints.
type deadlockError struct{ report string }

func (e *deadlockError) Error() string { return "all goroutines are asleep - deadlock!" }

// waitStates are the goroutine states (as runtime.Stack writes them) that
// only another goroutine can end; chanStates those a timer or a signal
// may end too.
var (
	waitStates = []string{"semacquire", "sync.WaitGroup.Wait", "sync.Mutex.Lock", "sync.RWMutex.Lock",
		"sync.RWMutex.RLock", "sync.Cond.Wait", "chan receive (nil chan)", "chan send (nil chan)", "select (no cases)"}
	chanStates = []string{"chan receive", "chan send", "select"}
	// hostFrames mark a goroutine of the engine or its front end: its
	// frames' functions start so.
	hostFrames = []string{"\ngithub.com/gokernel/gokernel/interp.", "\ngithub.com/gokernel/gokernel/internal/",
		"\ngithub.com/gokernel/gokernel/kernel.", "\nos/signal.", "\ntesting."}
)

// goroutineState is one goroutine of a reading.
type goroutineState struct {
	id, state string
}

// deadlockReading sorts the goroutines of a stack dump. blocked says the
// program's goroutines all wait and nothing else can run; chans that some
// of them wait on channels; prog lists them.
func deadlockReading(dump []byte) (prog []goroutineState, blocked, chans bool) {
	blocked = true
	for _, g := range strings.Split(string(dump), "\n\n") {
		// goroutine 18 [sync.WaitGroup.Wait, 2 minutes]:
		head, ok := strings.CutPrefix(g, "goroutine ")
		id, head, ok2 := strings.Cut(head, " [")
		if !ok || !ok2 {
			continue
		}
		st := goroutineState{id, head[:strings.IndexAny(head+"]", ",]")]}
		wait, ch := slices.Contains(waitStates, st.state), slices.Contains(chanStates, st.state)
		switch {
		case strings.Contains(g, "\ngithub.com/traefik/yaegi/interp."):
			prog = append(prog, st)
			chans = chans || ch
			blocked = blocked && (wait || ch)
		case slices.ContainsFunc(hostFrames, func(f string) bool { return strings.Contains(g, f) }):
		default:
			blocked = blocked && (wait || ch)
		}
	}
	return prog, blocked && len(prog) > 0, chans
}

// watchDeadlock watches the program p until stop is closed; a deadlock
// cancels the program's context with a *deadlockError.
func (s *Session) watchDeadlock(p *program, stop <-chan struct{}, cancel context.CancelCauseFunc) {
	tick := time.NewTicker(deadlockEvery)
	defer tick.Stop()
	buf := make([]byte, 64<<10)
	var last []goroutineState // the previous reading, if the program was blocked
	var chanSince time.Time
	noted := false
	cpu := cpuTime()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if now := cpuTime(); now-cpu > deadlockEvery/20 {
			cpu = now
			last, chanSince = nil, time.Time{}
			continue
		} else {
			cpu = now
		}
		n := runtime.Stack(buf, true)
		for n == len(buf) && len(buf) < 16<<20 {
			buf = make([]byte, 2*len(buf))
			n = runtime.Stack(buf, true)
		}
		prog, blocked, chans := deadlockReading(buf[:n])
		chans = chans || s.timers.Load() > 0
		if !blocked {
			last, chanSince = nil, time.Time{}
			continue
		}
		if !chans {
			if slices.Equal(prog, last) {
				cancel(&deadlockError{report: s.deadlockReport(prog)})
				return
			}
			last = prog
			continue
		}
		last = nil
		if chanSince.IsZero() {
			chanSince = time.Now()
		}
		if !noted && time.Since(chanSince) >= deadlockNote {
			noted = true
			fmt.Fprintf(s.outs.errW, "note: every goroutine of %s has been waiting for %v (%s); unless a timer or a signal is due to wake one, "+
				"it is deadlocked (Go would stop it with \"fatal error: all goroutines are asleep - deadlock!\"); Ctrl-C stops it\n",
				p.file, deadlockNote, s.states(prog))
		}
	}
}

// cpuTime is the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// deadlockReport is what Go prints for a deadlock, then what the
// program's goroutines wait in.
func (s *Session) deadlockReport(prog []goroutineState) string {
	return "fatal error: all goroutines are asleep - deadlock!\n\n" + s.states(prog)
}

// states names the goroutines of a reading by what they wait in: "main
// [sync.WaitGroup.Wait], goroutine [chan send]" (main: the one running the
// program's top level, as its chunk).
func (s *Session) states(prog []goroutineState) string {
	var mains, others []string
	for _, g := range prog {
		if id, err := strconv.ParseInt(g.id, 10, 64); err == nil {
			if _, ok := s.cellGs.Load(id); ok {
				mains = append(mains, "main ["+g.state+"]")
				continue
			}
		}
		others = append(others, "goroutine ["+g.state+"]")
	}
	return strings.Join(append(mains, others...), ", ")
}
