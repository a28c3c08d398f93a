// Package kernel speaks the Jupyter messaging protocol (version 5.3) over
// ZeroMQ (github.com/go-zeromq/zmq4) for an Evaluator it knows nothing
// about: it moves requests from the wire to the Evaluator and results back,
// and never looks at code. The gokernel binary adapts interp.Session to
// Evaluator; tests use scripted fakes.
//
// # Channels
//
// New takes the connection file's contents (ReadConnectionFile) and Run
// binds five sockets on its IP, "0.0.0.0" included: shell, control and
// stdin (ROUTER), iopub (PUB) and the heartbeat (REP, an echo on its own
// goroutine). The ipc transport uses jupyter_client's endpoints,
// ipc://IP-PORT. Shell requests are executed strictly in order on one
// goroutine; control has its own goroutine, so interrupt_request,
// shutdown_request and kernel_info_request are answered while a cell runs.
// Kernel.Interrupt does what interrupt_request does (hosts call it on
// SIGINT); Config.ParentPID (JPY_PARENT_PID) ends Run when the launching
// process dies.
//
// # Wire format
//
// Decode splits [identities] "<IDS|MSG>" signature header parent metadata
// content [buffers], checks the HMAC-SHA256 signature over the exact
// received bytes with hmac.Equal (and rejects replayed signatures), and
// requires the four JSON parts to be objects. Anything that fails is
// logged and dropped: never executed, never answered. Replies echo the
// request header verbatim as parent_header (unknown fields survive), carry
// metadata {} rather than null, and are signed over the bytes sent.
// Replies on the ROUTER sockets are written with one writev per message
// (routerSender: zmq4's own ROUTER send writes each frame separately, from
// a goroutine per message), and the sockets are bound through zmq4
// transports registered by the package (gokernel-tcp, gokernel-ipc) whose
// connections buffer reads, so a request is read in one or two system
// calls instead of two per frame, and whose TCP listeners are plain TCP,
// not Go's default multipath TCP (~1.4 ms less CPU to the first
// kernel_info_reply).
//
// # Every request
//
// Each request is served between status busy and status idle on iopub,
// whatever happens: unknown types, malformed content (an error reply) and
// handler panics included. The reply goes out on the socket the request
// came from. execute_request publishes execute_input before running, the
// result as execute_result, failures as error (with a non-empty
// traceback), and honours silent, store_history, user_expressions,
// allow_stdin (input_request on stdin to the requesting client) and
// stop_on_error: after a failure, execute_requests already queued are
// answered with status "aborted". Also served: is_complete, complete,
// inspect (cursor positions in code points), history (in memory: tail,
// range, search), comm_info, comm_open (closed at once: there are no comm
// targets), shutdown (with the restart flag, then Run returns).
//
// # Output
//
// zmq4's PUB drops messages beyond its high-water mark, which Config
// raises; the publisher also coalesces stream text for Config.StreamInterval
// (25 ms) or 64 KiB, so a cell printing 10,000 lines sends a handful of
// stream messages, complete and in order. Pending text is flushed before
// any other iopub message, so text and displays keep their order.
// Displays (Output.Display, UpdateDisplay, ClearOutput) are typed calls
// that the kernel turns into display_data, update_display_data and
// clear_output messages, with metadata and transient {} when there are
// none; they are never dropped or throttled here (rate limiting live
// displays is the engine's job). Output.Page adds a pager payload to the
// execute_reply.
package kernel
