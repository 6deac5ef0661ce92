package media

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
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
}

// RTPSession is the media end of a SIP leg: one RTP/RTCP port pair.
//
// Inbound: socket → RTP parse → symmetric-RTP latch → sequence check →
// telephone-event detector or decoder → SwitchWriter (whatever the current
// consumer is), or, while bridged with a matching peer, payload relay to that
// peer without decoding.
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
// Outbound: frames written to AudioOut queue up and a pacer sends one every
// 20 ms on a ticker grid (no drift); silence is sent when nothing is queued.
type RTPSession struct {
	conn, rtcpConn *net.UDPConn
	wire           atomic.Pointer[rtpWire] // the codec on the wire (SetCodec)
	rate           int                     // the audio's sample rate, both ways, for the session's life
	dir            atomic.Uint32           // our Direction (SetDirection)
	changed        chan struct{}           // closed at a codec change; guarded by changedMu
	changedMu      sync.Mutex
	log            *slog.Logger
	timeout        time.Duration
	onTimeout      func()

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	remoteMu  sync.Mutex
	remote    netip.AddrPort // zero until known
	signalled netip.AddrPort // the remote as SDP gave it
	abandoned netip.AddrPort // where the remote was before SDP moved it (see latch)
	fromOld   int            // packets from abandoned since the move
	rtcpDst   netip.AddrPort
	latchSSRC uint32
	latched   bool

	// in
	in        *SwitchWriter
	decoder   PayloadWriter
	concealer Concealer
	dtmfRecv  DTMFReceiver
	dtmf      chan rune
	lastRecv  atomic.Int64
	rearm     atomic.Bool // RestartTimeout asks the pacer to arm the timeout again
	relay     atomic.Pointer[RTPSession]
	rxSeq     rtpSequence // read loop only, with lastAudio
	lastAudio bool        // the newest packet of the stream carried audio
	recvPkts  atomic.Uint64
	lostPkts  atomic.Uint64
	concealed atomic.Uint64
	latePkts  atomic.Uint64

	// out: sendMu guards the sequence/timestamp state shared by the pacer,
	// relayed packets and DTMF.
	sendMu      sync.Mutex
	ssrc        uint32
	seq         uint16
	ts          uint32
	relayOff    uint32
	relaySeqOff uint16
	relayInit   bool
	resumed     bool // the next packet starts a talkspurt: after a hold or a codec change
	relaying    atomic.Bool
	outQ        chan PCM16
	free        chan PCM16
	meter       *SendMeter // pacing and audio-start timing
	encoder     FrameWriter
	pktBuf      []byte
	payloadBuf  []byte
	relayBuf    []byte
	silence     PCM16
	dtmfOut     chan rune
	pace        pace
	stopPacing  func()
	sentPkts    uint32
	sentOctets  uint32
}

// NewRTPSession starts an RTP session on the given sockets (see PortRange.ListenPair).
func NewRTPSession(rtpConn, rtcpConn *net.UDPConn, cfg RTPConfig) *RTPSession {
	ctx, cancel := context.WithCancel(context.Background())
	info := cfg.Codec.Info()
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	s := &RTPSession{
		conn:      rtpConn,
		rtcpConn:  rtcpConn,
		rate:      info.SampleRate,
		changed:   make(chan struct{}),
		log:       log,
		timeout:   cfg.Timeout,
		onTimeout: cfg.OnTimeout,
		ctx:       ctx,
		cancel:    cancel,
		in:        NewSwitchWriter(info.SampleRate),
		dtmf:      make(chan rune, 32),
		ssrc:      rand.Uint32(),
		seq:       uint16(rand.Uint32()),
		ts:        rand.Uint32(),
		outQ:      make(chan PCM16, 2),
		pktBuf:    make([]byte, 1500),
		silence:   make(PCM16, SamplesPerFrame(info.SampleRate)),
		dtmfOut:   make(chan rune, 32),
	}
	s.wire.Store(newRTPWire(cfg.Codec, cfg.DTMFPayload, cfg.DTMFClockRate))
	s.meter = NewSendMeter(PacingSIP)
	s.dir.Store(uint32(cfg.Direction))
	if cfg.Remote != nil {
		s.setRemoteLocked(cfg.Remote)
	}
	// As many frame buffers as the queue holds circulate between the
	// writer, the queue and the pacer, so queuing audio allocates nothing
	// and a writer holding a free buffer always finds room in the queue.
	s.free = make(chan PCM16, cap(s.outQ))
	for i := 0; i < cap(s.free); i++ {
		s.free <- make(PCM16, SamplesPerFrame(info.SampleRate))
	}
	s.decoder, s.concealer = concealingDecoder(cfg.Codec, s.in)
	s.encoder = cfg.Codec.Encoder(payloadSink{s})
	s.lastRecv.Store(time.Now().UnixNano())
	s.wg.Add(2)
	go s.readLoop()
	go s.readRTCP()
	s.stopPacing = Pace(pacedSession{s})
	return s
}

