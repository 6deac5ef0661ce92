package media_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// collector records every frame a resampler writes.
type collector struct {
	rate   int
	frames []media.PCM16
}

func (c *collector) WriteFrame(p media.PCM16) error {
	c.frames = append(c.frames, append(media.PCM16(nil), p...))
	return nil
}
func (c *collector) SampleRate() int { return c.rate }
func (c *collector) String() string  { return "collector" }

func (c *collector) samples() media.PCM16 {
	var all media.PCM16
	for _, f := range c.frames {
		all = append(all, f...)
	}
	return all
}

// stream pushes in through a resampler in chunks of chunk samples and
// flushes it at the end.
func stream(t testing.TB, in media.PCM16, inRate, outRate, chunk int) *collector {
	t.Helper()
	c := &collector{rate: outRate}
	w := media.NewResampler(c, inRate)
	for off := 0; off < len(in); off += chunk {
		if err := w.WriteFrame(in[off:min(off+chunk, len(in))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.(media.Flusher).Flush(); err != nil {
		t.Fatal(err)
	}
	return c
}

var ratePairs = []struct{ in, out int }{
	{8000, 16000}, {16000, 8000},
	{8000, 48000}, {48000, 8000},
	{16000, 48000}, {48000, 16000},
	{22050, 8000}, {22050, 16000}, // espeak-ng
	{24000, 8000}, {24000, 16000}, // OpenAI TTS
	{44100, 8000}, {8000, 22050},
	{11025, 8001}, // an odd pair that needs phase quantisation
}

// A 1 kHz tone comes out as a 1 kHz tone at the same level, through every
// supported rate pair, whether streamed or converted in one go.
func TestResampleKeepsTone(t *testing.T) {
	for _, rp := range ratePairs {
		t.Run(fmt.Sprintf("%d→%d", rp.in, rp.out), func(t *testing.T) {
			in := audiotest.Tone(1000, rp.in, 600, 0.5)
			for name, out := range map[string]media.PCM16{
				"stream": stream(t, in, rp.in, rp.out, media.SamplesPerFrame(rp.in)).samples(),
				"buffer": media.Resample(in, rp.in, rp.out),
			} {
				present, ratio := audiotest.DetectTone(out, 1000, rp.out)
				if !present || ratio < 0.99 {
					t.Errorf("%s: 1 kHz tone present=%v ratio=%.4f, want ratio >= 0.99", name, present, ratio)
				}
				// Skip the filter's start-up when comparing levels.
				mid := out[len(out)/4 : 3*len(out)/4]
				if d := audiotest.RMSdBFS(mid) - audiotest.RMSdBFS(in); math.Abs(d) > 0.2 {
					t.Errorf("%s: level changed by %.2f dB", name, d)
				}
			}
		})
	}
}

// Downsampling must remove what the lower rate cannot carry instead of
// folding it into the audible band: a 5 kHz tone at 16 kHz would otherwise
// alias to 3 kHz at 8 kHz. Near the band edge (3.5 kHz) the tone still
// passes, attenuated by the transition band.
func TestResampleAntiAliasing(t *testing.T) {
	tests := []struct {
		name        string
		freq        float64
		inRate      int
		outRate     int
		minGain     float64 // dB
		maxGain     float64 // dB
		aliasFreq   float64 // where a leak would land; 0 to skip
		maxAliasPow float64 // Goertzel power at aliasFreq
	}{
		{"3.5k at 16k→8k passes", 3500, 16000, 8000, -6, 0.1, 0, 0},
		{"3k at 16k→8k passes", 3000, 16000, 8000, -1, 0.1, 0, 0},
		{"5k at 16k→8k is removed", 5000, 16000, 8000, math.Inf(-1), -60, 3000, 1e-7},
		{"7k at 16k→8k is removed", 7000, 16000, 8000, math.Inf(-1), -60, 1000, 1e-7},
		{"6k at 48k→8k is removed", 6000, 48000, 8000, math.Inf(-1), -60, 2000, 1e-7},
		{"10k at 22.05k→8k is removed", 10000, 22050, 8000, math.Inf(-1), -60, 2000, 1e-7},
		{"9k at 24k→16k is removed", 9000, 24000, 16000, math.Inf(-1), -60, 7000, 1e-7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := audiotest.Tone(tt.freq, tt.inRate, 500, 0.9)
			out := media.Resample(in, tt.inRate, tt.outRate)
			mid := out[len(out)/4 : 3*len(out)/4]
			gain := audiotest.RMSdBFS(mid) - audiotest.RMSdBFS(in)
			if gain < tt.minGain || gain > tt.maxGain {
				t.Errorf("gain %.1f dB, want %.0f..%.1f dB", gain, tt.minGain, tt.maxGain)
			}
			if testing.Verbose() {
				t.Logf("gain %.1f dB", gain)
			}
			if tt.aliasFreq != 0 {
				if p := audiotest.Goertzel(mid, tt.aliasFreq, tt.outRate); p > tt.maxAliasPow {
					t.Errorf("alias at %.0f Hz has power %.2g, want <= %.0g", tt.aliasFreq, p, tt.maxAliasPow)
				}
			}
		})
	}
}

// Every frame out is exactly 20 ms at the output rate, whatever sizes go in.
func TestResamplerFrameSizes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, rp := range ratePairs {
		t.Run(fmt.Sprintf("%d→%d", rp.in, rp.out), func(t *testing.T) {
			c := &collector{rate: rp.out}
			w := media.NewResampler(c, rp.in)
			in := audiotest.Tone(440, rp.in, 1000, 0.3)
			for off := 0; off < len(in); {
				n := min(1+rng.IntN(2*media.SamplesPerFrame(rp.in)), len(in)-off)
				if err := w.WriteFrame(in[off : off+n]); err != nil {
					t.Fatal(err)
				}
				off += n
			}
			if err := w.(media.Flusher).Flush(); err != nil {
				t.Fatal(err)
			}
			want := media.SamplesPerFrame(rp.out)
			for i, f := range c.frames {
				if len(f) != want {
					t.Fatalf("frame %d has %d samples, want %d", i, len(f), want)
				}
			}
			// One second in, one second out (rounded up to whole frames).
			if got := len(c.frames); got != 50 && got != 51 {
				t.Errorf("%d frames, want 50 or 51", got)
			}
		})
	}
}

// Streaming in frames gives the same samples as converting the whole buffer,
// which is what "no clicks at frame boundaries" means: the filter state
// carries over exactly.
func TestResamplerStreamingMatchesBuffer(t *testing.T) {
	for _, rp := range ratePairs {
		t.Run(fmt.Sprintf("%d→%d", rp.in, rp.out), func(t *testing.T) {
			in := audiotest.Mix(audiotest.Tone(700, rp.in, 300, 0.3), audiotest.Tone(2100, rp.in, 300, 0.3))
			whole := media.Resample(in, rp.in, rp.out)
			streamed := stream(t, in, rp.in, rp.out, 97).samples() // a chunk size that divides nothing
			if len(streamed) < len(whole) {
				t.Fatalf("streamed %d samples, buffer %d", len(streamed), len(whole))
			}
			for i := range whole {
				if streamed[i] != whole[i] {
					t.Fatalf("sample %d: streamed %d, buffer %d", i, streamed[i], whole[i])
				}
			}
		})
	}
}

// Flush emits the tail so a short sound is not cut off, then starts afresh.
func TestResamplerFlush(t *testing.T) {
	c := &collector{rate: 8000}
	w := media.NewResampler(c, 16000)
	in := audiotest.Tone(1000, 16000, 30, 0.5) // 1.5 frames
	if err := w.WriteFrame(in); err != nil {
		t.Fatal(err)
	}
	if len(c.frames) != 1 {
		t.Fatalf("%d frames before flush, want 1", len(c.frames))
	}
	if err := w.(media.Flusher).Flush(); err != nil {
		t.Fatal(err)
	}
	if len(c.frames) != 2 {
		t.Fatalf("%d frames after flush, want 2", len(c.frames))
	}
	got := c.samples()
	want := media.Resample(in, 16000, 8000)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sample %d: %d, want %d", i, got[i], want[i])
		}
	}
	for i, v := range got[len(want):] {
		if v != 0 {
			t.Fatalf("padding sample %d = %d, want 0", i, v)
		}
	}
}

