package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-zeromq/zmq4"
)

// handler serves one request type. sock is the socket the request came in
// on; every reply goes back on it.
type handler func(k *Kernel, sock zmq4.Socket, m *Message)

var handlers map[string]handler

func init() {
	handlers = map[string]handler{
		"kernel_info_request": (*Kernel).kernelInfo,
		"execute_request":     (*Kernel).execute,
		"is_complete_request": (*Kernel).isComplete,
		"complete_request":    (*Kernel).complete,
		"inspect_request":     (*Kernel).inspect,
		"history_request":     (*Kernel).history,
		"comm_info_request":   (*Kernel).commInfo,
		"comm_open":           (*Kernel).commOpen,
		"comm_msg":            (*Kernel).commIgnore,
		"comm_close":          (*Kernel).commIgnore,
		"interrupt_request":   (*Kernel).interrupt,
		"shutdown_request":    (*Kernel).shutdownRequest,
	}
}

// dispatch serves one request between busy and idle, whatever happens: an
// unknown type is logged, a panicking handler is recovered and logged.
func (k *Kernel) dispatch(sock zmq4.Socket, m *Message) {
	k.serve(sock, m)
	if m.Header.MsgType == "shutdown_request" {
		k.shutdown(nil) // after idle went out
	}
}

func (k *Kernel) serve(sock zmq4.Socket, m *Message) {
	k.pub.publish(m, "status", map[string]any{"execution_state": "busy"})
	defer k.pub.publish(m, "status", map[string]any{"execution_state": "idle"})
	defer func() {
		if p := recover(); p != nil {
			k.log.Printf("%s: handler panic: %v\n%s", m.Header.MsgType, p, debug.Stack())
		}
	}()
	h := handlers[m.Header.MsgType]
	if sock == k.control && m.Header.MsgType == "execute_request" {
		// Cells run on shell only; running one here would block control.
		k.replyError(sock, m, "execute_reply", errors.New("kernel: execute_request is served on the shell channel, not control"))
		return
	}
	if h == nil {
		k.log.Printf("unknown message type %q ignored", m.Header.MsgType)
		return
	}
	h(k, sock, m)
}

// reply sends msgType with content back to the sender of req on sock.
func (k *Kernel) reply(sock zmq4.Socket, req *Message, msgType string, content any) {
	m, err := newMessage(msgType, k.session, req, content)
	if err != nil {
		k.log.Printf("%v", err)
		return
	}
	m.Identities = req.Identities
	if err := k.send(sock, m.Frames(k.signer)); err != nil {
		k.log.Printf("sending %s: %v", msgType, err)
	}
}

// send sends frames (routing identity first) on a ROUTER socket, with one
// writev when the socket's routerSender works (see routerSender).
func (k *Kernel) send(sock zmq4.Socket, frames [][]byte) error {
	if rs := k.senders[sock]; rs != nil {
		if sent, err := rs.send(frames); sent {
			return err
		}
	}
	return sock.SendMulti(zmq4.NewMsgFrom(frames...))
}

// replyError answers a request whose content could not be understood.
func (k *Kernel) replyError(sock zmq4.Socket, req *Message, msgType string, err error) {
	k.log.Printf("%s: %v", req.Header.MsgType, err)
	k.reply(sock, req, msgType, map[string]any{"status": "error", "ename": "BadRequest",
		"evalue": err.Error(), "traceback": []string{"BadRequest: " + err.Error()}})
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("kernel: content: %v", err)
	}
	return nil
}

func (k *Kernel) kernelInfo(sock zmq4.Socket, m *Message) {
	links := k.cfg.HelpLinks
	if links == nil {
		links = []HelpLink{}
	}
	k.reply(sock, m, "kernel_info_reply", map[string]any{
		"status":                 "ok",
		"protocol_version":       ProtocolVersion,
		"implementation":         k.cfg.Implementation,
		"implementation_version": k.cfg.Version,
		"language_info": map[string]any{
			"name":               "go",
			"version":            k.cfg.LanguageVersion,
			"mimetype":           "text/x-go",
			"file_extension":     ".go",
			"pygments_lexer":     "go",
			"codemirror_mode":    "go",
			"nbconvert_exporter": "script",
		},
		"banner":     k.cfg.Banner,
		"help_links": links,
		"debugger":   false,
	})
}

