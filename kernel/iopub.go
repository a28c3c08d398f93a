package kernel

import (
	"log"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-zeromq/zmq4"
)

// maxPending is how many bytes of stream text are held before a stream
// message is sent without waiting for the coalescing timer.
const maxPending = 64 << 10

// publisher owns the iopub PUB socket. Every message goes through it under
// one mutex, so the order in which the kernel publishes is the order on the
// wire. Stream text is coalesced: writes are appended to one pending chunk
// (one stream name, one parent) that is sent when the timer fires, when it
// grows past maxPending, when the other stream or another parent writes, or
// before any other message is published. Nothing is ever dropped here.
type publisher struct {
	sock     zmq4.Socket
	signer   *Signer
	session  string
	log      *log.Logger
	interval time.Duration

	mu      sync.Mutex
	pParent *Message
	pName   string
	pBuf    []byte
	timer   *time.Timer
	sent    int // messages sent, for tests
}

// publish sends one iopub message after any pending stream text.
func (p *publisher) publish(parent *Message, msgType string, content any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked(true)
	p.sendLocked(parent, msgType, content)
}

func (p *publisher) sendLocked(parent *Message, msgType string, content any) {
	m, err := newMessage(msgType, p.session, parent, content)
	if err != nil {
		p.log.Printf("dropping %s: %v", msgType, err)
		return
	}
	m.Identities = [][]byte{[]byte("kernel." + p.session + "." + msgType)}
	if err := p.sock.SendMulti(zmq4.NewMsgFrom(m.Frames(p.signer)...)); err != nil {
		p.log.Printf("iopub: sending %s: %v", msgType, err)
		return
	}
	p.sent++
}

// write appends stream text for parent.
func (p *publisher) write(parent *Message, name string, b []byte) {
	if len(b) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pBuf) > 0 && (p.pParent != parent || p.pName != name) {
		p.flushLocked(true)
	}
	p.pParent, p.pName = parent, name
	p.pBuf = append(p.pBuf, b...)
	if len(p.pBuf) >= maxPending {
		p.flushLocked(false)
	}
	if len(p.pBuf) > 0 && p.timer == nil {
		p.timer = time.AfterFunc(p.interval, p.flush)
	}
}

// flush sends the pending stream text (the timer's callback).
func (p *publisher) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked(true)
}

// flushLocked sends pending text. Unless all is set, an incomplete UTF-8
// sequence at the end is held back so that a character split across writes
// is not mangled.
func (p *publisher) flushLocked(all bool) {
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	if len(p.pBuf) == 0 {
		return
	}
	n := len(p.pBuf)
	if !all {
		n = completeUTF8(p.pBuf)
	}
	text := string(p.pBuf[:n])
	rest := copy(p.pBuf, p.pBuf[n:])
	p.pBuf = p.pBuf[:rest]
	if cap(p.pBuf) > 4*maxPending {
		p.pBuf = append([]byte(nil), p.pBuf...)
	}
	p.sendLocked(p.pParent, "stream", map[string]any{"name": p.pName, "text": text})
}

// completeUTF8 returns the length of the longest prefix of b that does not
// end inside a multi-byte UTF-8 sequence.
func completeUTF8(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

// streamWriter is the io.Writer a cell's stdout or stderr goes to.
type streamWriter struct {
	p      *publisher
	parent *Message
	name   string
}

func (w *streamWriter) Write(b []byte) (int, error) {
	w.p.write(w.parent, w.name, b)
	return len(b), nil
}
