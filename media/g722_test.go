package media_test

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"os"
	"testing"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// g722Signal is a deterministic test signal that exercises both bands and
// the adaptation over their whole range: a sweep from 50 Hz to 7.9 kHz whose
// level rises from −60 dBFS to full scale, plus noise, then silence.
func g722Signal() media.PCM16 {
	const n = 16000 * 3
	out := make(media.PCM16, n+3200)
	seed := uint32(1)
	phase := 0.0
	for i := 0; i < n; i++ {
		f := 50 + 7850*float64(i)/n
		phase += 2 * math.Pi * f / 16000
		level := math.Pow(10, (-60+60*float64(i)/n)/20)
		seed = seed*1664525 + 1013904223
		noise := float64(int32(seed)>>16) / 32768
		v := 32767 * (0.9*level*math.Sin(phase) + 0.1*level*noise)
		out[i] = int16(max(-32768, min(32767, math.Round(v))))
	}
	return out
}

// The codes and decoded samples of g722Signal. The codes are bit for bit
// what spandsp's G.722 (the one baresip and FreeSWITCH use) produces; so are
// the decoded samples, except two at full scale where spandsp wraps around
// and this decoder saturates. Set HOTLINE_G722_DUMP=dir to write the signal
// as raw PCM for re-checking against another implementation.
const (
	g722CodesSHA256 = "bcdacd7a35ef800ac1f47c6aaeea8277b47c1681b659268f2992a62ec3ff9399"
	g722PCMSHA256   = "9b577c4294a595b7355fb21386b0e8796e7a556a556ee2f6d1eba004b856d5a6"
)

func pcmBytes(p media.PCM16) []byte {
	b := make([]byte, 2*len(p))
	for i, s := range p {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(s))
	}
	return b
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// encodeDecode runs pcm through the codec 20 ms at a time, as a call does.
func g722EncodeDecode(t testing.TB, pcm media.PCM16) (codes []byte, out media.PCM16) {
	c := media.G722()
	var dec media.PayloadWriter
	sink := media.FrameWriterFunc{Rate: 16000, Fn: func(p media.PCM16) error {
		out = append(out, p...)
		return nil
	}}
	dec = c.Decoder(sink)
	enc := c.Encoder(payloadFunc(func(p []byte) error {
		codes = append(codes, p...)
		return dec.WritePayload(p)
	}))
	for off := 0; off < len(pcm); off += 320 {
		if err := enc.WriteFrame(pcm[off:min(off+320, len(pcm))]); err != nil {
			t.Fatal(err)
		}
	}
	return codes, out
}

type payloadFunc func([]byte) error

func (f payloadFunc) WritePayload(p []byte) error { return f(p) }
func (f payloadFunc) String() string              { return "payloads" }

func TestG722MatchesReference(t *testing.T) {
	in := g722Signal()
	if dir := os.Getenv("HOTLINE_G722_DUMP"); dir != "" {
		if err := os.WriteFile(dir+"/g722-in.raw", pcmBytes(in), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	codes, out := g722EncodeDecode(t, in)
	if len(codes) != len(in)/2 || len(out) != len(in) {
		t.Fatalf("%d samples → %d codes → %d samples", len(in), len(codes), len(out))
	}
	if got := sum(codes); got != g722CodesSHA256 {
		t.Errorf("codes sha256 = %s, want %s", got, g722CodesSHA256)
	}
	if got := sum(pcmBytes(out)); got != g722PCMSHA256 {
		t.Errorf("decoded sha256 = %s, want %s", got, g722PCMSHA256)
	}
}

func TestG722CarriesWideband(t *testing.T) {
	// A 6 kHz tone cannot pass an 8 kHz codec at all; over G.722 it must
	// come out as loud as it went in, and so must a 1 kHz tone.
	for _, hz := range []float64{1000, 6000} {
		in := audiotest.Tone(hz, 16000, 500, 0.5)
		_, out := g722EncodeDecode(t, in)
		tail := out[len(out)/2:] // past the adaptation
		present, ratio := audiotest.DetectTone(tail, hz, 16000)
		if !present || ratio < 0.9 {
			t.Errorf("%v Hz: present=%v ratio=%.2f", hz, present, ratio)
		}
		inDB, outDB := audiotest.RMSdBFS(in[len(in)/2:]), audiotest.RMSdBFS(tail)
		if math.Abs(inDB-outDB) > 1.5 {
			t.Errorf("%v Hz: level %.1f dBFS in, %.1f out", hz, inDB, outDB)
		}
	}
}

func TestG722Silence(t *testing.T) {
	codes, out := g722EncodeDecode(t, make(media.PCM16, 3200))
	if len(codes) != 1600 {
		t.Fatalf("%d codes", len(codes))
	}
	for i, s := range out {
		if s > 16 || s < -16 {
			t.Fatalf("sample %d of decoded silence is %d", i, s)
		}
	}
}

func TestG722Codec(t *testing.T) {
	c := media.G722()
	want := media.CodecInfo{Name: "G722", PayloadType: 9, ClockRate: 8000, SampleRate: 16000}
	if c.Info() != want {
		t.Errorf("Info() = %+v", c.Info())
	}
	var payloads [][]byte
	enc := c.Encoder(payloadFunc(func(p []byte) error {
		payloads = append(payloads, append([]byte(nil), p...))
		return nil
	}))
	if enc.SampleRate() != 16000 || enc.String() != "g722-encode → payloads" {
		t.Errorf("encoder %d %q", enc.SampleRate(), enc)
	}
	if err := enc.WriteFrame(audiotest.Tone(1000, 16000, 20, 0.3)); err != nil {
		t.Fatal(err)
	}
	if len(payloads) != 1 || len(payloads[0]) != 160 {
		t.Fatalf("payload sizes: %d", len(payloads[0]))
	}
	// A decoder feeding an 8 kHz consumer resamples.
	var frames []int
	dec := c.Decoder(media.FrameWriterFunc{Rate: 8000, Name: "sink", Fn: func(p media.PCM16) error {
		frames = append(frames, len(p))
		return nil
	}})
	if got := dec.String(); got != "g722-decode → resample(16000→8000) → sink" {
		t.Errorf("decoder String() = %q", got)
	}
	for range 3 {
		if err := dec.WritePayload(payloads[0]); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range frames {
		if n != 160 {
			t.Errorf("frames at 8 kHz: %v", frames)
		}
	}
}

func BenchmarkG722(b *testing.B) {
	in := audiotest.Tone(1000, 16000, 20, 0.3)
	c := media.G722()
	dec := c.Decoder(media.Discard(16000))
	enc := c.Encoder(payloadFunc(dec.WritePayload))
	b.ReportAllocs()
	for b.Loop() {
		if err := enc.WriteFrame(in); err != nil {
			b.Fatal(err)
		}
	}
}
