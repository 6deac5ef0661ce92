package sip

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/pion/rtp"
)

// earlyTone is what the fake carrier plays before the answer (an announcement's SIT-like tone).
const earlyTone = 1400.0

// pcmCapture collects decoded audio (the caller's ear in these tests).
type pcmCapture struct {
	mu      sync.Mutex
	samples media.PCM16
}

func (c *pcmCapture) WriteFrame(p media.PCM16) error {
	c.mu.Lock()
	c.samples = append(c.samples, p...)
	c.mu.Unlock()
	return nil
}
func (c *pcmCapture) SampleRate() int { return 8000 }
func (c *pcmCapture) String() string  { return "capture" }
func (c *pcmCapture) len() int        { c.mu.Lock(); defer c.mu.Unlock(); return len(c.samples) }
func (c *pcmCapture) copy() media.PCM16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append(media.PCM16(nil), c.samples...)
}

// playEarly sends the carrier's in-band audio: a PCMU tone in 20 ms packets from its RTP socket to
// the server's offer address, until stop is closed.
func (f *fakeCarrier) playEarly(t *testing.T, offer []byte, stop <-chan struct{}) <-chan struct{} {
	t.Helper()
	return f.playTone(t, offer, earlyTone, 0, stop)
}

// playTone sends a tone at freq in 20 ms packets of payload type pt (0 PCMU, 8 PCMA) from the
// carrier's RTP socket to the server's offer address, until stop is closed.
func (f *fakeCarrier) playTone(t *testing.T, offer []byte, freq float64, pt uint8, stop <-chan struct{}) <-chan struct{} {
	t.Helper()
	o, err := ParseOffer(offer)
	if err != nil {
		t.Fatalf("server offer: %v", err)
	}
	encode := media.EncodeULaw
	if pt == 8 {
		encode = media.EncodeALaw
	}
	done := make(chan struct{})
	tone := audiotest.Tone(freq, 8000, 1000, 0.3)
	go func() {
		defer close(done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			off := i * 160 % len(tone)
			b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: uint16(i),
				Timestamp: uint32(i * 160), SSRC: 0xea51 + uint32(pt)}, Payload: encode(nil, tone[off:off+160])}).Marshal()
			_, _ = f.rtp.WriteToUDP(b, o.Addr)
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	}()
	return done
}

// waitSamples waits until c holds n samples.
func waitSamples(t *testing.T, c *pcmCapture, n int, what string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); c.len() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d samples, want %d", what, c.len(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// dialEarly dials with an OnEarlyMedia that routes the early audio into ear.
func dialEarly(t *testing.T, s *Server, carrier *fakeCarrier, ear *pcmCapture) (<-chan dialResult, <-chan EarlyMedia) {
	got := make(chan EarlyMedia, 2)
	req := TrunkRequest{Trunk: "pstn", Number: "13800138000", Host: carrier.host(), Log: testLogger(t),
		OnEarlyMedia: func(e EarlyMedia) {
			e.SwapAudioIn(ear)
			got <- e
		}}
	res := make(chan dialResult, 1)
	go func() {
		c, err := s.DialTrunk(context.Background(), req)
		res <- dialResult{c, err}
	}()
	return res, got
}