func TestResampleLengths(t *testing.T) {
	tests := []struct{ n, in, out, want int }{
		{160, 8000, 16000, 320},
		{320, 16000, 8000, 160},
		{441, 22050, 8000, 160},
		{480, 24000, 8000, 160},
		{1, 48000, 8000, 1},
		{0, 16000, 8000, 0},
		{100, 8000, 8000, 100},
	}
	for _, tt := range tests {
		if got := len(media.Resample(make(media.PCM16, tt.n), tt.in, tt.out)); got != tt.want {
			t.Errorf("Resample(%d samples, %d→%d) has %d samples, want %d", tt.n, tt.in, tt.out, got, tt.want)
		}
	}
}

// A constant input must stay constant: every phase has unity DC gain, so no
// tone at the phase-cycle rate appears.
func TestResampleDC(t *testing.T) {
	in := make(media.PCM16, 4410)
	for i := range in {
		in[i] = 10000
	}
	out := media.Resample(in, 22050, 8000)
	for i, v := range out[200 : len(out)-200] {
		if v < 9999 || v > 10001 {
			t.Fatalf("sample %d = %d, want 10000", i+200, v)
		}
	}
}

func TestResamplerString(t *testing.T) {
	w := media.NewResampler(media.Discard(8000), 22050)
	if got, want := w.String(), "resample(22050→8000) → discard"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if w.SampleRate() != 22050 {
		t.Errorf("SampleRate() = %d, want the input rate 22050", w.SampleRate())
	}
	same := media.Discard(8000)
	if got := media.NewResampler(same, 8000); got != media.FrameWriter(same) {
		t.Errorf("equal rates: got %v, want the writer itself", got)
	}
}

func BenchmarkResampler(b *testing.B) {
	for _, rp := range []struct{ in, out int }{{8000, 16000}, {16000, 8000}, {48000, 8000}, {8000, 48000}, {22050, 8000}, {24000, 16000}} {
		b.Run(fmt.Sprintf("%d→%d", rp.in, rp.out), func(b *testing.B) {
			w := media.NewResampler(media.Discard(rp.out), rp.in)
			frame := audiotest.Tone(1000, rp.in, 20, 0.5)
			_ = w.WriteFrame(frame) // warm up buffers
			b.ReportAllocs()
			for b.Loop() {
				_ = w.WriteFrame(frame)
			}
		})
	}
}