// executeRequest is execute_request's content; pointers tell absent
// fields, which take the protocol's defaults.
type executeRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	AllowStdin      *bool             `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error"`
}

func orTrue(b *bool) bool { return b == nil || *b }

func (k *Kernel) execute(sock zmq4.Socket, m *Message) {
	var req executeRequest
	if err := jsonUnmarshal(m.Content, &req); err != nil {
		k.replyError(sock, m, "execute_reply", err)
		return
	}
	store := orTrue(req.StoreHistory) && !req.Silent
	if store {
		k.count++
	}
	n := k.count
	if !req.Silent {
		k.pub.publish(m, "execute_input", map[string]any{"code": req.Code, "execution_count": n})
	}
	var payMu sync.Mutex
	payload := []any{}
	display := func(msgType string) func(data, metadata map[string]any, id string) {
		return func(data, metadata map[string]any, id string) { k.publishDisplay(m, msgType, data, metadata, id) }
	}
	out := Output{
		Stdout:        &streamWriter{k.pub, m, "stdout"},
		Stderr:        &streamWriter{k.pub, m, "stderr"},
		Display:       display("display_data"),
		UpdateDisplay: display("update_display_data"),
		ClearOutput: func(wait bool) {
			k.pub.publish(m, "clear_output", map[string]any{"wait": wait})
		},
		Page: func(data map[string]any) {
			if data == nil {
				data = map[string]any{"text/plain": ""}
			}
			payMu.Lock()
			payload = append(payload, map[string]any{"source": "page", "data": data, "start": 0})
			payMu.Unlock()
		},
	}
	if orTrue(req.AllowStdin) {
		out.Input = func(prompt string, password bool) (string, error) {
			return k.requestInput(m, prompt, password)
		}
	}
	result, err := k.run(req.Code, out)
	k.pub.flush()
	if err != nil {
		ee := asExecError(err)
		k.pub.publish(m, "error", map[string]any{"ename": ee.Name, "evalue": ee.Value, "traceback": ee.Traceback})
		if store {
			k.hist.add(n, req.Code, "")
		}
		failed := time.Now()
		k.reply(sock, m, "execute_reply", map[string]any{"status": "error", "execution_count": n,
			"ename": ee.Name, "evalue": ee.Value, "traceback": ee.Traceback})
		if orTrue(req.StopOnError) && !req.Silent {
			k.abortQueued(failed)
		}
		return
	}
	text := ""
	if result != nil {
		if t, ok := result["text/plain"].(string); ok {
			text = t
		}
		if !req.Silent {
			k.pub.publish(m, "execute_result", map[string]any{"execution_count": n, "data": result, "metadata": map[string]any{}})
		}
	}
	if store {
		k.hist.add(n, req.Code, text)
	}
	payMu.Lock()
	pl := payload
	payMu.Unlock()
	k.reply(sock, m, "execute_reply", map[string]any{"status": "ok", "execution_count": n,
		"payload": pl, "user_expressions": k.userExpressions(req.UserExpressions)})
}

// run calls the evaluator with the kernel marked as executing, turning a
// panic in the evaluator into an error.
func (k *Kernel) run(code string, out Output) (result map[string]any, err error) {
	k.mu.Lock()
	k.executing = true
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		k.executing = false
		k.mu.Unlock()
		if p := recover(); p != nil {
			k.log.Printf("evaluator panic: %v\n%s", p, debug.Stack())
			err = &ExecError{Name: "InternalError", Value: fmt.Sprint(p),
				Traceback: []string{fmt.Sprintf("gokernel: internal error: %v", p)}}
		}
	}()
	return k.eval.Execute(context.Background(), code, out)
}

