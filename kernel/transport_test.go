package kernel

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

func TestBufferedEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"tcp://127.0.0.1:5555": "gokernel-tcp://127.0.0.1:5555",
		"ipc:///tmp/k-1":       "gokernel-ipc:///tmp/k-1",
		"inproc://x":           "inproc://x",
	} {
		if got := bufferedEndpoint(in); got != want {
			t.Errorf("bufferedEndpoint(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestBufferedTransport: messages of small and long frames, several in a
// row (so that one read fills the buffer with more than one), arrive
// intact over both buffered transports, in both directions.
func TestBufferedTransport(t *testing.T) {
	for _, ep := range []string{"tcp://127.0.0.1:0", "ipc://" + filepath.Join(t.TempDir(), "k-1")} {
		ctx, cancel := context.WithCancel(context.Background())
		r := zmq4.NewRouter(ctx)
		if err := r.Listen(bufferedEndpoint(ep)); err != nil {
			t.Fatalf("%s: %v", ep, err)
		}
		dialEP := ep
		if a := r.Addr(); a != nil && a.Network() == "tcp" {
			dialEP = "tcp://" + a.String()
		}
		d := zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("d1")))
		if err := d.Dial(bufferedEndpoint(dialEP)); err != nil {
			t.Fatalf("%s: dial: %v", ep, err)
		}
		long := bytes.Repeat([]byte("0123456789"), 1000)
		want := [][]byte{[]byte(Delimiter), []byte("sig"), long, []byte("{}")}
		for i := 0; i < 5; i++ {
			if err := d.SendMulti(zmq4.NewMsgFrom(want...)); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 5; i++ {
			m, err := recvTimeout(r, 5*time.Second)
			if err != nil {
				t.Fatalf("%s: recv %d: %v", ep, i, err)
			}
			if len(m.Frames) != 5 || string(m.Frames[0]) != "d1" || !bytes.Equal(bytes.Join(m.Frames[1:], []byte("|")), bytes.Join(want, []byte("|"))) {
				t.Fatalf("%s: message %d: %d frames, not the %d sent", ep, i, len(m.Frames), len(want)+1)
			}
		}
		if err := r.SendMulti(zmq4.NewMsgFrom(append([][]byte{[]byte("d1")}, want...)...)); err != nil {
			t.Fatal(err)
		}
		m, err := recvTimeout(d, 5*time.Second)
		if err != nil || !bytes.Equal(bytes.Join(m.Frames, []byte("|")), bytes.Join(want, []byte("|"))) {
			t.Fatalf("%s: reply: %v (%d frames)", ep, err, len(m.Frames))
		}
		d.Close()
		r.Close()
		cancel()
	}
}

func recvTimeout(s zmq4.Socket, d time.Duration) (zmq4.Msg, error) {
	type res struct {
		m   zmq4.Msg
		err error
	}
	ch := make(chan res, 1)
	go func() { m, err := s.Recv(); ch <- res{m, err} }()
	select {
	case r := <-ch:
		return r.m, r.err
	case <-time.After(d):
		return zmq4.Msg{}, context.DeadlineExceeded
	}
}
