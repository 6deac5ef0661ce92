package audiotest

import (
	"net"
	"os"
	"sync"
	"time"
)

// PacketPipe returns two connected in-memory packet connections, at
// addresses a and b: whatever one end writes, to any address, the other
// reads, from the writer's address. Like UDP, a packet is dropped when the
// reader falls 256 packets behind or has closed. Tests inject them where a
// UDP socket would be (media.NewRTPSession), so no port is bound.
func PacketPipe(a, b net.Addr) (net.PacketConn, net.PacketConn) {
	ea, eb := newPipeEnd(a), newPipeEnd(b)
	ea.peer, eb.peer = eb, ea
	return ea, eb
}

type pipePacket struct {
	data []byte
	from net.Addr
}

type pipeEnd struct {
	local     net.Addr
	peer      *pipeEnd
	in        chan pipePacket
	closed    chan struct{}
	closeOnce sync.Once
	mu        sync.Mutex // guards deadline
	deadline  time.Time
}

func newPipeEnd(a net.Addr) *pipeEnd {
	return &pipeEnd{local: a, in: make(chan pipePacket, 256), closed: make(chan struct{})}
}

func (e *pipeEnd) ReadFrom(b []byte) (int, net.Addr, error) {
	e.mu.Lock()
	d := e.deadline
	e.mu.Unlock()
	var expired <-chan time.Time
	if !d.IsZero() {
		t := time.NewTimer(time.Until(d))
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-e.closed:
		return 0, nil, net.ErrClosed
	default:
	}
	select {
	case p := <-e.in:
		return copy(b, p.data), p.from, nil
	case <-e.closed:
		return 0, nil, net.ErrClosed
	case <-expired:
		return 0, nil, os.ErrDeadlineExceeded
	}
}

func (e *pipeEnd) WriteTo(b []byte, _ net.Addr) (int, error) {
	select {
	case <-e.closed:
		return 0, net.ErrClosed
	case <-e.peer.closed:
		return len(b), nil // nobody listens: gone, as over UDP
	default:
	}
	select {
	case e.peer.in <- pipePacket{append([]byte(nil), b...), e.local}:
	default: // the reader is behind: dropped
	}
	return len(b), nil
}

func (e *pipeEnd) Close() error {
	e.closeOnce.Do(func() { close(e.closed) })
	return nil
}

func (e *pipeEnd) LocalAddr() net.Addr { return e.local }

func (e *pipeEnd) SetDeadline(t time.Time) error { return e.SetReadDeadline(t) }

func (e *pipeEnd) SetReadDeadline(t time.Time) error {
	e.mu.Lock()
	e.deadline = t
	e.mu.Unlock()
	return nil
}

func (e *pipeEnd) SetWriteDeadline(time.Time) error { return nil } // writes never block
