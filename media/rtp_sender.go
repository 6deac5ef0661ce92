package media

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// rtpSender is a session's paced outbound side. Frames written to AudioOut
// queue up and the shared pacer sends one every 20 ms (silence when none is
// queued), key presses in their place; a relaying peer's packets take over
// while it relays. The fields below the line are the pacer's alone: others
// reach them through the queues and pending.
type rtpSender struct {
	ctx     context.Context
	stream  *rtpStream
	rtcp    packetSocket
	remote  *rtpRemote
	relay   *rtpRelay                // this session's; active while a peer relays to it
	dir     *sharedDirection         // the session's
	wire    *atomic.Pointer[rtpWire] // the session's, for names and SendDTMF
	rate    int                      // AudioOut's sample rate, for the session's life
	outQ    chan PCM16               // queued frames, from AudioOut
	free    chan PCM16               // their buffers, back to AudioOut
	dtmfOut chan rune                // key presses to send
	pending atomic.Pointer[codecSwitch]
	meter   *SendMeter

	// The pacer's.
	cur     *rtpWire // what the encoder speaks
	encoder FrameWriter
	payload []byte // the encoder's output for the packet being sent
	silence PCM16
	key     keySend
	ticks   int
}

// codecSwitch is a codec change SetCodec hands to the pacer, which adopts
// it at its next tick.
type codecSwitch struct {
	wire    *rtpWire
	encoder FrameWriter
}

// keySend is the key press being sent, one packet per tick.
type keySend struct {
	pkts   []DTMFEvent
	ts     uint32 // the event's timestamp, on all its packets
	marker bool   // on the event's first packet
}

// sendQueueDepth is how many frames AudioOut queues ahead of the pacer.
const sendQueueDepth = 2

func newRTPSender(ctx context.Context, stream *rtpStream, rtcp packetSocket, remote *rtpRemote, relay *rtpRelay,
	dir *sharedDirection, wire *atomic.Pointer[rtpWire], rate int) *rtpSender {
	s := &rtpSender{ctx: ctx, stream: stream, rtcp: rtcp, remote: remote, relay: relay, dir: dir, wire: wire, rate: rate,
		outQ: make(chan PCM16, sendQueueDepth), free: make(chan PCM16, sendQueueDepth), dtmfOut: make(chan rune, 32),
		meter: NewSendMeter(PacingSIP), cur: wire.Load(), silence: make(PCM16, SamplesPerFrame(rate))}
	// As many frame buffers as the queue holds circulate between the
	// writer, the queue and the pacer, so queuing audio allocates nothing
	// and a writer holding a free buffer always finds room in the queue.
	for range cap(s.free) {
		s.free <- make(PCM16, SamplesPerFrame(rate))
	}
	s.encoder = s.encoderFor(s.cur.codec)
	return s
}

// encoderFor returns an encoder for c taking frames at the session's rate.
func (s *rtpSender) encoderFor(c Codec) FrameWriter {
	enc := c.Encoder(payloadSink{s})
	if enc.SampleRate() != s.rate {
		return NewResampler(enc, s.rate)
	}
	return enc
}

// switchCodec hands a new codec to the pacer.
func (s *rtpSender) switchCodec(w *rtpWire) {
	s.pending.Store(&codecSwitch{wire: w, encoder: s.encoderFor(w.codec)})
}

// sendDTMF queues a key press.
func (s *rtpSender) sendDTMF(digit rune) error {
	if s.wire.Load().dtmfPT == 0 {
		return errors.New("rtp: remote did not negotiate telephone-event")
	}
	select {
	case s.dtmfOut <- digit:
		return nil
	case <-s.ctx.Done():
		return ErrClosed
	}
}

// flush drops the queued frames.
func (s *rtpSender) flush() {
	s.meter.Flushed()
	for {
		select {
		case f := <-s.outQ:
			s.free <- f
		default:
			return
		}
	}
}

