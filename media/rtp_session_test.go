package media_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/pion/rtp"
)

// A caller whose SDP has no telephone-event still gets its audio decoded:
// with PCMU (payload type 0) the zero "no DTMF" type must not swallow it.
func TestRTPSessionDecodesWithoutTelephoneEvent(t *testing.T) {
	r := audiotest.NewRTPRig(t, media.PCMU(), &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 42000, Max: 42999})
	tone := audiotest.Tone(700, 8000, 400, 0.5)
	n := 0
	for ; n*160 < len(tone); n++ {
		r.Send(0, uint16(n), uint32(n*160), 7, media.EncodeULaw(nil, tone[n*160:(n+1)*160]))
	}
	var got media.PCM16
	for _, f := range r.Settle(uint64(n)) {
		got = append(got, f...)
	}
	if ok, ratio := audiotest.DetectTone(got, 700, 8000); !ok {
		t.Fatalf("decoded %d samples, 700 Hz not found (ratio %.2f)", len(got), ratio)
	}
}

// The audio-start histogram holds, for each burst of outbound audio after a
// silence, how long its first frame waited for the pacer: one observation
// per burst, no longer than the packet really took to leave.
func TestAudioStartDelayObserved(t *testing.T) {
	r := audiotest.NewRTPRig(t, media.PCMU(), &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 42000, Max: 42999})
	time.Sleep(100 * time.Millisecond) // the session sends silence: it is idle
	h0 := media.AudioStartHistogram(media.PacingSIP)
	out := r.S.AudioOut()
	tone := audiotest.Tone(700, 8000, 60, 0.5)
	queued := time.Now()
	for i := 0; i < 3; i++ {
		if err := out.WriteFrame(tone[i*160 : (i+1)*160]); err != nil {
			t.Fatal(err)
		}
	}
	// The first loud packet at the peer bounds the delay from above.
	buf := make([]byte, 1500)
	var arrived time.Duration
	r.Peer.SetReadDeadline(time.Now().Add(2 * time.Second))
	for arrived == 0 {
		n, _, err := r.Peer.ReadFromUDP(buf)
		if err != nil {
			t.Fatal("no tone packet arrived:", err)
		}
		var pkt rtp.Packet
		if pkt.Unmarshal(buf[:n]) == nil && pkt.PayloadType == 0 && slices.ContainsFunc(pkt.Payload, func(b byte) bool { return b != 0xff }) {
			arrived = time.Since(queued)
		}
	}
	time.Sleep(100 * time.Millisecond) // the burst ends, silence follows
	h1 := media.AudioStartHistogram(media.PacingSIP)
	d := h1.Since(h0)
	if d.Total() != 1 {
		t.Fatalf("%d audio-start observations for one burst of 3 frames, want 1", d.Total())
	}
	got, _, _ := d.Quantile(1)
	if got > arrived || got > 25*time.Millisecond {
		t.Errorf("observed %v, but the packet reached the peer %v after queuing", got, arrived)
	}
	t.Logf("first frame waited %v (bucket), reached the peer after %v", got, arrived)
}

