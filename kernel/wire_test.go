package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func frames(s *Signer, ids []string, header, parent, meta, content string, extra ...string) [][]byte {
	var f [][]byte
	for _, id := range ids {
		f = append(f, []byte(id))
	}
	f = append(f, []byte(Delimiter), s.Sign([]byte(header), []byte(parent), []byte(meta), []byte(content)),
		[]byte(header), []byte(parent), []byte(meta), []byte(content))
	for _, e := range extra {
		f = append(f, []byte(e))
	}
	return f
}

const goodHeader = `{"msg_id":"1","session":"s","username":"u","date":"2024-01-01T00:00:00Z","msg_type":"execute_request","version":"5.3","subshell_id":null}`

func TestDecode(t *testing.T) {
	key := []byte("secret")
	newS := func() *Signer { s, _ := NewSigner("hmac-sha256", key); return s }
	good := func() [][]byte { return frames(newS(), []string{"id1"}, goodHeader, "{}", "{}", `{"code":"1"}`) }
	tests := []struct {
		name   string
		frames func() [][]byte
		signer *Signer
		want   string // substring of the error; "" = ok
	}{
		{"good", good, nil, ""},
		{"good with buffers", func() [][]byte {
			return frames(newS(), []string{"a", "b"}, goodHeader, "{}", "{}", "{}", "buf1", "buf2")
		}, nil, ""},
		{"unsigned accepted when key is empty", func() [][]byte {
			return frames(nil, nil, goodHeader, "{}", "{}", "{}")
		}, &Signer{}, ""},
		{"no delimiter", func() [][]byte { return good()[2:] }, nil, "delimiter"},
		{"empty", func() [][]byte { return nil }, nil, "delimiter"},
		{"truncated", func() [][]byte { return good()[:5] }, nil, "need at least 5"},
		{"bad signature", func() [][]byte {
			f := good()
			f[2] = bytes.Repeat([]byte("0"), 64)
			return f
		}, nil, "does not match"},
		{"signature not hex", func() [][]byte {
			f := good()
			f[2] = []byte("zz")
			return f
		}, nil, "not a hex"},
		{"unsigned rejected when key set", func() [][]byte {
			return frames(nil, nil, goodHeader, "{}", "{}", "{}")
		}, nil, "not a hex"},
		{"tampered content", func() [][]byte {
			f := good()
			f[6] = []byte(`{"code":"2"}`)
			return f
		}, nil, "does not match"},
		{"wrong key", func() [][]byte {
			s, _ := NewSigner("", []byte("other"))
			return frames(s, nil, goodHeader, "{}", "{}", "{}")
		}, nil, "does not match"},
		{"invalid JSON content", func() [][]byte {
			return frames(newS(), nil, goodHeader, "{}", "{}", `{"code":`)
		}, nil, "content is not a JSON object"},
		{"content is an array", func() [][]byte {
			return frames(newS(), nil, goodHeader, "{}", "{}", `[1]`)
		}, nil, "content is not a JSON object"},
		{"null parent", func() [][]byte {
			return frames(newS(), nil, goodHeader, "null", "{}", `{}`)
		}, nil, "parent_header is not a JSON object"},
		{"header without msg_type", func() [][]byte {
			return frames(newS(), nil, `{"msg_id":"1"}`, "{}", "{}", `{}`)
		}, nil, "lacks msg_id or msg_type"},
		{"header field of wrong type", func() [][]byte {
			return frames(newS(), nil, `{"msg_id":1,"msg_type":"x"}`, "{}", "{}", `{}`)
		}, nil, "header:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.signer
			if s == nil {
				s = newS()
			}
			m, err := Decode(tt.frames(), s)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Decode = %v; want ok", err)
				}
				if m.Header.MsgType != "execute_request" {
					t.Errorf("msg_type = %q", m.Header.MsgType)
				}
				return
			}
			var de *DecodeError
			if !errors.As(err, &de) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Decode error = %v; want *DecodeError containing %q", err, tt.want)
			}
		})
	}
}

