package media

import (
	"context"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// RTPConfig configures one RTP session.
type RTPConfig struct {
	Codec       Codec
	DTMFPayload uint8 // negotiated telephone-event payload type; 0 = none
	// DTMFClockRate is the telephone-event clock rate; 0 means the codec's.
	DTMFClockRate int
	Remote        *net.UDPAddr
	// Direction is ours: whether we send and receive (SetDirection changes it).
	Direction Direction
	// Timeout hangs the session up when no RTP arrives for this long (0 = never).
	// It does not count while the stream is on hold (not sendrecv).
	Timeout   time.Duration
	OnTimeout func()
	Logger    *slog.Logger
	// SRTP, when set, encrypts and authenticates the session's RTP and
	// RTCP (SRTP and SRTCP, RFC 3711) with SDES keys (srtp.go). Nil is
	// plain RTP.
	SRTP *SRTPConfig
}

// RTPSession is the media end of a SIP leg: one RTP/RTCP port pair. It
// wires together parts that each own their state:
//
//   - the receiver (rtp_receiver.go): the read loop, sequence tracking,
//     loss concealment, RFC 4733 receive and the inbound counters;
//   - the remote (rtp_remote.go): where to send, by SDP and by the
//     symmetric-RTP latch;
//   - the sender (rtp_sender.go): the outbound frame queue, the paced
//     tick, key presses, RTCP sender reports and the pacing meter, over
//     the outbound stream (rtp_stream.go: SSRC, sequence, timestamp);
//   - the relay (rtp_relay.go): a bridged peer's packets, placed in our
//     stream, PCMU↔PCMA mapped;
//   - the timeout (rtp_timeout.go);
//   - the tap (rtp_tap.go): a copy of the audio both ways, for a recording.
//
// Packet loss: the consumers (VAD and endpointer, ASR, recordings, mixing)
// count time in frames, so a lost packet must not shorten the call. A run of
// up to maxConcealGap lost packets is filled in before the packet after it
// is decoded, one frame per lost packet: by the codec when it is a Concealer
// (Opus: in-band FEC, else its own concealment), otherwise by repeating the
// last pitch period, fading out (plc). Late and duplicate audio packets are
// dropped: there is no reordering buffer, because a packet that arrives
// after its successor has already been concealed, and waiting for
// stragglers would delay every packet. Relayed packets are forwarded as they
// come, with the sender's sequence gaps kept, and the far end conceals.
//
// Outbound: frames written to AudioOut queue up and the shared pacer sends
// one every 20 ms on a ticker grid (no drift); silence is sent when nothing
// is queued.
type RTPSession struct {
	rtpSock, rtcpSock packetSocket
	wire              atomic.Pointer[rtpWire] // the codec on the wire (SetCodec)
	rate              int                     // the audio's sample rate, both ways, for the session's life
	dir               sharedDirection         // ours (SetDirection)
	changes           codecChanges
	log               *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	remote     *rtpRemote
	timeout    *rtpTimeout
	recv       *rtpReceiver
	send       *rtpSender
	relay      *rtpRelay
	taps       tapPoint // a recording's (rtp_tap.go)
	stopPacing func()
}

// NewRTPSession starts an RTP session on the given RTP and RTCP sockets
// (see PortRange.ListenPair); the session closes them. Any net.PacketConn
// works, so tests can inject their own; on a *net.UDPConn the per-packet
// path allocates nothing.
func NewRTPSession(rtpConn, rtcpConn net.PacketConn, cfg RTPConfig) *RTPSession {
	ctx, cancel := context.WithCancel(context.Background())
	rate := cfg.Codec.Info().SampleRate
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &RTPSession{rtpSock: newPacketSocket(rtpConn), rtcpSock: newPacketSocket(rtcpConn), rate: rate, log: log,
		ctx: ctx, cancel: cancel}
	s.rtcpSock.sec.rtcp = true
	s.wire.Store(newRTPWire(cfg.Codec, cfg.DTMFPayload, cfg.DTMFClockRate))
	if err := s.SetSRTP(cfg.SRTP); err != nil {
		// Never fall back to plain RTP: a session that cannot encrypt
		// sends and accepts nothing, and its RTP timeout ends the call.
		log.Error("srtp unusable: the session carries no media", "error", err)
		rtpConn.Close()
		rtcpConn.Close()
	}
	s.dir.set(cfg.Direction)
	s.changes.ch = make(chan struct{})
	s.remote = &rtpRemote{log: log}
	if cfg.Remote != nil {
		s.remote.signal(cfg.Remote)
	}
	s.timeout = newRTPTimeout(cfg.Timeout, cfg.OnTimeout, log)
	s.taps.wire = &s.wire
	stream := newRTPStream(s.rtpSock, s.remote)
	stream.taps = &s.taps
	s.relay = &rtpRelay{stream: stream, wire: &s.wire, dir: &s.dir}
	s.send = newRTPSender(ctx, stream, s.rtcpSock, s.remote, s.relay, &s.dir, &s.wire, rate)
	s.recv = &rtpReceiver{sock: s.rtpSock, ctx: ctx, wire: &s.wire, remote: s.remote, timeout: s.timeout,
		in: NewSwitchWriter(rate), rate: rate, dtmf: make(chan rune, 32), taps: &s.taps}
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		s.recv.readLoop()
	}()
	go func() {
		defer s.wg.Done()
		s.readRTCP()
	}()
	s.stopPacing = Pace(pacedSession{s})
	return s
}

