package media

import (
	"math/rand/v2"
	"time"
)

// A session's media can change while it runs, as a re-INVITE changes the
// SDP: the remote's address (SetRemote), the codec (SetCodec) and which way
// media flows (SetDirection: hold and resume). The audio side stays as it
// was: AudioOut takes, and the consumer receives, frames at the rate of the
// codec the session started with, resampled when a later codec runs at
// another rate, so the IVR, recordings and bridges never notice.

// abandonedLatchAfter is how many packets from the address a re-INVITE
// moved the remote away from make the session latch back onto it: a
// second's worth, far more than were in flight at the move.
const abandonedLatchAfter = 50

// rtpWire is what a session speaks on the wire. It is replaced as a whole,
// never changed, so the read loop, the pacer and relaying peers each see a
// consistent one without a lock.
type rtpWire struct {
	codec    Codec
	info     CodecInfo
	dtmfPT   uint8  // telephone-event payload type; 0 = none
	dtmfRate int    // its clock rate
	step     uint32 // RTP timestamp ticks per 20 ms frame
}

func newRTPWire(c Codec, dtmfPT uint8, dtmfRate int) *rtpWire {
	info := c.Info()
	if dtmfRate == 0 {
		dtmfRate = info.ClockRate
	}
	// The RTP clock need not run at the sample rate: G.722 samples at
	// 16 kHz on an 8 kHz clock, Opus at 16 kHz here on a 48 kHz clock.
	return &rtpWire{codec: c, info: info, dtmfPT: dtmfPT, dtmfRate: dtmfRate,
		step: uint32(info.ClockRate * FrameDurationMs / 1000)}
}

// decoderFor returns a decoder for c writing into the session's consumer
// at the session's rate, and what conceals its losses.
func (s *RTPSession) decoderFor(c Codec) (PayloadWriter, Concealer) {
	var out FrameWriter = s.in
	if r := c.Info().SampleRate; r != s.rate {
		out = NewResampler(s.in, r)
	}
	return concealingDecoder(c, out)
}

// encoderFor returns an encoder for c taking frames at the session's rate.
func (s *RTPSession) encoderFor(c Codec) FrameWriter {
	enc := c.Encoder(payloadSink{s})
	if enc.SampleRate() != s.rate {
		return NewResampler(enc, s.rate)
	}
	return enc
}

// SetCodec switches the session to another codec and telephone-event
// payload type (dtmfRate 0: the codec's clock rate), as a re-INVITE
// negotiated. Packets of the old payload type still in flight are dropped.
// A codec on another clock rate starts a new RTP stream (a new SSRC and
// timestamp base, RFC 7160 §4.1), so the receiver never sees a timestamp
// run at two rates.
func (s *RTPSession) SetCodec(c Codec, dtmfPT uint8, dtmfRate int) {
	w := newRTPWire(c, dtmfPT, dtmfRate)
	s.sendMu.Lock()
	old := s.wire.Load()
	s.encoder = s.encoderFor(c)
	if w.info.ClockRate != old.info.ClockRate {
		s.ssrc, s.ts = rand.Uint32(), rand.Uint32()
		s.sentPkts, s.sentOctets = 0, 0
	}
	s.pace.dtmfPkts = nil // a key press being sent belongs to the old payload type
	s.relayInit = false
	s.resumed = true
	s.wire.Store(w)
	s.sendMu.Unlock()

	s.changedMu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.changedMu.Unlock()
	s.log.Debug("rtp codec changed", "from", old.info.Name, "to", w.info.Name, "pt", w.info.PayloadType, "dtmf_pt", dtmfPT)
}

// CodecChanged returns a channel that is closed at the next SetCodec. A
// bridge that relays payloads watches it: after a change the two legs'
// codecs may no longer relay.
func (s *RTPSession) CodecChanged() <-chan struct{} {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	return s.changed
}

// SetDirection sets which way media flows, from our side: whether we send
// (the remote holds the call with a=sendonly or a=inactive: we stop) and
// whether we expect media. Audio written meanwhile is dropped while the RTP
// clock runs on, so the stream resumes on real time, with the marker bit.
// The RTP timeout counts only while the stream is sendrecv: a held phone
// often sends nothing, whatever its SDP says, and on resume the timeout
// starts again from zero.
func (s *RTPSession) SetDirection(d Direction) {
	if old := Direction(s.dir.Swap(uint32(d))); old != d && d == SendRecv {
		s.lastRecv.Store(time.Now().UnixNano())
	}
}

// Direction is which way the session's media flows, from our side.
func (s *RTPSession) Direction() Direction { return Direction(s.dir.Load()) }

// hold is the pacer's tick of a session that does not send: the queued
// audio and key presses are dropped, the RTP clock advances.
func (s *RTPSession) hold() {
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	for drained := false; !drained; {
		select {
		case f := <-s.outQ:
			s.free <- f
		case <-s.dtmfOut:
		default:
			drained = true
		}
	}
	s.pace.dtmfPkts = nil
	s.ts += s.wire.Load().step
	s.resumed = true
}
