package media_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/pion/rtp"
)

var updatePorts = &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 45000, Max: 45999}

// decode returns the audio of the packets of payload type pt, decoded with codec.
func decode(codec media.Codec, pt uint8, pkts []audiotest.HeardPacket) media.PCM16 {
	var got media.PCM16
	dec := codec.Decoder(media.FrameWriterFunc{Rate: codec.Info().SampleRate, Fn: func(p media.PCM16) error {
		got = append(got, p...)
		return nil
	}})
	for _, r := range pkts {
		if r.Pkt.PayloadType == pt {
			_ = dec.WritePayload(r.Pkt.Payload)
		}
	}
	return got
}

func udpPeer(t *testing.T) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// playTone keeps writing a tone into w (at w's rate) until ctx is done.
func playTone(ctx context.Context, w media.FrameWriter, freq float64) {
	tone := audiotest.Tone(freq, w.SampleRate(), 1000, 0.5)
	n := media.SamplesPerFrame(w.SampleRate())
	for i := 0; ctx.Err() == nil; i = (i + n) % len(tone) {
		if w.WriteFrame(tone[i:i+n]) != nil {
			return
		}
	}
}

// A codec change mid-call (a re-INVITE from PCMU to G.722): the session
// sends the new codec, with the marker bit on its first packet, and decodes
// it, while its audio side keeps the rate it started with, resampling both
// ways, so a prompt written at 8 kHz is heard on the 16 kHz codec.
func TestRTPSessionSetCodec(t *testing.T) {
	r := audiotest.NewRTPRig(t, media.PCMU(), updatePorts)
	peer := audiotest.HearRTP(t, r.Peer)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	out := r.S.AudioOut()
	go playTone(ctx, out, 1000)
	time.Sleep(300 * time.Millisecond)

	switched := time.Now()
	r.S.SetCodec(media.G722(), 101, 8000)
	time.Sleep(600 * time.Millisecond)
	after := peer.Heard(switched)
	if len(after) < 20 {
		t.Fatalf("%d packets in 600 ms after the switch", len(after))
	}
	var g722 []audiotest.HeardPacket
	for i, p := range after {
		if p.Pkt.PayloadType == 9 {
			if len(g722) == 0 && !p.Pkt.Marker {
				t.Errorf("the first G.722 packet (#%d after the switch) has no marker bit", i)
			}
			g722 = append(g722, p)
		} else if len(g722) > 0 {
			t.Fatalf("payload type %d after G.722 started", p.Pkt.PayloadType)
		}
	}
	if got := decode(media.G722(), 9, g722); len(got) == 0 {
		t.Fatal("no G.722 audio after the switch")
	} else if ok, ratio := audiotest.DetectTone(got, 1000, 16000); !ok {
		t.Errorf("the 1 kHz prompt written at 8 kHz is not in the G.722 stream (ratio %.2f)", ratio)
	}
	if out.SampleRate() != 8000 || r.S.AudioOut().SampleRate() != 8000 {
		t.Errorf("AudioOut takes %d Hz after the switch, want the 8000 Hz it started with", r.S.AudioOut().SampleRate())
	}
	if r.S.Codec().Info().Name != "G722" {
		t.Errorf("Codec() = %s", r.S.Codec().Info().Name)
	}

	// Inbound: G.722 from the peer reaches the consumer at 8 kHz; PCMU
	// packets still in flight are not decoded as G.722.
	before := len(r.Frames())
	r.Send(0, 1, 160, 7, media.EncodeULaw(nil, audiotest.Tone(1500, 8000, 20, 0.5)))
	var payloads [][]byte
	g := media.G722().Encoder(payloadCollector(func(p []byte) { payloads = append(payloads, append([]byte(nil), p...)) }))
	tone := audiotest.Tone(1500, 16000, 400, 0.5)
	for i := 0; i+320 <= len(tone); i += 320 {
		_ = g.WriteFrame(tone[i : i+320])
	}
	for i, p := range payloads {
		r.Send(9, uint16(2+i), uint32(320+i*160), 7, p)
	}
	frames := r.Settle(uint64(1 + len(payloads)))[before:]
	var heard media.PCM16
	for _, f := range frames {
		if len(f) != 160 {
			t.Fatalf("a %d-sample frame reached the 8 kHz consumer", len(f))
		}
		heard = append(heard, f...)
	}
	// The resampler holds back one frame's worth of its filter delay.
	if len(frames) < len(payloads)-1 || len(frames) > len(payloads) {
		t.Errorf("%d frames for %d G.722 packets and one stale PCMU packet", len(frames), len(payloads))
	}
	if ok, ratio := audiotest.DetectTone(heard, 1500, 8000); !ok {
		t.Errorf("the caller's 1.5 kHz G.722 tone is not heard at 8 kHz (ratio %.2f)", ratio)
	}
}