// pacedSession is a session as the shared pacer sees it.
type pacedSession struct{ s *RTPSession }

func (p pacedSession) Tick(now time.Time) {
	p.s.timeout.check(now, p.s.dir.get() == SendRecv)
	p.s.send.tick()
}

// readRTCP follows where the remote's RTCP comes from; the reports
// themselves are not used.
func (s *RTPSession) readRTCP() {
	buf := make([]byte, 1500)
	for {
		_, src, err := s.rtcpSock.readFrom(buf)
		if err != nil {
			return
		}
		s.remote.heardRTCP(src)
	}
}

// LocalAddr is the RTP socket's address (for SDP).
func (s *RTPSession) LocalAddr() *net.UDPAddr { return s.rtpSock.localAddr() }

// Codec is the negotiated codec (SetCodec changes it).
func (s *RTPSession) Codec() Codec { return s.wire.Load().codec }

// Context is done when the session is closed.
func (s *RTPSession) Context() context.Context { return s.ctx }

// DTMF delivers RFC 4733 key presses, once each.
func (s *RTPSession) DTMF() <-chan rune { return s.recv.dtmf }

// InjectDTMF delivers a key that arrived by other means (SIP INFO).
func (s *RTPSession) InjectDTMF(r rune) { s.recv.injectDTMF(r) }

// RestartTimeout counts the RTP timeout from now, and arms it again if it has fired: a leg whose far
// end may rightly send nothing for a while (a caller's phone during early media, before the answer)
// times out only on silence after the answer.
func (s *RTPSession) RestartTimeout() { s.timeout.restart() }

// SwapAudioIn sets the consumer of decoded inbound audio.
func (s *RTPSession) SwapAudioIn(w FrameWriter) FrameWriter { return s.recv.in.Swap(w) }

// AudioOut returns the paced writer for outbound audio at the codec's rate.
func (s *RTPSession) AudioOut() FrameWriter { return audioOut{s.send} }

// FlushAudioOut drops queued outbound frames.
func (s *RTPSession) FlushAudioOut() { s.send.flush() }

// SendDTMF queues an RFC 4733 key press toward the remote party.
func (s *RTPSession) SendDTMF(digit rune) error { return s.send.sendDTMF(digit) }

// Remote returns where RTP is being sent.
func (s *RTPSession) Remote() *net.UDPAddr { return s.remote.udpAddr() }

// SetRemote changes the destination (re-INVITE / answer SDP). The session
// latches again onto where the remote's media comes from, except the
// address it has just left: packets still in flight from there must not
// pull the media back. An address SDP already gave changes nothing, so a
// caller behind NAT keeps its latched address across re-INVITEs.
func (s *RTPSession) SetRemote(a *net.UDPAddr) { s.remote.signal(a) }

// RelayTo forwards this session's inbound payloads to dst without decoding
// (PCMU↔PCMA are mapped byte by byte). Pass nil to stop relaying.
// dst stops its own pacing while it receives relayed packets.
func (s *RTPSession) RelayTo(dst *RTPSession) {
	var to *rtpRelay
	if dst != nil {
		to = dst.relay
	}
	if old := s.recv.relayTo.Swap(to); old != nil && old != to {
		old.active.Store(false)
		old.from.CompareAndSwap(s.recv, nil)
	}
	if to != nil {
		to.reset()
		to.from.Store(s.recv)
		to.active.Store(true)
	}
}

// stopRelays makes the session decode its inbound audio and send its own
// AudioOut: it stops relaying to a peer, and a peer that relays to it stops
// too (that peer's audio is decoded from then on). A mixer needs both: it
// mixes decoded audio and writes each leg's mix to its AudioOut.
func (s *RTPSession) stopRelays() {
	s.RelayTo(nil)
	if from := s.relay.from.Swap(nil); from != nil {
		from.relayTo.CompareAndSwap(s.relay, nil)
	}
	s.relay.active.Store(false)
}

// SetSRTP changes the session's SRTP keys (a re-INVITE that renegotiated
// them): from the next packet on, both ways use new contexts. Nil turns
// SRTP off. On error the session keeps what it had.
func (s *RTPSession) SetSRTP(c *SRTPConfig) error {
	if c == nil {
		s.rtpSock.sec.cur.Store(nil)
		s.rtcpSock.sec.cur.Store(nil)
		return nil
	}
	// One transform for both sockets: its contexts keep SRTP and SRTCP
	// state apart. A bad configuration changes neither socket.
	t, err := newSRTPTransform(c)
	if err != nil {
		return err
	}
	s.rtpSock.sec.cur.Store(t)
	s.rtcpSock.sec.cur.Store(t)
	return nil
}

// SRTP reports whether the session's media is encrypted.
func (s *RTPSession) SRTP() bool { return s.rtpSock.sec.cur.Load() != nil }

// RTPStats counts a session's inbound RTP, for the call's end log.
type RTPStats struct {
	Received  uint64 // RTP packets received
	Lost      uint64 // packets missing from the sender's sequence
	Concealed uint64 // lost packets filled in with concealment or FEC
	Late      uint64 // late or duplicate packets (not decoded)
}

// Stats returns the inbound counters so far. Loss is counted while relaying
// too, although only decoded audio is concealed.
func (s *RTPSession) Stats() RTPStats { return s.recv.stats() }

// Close stops the session and releases its ports.
func (s *RTPSession) Close() {
	s.stopPacing()
	s.cancel()
	s.rtpSock.close()
	s.rtcpSock.close()
	s.wg.Wait()
}
