package kernel

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// TestRouterSenderLayout fails when zmq4's internals no longer match what
// routerSender reaches into (the kernel then falls back to the slower
// ROUTER send; this test says so).
func TestRouterSenderLayout(t *testing.T) {
	r := zmq4.NewRouter(context.Background())
	defer r.Close()
	if newRouterSender(r) == nil {
		t.Fatal("newRouterSender = nil: zmq4's ROUTER internals changed; replies fall back to one write per frame")
	}
	if newRouterSender(zmq4.NewDealer(context.Background())) != nil {
		t.Error("newRouterSender accepted a DEALER socket")
	}
}

// TestRouterSenderSends: frames reach the peer named by the identity
// frame, intact and in order; an unknown identity is left to the caller.
func TestRouterSenderSends(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := zmq4.NewRouter(ctx)
	defer r.Close()
	if err := r.Listen("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	d := zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("peer-1")))
	defer d.Close()
	if err := d.Dial("tcp://" + r.Addr().String()); err != nil {
		t.Fatal(err)
	}
	if err := d.Send(zmq4.NewMsgString("hello")); err != nil {
		t.Fatal(err)
	}
	in, err := r.Recv()
	if err != nil {
		t.Fatal(err)
	}
	rs := newRouterSender(r)
	if rs == nil {
		t.Skip("zmq4 layout changed (see TestRouterSenderLayout)")
	}
	long := make([]byte, 300) // a frame with the 8-byte length header
	for i := range long {
		long[i] = byte(i)
	}
	want := [][]byte{[]byte(Delimiter), []byte(""), []byte(`{"a":1}`), long}
	sent, err := rs.send(append([][]byte{in.Frames[0]}, want...))
	if !sent || err != nil {
		t.Fatalf("send = %v, %v; want sent", sent, err)
	}
	got := make(chan zmq4.Msg, 1)
	go func() { m, _ := d.Recv(); got <- m }()
	select {
	case m := <-got:
		if fmt.Sprintf("%q", m.Frames) != fmt.Sprintf("%q", want) {
			t.Errorf("peer received %q; want %q", m.Frames, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("peer received nothing")
	}
	if sent, err := rs.send([][]byte{[]byte("nobody"), []byte("x")}); sent || err != nil {
		t.Errorf("send to an unknown identity = %v, %v; want false, nil", sent, err)
	}
}