func TestDecodeReplay(t *testing.T) {
	s, _ := NewSigner("", []byte("k"))
	f := frames(s, nil, goodHeader, "{}", "{}", "{}")
	if _, err := Decode(f, s); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(f, s); err == nil || !strings.Contains(err.Error(), "replayed") {
		t.Fatalf("second Decode of the same frames = %v; want replayed signature", err)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	s, _ := NewSigner("", []byte("k"))
	req, err := Decode(frames(s, []string{"client"}, goodHeader, "{}", "{}", "{}"), s)
	if err != nil {
		t.Fatal(err)
	}
	m, err := newMessage("execute_reply", "kernel-session", req, map[string]any{"status": "ok"})
	if err != nil {
		t.Fatal(err)
	}
	m.Identities = req.Identities
	got, err := Decode(m.Frames(s), s)
	if err != nil {
		t.Fatalf("Decode(Frames()) = %v", err)
	}
	if string(got.ParentHeader) != goodHeader {
		t.Errorf("parent_header = %s; want the request header verbatim %s", got.ParentHeader, goodHeader)
	}
	if string(got.Identities[0]) != "client" || got.Header.Version != ProtocolVersion || got.Header.Session != "kernel-session" {
		t.Errorf("reply = %+v", got.Header)
	}
	if string(got.Metadata) != "{}" {
		t.Errorf("metadata = %s; want {}", got.Metadata)
	}
	var c map[string]any
	if err := json.Unmarshal(got.Content, &c); err != nil || c["status"] != "ok" {
		t.Errorf("content = %s (%v)", got.Content, err)
	}
	if !strings.HasSuffix(got.Header.Date, "Z") {
		t.Errorf("date %q is not UTC ISO-8601", got.Header.Date)
	}
	orphan, _ := newMessage("status", "k", nil, nil)
	if string(orphan.ParentHeader) != "{}" || string(orphan.Content) != "{}" {
		t.Errorf("no parent: parent=%s content=%s; want {} {}", orphan.ParentHeader, orphan.Content)
	}
}

func TestNewSignerScheme(t *testing.T) {
	if _, err := NewSigner("hmac-md5", []byte("k")); err == nil {
		t.Error("hmac-md5 accepted")
	}
}

func TestConnectionEndpoint(t *testing.T) {
	for _, tt := range []struct {
		ci   ConnectionInfo
		want string
	}{
		{ConnectionInfo{Transport: "tcp", IP: "127.0.0.1"}, "tcp://127.0.0.1:5555"},
		{ConnectionInfo{Transport: "tcp", IP: "0.0.0.0"}, "tcp://0.0.0.0:5555"},
		{ConnectionInfo{Transport: "tcp", IP: "::1"}, "tcp://[::1]:5555"},
		{ConnectionInfo{Transport: "ipc", IP: "/tmp/kernel-abc"}, "ipc:///tmp/kernel-abc-5555"},
	} {
		if got := tt.ci.Endpoint(5555); got != tt.want {
			t.Errorf("Endpoint(%+v) = %s; want %s", tt.ci, got, tt.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	s, _ := NewSigner("", nil) // unsigned, so the fuzzer reaches the JSON checks
	f.Add([]byte("id\x00<IDS|MSG>\x00\x00" + goodHeader + "\x00{}\x00{}\x00{}"))
	f.Add([]byte("<IDS|MSG>\x00sig\x00{}\x00{}\x00{}\x00{}\x00buf"))
	f.Add([]byte("<IDS|MSG>"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		fr := bytes.Split(data, []byte{0})
		m, err := Decode(fr, s)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			return
		}
		if m.Header.MsgType == "" || !json.Valid(m.Content) || !json.Valid(m.ParentHeader) {
			t.Fatalf("accepted an invalid message: %+v", m)
		}
		// What decodes must re-encode and decode to the same parts.
		out, err := Decode(m.Frames(s), s)
		if err != nil || !bytes.Equal(out.Content, m.Content) || !bytes.Equal(out.RawHeader, m.RawHeader) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