// asExecError gives any error a name, value and non-empty traceback.
func asExecError(err error) *ExecError {
	var ee *ExecError
	if errors.As(err, &ee) {
		c := *ee
		if c.Name == "" {
			c.Name = "Error"
		}
		if len(c.Traceback) == 0 {
			c.Traceback = []string{c.Name + ": " + c.Value}
		}
		return &c
	}
	return &ExecError{Name: "Error", Value: err.Error(), Traceback: []string{err.Error()}}
}

// publishDisplay publishes display_data or update_display_data from a
// cell, with the {} fields front ends require where nil.
func (k *Kernel) publishDisplay(parent *Message, msgType string, data, metadata map[string]any, id string) {
	if data == nil {
		data = map[string]any{}
	}
	if metadata == nil {
		metadata = map[string]any{}
	}
	transient := map[string]any{}
	if id != "" {
		transient["display_id"] = id
	}
	k.pub.publish(parent, msgType, map[string]any{"data": data, "metadata": metadata, "transient": transient})
}

// userExpressions evaluates execute_request's user_expressions.
func (k *Kernel) userExpressions(exprs map[string]string) map[string]any {
	res := map[string]any{}
	for name, code := range exprs {
		bundle, err := k.run(code, Output{})
		if err != nil {
			ee := asExecError(err)
			res[name] = map[string]any{"status": "error", "ename": ee.Name, "evalue": ee.Value, "traceback": ee.Traceback}
			continue
		}
		if bundle == nil {
			bundle = map[string]any{"text/plain": ""}
		}
		res[name] = map[string]any{"status": "ok", "data": bundle, "metadata": map[string]any{}}
	}
	return res
}

// abortGrace is how long after a failure execute_requests still in flight
// are looked for: "run all" sends every cell at once, and a cell can fail
// before the next request has been read off the socket.
const abortGrace = 50 * time.Millisecond

// abortQueued answers the execute_requests queued behind a failed cell
// with status "aborted"; other queued requests are served normally. A
// request is queued behind the failure if it was received before the
// failure, or arrives within abortGrace with a header date (the client's
// send time) no later than the failure. A request sent after the client
// saw the error runs: aborting stops "run all", not the next cell.
func (k *Kernel) abortQueued(failed time.Time) {
	grace := time.NewTimer(abortGrace)
	defer grace.Stop()
	for {
		select {
		case m, ok := <-k.queue:
			if !ok {
				return
			}
			if m.Header.MsgType != "execute_request" {
				k.dispatch(k.shell, m)
				continue
			}
			if !sentBefore(m, failed) {
				k.dispatch(k.shell, m)
				return
			}
			k.pub.publish(m, "status", map[string]any{"execution_state": "busy"})
			k.reply(k.shell, m, "execute_reply", map[string]any{"status": "aborted"})
			k.pub.publish(m, "status", map[string]any{"execution_state": "idle"})
		case <-grace.C:
			return
		}
	}
}

// sentBefore reports whether m was sent before t: received before it, or
// stamped (header date) no later than t and received shortly after.
func sentBefore(m *Message, t time.Time) bool {
	if !m.received.After(t) {
		return true
	}
	if m.received.Sub(t) > abortGrace {
		return false
	}
	d, err := time.Parse(time.RFC3339Nano, m.Header.Date)
	return err == nil && !d.After(t)
}

// errInputInterrupted is returned to a cell whose input wait was interrupted.
var errInputInterrupted = errors.New("kernel: interrupted while waiting for input")

// requestInput sends input_request on stdin to the client that sent parent
// and waits for its input_reply (or an interrupt).
func (k *Kernel) requestInput(parent *Message, prompt string, password bool) (string, error) {
	k.pub.flush()
	wait, stop := make(chan string, 1), make(chan struct{})
	k.mu.Lock()
	k.inputWait, k.inputStop = wait, stop
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		k.inputWait = nil
		if k.inputStop == stop {
			k.inputStop = nil
		}
		k.mu.Unlock()
	}()
	k.reply(k.stdin, parent, "input_request", map[string]any{"prompt": prompt, "password": password})
	select {
	case v := <-wait:
		return v, nil
	case <-stop:
		return "", errInputInterrupted
	}
}

