package kernel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// Config describes the kernel to front ends and tunes it. The zero value
// works.
type Config struct {
	// Log receives the kernel's own log (default os.Stderr). A host that
	// captures fds 1 and 2 for cells must pass the original stderr here.
	Log io.Writer
	// Implementation and Version name the kernel in kernel_info_reply
	// (default "gokernel" and "dev").
	Implementation, Version string
	// LanguageVersion is language_info.version (default runtime.Version()).
	LanguageVersion string
	// Banner is shown by consoles (default: a line naming the kernel).
	Banner string
	// HelpLinks appear in the front end's help menu.
	HelpLinks []HelpLink
	// ParentPID, when non-zero, makes Run return once that process is
	// gone (Jupyter sets JPY_PARENT_PID), so no kernel is orphaned.
	ParentPID int
	// StreamInterval is how long stream text is coalesced (default 25ms).
	StreamInterval time.Duration
	// OnIdle, when set, runs on the shell goroutine once no shell request
	// has arrived for IdleAfter (default 2s) after the last one was served;
	// the host uses it to return memory to the OS.
	OnIdle    func()
	IdleAfter time.Duration
	// IOPubHWM is the iopub high-water mark in messages (default 1<<20).
	// zmq4's PUB drops messages beyond it; coalescing keeps the count low.
	IOPubHWM int
}

// HelpLink is one entry of kernel_info_reply's help_links.
type HelpLink struct {
	Text string `json:"text"`
	URL  string `json:"url"`
}

// Kernel serves one Evaluator over the five Jupyter channels.
type Kernel struct {
	info    ConnectionInfo
	eval    Evaluator
	cfg     Config
	log     *log.Logger
	signer  *Signer
	session string

	shell, control, stdin, iopub, hb zmq4.Socket
	pub                              *publisher
	senders                          map[zmq4.Socket]*routerSender // shell, control, stdin; set by bind
	queue                            chan *Message                 // decoded shell requests, in order
	hist                             history

	count int // execution_count, owned by the shell goroutine

	mu        sync.Mutex
	executing bool
	inputWait chan string   // input_reply values while a cell waits for input
	inputStop chan struct{} // closed by interrupt while a cell waits for input
	stopOnce  sync.Once
	stop      context.CancelFunc
	stopErr   error
	ready     chan struct{}
}

// ErrParentGone is returned by Run when the process named by
// Config.ParentPID has exited.
var ErrParentGone = errors.New("kernel: parent process exited")

// New prepares a kernel for the connection described by info. Ports that
// are 0 are chosen when Run binds (see Info).
func New(info *ConnectionInfo, eval Evaluator, cfg Config) (*Kernel, error) {
	if info == nil || eval == nil {
		return nil, errors.New("kernel: New needs connection info and an evaluator")
	}
	signer, err := NewSigner(info.SignatureScheme, []byte(info.Key))
	if err != nil {
		return nil, err
	}
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	if cfg.Implementation == "" {
		cfg.Implementation = "gokernel"
	}
	if cfg.Version == "" {
		cfg.Version = "dev"
	}
	if cfg.LanguageVersion == "" {
		cfg.LanguageVersion = runtime.Version()
	}
	if cfg.Banner == "" {
		cfg.Banner = cfg.Implementation + " " + cfg.Version + ": Go (" + cfg.LanguageVersion + ") in Jupyter"
	}
	if cfg.StreamInterval <= 0 {
		cfg.StreamInterval = 25 * time.Millisecond
	}
	if cfg.IdleAfter <= 0 {
		cfg.IdleAfter = 2 * time.Second
	}
	if cfg.IOPubHWM <= 0 {
		cfg.IOPubHWM = 1 << 20
	}
	ci := *info
	if ci.Transport == "" {
		ci.Transport = "tcp"
	}
	if ci.IP == "" {
		ci.IP = "127.0.0.1"
	}
	k := &Kernel{
		info:    ci,
		eval:    eval,
		cfg:     cfg,
		log:     log.New(cfg.Log, "gokernel: ", log.LstdFlags|log.Lmicroseconds),
		signer:  signer,
		session: newID(),
		queue:   make(chan *Message, 256),
		ready:   make(chan struct{}),
	}
	return k, nil
}

