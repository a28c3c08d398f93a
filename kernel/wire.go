package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"sync"
	"time"
)

// Delimiter separates the routing identities from the message proper in
// every Jupyter wire message.
const Delimiter = "<IDS|MSG>"

// ProtocolVersion is the Jupyter messaging protocol version the kernel
// speaks. 5.5 would require iopub_welcome, which zmq4's XPUB cannot send.
const ProtocolVersion = "5.3"

// Header is a Jupyter message header.
type Header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// Message is one decoded Jupyter message. The JSON parts are kept as the
// exact bytes received so that the parent header can be echoed verbatim
// (unknown fields such as subshell_id survive) and nothing is re-marshalled.
type Message struct {
	Identities   [][]byte        // ROUTER routing prefix (or the PUB topic)
	Header       Header          // parsed from RawHeader
	RawHeader    json.RawMessage // the header exactly as received
	ParentHeader json.RawMessage // a JSON object; {} when there is no parent
	Metadata     json.RawMessage // a JSON object
	Content      json.RawMessage // a JSON object
	Buffers      [][]byte

	received time.Time // when the kernel read it off its socket
}

// DecodeError says why a wire message was rejected. The kernel logs it and
// drops the message.
type DecodeError struct {
	Reason string
}

func (e *DecodeError) Error() string { return "kernel: bad message: " + e.Reason }

func badMsg(format string, args ...any) error {
	return &DecodeError{Reason: fmt.Sprintf(format, args...)}
}

// Signer signs and verifies messages with HMAC-SHA256 over the exact
// header, parent_header, metadata and content frames. A nil or empty key
// means messages are unsigned (the signature frame is empty and not checked).
// It also rejects replayed signatures, as jupyter_client's Session does.
// A Signer is safe for concurrent use.
type Signer struct {
	key  []byte
	mu   sync.Mutex
	pool sync.Pool
	seen map[string]struct{}
	old  map[string]struct{}
}

// maxSeen bounds the replay history; two generations are kept.
const maxSeen = 1 << 14

// NewSigner returns a Signer for key with the given scheme ("hmac-sha256"
// or "" for the default). Other schemes are an error.
func NewSigner(scheme string, key []byte) (*Signer, error) {
	if scheme != "" && scheme != "hmac-sha256" {
		return nil, fmt.Errorf("kernel: unsupported signature scheme %q (only hmac-sha256)", scheme)
	}
	s := &Signer{key: append([]byte(nil), key...), seen: map[string]struct{}{}}
	s.pool.New = func() any { return hmac.New(sha256.New, s.key) }
	return s, nil
}

// Sign returns the hex signature of the four JSON frames; "" when unsigned.
func (s *Signer) Sign(parts ...[]byte) []byte {
	if s == nil || len(s.key) == 0 {
		return nil
	}
	return []byte(hex.EncodeToString(s.mac(parts)))
}

func (s *Signer) mac(parts [][]byte) []byte {
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	for _, p := range parts {
		h.Write(p)
	}
	sum := h.Sum(nil)
	s.pool.Put(h)
	return sum
}

// verify checks sig against the frames with hmac.Equal and rejects replays.
func (s *Signer) verify(sig []byte, parts [][]byte) error {
	if s == nil || len(s.key) == 0 {
		return nil
	}
	got := make([]byte, hex.DecodedLen(len(sig)))
	if _, err := hex.Decode(got, sig); err != nil || len(got) != sha256.Size {
		return badMsg("signature is not a hex HMAC-SHA256")
	}
	if !hmac.Equal(got, s.mac(parts)) {
		return badMsg("signature does not match")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := string(got)
	if _, dup := s.seen[k]; dup {
		return badMsg("replayed signature")
	}
	if _, dup := s.old[k]; dup {
		return badMsg("replayed signature")
	}
	if len(s.seen) >= maxSeen {
		s.old, s.seen = s.seen, make(map[string]struct{}, maxSeen)
	}
	s.seen[k] = struct{}{}
	return nil
}

// Decode parses the frames of one wire message:
//
//	[identities...] "<IDS|MSG>" signature header parent_header metadata content [buffers...]
//
// It verifies the signature over the exact received bytes before parsing
// anything, requires the four JSON parts to be objects and the header to
// carry msg_id and msg_type. Any failure is a *DecodeError.
func Decode(frames [][]byte, s *Signer) (*Message, error) {
	delim := -1
	for i, f := range frames {
		if string(f) == Delimiter {
			delim = i
			break
		}
	}
	if delim < 0 {
		return nil, badMsg("no %s delimiter in %d frames", Delimiter, len(frames))
	}
	if len(frames)-delim-1 < 5 {
		return nil, badMsg("%d frames after the delimiter, need at least 5", len(frames)-delim-1)
	}
	sig, parts := frames[delim+1], frames[delim+2:delim+6]
	if err := s.verify(sig, parts); err != nil {
		return nil, err
	}
	for i, name := range []string{"header", "parent_header", "metadata", "content"} {
		if !isObject(parts[i]) {
			return nil, badMsg("%s is not a JSON object", name)
		}
	}
	m := &Message{
		Identities:   frames[:delim],
		RawHeader:    json.RawMessage(parts[0]),
		ParentHeader: json.RawMessage(parts[1]),
		Metadata:     json.RawMessage(parts[2]),
		Content:      json.RawMessage(parts[3]),
		Buffers:      frames[delim+6:],
	}
	if err := json.Unmarshal(parts[0], &m.Header); err != nil {
		return nil, badMsg("header: %v", err)
	}
	if m.Header.MsgType == "" || m.Header.MsgID == "" {
		return nil, badMsg("header lacks msg_id or msg_type")
	}
	return m, nil
}

// isObject reports whether b is valid JSON whose top-level value is an object.
func isObject(b []byte) bool {
	t := bytes.TrimLeft(b, " \t\r\n")
	return len(t) > 0 && t[0] == '{' && json.Valid(b)
}

// Frames encodes m for the wire, signing the exact bytes it sends.
func (m *Message) Frames(s *Signer) [][]byte {
	frames := make([][]byte, 0, len(m.Identities)+6+len(m.Buffers))
	frames = append(frames, m.Identities...)
	parent, meta, content := orEmpty(m.ParentHeader), orEmpty(m.Metadata), orEmpty(m.Content)
	frames = append(frames, []byte(Delimiter), s.Sign(m.RawHeader, parent, meta, content),
		m.RawHeader, parent, meta, content)
	return append(frames, m.Buffers...)
}

func orEmpty(b json.RawMessage) []byte {
	if len(b) == 0 || string(b) == "null" {
		return []byte("{}")
	}
	return b
}

// newHeader returns a fresh header for a message the kernel sends.
func newHeader(msgType, session string) Header {
	return Header{
		MsgID:    newID(),
		Session:  session,
		Username: "kernel",
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z"),
		MsgType:  msgType,
		Version:  ProtocolVersion,
	}
}

// newMessage builds an outgoing message whose parent is the raw header of
// parent (nil: no parent) and whose content is marshalled from content.
func newMessage(msgType, session string, parent *Message, content any) (*Message, error) {
	h := newHeader(msgType, session)
	rh, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	c, err := json.Marshal(content)
	if err != nil {
		return nil, fmt.Errorf("kernel: encoding %s content: %v", msgType, err)
	}
	if string(c) == "null" {
		c = []byte("{}")
	}
	m := &Message{Header: h, RawHeader: rh, ParentHeader: json.RawMessage("{}"),
		Metadata: json.RawMessage("{}"), Content: c}
	if parent != nil {
		m.ParentHeader = parent.RawHeader
	}
	return m, nil
}
