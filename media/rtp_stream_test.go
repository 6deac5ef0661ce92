package media

import (
	"net"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// The outbound stream numbers frames and key presses in one sequence,
// marks the packet after a hold or a codec change, and starts a new SSRC
// and count for a codec on another clock.
func TestRTPStream(t *testing.T) {
	conn, peer := loopbackUDP(t), loopbackUDP(t)
	remote := &rtpRemote{}
	remote.signal(peer.LocalAddr().(*net.UDPAddr))
	s := newRTPStream(newPacketSocket(conn), remote)
	next := func() rtp.Packet {
		t.Helper()
		buf := make([]byte, 1500)
		_ = peer.SetReadDeadline(time.Now().Add(time.Second))
		n, _, err := peer.ReadFromUDP(buf)
		if err != nil {
			t.Fatal(err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil {
			t.Fatal(err)
		}
		return p
	}
	payload := make([]byte, 160)
	if !s.sendFrame(0, 160, payload) {
		t.Fatal("not written")
	}
	first := next()
	s.sendFrame(0, 160, payload)
	p := next()
	if p.SequenceNumber != first.SequenceNumber+1 || p.Timestamp != first.Timestamp+160 || p.Marker || p.SSRC != first.SSRC {
		t.Fatalf("second frame %+v after %+v", p.Header, first.Header)
	}
	evTS := s.eventStart(160)
	s.sendEvent(101, 160, true, evTS, []byte{5, 0, 0, 160})
	s.sendEvent(101, 160, false, evTS, []byte{5, 0, 1, 64})
	e1, e2 := next(), next()
	if e1.SequenceNumber != p.SequenceNumber+1 || e2.SequenceNumber != p.SequenceNumber+2 || e1.Timestamp != p.Timestamp+160 ||
		e2.Timestamp != e1.Timestamp || !e1.Marker || e2.Marker {
		t.Fatalf("key press packets %+v, %+v after %+v", e1.Header, e2.Header, p.Header)
	}
	s.skip(160) // held for a frame
	s.sendFrame(0, 160, payload)
	p = next()
	if !p.Marker || p.SequenceNumber != e2.SequenceNumber+1 || p.Timestamp != e2.Timestamp+3*160 { // the clock ran on under the key press
		t.Fatalf("after a hold %+v, key press ended at %+v", p.Header, e2.Header)
	}
	if sr := s.senderReport(time.Now()); sr.SSRC != first.SSRC || sr.PacketCount != 5 || sr.OctetCount != 3*160+2*4 || sr.RTPTime != p.Timestamp {
		t.Fatalf("sender report %+v", sr)
	}
	s.newCodec(false)
	s.sendFrame(8, 160, payload)
	if q := next(); !q.Marker || q.SSRC != first.SSRC || q.SequenceNumber != p.SequenceNumber+1 {
		t.Fatalf("after a codec change on the same clock %+v", q.Header)
	}
	s.newCodec(true)
	s.sendFrame(9, 160, payload)
	if q := next(); !q.Marker || q.SSRC == first.SSRC {
		t.Fatalf("after a codec change to another clock %+v: the same stream", q.Header)
	}
	if sr := s.senderReport(time.Now()); sr.PacketCount != 1 {
		t.Fatalf("the new stream's report counts %d packets", sr.PacketCount)
	}
	// Nowhere to send: nothing written.
	if newRTPStream(newPacketSocket(conn), &rtpRemote{}).sendFrame(0, 160, payload) {
		t.Fatal("written without a remote")
	}
}
