package audiotest

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/pion/rtp"
)

// RTPRig is an RTP session under test on loopback, with a peer socket that
// sends to it and a consumer that keeps every frame the session decodes.
type RTPRig struct {
	S    *media.RTPSession
	Peer *net.UDPConn

	t      testing.TB
	mu     sync.Mutex
	frames []media.PCM16
}

// NewRTPRig starts a session speaking codec on a port pair from ports; it is
// closed when the test ends.
func NewRTPRig(t testing.TB, codec media.Codec, ports *media.PortRange) *RTPRig {
	t.Helper()
	rc, cc, err := ports.ListenPair()
	if err != nil {
		t.Fatal(err)
	}
	peer, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	r := &RTPRig{t: t, Peer: peer}
	r.S = media.NewRTPSession(rc, cc, media.RTPConfig{Codec: codec, Remote: peer.LocalAddr().(*net.UDPAddr)})
	t.Cleanup(func() { r.S.Close(); peer.Close() })
	r.S.SwapAudioIn(media.FrameWriterFunc{Rate: codec.Info().SampleRate, Fn: func(p media.PCM16) error {
		r.mu.Lock()
		r.frames = append(r.frames, append(media.PCM16(nil), p...))
		r.mu.Unlock()
		return nil
	}})
	return r
}

// Send sends one RTP packet from the peer to the session.
func (r *RTPRig) Send(pt uint8, seq uint16, ts, ssrc uint32, payload []byte) {
	r.t.Helper()
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: ssrc}, Payload: payload}
	b, err := pkt.Marshal()
	if err != nil {
		r.t.Fatal(err)
	}
	if _, err := r.Peer.WriteToUDP(b, r.S.LocalAddr()); err != nil {
		r.t.Fatal(err)
	}
}

// Frames returns the frames decoded so far.
func (r *RTPRig) Frames() []media.PCM16 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]media.PCM16(nil), r.frames...)
}

// Settle waits (up to 2 s) until the session has read received packets,
// then a little longer so that any frame too many would show, and returns
// the frames.
func (r *RTPRig) Settle(received uint64) []media.PCM16 {
	for deadline := time.Now().Add(2 * time.Second); r.S.Stats().Received < received && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	return r.Frames()
}