// LocalAddr is the RTP socket's address (for SDP).
func (s *RTPSession) LocalAddr() *net.UDPAddr { return s.conn.LocalAddr().(*net.UDPAddr) }

// Codec is the negotiated codec (SetCodec changes it).
func (s *RTPSession) Codec() Codec { return s.wire.Load().codec }

// Context is done when the session is closed.
func (s *RTPSession) Context() context.Context { return s.ctx }

// DTMF delivers RFC 4733 key presses, once each.
func (s *RTPSession) DTMF() <-chan rune { return s.dtmf }

// InjectDTMF delivers a key that arrived by other means (SIP INFO).
func (s *RTPSession) InjectDTMF(r rune) {
	select {
	case s.dtmf <- r:
	default:
	}
}

// RestartTimeout counts the RTP timeout from now, and arms it again if it has fired: a leg whose far
// end may rightly send nothing for a while (a caller's phone during early media, before the answer)
// times out only on silence after the answer.
func (s *RTPSession) RestartTimeout() {
	s.lastRecv.Store(time.Now().UnixNano())
	s.rearm.Store(true)
}

// SwapAudioIn sets the consumer of decoded inbound audio.
func (s *RTPSession) SwapAudioIn(w FrameWriter) FrameWriter { return s.in.Swap(w) }

// AudioOut returns the paced writer for outbound audio at the codec's rate.
func (s *RTPSession) AudioOut() FrameWriter { return audioOut{s} }

