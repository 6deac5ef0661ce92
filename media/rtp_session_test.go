package media_test

import (
	"io"
	"log/slog"
	"net"
	"slices"
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