// tick sends the session's next packet.
func (s *rtpSender) tick() {
	s.ticks++
	if sw := s.pending.Swap(nil); sw != nil {
		s.stream.newCodec(sw.wire.info.ClockRate != s.cur.info.ClockRate)
		s.cur, s.encoder = sw.wire, sw.encoder
		s.key = keySend{} // a key press being sent belongs to the old payload type
	}
	if s.ticks%250 == 0 { // every 5 s
		s.sendReport()
	}
	if s.relay.active.Load() {
		// The peer's relayed audio flows: what waits in the queue starts nothing.
		s.meter.Took(true)
		s.meter.Skipped()
		return
	}
	if !s.dir.get().Sends() {
		s.hold()
		return
	}
	w := s.cur
	if len(s.key.pkts) == 0 {
		select {
		case d := <-s.dtmfOut:
			if pk, err := DTMFPackets(d, 100, w.dtmfRate); err == nil {
				s.key = keySend{pkts: pk, ts: s.stream.eventStart(w.step), marker: true}
			}
		default:
		}
	}
	if len(s.key.pkts) > 0 {
		ev := s.key.pkts[0]
		s.key.pkts = s.key.pkts[1:]
		ok := s.stream.sendEvent(w.dtmfPT, w.step, s.key.marker, s.key.ts, ev.Marshal())
		s.key.marker = false
		s.sent(ok, time.Time{})
		return
	}
	var f PCM16
	select {
	case f = <-s.outQ:
	default:
	}
	start := s.meter.Took(f != nil)
	if f != nil {
		_ = s.encoder.WriteFrame(f)
		s.free <- f
	} else {
		_ = s.encoder.WriteFrame(s.silence)
	}
	s.sent(s.stream.sendFrame(w.info.PayloadType, w.step, s.payload), start)
}

// sent times a paced packet when its write has returned, not when the tick
// fired: the interval is what the far end sees.
func (s *rtpSender) sent(ok bool, start time.Time) {
	if !ok {
		s.meter.Skipped()
		return
	}
	s.meter.Sent(time.Now(), start)
}

// hold is the tick of a session that does not send: the queued audio and
// key presses are dropped, the RTP clock advances.
func (s *rtpSender) hold() {
	for drained := false; !drained; {
		select {
		case f := <-s.outQ:
			s.free <- f
		case <-s.dtmfOut:
		default:
			drained = true
		}
	}
	s.key = keySend{}
	s.meter.Took(false)
	s.meter.Skipped()
	s.stream.skip(s.cur.step)
}

// sendReport sends an RTCP sender report.
func (s *rtpSender) sendReport() {
	dst := s.remote.rtcpAddr()
	if !dst.IsValid() {
		return
	}
	sr := s.stream.senderReport(time.Now())
	b, err := sr.Marshal()
	if err != nil {
		return
	}
	_, _ = s.rtcp.writeTo(b, dst)
}

// audioOut is the session's paced writer.
type audioOut struct{ s *rtpSender }

var _ TryFrameWriter = audioOut{}

// WriteFrame queues a frame, waiting for room while the queue is full, so
// a prompt plays at real time.
func (a audioOut) WriteFrame(p PCM16) error {
	s := a.s
	var f PCM16
	select {
	case f = <-s.free:
	case <-s.ctx.Done():
		return ErrClosed
	}
	n := copy(f, p)
	clear(f[n:])
	s.meter.Queued()
	s.outQ <- f // never blocks: a free buffer means there is room
	return nil
}

// TryWriteFrame queues a frame without blocking: when the queue is full, the
// oldest queued frame is dropped and its buffer reused.
func (a audioOut) TryWriteFrame(p PCM16) error {
	s := a.s
	if s.ctx.Err() != nil {
		return ErrClosed
	}
	var f PCM16
	select {
	case f = <-s.free:
	default:
		select {
		case f = <-s.outQ: // stale audio: drop it
		case f = <-s.free: // the pacer just freed one
		}
	}
	n := copy(f, p)
	clear(f[n:])
	s.outQ <- f
	return nil
}

func (a audioOut) SampleRate() int { return a.s.rate }
func (a audioOut) String() string  { return "rtp-out(" + a.s.wire.Load().info.Name + ")" }

// payloadSink takes the encoder's payloads, inside the pacer's tick.
type payloadSink struct{ s *rtpSender }

func (p payloadSink) WritePayload(b []byte) error {
	p.s.payload = append(p.s.payload[:0], b...)
	return nil
}
func (p payloadSink) String() string { return "rtp(" + p.s.wire.Load().info.Name + ")" }