func (k *Kernel) isComplete(sock zmq4.Socket, m *Message) {
	var req struct {
		Code string `json:"code"`
	}
	if err := jsonUnmarshal(m.Content, &req); err != nil {
		k.replyError(sock, m, "is_complete_reply", err)
		return
	}
	status, indent := k.eval.IsComplete(req.Code)
	switch status {
	case "complete", "incomplete", "invalid":
	default:
		status = "unknown"
	}
	c := map[string]any{"status": status}
	if status == "incomplete" {
		c["indent"] = indent
	}
	k.reply(sock, m, "is_complete_reply", c)
}

// codeCursor reads {code, cursor_pos}; a missing or out-of-range cursor is
// clamped to the end of the code (in code points).
func codeCursor(content []byte) (code string, pos int, detail int, err error) {
	var req struct {
		Code        string `json:"code"`
		CursorPos   *int   `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	if err := jsonUnmarshal(content, &req); err != nil {
		return "", 0, 0, err
	}
	n := utf8.RuneCountInString(req.Code)
	pos = n
	if req.CursorPos != nil && *req.CursorPos >= 0 && *req.CursorPos <= n {
		pos = *req.CursorPos
	}
	return req.Code, pos, req.DetailLevel, nil
}

func (k *Kernel) complete(sock zmq4.Socket, m *Message) {
	code, pos, _, err := codeCursor(m.Content)
	if err != nil {
		k.replyError(sock, m, "complete_reply", err)
		return
	}
	matches, start, end := k.eval.Complete(code, pos)
	if matches == nil {
		matches = []string{}
	}
	k.reply(sock, m, "complete_reply", map[string]any{"status": "ok", "matches": matches,
		"cursor_start": start, "cursor_end": end, "metadata": map[string]any{}})
}

func (k *Kernel) inspect(sock zmq4.Socket, m *Message) {
	code, pos, detail, err := codeCursor(m.Content)
	if err != nil {
		k.replyError(sock, m, "inspect_reply", err)
		return
	}
	bundle, found := k.eval.Inspect(code, pos, detail)
	if bundle == nil {
		bundle = map[string]any{}
	}
	k.reply(sock, m, "inspect_reply", map[string]any{"status": "ok", "found": found,
		"data": bundle, "metadata": map[string]any{}})
}

func (k *Kernel) history(sock zmq4.Socket, m *Message) {
	var req historyRequest
	if err := jsonUnmarshal(m.Content, &req); err != nil {
		k.replyError(sock, m, "history_reply", err)
		return
	}
	k.reply(sock, m, "history_reply", map[string]any{"status": "ok", "history": k.hist.query(req)})
}

func (k *Kernel) commInfo(sock zmq4.Socket, m *Message) {
	k.reply(sock, m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
}

// commOpen closes every comm: the kernel registers no comm targets.
func (k *Kernel) commOpen(sock zmq4.Socket, m *Message) {
	var req struct {
		CommID     string `json:"comm_id"`
		TargetName string `json:"target_name"`
	}
	if err := jsonUnmarshal(m.Content, &req); err != nil {
		k.log.Printf("comm_open: %v", err)
		return
	}
	k.log.Printf("comm_open: no comm target %q; closing comm %s", req.TargetName, req.CommID)
	k.pub.publish(m, "comm_close", map[string]any{"comm_id": req.CommID, "data": map[string]any{}})
}

func (k *Kernel) commIgnore(sock zmq4.Socket, m *Message) {
	k.log.Printf("%s ignored: no comms are open", m.Header.MsgType)
}

func (k *Kernel) interrupt(sock zmq4.Socket, m *Message) {
	k.Interrupt()
	k.reply(sock, m, "interrupt_reply", map[string]any{"status": "ok"})
}

func (k *Kernel) shutdownRequest(sock zmq4.Socket, m *Message) {
	var req struct {
		Restart bool `json:"restart"`
	}
	if err := jsonUnmarshal(m.Content, &req); err != nil {
		k.log.Printf("shutdown_request: %v (shutting down anyway)", err)
	}
	c := map[string]any{"status": "ok", "restart": req.Restart}
	k.reply(sock, m, "shutdown_reply", c)
	k.pub.publish(m, "shutdown_reply", c)
}
