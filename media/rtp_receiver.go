package media

import (
	"context"
	"errors"
	"net"
	"sync/atomic"

	"github.com/pion/rtp"
)

// rtpReceiver is a session's inbound side: the read loop and everything
// only it touches. Socket → RTP parse → symmetric-RTP latch → sequence
// check → telephone-event detector or decoder (with loss concealment) →
// SwitchWriter, or, while bridged with a matching peer, the peer's relay.
type rtpReceiver struct {
	sock    packetSocket
	ctx     context.Context
	wire    *atomic.Pointer[rtpWire] // the session's
	remote  *rtpRemote
	timeout *rtpTimeout
	relayTo atomic.Pointer[rtpRelay] // the bridged peer's, set by RelayTo
	taps    *tapPoint                // the session's
	in      *SwitchWriter
	rate    int       // the consumer's sample rate, for the session's life
	dtmf    chan rune // key presses, to DTMF()
	counts  rtpCounts

	// The read loop's own.
	decoder   PayloadWriter
	concealer Concealer
	dtmfRecv  DTMFReceiver
	seq       rtpSequence
	lastAudio bool // the newest packet of the stream carried audio
}

// rtpCounts count inbound RTP for Stats.
type rtpCounts struct {
	received, lost, concealed, late atomic.Uint64
}

func (r *rtpReceiver) stats() RTPStats {
	return RTPStats{Received: r.counts.received.Load(), Lost: r.counts.lost.Load(),
		Concealed: r.counts.concealed.Load(), Late: r.counts.late.Load()}
}

// injectDTMF delivers a key press that came some other way (SIP INFO).
func (r *rtpReceiver) injectDTMF(d rune) {
	select {
	case r.dtmf <- d:
	default:
	}
}

// decoderFor returns a decoder for c writing into the consumer at the
// session's rate, and what conceals its losses.
func (r *rtpReceiver) decoderFor(c Codec) (PayloadWriter, Concealer) {
	var out FrameWriter = r.in
	if rate := c.Info().SampleRate; rate != r.rate {
		out = NewResampler(r.in, rate)
	}
	return concealingDecoder(c, out)
}

// readLoop runs until the socket is closed.
func (r *rtpReceiver) readLoop() {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	w := r.wire.Load()
	r.decoder, r.concealer = r.decoderFor(w.codec)
	for {
		n, src, err := r.sock.readFrom(buf)
		if err != nil {
			if r.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		if n < 12 || buf[0]>>6 != 2 {
			continue
		}
		// RTCP multiplexed on the RTP port (payload types 200-204 in the second byte).
		if pt := buf[1]; pt >= 200 && pt <= 204 {
			continue
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			continue
		}
		if cur := r.wire.Load(); cur != w {
			// A new codec: its own decoder, and no concealment across the switch.
			w = cur
			r.decoder, r.concealer = r.decoderFor(w.codec)
			r.lastAudio = false
		}
		if !r.remote.latch(src, pkt.SSRC) {
			continue
		}
		r.timeout.heard()
		r.receive(&pkt, w)
	}
}

// receive handles one packet of the stream speaking w.
func (r *rtpReceiver) receive(pkt *rtp.Packet, w *rtpWire) {
	r.counts.received.Add(1)
	verdict, missing := r.seq.push(pkt.SSRC, pkt.SequenceNumber)
	switch verdict {
	case seqGap:
		r.counts.lost.Add(uint64(missing))
	case seqLate:
		r.counts.late.Add(1)
	}
	relay := r.relayTo.Load()
	if relay != nil {
		relay.write(pkt, w)
	}
	audio := pkt.PayloadType == w.info.PayloadType
	if audio && verdict != seqLate {
		r.taps.in(w.codec, pkt.Timestamp, pkt.SSRC, pkt.Payload)
	}
	if verdict != seqLate {
		// Telephone-events replace audio in the same sequence, so only a
		// hole between two audio packets is missing audio.
		lastAudio := r.lastAudio
		r.lastAudio = audio
		if audio && relay == nil && verdict == seqGap && missing <= maxConcealGap && lastAudio {
			r.conceal(missing, pkt.Payload)
		}
	}
	switch {
	case audio:
		if relay == nil && verdict != seqLate {
			_ = r.decoder.WritePayload(pkt.Payload)
		}
	case w.dtmfPT != 0 && pkt.PayloadType == w.dtmfPT:
		ev, err := UnmarshalDTMF(pkt.Payload)
		if err != nil {
			return
		}
		if d, ok := r.dtmfRecv.Push(ev, pkt.Timestamp); ok {
			r.injectDTMF(d)
		}
	}
}

// conceal fills in for missing lost packets before next, the packet after
// them, is decoded. Only the packet just before next can be recovered from
// next's redundancy.
func (r *rtpReceiver) conceal(missing int, next []byte) {
	for i := 1; i <= missing; i++ {
		var fec []byte
		if i == missing {
			fec = next
		}
		if err := r.concealer.Conceal(fec); err != nil {
			return
		}
		r.counts.concealed.Add(1)
	}
}
