package media

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// rtpStream is a session's outbound RTP stream: its SSRC, sequence numbers
// and timestamps, and the counts a sender report gives. The pacer's packets
// and a relaying peer's go through it, so it numbers and writes each packet
// under its lock.
type rtpStream struct {
	mu      sync.Mutex
	sock    packetSocket
	remote  *rtpRemote
	ssrc    uint32
	seq     uint16 // of the newest packet sent
	ts      uint32 // of the newest frame sent
	resumed bool   // the next packet starts a talkspurt: after a hold or a codec change
	buf     []byte
	packets uint32    // sent since the SSRC began, for RTCP
	octets  uint32    // payload octets, likewise
	taps    *tapPoint // the session's; nil in tests of the stream alone
}

func newRTPStream(sock packetSocket, remote *rtpRemote) *rtpStream {
	return &rtpStream{sock: sock, remote: remote, ssrc: rand.Uint32(), seq: uint16(rand.Uint32()), ts: rand.Uint32(),
		buf: make([]byte, 1500)}
}

// sendFrame sends the next frame, step timestamp ticks after the last. It
// reports whether the packet was written.
func (s *rtpStream) sendFrame(pt uint8, step uint32, payload []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.ts += step
	s.taps.out(pt, s.ts, s.ssrc, payload)
	return s.writeLocked(s.seq, s.takeResumedLocked(), pt, s.ts, payload)
}

// eventStart is the timestamp of a telephone-event starting with the next
// frame: all its packets carry it (RFC 4733 §2.5.1.2).
func (s *rtpStream) eventStart(step uint32) uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ts + step
}

// sendEvent sends a telephone-event packet in the next frame's place.
func (s *rtpStream) sendEvent(pt uint8, step uint32, marker bool, ts uint32, payload []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	s.ts += step
	return s.writeLocked(s.seq, s.takeResumedLocked() || marker, pt, ts, payload)
}

// sendRelayed sends a relayed packet (header from pkt, payload mapped to
// pt) in our stream, placed by m; the caller guards m.
func (s *rtpStream) sendRelayed(m *relayMap, step uint32, pkt *rtp.Packet, pt uint8, payload []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	seq, ts := m.place(pkt.SequenceNumber, pkt.Timestamp, s.seq, s.ts, step)
	if int16(seq-s.seq) > 0 {
		s.seq, s.ts = seq, ts
	}
	s.taps.out(pt, ts, s.ssrc, payload)
	return s.writeLocked(seq, pkt.Marker, pt, ts, payload)
}

// skip lets a frame's time pass unsent (on hold): the clock runs on, and
// the next packet has the marker bit.
func (s *rtpStream) skip(step uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ts += step
	s.resumed = true
}

// newCodec marks the next packet as a talkspurt's start; a codec on
// another clock rate also starts a new stream (a new SSRC and timestamp
// base, RFC 7160 §4.1), so the receiver never sees a timestamp run at two
// rates.
func (s *rtpStream) newCodec(newClock bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if newClock {
		s.ssrc, s.ts = rand.Uint32(), rand.Uint32()
		s.packets, s.octets = 0, 0
	}
	s.resumed = true
}

// senderReport describes the stream as of now.
func (s *rtpStream) senderReport(now time.Time) rtcp.SenderReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := uint64(now.Unix() + 2208988800)
	frac := uint64(now.Nanosecond()) * (1 << 32) / 1e9
	return rtcp.SenderReport{SSRC: s.ssrc, NTPTime: sec<<32 | frac, RTPTime: s.ts, PacketCount: s.packets, OctetCount: s.octets}
}

func (s *rtpStream) takeResumedLocked() bool {
	r := s.resumed
	s.resumed = false
	return r
}

func (s *rtpStream) writeLocked(seq uint16, marker bool, pt uint8, ts uint32, payload []byte) bool {
	h := rtp.Header{Version: 2, Marker: marker, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: s.ssrc}
	n, err := h.MarshalTo(s.buf)
	if err != nil {
		return false
	}
	n += copy(s.buf[n:], payload)
	dst := s.remote.addr()
	if !dst.IsValid() {
		return false
	}
	if _, err := s.sock.writeTo(s.buf[:n], dst); err != nil {
		return false
	}
	s.packets++
	s.octets += uint32(len(payload))
	return true
}