// testEarlyMediaAnswered (in TestDialTrunk): a 183 with SDP starts the leg's media before the answer;
// the carrier's in-band audio is decoded into the early writer while the number is not answered yet.
// The 200 OK with the same SDP keeps that RTP session.
func testEarlyMediaAnswered(t *testing.T, s *Server) {
	carrier := newFakeCarrier(t)
	ear := &pcmCapture{}
	res, got := dialEarly(t, s, carrier, ear)
	inv := carrier.expect(gsip.INVITE)
	carrier.respond(inv, 100, "Trying", "")
	carrier.respond(inv, 183, "Session Progress", carrier.answerSDP())
	early := waitEarly(t, got)
	stop := make(chan struct{})
	playing := carrier.playEarly(t, inv.req.Body(), stop)
	defer func() { close(stop); <-playing }()

	// A second of the carrier's tone reaches the early writer, and the call is not answered yet.
	waitSamples(t, ear, 8000, "early audio before the answer")
	select {
	case r := <-res:
		t.Fatalf("DialTrunk returned before the 200 OK: %+v", r)
	default:
	}
	if ok, ratio := audiotest.DetectTone(ear.copy(), earlyTone, 8000); !ok {
		t.Fatalf("early audio does not hold the carrier's %.0f Hz (ratio %.2f)", earlyTone, ratio)
	}
	// Our side sends (silence) toward the 183's address already.
	buf := make([]byte, 1500)
	_ = carrier.rtp.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := carrier.rtp.Read(buf); err != nil {
		t.Fatalf("no RTP toward the early media address: %v", err)
	}

	carrier.respond(inv, 200, "OK", carrier.answerSDP())
	carrier.expect(gsip.ACK)
	r := waitDial(t, res)
	if r.err != nil {
		t.Fatalf("DialTrunk: %v", r.err)
	}
	call := r.call
	if call.RTP() != early.(earlyMedia).rtp {
		t.Error("the 200 OK with the early SDP restarted the media")
	}
	if call.Codec() != "PCMU" || call.RTP().Context().Err() != nil {
		t.Errorf("answered leg: codec %q, media ended: %v", call.Codec(), call.RTP().Context().Err())
	}
	// The answered leg's audio goes where its owner says (the bridge, in the IVR).
	early.SwapAudioIn(nil)
	talk := &pcmCapture{}
	call.SwapAudioIn(talk)
	waitSamples(t, talk, 1600, "audio after the answer")

	go func() { _ = call.Hangup(context.Background(), "normal") }()
	carrier.respond(carrier.expect(gsip.BYE), 200, "OK", "")
	call.Close()
}

// testEarlyMediaBusy: a 486 after the carrier's announcement fails the call as busy; the announcement
// was heard, and the early media is closed with its ports.
func testEarlyMediaBusy(t *testing.T, s *Server) {
	carrier := newFakeCarrier(t)
	ear := &pcmCapture{}
	res, got := dialEarly(t, s, carrier, ear)
	inv := carrier.expect(gsip.INVITE)
	carrier.respond(inv, 183, "Session Progress", carrier.answerSDP())
	early := waitEarly(t, got)
	stop := make(chan struct{})
	playing := carrier.playEarly(t, inv.req.Body(), stop)
	waitSamples(t, ear, 4000, "the announcement")
	close(stop)
	<-playing

	carrier.respond(inv, 486, "Busy Here", "")
	carrier.expect(gsip.ACK)
	r := waitDial(t, res)
	var re *ResponseError
	if !errors.Is(r.err, media.ErrBusy) || !errors.As(r.err, &re) || re.Code != 486 {
		t.Fatalf("DialTrunk error %v, want 486 busy", r.err)
	}
	if ok, ratio := audiotest.DetectTone(ear.copy(), earlyTone, 8000); !ok {
		t.Errorf("the announcement was not heard (ratio %.2f)", ratio)
	}
	if early.(earlyMedia).rtp.Context().Err() == nil {
		t.Error("the early media still runs after the call failed")
	}
	// Its ports are free again.
	o, _ := ParseOffer(inv.req.Body())
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: o.Addr.Port})
	if err != nil {
		t.Errorf("the early media's port is still held: %v", err)
	} else {
		c.Close()
	}
}

// talkTone is what the fake carrier plays once the number answered.
const talkTone = 1000.0

// waitEarly waits for OnEarlyMedia.
func waitEarly(t *testing.T, got <-chan EarlyMedia) EarlyMedia {
	t.Helper()
	select {
	case e := <-got:
		return e
	case <-time.After(15 * time.Second):
		t.Fatal("no early media after a 183 with SDP")
	}
	return nil
}

// readPT reads our RTP at the carrier until a packet of payload type pt arrives (packets of the early
// session may still be queued before it).
func (f *fakeCarrier) readPT(t *testing.T, pt uint8) {
	t.Helper()
	buf := make([]byte, 1500)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_ = f.rtp.SetReadDeadline(deadline)
		n, err := f.rtp.Read(buf)
		if err != nil {
			t.Fatalf("no RTP of payload type %d toward the carrier: %v", pt, err)
		}
		var p rtp.Packet
		if p.Unmarshal(buf[:n]) == nil && p.PayloadType == pt {
			return
		}
	}
}

