//go:build cgo && opus

package opus

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

type payloads struct{ p [][]byte }

func (c *payloads) WritePayload(b []byte) error {
	c.p = append(c.p, append([]byte(nil), b...))
	return nil
}
func (c *payloads) String() string { return "collect" }

// TestRoundTrip encodes a 1 kHz and a 5 kHz tone (the 5 kHz one exists only
// in wideband) and finds both after decoding.
func TestRoundTrip(t *testing.T) {
	c := New(0)
	if info := c.Info(); info.Name != "opus" || info.ClockRate != 48000 || info.SampleRate != 16000 || info.PayloadType != 111 {
		t.Fatalf("info %+v", info)
	}
	sig := audiotest.Mix(audiotest.Tone(1000, 16000, 1000, 0.3), audiotest.Tone(5000, 16000, 1000, 0.2))
	var pl payloads
	enc := c.Encoder(&pl)
	n := media.SamplesPerFrame(16000)
	for off := 0; off+n <= len(sig); off += n {
		if err := enc.WriteFrame(sig[off : off+n]); err != nil {
			t.Fatal(err)
		}
	}
	if len(pl.p) != 50 {
		t.Fatalf("%d payloads for 1 s", len(pl.p))
	}
	bytes := 0
	for _, p := range pl.p {
		bytes += len(p)
	}
	t.Logf("opus: %d bytes/s for the tones (%d kb/s)", bytes, bytes*8/1000)
	var out media.PCM16
	dec := c.Decoder(media.FrameWriterFunc{Rate: 16000, Fn: func(p media.PCM16) error { out = append(out, p...); return nil }})
	for _, p := range pl.p {
		if err := dec.WritePayload(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := dec.WritePayload(nil); err != nil { // concealment
		t.Fatal(err)
	}
	if len(out) != len(sig)+n {
		t.Fatalf("decoded %d samples", len(out))
	}
	mid := out[8000:12000]
	// The input holds 69 % of its energy at 1 kHz and 31 % at 5 kHz.
	for f, want := range map[float64]float64{1000: 0.69, 5000: 0.31} {
		if r := audiotest.ToneRatio(mid, f, 16000); r < want-0.1 || r > want+0.1 {
			t.Errorf("%v Hz: energy share %.2f, want %.2f", f, r, want)
		}
	}
}

func BenchmarkEncodeDecode(b *testing.B) {
	c := New(0)
	frame := audiotest.Tone(1000, 16000, 20, 0.3)
	var last []byte
	enc := c.Encoder(payloadFunc(func(p []byte) { last = p }))
	dec := c.Decoder(media.Discard(16000))
	b.ReportAllocs()
	for b.Loop() {
		enc.WriteFrame(frame)
		dec.WritePayload(last)
	}
}

// BenchmarkEncodeVoiced is the encoder's share of a call's CPU on
// speech-like sound (a frame per op), with and without the in-band FEC a
// receiver's useinbandfec=1 turns on.
func BenchmarkEncodeVoiced(b *testing.B) {
	sig := voiced()
	n := media.SamplesPerFrame(SampleRate)
	for _, bc := range []struct{ name, fmtp string }{{"fec=off", ""}, {"fec=on", "useinbandfec=1"}} {
		b.Run(bc.name, func(b *testing.B) {
			var bytes int
			enc := New(0).(media.RemoteFMTPCodec).WithRemoteFMTP(bc.fmtp).Encoder(payloadFunc(func(p []byte) { bytes += len(p) }))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				enc.WriteFrame(sig[i*n : (i+1)*n])
				i = (i + 1) % (len(sig) / n)
			}
			b.ReportMetric(float64(bytes)/float64(b.N), "bytes/packet")
		})
	}
}

type payloadFunc func([]byte)

func (f payloadFunc) WritePayload(p []byte) error { f(p); return nil }
func (f payloadFunc) String() string              { return "func" }

// TestStateIsFreed: libopus state is released with the Go objects that
// own it, so a server that makes a codec per call does not grow.
func TestStateIsFreed(t *testing.T) {
	frame := audiotest.Tone(1000, 16000, 20, 0.3)
	churn := func(n int) {
		for range n {
			c := New(0)
			var last []byte
			enc := c.Encoder(payloadFunc(func(p []byte) { last = p }))
			dec := c.Decoder(media.Discard(16000))
			enc.WriteFrame(frame)
			dec.WritePayload(last)
		}
	}
	rss := func() int64 {
		runtime.GC()
		runtime.GC()
		time.Sleep(50 * time.Millisecond) // cleanups run on their own goroutine
		b, err := os.ReadFile("/proc/self/statm")
		if err != nil {
			t.Skip("no /proc/self/statm")
		}
		var size, res int64
		fmt.Sscan(string(b), &size, &res)
		return res * int64(os.Getpagesize())
	}
	churn(2000)
	before := rss()
	churn(20000) // some 1.2 GB of libopus state if it were never freed
	after := rss()
	t.Logf("RSS %d MB → %d MB after 20,000 encoders and decoders", before>>20, after>>20)
	if after-before > 100<<20 {
		t.Errorf("RSS grew by %d MB: libopus state is not freed", (after-before)>>20)
	}
}