// Ready is closed once Run has bound every socket.
func (k *Kernel) Ready() <-chan struct{} { return k.ready }

// Info returns the connection info with the ports actually bound; valid
// after Ready.
func (k *Kernel) Info() ConnectionInfo { return k.info }

// Run binds the sockets and serves until a shutdown_request, ctx is
// cancelled, or the parent process dies. Goroutines: one receive loop per
// ROUTER socket (shell, control, stdin), one for the heartbeat, and one
// that executes shell requests strictly in order; control requests
// (interrupt, shutdown, kernel_info...) are served on their own goroutine
// while a cell runs. All of them end before Run returns, except a cell
// that does not stop within a second of the interrupt (the process is
// expected to exit then).
func (k *Kernel) Run(ctx context.Context) error {
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	k.stop = cancel
	sockCtx, closeSockets := context.WithCancel(context.Background())
	defer closeSockets()
	if err := k.bind(sockCtx); err != nil {
		return err
	}
	defer k.closeSockets()
	close(k.ready)
	k.pub.publish(nil, "status", map[string]any{"execution_state": "starting"})

	var wg sync.WaitGroup
	loop := func(f func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); f(runCtx) }()
	}
	loop(k.heartbeat)
	loop(k.controlLoop)
	loop(k.stdinLoop)
	loop(k.shellRecvLoop)
	execDone := make(chan struct{})
	go func() { defer close(execDone); k.shellExecLoop(runCtx) }()
	if k.cfg.ParentPID > 0 {
		loop(func(ctx context.Context) { k.watchParent(ctx, k.cfg.ParentPID) })
	}

	<-runCtx.Done()
	k.Interrupt()
	select {
	case <-execDone:
	case <-time.After(time.Second):
		k.log.Printf("shutdown: the running cell did not stop within 1s; exiting anyway")
	}
	k.pub.flush()
	// zmq4's PUB sends from its own queue and has no way to wait for it to
	// drain; give the last status/shutdown_reply messages time to go out.
	time.Sleep(50 * time.Millisecond)
	closeSockets() // unblocks the receive loops
	wg.Wait()
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stopErr
}

// shutdown ends Run with err (nil for a requested shutdown).
func (k *Kernel) shutdown(err error) {
	k.stopOnce.Do(func() {
		k.mu.Lock()
		k.stopErr = err
		k.mu.Unlock()
		if k.stop != nil {
			k.stop()
		}
	})
}

// Interrupt stops the running cell cooperatively, as interrupt_request
// does; hosts call it on SIGINT. A cell waiting for input gets an error.
func (k *Kernel) Interrupt() {
	k.mu.Lock()
	running := k.executing
	if k.inputStop != nil {
		close(k.inputStop)
		k.inputStop = nil
	}
	k.mu.Unlock()
	if running {
		k.eval.Interrupt()
	}
}

// bind creates and binds the five sockets.
func (k *Kernel) bind(ctx context.Context) error {
	zlog := log.New(k.cfg.Log, "gokernel: zmq4: ", log.LstdFlags)
	opt := zmq4.WithLogger(zlog)
	k.shell = zmq4.NewRouter(ctx, opt)
	k.control = zmq4.NewRouter(ctx, opt)
	k.stdin = zmq4.NewRouter(ctx, opt)
	k.iopub = zmq4.NewPub(ctx, opt)
	k.hb = zmq4.NewRep(ctx, opt)
	if err := k.iopub.SetOption(zmq4.OptionHWM, k.cfg.IOPubHWM); err != nil {
		return fmt.Errorf("kernel: iopub high-water mark: %v", err)
	}
	for _, s := range []struct {
		name string
		sock zmq4.Socket
		port *int
	}{
		{"shell", k.shell, &k.info.ShellPort},
		{"control", k.control, &k.info.ControlPort},
		{"stdin", k.stdin, &k.info.StdinPort},
		{"iopub", k.iopub, &k.info.IOPubPort},
		{"hb", k.hb, &k.info.HBPort},
	} {
		ep := k.info.Endpoint(*s.port)
		if k.info.Transport == "ipc" {
			_ = os.Remove(k.info.IP + "-" + strconv.Itoa(*s.port)) // a stale socket file from a dead kernel
		}
		if err := s.sock.Listen(bufferedEndpoint(ep)); err != nil {
			k.closeSockets()
			return fmt.Errorf("kernel: binding %s to %s: %v", s.name, ep, err)
		}
		if a, ok := s.sock.Addr().(*net.TCPAddr); ok && *s.port == 0 {
			*s.port = a.Port
		}
	}
	k.pub = &publisher{sock: k.iopub, signer: k.signer, session: k.session, log: k.log,
		interval: k.cfg.StreamInterval}
	k.senders = map[zmq4.Socket]*routerSender{}
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin} {
		if rs := newRouterSender(s); rs != nil {
			k.senders[s] = rs
		}
	}
	return nil
}