// testEarlyMediaAnswerChangesCodec: the 183 answers PCMU, the 200 OK then answers PCMA. The early
// session is closed and the leg's media restarts in PCMA on the same ports (those our offer named):
// we send PCMA, and the carrier's PCMA audio is decoded.
func testEarlyMediaAnswerChangesCodec(t *testing.T, s *Server) {
	carrier := newFakeCarrier(t)
	ear := &pcmCapture{}
	res, got := dialEarly(t, s, carrier, ear)
	inv := carrier.expect(gsip.INVITE)
	carrier.respond(inv, 183, "Session Progress", carrier.answerSDP())
	early := waitEarly(t, got)
	stop := make(chan struct{})
	playing := carrier.playEarly(t, inv.req.Body(), stop)
	waitSamples(t, ear, 4000, "early audio before the answer")
	close(stop)
	<-playing
	if ok, ratio := audiotest.DetectTone(ear.copy(), earlyTone, 8000); !ok {
		t.Fatalf("early PCMU audio does not hold the %.0f Hz (ratio %.2f)", earlyTone, ratio)
	}

	pcma := sdpAnswer(carrier.rtp.LocalAddr().(*net.UDPAddr).Port, "8 101", "rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000")
	carrier.respond(inv, 200, "OK", pcma)
	carrier.expect(gsip.ACK)
	r := waitDial(t, res)
	if r.err != nil {
		t.Fatalf("DialTrunk: %v", r.err)
	}
	call := r.call
	defer call.Close()
	offer, _ := ParseOffer(inv.req.Body())
	if call.Codec() != "PCMA" || call.RTP().Codec().Info().Name != "PCMA" {
		t.Fatalf("answered leg: codec %q, media in %s; want PCMA", call.Codec(), call.RTP().Codec().Info().Name)
	}
	if call.RTP() == early.(earlyMedia).rtp || early.(earlyMedia).rtp.Context().Err() == nil {
		t.Error("the early PCMU session was kept for a PCMA answer")
	}
	if port := call.RTP().LocalAddr().Port; port != offer.Addr.Port {
		t.Errorf("the answered media runs on port %d, our offer named %d", port, offer.Addr.Port)
	}
	carrier.readPT(t, 8)

	talk := &pcmCapture{}
	call.SwapAudioIn(talk)
	stop = make(chan struct{})
	playing = carrier.playTone(t, inv.req.Body(), talkTone, 8, stop)
	waitSamples(t, talk, 8000, "PCMA audio after the answer")
	close(stop)
	<-playing
	if ok, ratio := audiotest.DetectTone(talk.copy(), talkTone, 8000); !ok {
		t.Errorf("the carrier's PCMA audio after the answer does not hold %.0f Hz (ratio %.2f)", talkTone, ratio)
	}

	go func() { _ = call.Hangup(context.Background(), "normal") }()
	carrier.respond(carrier.expect(gsip.BYE), 200, "OK", "")
}

// testEarlyMediaAnswerWithoutSDP: a 200 OK without SDP after a 183 with SDP confirms the early answer
// (RFC 3261 13.2.1: the answer is the first SDP in a response; RFC 3264 keeps it): the call is
// answered on the early session, in its codec, and the carrier's audio goes on.
func testEarlyMediaAnswerWithoutSDP(t *testing.T, s *Server) {
	carrier := newFakeCarrier(t)
	ear := &pcmCapture{}
	res, got := dialEarly(t, s, carrier, ear)
	inv := carrier.expect(gsip.INVITE)
	carrier.respond(inv, 183, "Session Progress", carrier.answerSDP())
	early := waitEarly(t, got)
	stop := make(chan struct{})
	playing := carrier.playEarly(t, inv.req.Body(), stop)
	defer func() { close(stop); <-playing }()
	waitSamples(t, ear, 4000, "early audio before the answer")

	carrier.respond(inv, 200, "OK", "")
	carrier.expect(gsip.ACK)
	r := waitDial(t, res)
	if r.err != nil {
		t.Fatalf("DialTrunk after a 200 OK without SDP: %v", r.err)
	}
	call := r.call
	defer call.Close()
	if call.RTP() != early.(earlyMedia).rtp || call.RTP().Context().Err() != nil {
		t.Error("the 200 OK without SDP did not keep the early session")
	}
	if call.Codec() != "PCMU" {
		t.Errorf("codec %q, want the early answer's PCMU", call.Codec())
	}
	early.SwapAudioIn(nil)
	talk := &pcmCapture{}
	call.SwapAudioIn(talk)
	waitSamples(t, talk, 8000, "audio after the answer")
	if ok, ratio := audiotest.DetectTone(talk.copy(), earlyTone, 8000); !ok {
		t.Errorf("the carrier's audio after the answer does not hold %.0f Hz (ratio %.2f)", earlyTone, ratio)
	}
	carrier.readPT(t, 0)

	go func() { _ = call.Hangup(context.Background(), "normal") }()
	carrier.respond(carrier.expect(gsip.BYE), 200, "OK", "")
}
