package kernel

import (
	"reflect"
	"sync"
	"unsafe"

	"github.com/go-zeromq/zmq4"
)

// routerSender sends a message on a zmq4 ROUTER socket with one writev.
//
// zmq4 v0.17.0's ROUTER drops the multipart flag when it strips the
// routing identity, so every frame of a reply went out as two write
// system calls (twelve for an execute_reply, each its own TCP segment),
// from a goroutine started per message (zmq4 issue #52, "Multipart messages
// and TCP packets", open since 2019): ~70 µs of the kernel's ~280 µs
// for a trivial cell. routerSender does what ROUTER's send does (find the
// peer by identity under the writer's lock, send the rest of the frames)
// but sends the frames as one multipart message. It reaches into zmq4's
// unexported fields; newRouterSender returns nil when they are not laid
// out as expected (another zmq4 version), and the kernel then sends
// through the socket as before (TestRouterSenderLayout fails, so such an
// upgrade is noticed).
//
// Why guarded access rather than a patched copy of zmq4 behind a replace
// directive: the fix touches one send path, while a copy would be the
// whole library (ZMTP handshake, security mechanisms, every socket type) to
// keep in step with upstream's fixes by hand, and a replace directive in
// go.mod is ignored when gokernel is used as a dependency. The guarded
// form cannot make the kernel wrong — if the layout differs it is not
// used, and messages take zmq4's own (slower, correct) path — and
// TestRouterSenderLayout turns any layout change into a failing test, so
// an upgrade that fixes issue #52 upstream is noticed the same way and
// this file can then be deleted.
type routerSender struct {
	mu *sync.Mutex   // routerMWriter.mu
	ws *[]*zmq4.Conn // routerMWriter.ws, the peers' connections
}

// newRouterSender returns a routerSender for sock, or nil.
func newRouterSender(sock zmq4.Socket) *routerSender {
	if sock == nil || sock.Type() != zmq4.Router {
		return nil
	}
	v := reflect.ValueOf(sock)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	sck := v.Elem().FieldByName("sck")
	if sck.Kind() != reflect.Pointer || sck.IsNil() || sck.Elem().Kind() != reflect.Struct {
		return nil
	}
	w := sck.Elem().FieldByName("w")
	if w.Kind() != reflect.Interface || w.IsNil() {
		return nil
	}
	w = w.Elem() // *routerMWriter
	if w.Kind() != reflect.Pointer || w.IsNil() || w.Elem().Kind() != reflect.Struct || w.Elem().Type().Name() != "routerMWriter" {
		return nil
	}
	mu, ws := w.Elem().FieldByName("mu"), w.Elem().FieldByName("ws")
	if mu.Type() != reflect.TypeFor[sync.Mutex]() || ws.Type() != reflect.TypeFor[[]*zmq4.Conn]() || !multipartSettable() {
		return nil
	}
	return &routerSender{
		mu: (*sync.Mutex)(unsafe.Pointer(mu.UnsafeAddr())),
		ws: (*[]*zmq4.Conn)(unsafe.Pointer(ws.UnsafeAddr())),
	}
}

// multipartSettable reports whether zmq4.Msg has the bool field multipart.
func multipartSettable() bool {
	f, ok := reflect.TypeFor[zmq4.Msg]().FieldByName("multipart")
	return ok && f.Type.Kind() == reflect.Bool
}

// send sends frames[1:] to the peer whose routing identity is frames[0];
// false when no connected peer has that identity (the caller then sends
// through the socket, which waits for one as zmq4 does).
func (r *routerSender) send(frames [][]byte) (bool, error) {
	if len(frames) < 2 {
		return false, nil
	}
	msg := zmq4.NewMsgFrom(frames[1:]...)
	f := reflect.ValueOf(&msg).Elem().FieldByName("multipart")
	*(*bool)(unsafe.Pointer(f.UnsafeAddr())) = true
	id := string(frames[0])
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range *r.ws {
		if c.Peer.Meta["Identity"] == id {
			return true, c.SendMsg(msg)
		}
	}
	return false, nil
}