func (k *Kernel) closeSockets() {
	for _, s := range []zmq4.Socket{k.shell, k.control, k.stdin, k.iopub, k.hb} {
		if s != nil {
			_ = s.Close()
		}
	}
}

// recv reads and decodes messages from a ROUTER socket, dropping (and
// logging) anything that does not decode or verify. It returns false when
// the socket is closed.
func (k *Kernel) recv(ctx context.Context, name string, s zmq4.Socket) (*Message, bool) {
	for {
		zm, err := s.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return nil, false
			}
			k.log.Printf("%s: receive: %v", name, err)
			select {
			case <-ctx.Done():
				return nil, false
			case <-time.After(10 * time.Millisecond):
			}
			continue
		}
		m, err := Decode(zm.Frames, k.signer)
		if err != nil {
			k.log.Printf("%s: dropped: %v", name, err)
			continue
		}
		m.received = time.Now()
		return m, true
	}
}

// heartbeat echoes every ping on the REP socket.
func (k *Kernel) heartbeat(ctx context.Context) {
	for {
		m, err := k.hb.Recv()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			continue
		}
		if err := k.hb.Send(m); err != nil && ctx.Err() == nil {
			k.log.Printf("hb: %v", err)
		}
	}
}

// shellRecvLoop decodes shell requests into the queue, so that requests
// queued behind a running cell can be aborted after an error.
func (k *Kernel) shellRecvLoop(ctx context.Context) {
	defer close(k.queue)
	for {
		m, ok := k.recv(ctx, "shell", k.shell)
		if !ok {
			return
		}
		select {
		case k.queue <- m:
		case <-ctx.Done():
			return
		}
	}
}

// shellExecLoop serves shell requests one at a time, and calls
// Config.OnIdle once after each quiet spell.
func (k *Kernel) shellExecLoop(ctx context.Context) {
	var idle <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-idle:
			idle = nil
			k.cfg.OnIdle()
		case m, ok := <-k.queue:
			if !ok {
				return
			}
			k.dispatch(k.shell, m)
			if k.cfg.OnIdle != nil {
				idle = time.After(k.cfg.IdleAfter)
			}
		}
	}
}

// controlLoop serves the control channel on its own goroutine.
func (k *Kernel) controlLoop(ctx context.Context) {
	for {
		m, ok := k.recv(ctx, "control", k.control)
		if !ok {
			return
		}
		k.dispatch(k.control, m)
	}
}

// stdinLoop routes input_reply messages to the cell waiting for input.
func (k *Kernel) stdinLoop(ctx context.Context) {
	for {
		m, ok := k.recv(ctx, "stdin", k.stdin)
		if !ok {
			return
		}
		if m.Header.MsgType != "input_reply" {
			k.log.Printf("stdin: ignoring %s", m.Header.MsgType)
			continue
		}
		var c struct {
			Value string `json:"value"`
		}
		if err := jsonUnmarshal(m.Content, &c); err != nil {
			k.log.Printf("stdin: input_reply: %v", err)
			continue
		}
		k.mu.Lock()
		w := k.inputWait
		k.mu.Unlock()
		if w == nil {
			k.log.Printf("stdin: input_reply with no pending input_request")
			continue
		}
		select {
		case w <- c.Value:
		default:
			k.log.Printf("stdin: extra input_reply ignored")
		}
	}
}