type payloadCollector func([]byte)

func (f payloadCollector) WritePayload(p []byte) error { f(p); return nil }
func (f payloadCollector) String() string              { return "collect" }

// On hold (the remote's a=sendonly or a=inactive) the session sends
// nothing; on resume it sends again with the marker bit, its sequence
// numbers continuing and its timestamp having run on with real time.
func TestRTPSessionHold(t *testing.T) {
	r := audiotest.NewRTPRig(t, media.PCMU(), updatePorts)
	peer := audiotest.HearRTP(t, r.Peer)
	time.Sleep(200 * time.Millisecond)

	held := time.Now()
	r.S.SetDirection(media.RecvOnly)
	time.Sleep(50 * time.Millisecond) // a packet may be on its way
	quiet := time.Now()
	time.Sleep(500 * time.Millisecond)
	if n := len(peer.Heard(quiet)); n != 0 {
		t.Fatalf("%d packets sent while the remote held the call", n)
	}
	last := peer.Heard(held.Add(-100 * time.Millisecond))
	if len(last) == 0 {
		t.Fatal("no packets before the hold")
	}
	lastPkt := last[len(last)-1].Pkt

	r.S.SetDirection(media.SendRecv)
	resumed := time.Now()
	time.Sleep(300 * time.Millisecond)
	after := peer.Heard(resumed)
	if len(after) < 10 {
		t.Fatalf("%d packets in 300 ms after the resume", len(after))
	}
	first := after[0].Pkt
	if !first.Marker {
		t.Error("the first packet after the resume has no marker bit")
	}
	if first.SequenceNumber != lastPkt.SequenceNumber+1 {
		t.Errorf("sequence %d after %d: the held period must not use sequence numbers", first.SequenceNumber, lastPkt.SequenceNumber)
	}
	gap := time.Duration(first.Timestamp-lastPkt.Timestamp) * time.Second / 8000
	wall := after[0].At.Sub(last[len(last)-1].At)
	if d := gap - wall; d < -100*time.Millisecond || d > 100*time.Millisecond {
		t.Errorf("the timestamp moved %v over the hold, the wall clock %v", gap, wall)
	}
}

// The RTP timeout does not count while the call is held: the held phone
// may send nothing for as long as the hold lasts. After the resume it
// counts from zero.
func TestRTPSessionHoldSuspendsTimeout(t *testing.T) {
	rc, cc, err := updatePorts.ListenPair()
	if err != nil {
		t.Fatal(err)
	}
	const timeout = 150 * time.Millisecond
	fired := make(chan time.Time, 2)
	s := media.NewRTPSession(rc, cc, media.RTPConfig{Codec: media.PCMU(), Direction: media.Inactive, Timeout: timeout,
		OnTimeout: func() { fired <- time.Now() }})
	defer s.Close()
	select {
	case <-fired:
		t.Fatal("the RTP timeout fired on a held call")
	case <-time.After(4 * timeout):
	}
	resumed := time.Now()
	s.SetDirection(media.SendRecv)
	select {
	case at := <-fired:
		if at.Sub(resumed) < timeout {
			t.Errorf("the timeout fired %v after the resume, want at least %v", at.Sub(resumed), timeout)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no RTP timeout after the resume")
	}
}

// A re-INVITE moves the remote: the session sends to the new address,
// and a packet still arriving from the old one (sent before the remote
// moved) does not latch the media back there; a second of them does. The
// same address given again keeps the latch, as a caller behind NAT needs.
func TestRTPSessionSetRemote(t *testing.T) {
	r := audiotest.NewRTPRig(t, media.PCMU(), updatePorts)
	old := audiotest.HearRTP(t, r.Peer)
	moved := udpPeer(t)
	to := audiotest.HearRTP(t, moved)
	r.Send(0, 1, 160, 7, media.EncodeULaw(nil, make(media.PCM16, 160))) // latches onto the old peer
	time.Sleep(100 * time.Millisecond)

	r.S.SetRemote(moved.LocalAddr().(*net.UDPAddr))
	r.Send(0, 2, 320, 7, media.EncodeULaw(nil, make(media.PCM16, 160))) // in flight from the old address
	time.Sleep(100 * time.Millisecond)
	from := time.Now()
	time.Sleep(300 * time.Millisecond)
	if n := len(old.Heard(from)); n != 0 {
		t.Errorf("%d packets to the old address after the move", n)
	}
	if n := len(to.Heard(from)); n < 10 {
		t.Errorf("%d packets to the new address in 300 ms", n)
	}

	// A remote that goes on sending from the old address (asymmetric
	// ports behind a NAT) is followed back there after a second of it.
	for i := range 60 {
		r.Send(0, uint16(3+i), uint32(480+i*160), 7, media.EncodeULaw(nil, make(media.PCM16, 160)))
	}
	time.Sleep(100 * time.Millisecond)
	from = time.Now()
	time.Sleep(300 * time.Millisecond)
	if n := len(old.Heard(from)); n < 10 {
		t.Errorf("%d packets to the old address after a second of media from it", n)
	}

	// NAT: the SDP address stays, the media comes from elsewhere, alone
	// for a second (a stream from elsewhere alongside the remote's own is
	// dropped, see TestRTPRemoteLatch).
	nat := udpPeer(t)
	natCap := audiotest.HearRTP(t, nat)
	for i := range 50 {
		pkt, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(100 + i), Timestamp: uint32(16000 + 160*i), SSRC: 8},
			Payload: media.EncodeULaw(nil, make(media.PCM16, 160))}).Marshal()
		if _, err := nat.WriteToUDP(pkt, r.S.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(100 * time.Millisecond)
	r.S.SetRemote(moved.LocalAddr().(*net.UDPAddr)) // a re-INVITE that keeps the address
	from = time.Now()
	time.Sleep(300 * time.Millisecond)
	if n := len(natCap.Heard(from)); n < 10 {
		t.Errorf("%d packets to the latched address after a re-INVITE that kept the SDP address", n)
	}
}

