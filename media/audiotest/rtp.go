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

// RTPEar is a peer's RTP socket on loopback that keeps every packet it
// receives, with its arrival time, until the test ends.
type RTPEar struct {
	Conn *net.UDPConn

	mu   sync.Mutex
	pkts []HeardPacket
}

// HeardPacket is one RTP packet as an RTPEar received it.
type HeardPacket struct {
	At  time.Time
	Pkt rtp.Packet
}

// NewRTPEar listens on a free loopback port; the socket is closed when the
// test ends.
func NewRTPEar(t testing.TB) *RTPEar {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return HearRTP(t, conn)
}

// HearRTP keeps the RTP packets arriving at conn; conn is closed when the
// test ends.
func HearRTP(t testing.TB, conn *net.UDPConn) *RTPEar {
	e := &RTPEar{Conn: conn}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			var pkt rtp.Packet
			if pkt.Unmarshal(append([]byte(nil), buf[:n]...)) == nil {
				e.mu.Lock()
				e.pkts = append(e.pkts, HeardPacket{time.Now(), pkt})
				e.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { conn.Close(); <-done })
	return e
}

// Port is the ear's UDP port.
func (e *RTPEar) Port() int { return e.Conn.LocalAddr().(*net.UDPAddr).Port }

// Heard returns the packets received after from (all of them for the zero time).
func (e *RTPEar) Heard(from time.Time) []HeardPacket {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []HeardPacket
	for _, h := range e.pkts {
		if h.At.After(from) {
			out = append(out, h)
		}
	}
	return out
}

// Since returns the packets received after from.
func (e *RTPEar) Since(from time.Time) []rtp.Packet {
	var out []rtp.Packet
	for _, h := range e.Heard(from) {
		out = append(out, h.Pkt)
	}
	return out
}

// Listen waits d and returns what arrived meanwhile.
func (e *RTPEar) Listen(d time.Duration) []rtp.Packet {
	from := time.Now()
	time.Sleep(d)
	return e.Since(from)
}
