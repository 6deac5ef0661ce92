package media

import (
	"net"
	"testing"
	"time"
)

// TestNonBlockingBridgeWrite: a bridged leg's receive path writing faster
// than the other leg sends never blocks, and what stays queued is the
// newest audio (old frames are dropped, not delayed).
func TestNonBlockingBridgeWrite(t *testing.T) {
	ports := &PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 47000, Max: 47999}
	rc, cc, err := ports.ListenPair()
	if err != nil {
		t.Fatal(err)
	}
	s := NewRTPSession(rc, cc, RTPConfig{Codec: PCMU(), DTMFPayload: 101})
	defer s.Close()
	w := nonBlocking(s.AudioOut())
	if _, ok := w.(tryWriter); !ok {
		t.Fatalf("RTP audio out is not wrapped non-blocking: %s", w)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 50 {
			f := make(PCM16, 160)
			f[0] = int16(i)
			_ = w.WriteFrame(f)
		}
	}()
	select {
	case <-done:
	case <-time.After(500 * time.Millisecond): // 50 paced frames would take a second
		t.Fatal("bridge writes blocked")
	}
	newest := int16(-1)
	for range cap(s.send.outQ) {
		select {
		case f := <-s.send.outQ:
			newest = max(newest, f[0])
			s.send.free <- f
		default:
		}
	}
	if newest < 45 {
		t.Fatalf("newest queued frame is #%d: stale audio kept", newest)
	}
}
