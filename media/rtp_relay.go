package media

import (
	"sync"
	"sync/atomic"

	"github.com/pion/rtp"
)

// rtpRelay is the receiving end of a relay: packets a bridged peer's read
// loop hands over without decoding, sent on in this session's stream. The
// peer's read loop calls write; RelayTo and SetCodec reset it.
type rtpRelay struct {
	active atomic.Bool                 // a peer relays to this session: its pacer stands aside
	from   atomic.Pointer[rtpReceiver] // the peer's receiver relaying here, set by its RelayTo
	mu     sync.Mutex                  // guards place and buf
	place  relayMap
	buf    []byte // PCMU↔PCMA mapped payload
	stream *rtpStream
	wire   *atomic.Pointer[rtpWire] // the session's
	dir    *sharedDirection         // the session's
}

// reset makes the next relayed packet start a new mapping into our stream.
func (r *rtpRelay) reset() {
	r.mu.Lock()
	r.place = relayMap{}
	r.mu.Unlock()
}

// write sends a packet the peer received (speaking from) in this session's
// stream, rewriting SSRC, sequence and timestamp, so the receiver sees one
// continuous stream across IVR audio and bridged audio.
func (r *rtpRelay) write(pkt *rtp.Packet, from *rtpWire) {
	if !r.dir.get().Sends() {
		return // the remote holds the call: it takes no media
	}
	var dtmf bool
	switch {
	case pkt.PayloadType == from.info.PayloadType:
	case from.dtmfPT != 0 && pkt.PayloadType == from.dtmfPT:
		dtmf = true
	default:
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.wire.Load()
	pt, payload := w.info.PayloadType, pkt.Payload
	if dtmf {
		if w.dtmfPT == 0 {
			return
		}
		pt = w.dtmfPT
	} else if from.info.Name != w.info.Name {
		var ok bool
		if r.buf, ok = relayPayload(r.buf[:0], payload, from.info.Name, w.info.Name); !ok {
			return
		}
		payload = r.buf
	}
	r.stream.sendRelayed(&r.place, w.step, pkt, pt, payload)
}

// relayPayload maps a payload between the two G.711 laws, byte by byte,
// appending to dst; ok is false for any other pair of codecs.
func relayPayload(dst, p []byte, from, to string) (_ []byte, ok bool) {
	switch {
	case from == "PCMU" && to == "PCMA":
		return ULawToALaw(dst, p), true
	case from == "PCMA" && to == "PCMU":
		return ALawToULaw(dst, p), true
	}
	return dst, false
}

// relayMap places a relayed stream's packets in ours. Sequence numbers and
// timestamps keep the sender's spacing, shifted into our stream: a packet
// lost before us still shows as a gap, so the receiver conceals it, and a
// late one keeps its place.
type relayMap struct {
	seqOff uint16
	tsOff  uint32
	set    bool
}

// place returns where the relayed packet (seq, ts) goes in our stream,
// whose newest packet is ourSeq at ourTS; step is our frame's timestamp
// increment. The first packet follows our newest one.
func (m *relayMap) place(seq uint16, ts uint32, ourSeq uint16, ourTS, step uint32) (uint16, uint32) {
	if !m.set {
		m.follow(seq, ts, ourSeq, ourTS, step)
	}
	s, t := seq+m.seqOff, ts+m.tsOff
	if d := int16(s - ourSeq); d > maxDropout || d < -maxMisorder {
		// The sender restarted its stream (a new SSRC, a re-INVITE): carry
		// on from our own numbering.
		m.follow(seq, ts, ourSeq, ourTS, step)
		s, t = ourSeq+1, ourTS+step
	}
	return s, t
}

func (m *relayMap) follow(seq uint16, ts uint32, ourSeq uint16, ourTS, step uint32) {
	m.seqOff, m.tsOff, m.set = ourSeq+1-seq, ourTS+step-ts, true
}