// The RTP timeout fires once; RestartTimeout counts it from then on and arms it again, so a leg that
// was rightly silent before its answer still times out on silence after it.
func TestRTPSessionRestartTimeout(t *testing.T) {
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	const timeout = 200 * time.Millisecond
	fired := make(chan time.Time, 4)
	s := media.NewRTPSession(listen(), listen(), media.RTPConfig{Codec: media.PCMU(), Timeout: timeout,
		OnTimeout: func() { fired <- time.Now() }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer s.Close()
	wait := func(what string) time.Time {
		t.Helper()
		select {
		case at := <-fired:
			return at
		case <-time.After(5 * time.Second):
			t.Fatalf("no timeout %s", what)
		}
		return time.Time{}
	}
	wait("without any rtp")
	select {
	case <-fired:
		t.Fatal("the timeout fired twice without a restart")
	case <-time.After(2 * timeout):
	}
	restarted := time.Now()
	s.RestartTimeout()
	if at := wait("after the restart"); at.Sub(restarted) < timeout {
		t.Errorf("the restarted timeout fired after %v, want at least %v", at.Sub(restarted), timeout)
	}
}

// A session's paced packets are timed in the SIP send-interval histogram:
// 50 intervals a second around 20 ms; a session that writes nothing (no
// remote yet) times nothing, because an interval is taken when a packet is
// written, not when the pacer ticks.
func TestRTPSessionSendIntervals(t *testing.T) {
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	mute := media.NewRTPSession(listen(), listen(), media.RTPConfig{Codec: media.PCMU()})
	h0, w0 := media.SendIntervalHistogram(media.PacingSIP), media.SendIntervalHistogram(media.PacingWebRTC)
	time.Sleep(200 * time.Millisecond)
	if n := media.SendIntervalHistogram(media.PacingSIP).Since(h0).Total(); n != 0 {
		t.Fatalf("%d send intervals from a session without a remote", n)
	}
	mute.Close()

	audiotest.NewRTPRig(t, media.PCMU(), &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 42000, Max: 42999})
	h0 = media.SendIntervalHistogram(media.PacingSIP)
	time.Sleep(500 * time.Millisecond)
	d := media.SendIntervalHistogram(media.PacingSIP).Since(h0)
	if n := d.Total(); n < 18 || n > 27 {
		t.Fatalf("%d send intervals in 500 ms, want about 25", n)
	}
	if lo, hi, _ := d.Quantile(0.5); lo < 19*time.Millisecond || hi > 21*time.Millisecond {
		t.Errorf("median send interval in [%v, %v), want 20 ms", lo, hi)
	}
	if n := media.SendIntervalHistogram(media.PacingWebRTC).Since(w0).Total(); n != 0 {
		t.Errorf("an RTP session's intervals counted as WebRTC (%d)", n)
	}
}

// A session runs over any net.PacketConn: here an in-memory pipe, no
// socket bound. The peer's tone is decoded, audio written to the session
// reaches the peer paced at 20 ms, and a key press goes out as RFC 4733
// events.
func TestRTPSessionOverPacketConn(t *testing.T) {
	at := func(s string) *net.UDPAddr { return net.UDPAddrFromAddrPort(netip.MustParseAddrPort(s)) }
	local, remote := at("192.0.2.10:40000"), at("192.0.2.20:50000")
	rtpConn, peer := audiotest.PacketPipe(local, remote)
	rtcpConn, _ := audiotest.PacketPipe(at("192.0.2.10:40001"), at("192.0.2.20:50001"))
	s := media.NewRTPSession(rtpConn, rtcpConn, media.RTPConfig{Codec: media.PCMU(), DTMFPayload: 101, Remote: remote,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer s.Close()
	if got := s.LocalAddr(); got.String() != local.String() {
		t.Fatalf("LocalAddr %v, want %v", got, local)
	}

	// In: 20 packets of a 700 Hz tone.
	var mu sync.Mutex
	var heard media.PCM16
	s.SwapAudioIn(media.FrameWriterFunc{Rate: 8000, Fn: func(p media.PCM16) error {
		mu.Lock()
		heard = append(heard, p...)
		mu.Unlock()
		return nil
	}})
	in := audiotest.Tone(700, 8000, 400, 0.5)
	for i := range 20 {
		b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: uint16(i), Timestamp: uint32(i * 160), SSRC: 9},
			Payload: media.EncodeULaw(nil, in[i*160:(i+1)*160])}).Marshal()
		if _, err := peer.WriteTo(b, local); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(2 * time.Second); s.Stats().Received < 20 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	mu.Lock()
	got := append(media.PCM16(nil), heard...)
	mu.Unlock()
	if ok, ratio := audiotest.DetectTone(got, 700, 8000); !ok || len(got) != len(in) {
		t.Fatalf("decoded %d of %d samples, 700 Hz found: %v (ratio %.2f)", len(got), len(in), ok, ratio)
	}

	// Out: a 440 Hz tone, then a key press.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = media.Play(ctx, s.AudioOut(), audiotest.Tone(440, 8000, 2000, 0.5)) }()
	var out media.PCM16
	var arrivals []time.Time
	var events []media.DTMFEvent
	buf := make([]byte, 1500)
	read := func(until func() bool) {
		for !until() {
			_ = peer.SetReadDeadline(time.Now().Add(time.Second))
			n, _, err := peer.ReadFrom(buf)
			if err != nil {
				t.Fatal("no RTP from the session:", err)
			}
			var pkt rtp.Packet
			if pkt.Unmarshal(buf[:n]) != nil {
				continue
			}
			switch pkt.PayloadType {
			case 0:
				out = append(out, media.DecodeULaw(nil, pkt.Payload)...)
				arrivals = append(arrivals, time.Now())
			case 101:
				if ev, err := media.UnmarshalDTMF(pkt.Payload); err == nil {
					events = append(events, ev)
				}
			}
		}
	}
	start := time.Now()
	read(func() bool { return time.Since(start) > 500*time.Millisecond })
	if err := s.SendDTMF('5'); err != nil {
		t.Fatal(err)
	}
	read(func() bool { return len(events) > 0 || time.Since(start) > 2*time.Second })
	sent := 0
	for _, a := range arrivals {
		if a.Sub(start) <= 500*time.Millisecond {
			sent++
		}
	}
	if sent < 18 || sent > 27 {
		t.Errorf("%d audio packets in 500 ms, want about 25", sent)
	}
	if ok, ratio := audiotest.DetectTone(out, 440, 8000); !ok {
		t.Errorf("the peer did not hear 440 Hz (ratio %.2f over %d samples)", ratio, len(out))
	}
	if len(events) == 0 || events[0].Event != 5 {
		t.Errorf("key press 5 not sent as telephone-events: %+v", events)
	}
}
