package rtc

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/opus"
	"github.com/hotline-cc/hotline/rtc/rtctest"
)

func newEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := NewEngine(Config{Loopback: true, PublicIP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// connect makes a client and a server leg connected to each other; opts
// choose what the client offers.
func connect(t testing.TB, e *Engine, opts ...rtctest.Option) (*rtctest.Client, *Leg) {
	t.Helper()
	c, offer, err := rtctest.New(10, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	leg, answer, err := e.Accept(ctx, "test", offer, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(leg.Close)
	if err := c.SetAnswer(answer); err != nil {
		t.Fatal(err)
	}
	if err := leg.WaitConnected(ctx); err != nil {
		t.Fatal(err)
	}
	return c, leg
}

// clients are the browsers the audio tests run against: G.711 only, and,
// where this build has libopus, one that offers Opus first as browsers do.
func clients() map[string][]rtctest.Option {
	m := map[string][]rtctest.Option{"PCMU": nil}
	if opus.Available {
		m["opus"] = []rtctest.Option{rtctest.Opus()}
	}
	return m
}

// collect returns a writer at rate that keeps the first n samples, and a
// channel closed once it has them.
func collect(rate, n int) (media.FrameWriter, func() media.PCM16, <-chan struct{}) {
	var (
		mu   sync.Mutex
		got  media.PCM16
		done = make(chan struct{})
	)
	w := media.FrameWriterFunc{Rate: rate, Name: "collect", Fn: func(p media.PCM16) error {
		mu.Lock()
		defer mu.Unlock()
		if len(got) < n {
			got = append(got, p...)
			if len(got) >= n {
				close(done)
			}
		}
		return nil
	}}
	return w, func() media.PCM16 {
		mu.Lock()
		defer mu.Unlock()
		return append(media.PCM16(nil), got...)
	}, done
}

// TestCodecNegotiation: the leg takes Opus when the browser offers it and
// the build has libopus, G.711 otherwise, and its audio runs at the codec's
// rate.
func TestCodecNegotiation(t *testing.T) {
	e := newEngine(t)
	for _, tc := range []struct {
		name string
		opts []rtctest.Option
		want string
		rate int
	}{
		{"PCMU only", nil, "PCMU", 8000},
		{"opus first", []rtctest.Option{rtctest.Opus()}, map[bool]string{true: "opus", false: "PCMU"}[opus.Available],
			map[bool]int{true: 16000, false: 8000}[opus.Available]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, leg := connect(t, e, tc.opts...)
			if got := leg.Codec(); got.Name != tc.want || got.SampleRate != tc.rate {
				t.Fatalf("leg codec %s at %d Hz, want %s at %d Hz", got.Name, got.SampleRate, tc.want, tc.rate)
			}
			if got := c.Codec(); got != tc.want {
				t.Fatalf("client codec %s, want %s", got, tc.want)
			}
			if r := leg.AudioOut().SampleRate(); r != tc.rate {
				t.Fatalf("AudioOut at %d Hz", r)
			}
			// Browsers decode Opus in-band FEC (useinbandfec=1): the leg's encoder sends it.
			if tc.want == "opus" {
				fec := media.WithRemoteFMTP(opus.New(leg.codec.Info().PayloadType), "useinbandfec=1")
				if leg.codec != fec {
					t.Errorf("the leg's Opus is not set up for the browser's useinbandfec=1")
				}
			}
		})
	}
}

// TestNoCommonCodec: an offer without a codec the server speaks is refused.
func TestNoCommonCodec(t *testing.T) {
	if opus.Available {
		t.Skip("this build speaks Opus")
	}
	c, offer, err := rtctest.New(1, rtctest.OpusOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, _, err := newEngine(t).Accept(context.Background(), "test", offer, nil); !errors.Is(err, ErrNoCodec) {
		t.Fatalf("accept: %v, want ErrNoCodec", err)
	}
}

// TestAudioBothWays: the browser's tone reaches the leg's consumer, and
// audio written to the leg reaches the browser, with each codec.
func TestAudioBothWays(t *testing.T) {
	e := newEngine(t)
	for name, opts := range clients() {
		t.Run(name, func(t *testing.T) { audioBothWays(t, e, opts, 1000, 440) })
	}
}

// TestWidebandAudioBothWays: with Opus, tones above 4 kHz, which no G.711
// call can carry, pass both ways at 16 kHz.
func TestWidebandAudioBothWays(t *testing.T) {
	if !opus.Available {
		t.Skip("opus: not in this build (go test -tags opus)")
	}
	audioBothWays(t, newEngine(t), []rtctest.Option{rtctest.Opus()}, 6000, 5000)
}

// audioBothWays sends toLeg from the client and toClient from the leg, at
// the negotiated rate, and checks that each side hears its tone.
func audioBothWays(t *testing.T, e *Engine, opts []rtctest.Option, toLeg, toClient float64) {
	c, leg := connect(t, e, opts...)
	rate := leg.Codec().SampleRate
	if c.Rate() != rate {
		t.Fatalf("client at %d Hz, leg at %d Hz", c.Rate(), rate)
	}
	w, got, done := collect(rate, rate)
	leg.SwapAudioIn(w)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go c.Send(ctx, audiotest.Tone(toLeg, rate, 3000, 0.3))
	go func() { _ = media.Play(ctx, leg.AudioOut(), audiotest.Tone(toClient, rate, 2000, 0.3)) }()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("leg received %d samples", len(got()))
	}
	if ok, r := audiotest.DetectTone(got(), toLeg, rate); !ok {
		t.Fatalf("leg did not hear %v Hz (ratio %.2f)", toLeg, r)
	}
	time.Sleep(1500 * time.Millisecond)
	rx := c.Received()
	if ok, r := audiotest.DetectTone(rx, toClient, rate); !ok {
		t.Fatalf("client did not hear %v Hz (ratio %.2f, %d samples)", toClient, r, len(rx))
	}
	if in, out := leg.Stats(); in == 0 || out == 0 {
		t.Fatalf("stats in=%d out=%d", in, out)
	}
}

// TestBridgeToNarrowbandLeg: a G.711 SIP leg bridged to a browser leg
// hears the browser and is heard, whatever the browser's codec: the bridge
// resamples between 8 kHz and the browser leg's rate.
func TestBridgeToNarrowbandLeg(t *testing.T) {
	e := newEngine(t)
	ports := &media.PortRange{IP: net.IPv4(127, 0, 0, 1), Min: 43000, Max: 43999}
	for name, opts := range clients() {
		t.Run(name, func(t *testing.T) {
			c, leg := connect(t, e, opts...)
			rate := leg.Codec().SampleRate
			ar, ac, err := ports.ListenPair()
			if err != nil {
				t.Fatal(err)
			}
			br, bc, err := ports.ListenPair()
			if err != nil {
				t.Fatal(err)
			}
			phone := media.NewRTPSession(ar, ac, media.RTPConfig{Codec: media.PCMU(), DTMFPayload: 101, Remote: br.LocalAddr().(*net.UDPAddr)})
			sip := media.NewRTPSession(br, bc, media.RTPConfig{Codec: media.PCMU(), DTMFPayload: 101, Remote: ar.LocalAddr().(*net.UDPAddr)})
			defer phone.Close()
			defer sip.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 6*time.Second)
			defer cancel()
			go func() { _ = media.Bridge(ctx, sipLeg{sip}, leg) }()
			w, got, done := collect(8000, 8000)
			phone.SwapAudioIn(w)
			go c.Send(ctx, audiotest.Tone(1000, rate, 4000, 0.3))
			go func() { _ = media.Play(ctx, phone.AudioOut(), audiotest.Tone(440, 8000, 4000, 0.3)) }()
			select {
			case <-done:
			case <-ctx.Done():
				t.Fatalf("phone received %d samples", len(got()))
			}
			if ok, r := audiotest.DetectTone(got(), 1000, 8000); !ok {
				t.Fatalf("phone did not hear the browser (ratio %.2f)", r)
			}
			time.Sleep(500 * time.Millisecond)
			if ok, r := audiotest.DetectTone(c.Received(), 440, rate); !ok {
				t.Fatalf("browser did not hear the phone (ratio %.2f)", r)
			}
		})
	}
}

// sipLeg makes an RTP session a media.Leg, as a SIP call is.
type sipLeg struct{ *media.RTPSession }

func (l sipLeg) ID() string { return "sip" }
func (l sipLeg) Hangup(context.Context, string) error {
	l.Close()
	return nil
}

// TestHangupEnds: Hangup ends the context once; the first cause stays.
func TestHangupEnds(t *testing.T) {
	e := newEngine(t)
	_, leg := connect(t, e)
	_ = leg.Hangup(context.Background(), "normal")
	_ = leg.Hangup(context.Background(), "again")
	<-leg.Context().Done()
	if c := leg.Cause(); c != "normal" || !leg.HungUpByUs() {
		t.Fatalf("cause %q by us %v", c, leg.HungUpByUs())
	}
}

// TestLegPacing: a connected leg is paced on media's shared pacer and timed
// in the WebRTC histograms, 50 frames a second around 20 ms and one audio
// start per burst of audio; once the leg ends, nothing more is sent.
func TestLegPacing(t *testing.T) {
	_, leg := connect(t, newEngine(t))
	time.Sleep(100 * time.Millisecond) // silence: the leg is idle
	iv0, st0 := media.SendIntervalHistogram(media.PacingWebRTC), media.AudioStartHistogram(media.PacingWebRTC)
	sip0 := media.SendIntervalHistogram(media.PacingSIP)
	_, out0 := leg.Stats()
	tone := audiotest.Tone(440, leg.Codec().SampleRate, 60, 0.3)
	n := media.SamplesPerFrame(leg.Codec().SampleRate)
	for i := range 3 {
		if err := leg.AudioOut().WriteFrame(tone[i*n : (i+1)*n]); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(500 * time.Millisecond)
	_, out := leg.Stats()
	iv := media.SendIntervalHistogram(media.PacingWebRTC).Since(iv0)
	if sent := out - out0; sent < 18 || sent > 27 {
		t.Fatalf("%d packets in 500 ms, want about 25", sent)
	}
	if n := iv.Total(); n+1 < out-out0 || n > out-out0 {
		t.Errorf("%d WebRTC send intervals for %d packets", n, out-out0)
	}
	if lo, hi, _ := iv.Quantile(0.5); lo < 19*time.Millisecond || hi > 21*time.Millisecond {
		t.Errorf("median send interval in [%v, %v), want 20 ms", lo, hi)
	}
	if n := media.SendIntervalHistogram(media.PacingSIP).Since(sip0).Total(); n != 0 {
		t.Errorf("a WebRTC leg's intervals counted as SIP (%d)", n)
	}
	st := media.AudioStartHistogram(media.PacingWebRTC).Since(st0)
	if st.Total() != 1 {
		t.Fatalf("%d audio starts for one burst of 3 frames, want 1", st.Total())
	}
	if lo, _, _ := st.Quantile(1); lo > 25*time.Millisecond {
		t.Errorf("the first frame waited %v for the pacer", lo)
	}

	leg.Close()
	_, out0 = leg.Stats()
	time.Sleep(100 * time.Millisecond)
	if _, out := leg.Stats(); out != out0 {
		t.Fatalf("%d packets sent after the leg ended", out-out0)
	}
}