// rtpLeg is a bare RTP leg for bridge tests.
type rtpLeg struct {
	s   *media.RTPSession
	ctx context.Context
}

func (l rtpLeg) ID() string                                        { return "test" }
func (l rtpLeg) Context() context.Context                          { return l.ctx }
func (l rtpLeg) AudioOut() media.FrameWriter                       { return l.s.AudioOut() }
func (l rtpLeg) FlushAudioOut()                                    { l.s.FlushAudioOut() }
func (l rtpLeg) SwapAudioIn(w media.FrameWriter) media.FrameWriter { return l.s.SwapAudioIn(w) }
func (l rtpLeg) DTMF() <-chan rune                                 { return l.s.DTMF() }
func (l rtpLeg) Hangup(context.Context, string) error              { return nil }
func (l rtpLeg) RTP() *media.RTPSession                            { return l.s }

// Two PCMU legs relay payloads; when a re-INVITE moves one of them to
// G.722, which no relay can carry, the bridge transcodes instead and the
// audio still gets through.
func TestBridgeFollowsCodecChange(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	newLeg := func() (rtpLeg, *net.UDPConn) {
		rc, cc, err := updatePorts.ListenPair()
		if err != nil {
			t.Fatal(err)
		}
		peer := udpPeer(t)
		s := media.NewRTPSession(rc, cc, media.RTPConfig{Codec: media.PCMU(), Remote: peer.LocalAddr().(*net.UDPAddr)})
		t.Cleanup(s.Close)
		return rtpLeg{s, ctx}, peer
	}
	a, peerA := newLeg()
	b, peerB := newLeg()
	atB := audiotest.HearRTP(t, peerB)
	go func() { _ = media.Bridge(ctx, a, b) }()

	// The caller at a speaks a 1 kHz tone, one packet every 20 ms.
	tone := audiotest.Tone(1000, 8000, 1000, 0.5)
	go func() {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ctx.Err() == nil; i++ {
			off := i * 160 % len(tone)
			pkt, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(i), Timestamp: uint32(i * 160), SSRC: 5},
				Payload: media.EncodeULaw(nil, tone[off:off+160])}).Marshal()
			_, _ = peerA.WriteToUDP(pkt, a.s.LocalAddr())
			select {
			case <-ctx.Done():
			case <-tick.C:
			}
		}
	}()
	time.Sleep(400 * time.Millisecond)
	if got := decode(media.PCMU(), 0, atB.Heard(time.Now().Add(-200*time.Millisecond))); len(got) < 800 {
		t.Fatalf("relay: %d samples reached b", len(got))
	}

	b.s.SetCodec(media.G722(), 0, 0)
	time.Sleep(200 * time.Millisecond)
	from := time.Now()
	time.Sleep(600 * time.Millisecond)
	got := decode(media.G722(), 9, atB.Heard(from))
	if len(got) < 16000*300/1000 {
		t.Fatalf("after b moved to G.722: %d samples of G.722 reached b in 600 ms", len(got))
	}
	if ok, ratio := audiotest.DetectTone(got, 1000, 16000); !ok {
		t.Errorf("a's tone is not heard at b after the codec change (ratio %.2f)", ratio)
	}
}