// FlushAudioOut drops queued outbound frames.
func (s *RTPSession) FlushAudioOut() {
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

// SendDTMF queues an RFC 4733 key press toward the remote party.
func (s *RTPSession) SendDTMF(digit rune) error {
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

// Remote returns where RTP is being sent.
func (s *RTPSession) Remote() *net.UDPAddr {
	s.remoteMu.Lock()
	defer s.remoteMu.Unlock()
	if !s.remote.IsValid() {
		return nil
	}
	return net.UDPAddrFromAddrPort(s.remote)
}

func (s *RTPSession) setRemoteLocked(a *net.UDPAddr) {
	ap := a.AddrPort()
	s.remote = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	s.rtcpDst = netip.AddrPortFrom(s.remote.Addr(), ap.Port()+1)
	s.signalled = s.remote
}

// SetRemote changes the destination (re-INVITE / answer SDP). The session
// latches again onto where the remote's media comes from, except the
// address it has just left: packets still in flight from there must not
// pull the media back. An address SDP already gave changes nothing, so a
// caller behind NAT keeps its latched address across re-INVITEs.
func (s *RTPSession) SetRemote(a *net.UDPAddr) {
	ap := a.AddrPort()
	ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	s.remoteMu.Lock()
	defer s.remoteMu.Unlock()
	if ap == s.signalled {
		return
	}
	if s.remote.IsValid() && s.remote != ap {
		s.abandoned = s.remote
	}
	s.fromOld = 0
	s.setRemoteLocked(a)
	s.latched = false
}

// RelayTo forwards this session's inbound payloads to dst without decoding
// (PCMU↔PCMA are mapped byte by byte). Pass nil to stop relaying.
// dst stops its own pacing while it receives relayed packets.
func (s *RTPSession) RelayTo(dst *RTPSession) {
	if old := s.relay.Swap(dst); old != nil && old != dst {
		old.relaying.Store(false)
	}
	if dst != nil {
		dst.sendMu.Lock()
		dst.relayInit = false
		dst.sendMu.Unlock()
		dst.relaying.Store(true)
	}
}

// RTPStats counts a session's inbound RTP, for the call's end log.
type RTPStats struct {
	Received  uint64 // RTP packets received
	Lost      uint64 // packets missing from the sender's sequence
	Concealed uint64 // lost packets filled in with concealment or FEC
	Late      uint64 // late or duplicate packets (not decoded)
}

// Stats returns the inbound counters so far. Loss is counted while relaying
// too, although only decoded audio is concealed.
func (s *RTPSession) Stats() RTPStats {
	return RTPStats{
		Received:  s.recvPkts.Load(),
		Lost:      s.lostPkts.Load(),
		Concealed: s.concealed.Load(),
		Late:      s.latePkts.Load(),
	}
}

// Close stops the session and releases its ports.
func (s *RTPSession) Close() {
	s.stopPacing()
	s.cancel()
	s.conn.Close()
	s.rtcpConn.Close()
	s.wg.Wait()
}

type audioOut struct{ s *RTPSession }

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
func (a audioOut) SampleRate() int { return a.s.rate }
func (a audioOut) String() string  { return "rtp-out(" + a.s.wire.Load().info.Name + ")" }

// payloadSink receives encoded payloads from the encoder inside the pacer.
type payloadSink struct{ s *RTPSession }

func (p payloadSink) WritePayload(b []byte) error {
	p.s.payloadBuf = append(p.s.payloadBuf[:0], b...)
	return nil
}
func (p payloadSink) String() string { return "rtp(" + p.s.wire.Load().info.Name + ")" }

func (s *RTPSession) readLoop() {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	w := s.wire.Load()
	for {
		n, src, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if s.ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
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
		if cur := s.wire.Load(); cur != w {
			// A new codec: its own decoder, and no concealment across the switch.
			w = cur
			s.decoder, s.concealer = s.decoderFor(w.codec)
			s.lastAudio = false
		}
		s.latch(src, pkt.SSRC)
		s.lastRecv.Store(time.Now().UnixNano())
		s.recvPkts.Add(1)
		verdict, missing := s.rxSeq.push(pkt.SSRC, pkt.SequenceNumber)
		switch verdict {
		case seqGap:
			s.lostPkts.Add(uint64(missing))
		case seqLate:
			s.latePkts.Add(1)
		}
		dst := s.relay.Load()
		if dst != nil {
			dst.writeRelayed(&pkt, s)
		}
		audio := pkt.PayloadType == w.info.PayloadType
		if verdict != seqLate {
			// Telephone-events replace audio in the same sequence, so
			// only a hole between two audio packets is missing audio.
			lastAudio := s.lastAudio
			s.lastAudio = audio
			if audio && dst == nil && verdict == seqGap && missing <= maxConcealGap && lastAudio {
				s.conceal(missing, pkt.Payload)
			}
		}
		switch {
		case audio:
			if dst == nil && verdict != seqLate {
				_ = s.decoder.WritePayload(pkt.Payload)
			}
		case w.dtmfPT != 0 && pkt.PayloadType == w.dtmfPT:
			ev, err := UnmarshalDTMF(pkt.Payload)
			if err != nil {
				continue
			}
			if d, ok := s.dtmfRecv.Push(ev, pkt.Timestamp); ok {
				select {
				case s.dtmf <- d:
				default:
				}
			}
		}
	}
}

// conceal fills in for missing lost packets before next, the packet after
// them, is decoded. Only the packet just before next can be recovered from
// next's redundancy.
func (s *RTPSession) conceal(missing int, next []byte) {
	for i := 1; i <= missing; i++ {
		var fec []byte
		if i == missing {
			fec = next
		}
		if err := s.concealer.Conceal(fec); err != nil {
			return
		}
		s.concealed.Add(1)
	}
}

// latch implements symmetric RTP: answer to where the media really comes from,
// which differs from the SDP address when the caller is behind NAT.
func (s *RTPSession) latch(src netip.AddrPort, ssrc uint32) {
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	s.remoteMu.Lock()
	defer s.remoteMu.Unlock()
	if s.latched && ssrc == s.latchSSRC {
		return
	}
	if src == s.abandoned && src != s.signalled {
		// Packets sent before the remote moved are still arriving. Only a
		// remote that goes on sending from there (asymmetric ports behind a
		// NAT) is followed back, after a second of it.
		if s.fromOld++; s.fromOld < abandonedLatchAfter {
			return
		}
	}
	if s.remote != src {
		if s.remote.IsValid() {
			s.log.Debug("rtp latched", "from", s.remote.String(), "to", src.String())
		}
		s.remote = src
	}
	s.latched = true
	s.latchSSRC = ssrc
}

func (s *RTPSession) readRTCP() {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	for {
		_, src, err := s.rtcpConn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		s.remoteMu.Lock()
		s.rtcpDst = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
		s.remoteMu.Unlock()
	}
}

// writeRelayed sends a packet received on src out of s, rewriting SSRC,
// sequence and timestamp into s's own stream so the receiver sees one
// continuous stream across IVR audio and bridged audio.
func (s *RTPSession) writeRelayed(pkt *rtp.Packet, src *RTPSession) {
	if !s.Direction().Sends() {
		return // the remote holds the call: it takes no media
	}
	sw := src.wire.Load()
	var dtmf bool
	switch {
	case pkt.PayloadType == sw.info.PayloadType:
	case sw.dtmfPT != 0 && pkt.PayloadType == sw.dtmfPT:
		dtmf = true
	default:
		return
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	w := s.wire.Load()
	pt, payload := w.info.PayloadType, pkt.Payload
	if dtmf {
		if w.dtmfPT == 0 {
			return
		}
		pt = w.dtmfPT
	} else if sw.info.Name != w.info.Name {
		switch {
		case sw.info.Name == "PCMU" && w.info.Name == "PCMA":
			s.relayBuf = ULawToALaw(s.relayBuf[:0], payload)
		case sw.info.Name == "PCMA" && w.info.Name == "PCMU":
			s.relayBuf = ALawToULaw(s.relayBuf[:0], payload)
		default:
			return
		}
		payload = s.relayBuf
	}
	if !s.relayInit {
		s.relayOff = s.ts + w.step - pkt.Timestamp
		s.relaySeqOff = s.seq + 1 - pkt.SequenceNumber
		s.relayInit = true
	}
	// Sequence numbers and timestamps keep the sender's spacing, shifted
	// into our stream: a packet lost before us still shows as a gap, so
	// the receiver conceals it, and a late one keeps its place.
	seq, ts := pkt.SequenceNumber+s.relaySeqOff, pkt.Timestamp+s.relayOff
	if d := int16(seq - s.seq); d > maxDropout || d < -maxMisorder {
		// The sender restarted its stream (a new SSRC, a re-INVITE): carry
		// on from our own numbering.
		s.relaySeqOff = s.seq + 1 - pkt.SequenceNumber
		s.relayOff = s.ts + w.step - pkt.Timestamp
		seq, ts = s.seq+1, s.ts+w.step
	}
	if int16(seq-s.seq) > 0 {
		s.seq, s.ts = seq, ts
	}
	s.sendSeqLocked(seq, pkt.Marker, pt, ts, payload)
}

// sendLocked sends the next packet of our stream (sequence number s.seq).
func (s *RTPSession) sendLocked(marker bool, pt uint8, ts uint32, payload []byte) bool {
	return s.sendSeqLocked(s.seq, marker, pt, ts, payload)
}

func (s *RTPSession) sendSeqLocked(seq uint16, marker bool, pt uint8, ts uint32, payload []byte) bool {
	h := rtp.Header{Version: 2, Marker: marker, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: s.ssrc}
	n, err := h.MarshalTo(s.pktBuf)
	if err != nil {
		return false
	}
	n += copy(s.pktBuf[n:], payload)
	s.remoteMu.Lock()
	dst := s.remote
	s.remoteMu.Unlock()
	if !dst.IsValid() {
		return false
	}
	if _, err := s.conn.WriteToUDPAddrPort(s.pktBuf[:n], dst); err != nil {
		return false
	}
	s.sentPkts++
	s.sentOctets += uint32(len(payload))
	return true
}

// pace is the sender's per-session state, touched only by the pacer.
type pace struct {
	dtmfPkts   []DTMFEvent
	dtmfTS     uint32
	dtmfMarker bool
	ticks      int
	timedOut   bool
}

// pacedSession is a session as the shared pacer sees it.
type pacedSession struct{ s *RTPSession }

func (p pacedSession) Tick(now time.Time) { p.s.tick(now) }

// tick sends this session's next packet. The shared pacer calls it every
// 20 ms for every session, so all sessions share one ticker and one goroutine
// per core instead of a timer each.
func (s *RTPSession) tick(now time.Time) {
	p := &s.pace
	p.ticks++
	if s.rearm.Load() && s.rearm.Swap(false) {
		p.timedOut = false
	}
	if s.timeout > 0 && !p.timedOut && s.Direction() == SendRecv && now.Sub(time.Unix(0, s.lastRecv.Load())) > s.timeout {
		p.timedOut = true
		s.log.Warn("no rtp received", "timeout", s.timeout.String())
		if s.onTimeout != nil {
			go s.onTimeout()
		}
	}
	if p.ticks%250 == 0 { // every 5 s
		s.sendRTCP()
	}
	if s.relaying.Load() {
		// The peer's relayed audio flows: what waits in the queue starts nothing.
		s.meter.Took(true)
		s.meter.Skipped()
		return
	}
	if !s.Direction().Sends() {
		s.meter.Took(false)
		s.meter.Skipped()
		s.hold()
		return
	}
	s.sendMu.Lock()
	defer s.sendMu.Unlock()
	w := s.wire.Load()
	samples := w.step
	if len(p.dtmfPkts) == 0 {
		select {
		case d := <-s.dtmfOut:
			if pk, err := DTMFPackets(d, 100, w.dtmfRate); err == nil {
				p.dtmfPkts = pk
				p.dtmfTS = s.ts + samples
				p.dtmfMarker = true
			}
		default:
		}
	}
	if len(p.dtmfPkts) > 0 {
		ev := p.dtmfPkts[0]
		p.dtmfPkts = p.dtmfPkts[1:]
		s.seq++
		s.ts += samples
		ok := s.sendLocked(p.dtmfMarker || s.resumed, w.dtmfPT, p.dtmfTS, ev.Marshal())
		s.resumed = false
		p.dtmfMarker = false
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
	s.seq++
	s.ts += samples
	ok := s.sendLocked(s.resumed, w.info.PayloadType, s.ts, s.payloadBuf)
	s.resumed = false
	s.sent(ok, start)
}

// sent times a paced packet when its write has returned, not when the tick
// fired: the interval is what the far end sees.
func (s *RTPSession) sent(ok bool, start time.Time) {
	if !ok {
		s.meter.Skipped()
		return
	}
	s.meter.Sent(time.Now(), start)
}

func (s *RTPSession) sendRTCP() {
	s.remoteMu.Lock()
	dst := s.rtcpDst
	s.remoteMu.Unlock()
	if !dst.IsValid() {
		return
	}
	s.sendMu.Lock()
	now := time.Now()
	sec := uint64(now.Unix() + 2208988800)
	frac := uint64(now.Nanosecond()) * (1 << 32) / 1e9
	sr := rtcp.SenderReport{SSRC: s.ssrc, NTPTime: sec<<32 | frac, RTPTime: s.ts, PacketCount: s.sentPkts, OctetCount: s.sentOctets}
	s.sendMu.Unlock()
	b, err := sr.Marshal()
	if err != nil {
		return
	}
	_, _ = s.rtcpConn.WriteToUDPAddrPort(b, dst)
}
