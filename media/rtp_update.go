package media

import (
	"sync"
)

// A session's media can change while it runs, as a re-INVITE changes the
// SDP: the remote's address (SetRemote), the codec (SetCodec) and which way
// media flows (SetDirection: hold and resume). The audio side stays as it
// was: AudioOut takes, and the consumer receives, frames at the rate of the
// codec the session started with, resampled when a later codec runs at
// another rate, so the IVR, recordings and bridges never notice.

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

// SetCodec switches the session to another codec and telephone-event
// payload type (dtmfRate 0: the codec's clock rate), as a re-INVITE
// negotiated. Packets of the old payload type still in flight are dropped.
// The pacer takes the new codec at its next tick, with the marker bit on
// its first packet; a codec on another clock rate starts a new RTP stream
// (a new SSRC and timestamp base, RFC 7160 §4.1), so the receiver never
// sees a timestamp run at two rates.
func (s *RTPSession) SetCodec(c Codec, dtmfPT uint8, dtmfRate int) {
	w := newRTPWire(c, dtmfPT, dtmfRate)
	old := s.wire.Swap(w)
	s.send.switchCodec(w)
	s.relay.reset()
	s.changes.signal()
	s.log.Debug("rtp codec changed", "from", old.info.Name, "to", w.info.Name, "pt", w.info.PayloadType, "dtmf_pt", dtmfPT)
}

// CodecChanged returns a channel that is closed at the next SetCodec. A
// bridge that relays payloads watches it: after a change the two legs'
// codecs may no longer relay.
func (s *RTPSession) CodecChanged() <-chan struct{} { return s.changes.next() }

// codecChanges hands out a channel that the next codec change closes.
type codecChanges struct {
	mu sync.Mutex
	ch chan struct{}
}

func (c *codecChanges) next() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ch
}

func (c *codecChanges) signal() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.ch)
	c.ch = make(chan struct{})
}

// SetDirection sets which way media flows, from our side: whether we send
// (the remote holds the call with a=sendonly or a=inactive: we stop) and
// whether we expect media. Audio written meanwhile is dropped while the RTP
// clock runs on, so the stream resumes on real time, with the marker bit.
// The RTP timeout counts only while the stream is sendrecv: a held phone
// often sends nothing, whatever its SDP says, and on resume the timeout
// starts again from zero.
func (s *RTPSession) SetDirection(d Direction) {
	if old := s.dir.set(d); old != d && d == SendRecv {
		s.timeout.heard()
	}
}

// Direction is which way the session's media flows, from our side.
func (s *RTPSession) Direction() Direction { return s.dir.get() }
