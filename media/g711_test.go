package media

import (
	"fmt"
	"math"
	"math/bits"
	"testing"
)

func TestG711KnownCodes(t *testing.T) {
	tests := []struct {
		name   string
		sample int16
		ulaw   byte
		alaw   byte
	}{
		// Silence is 0xFF in µ-law (all ones after inversion) and 0xD5 in
		// A-law (even bits inverted); a trunk full of other values for
		// silence is the classic sign of swapped laws.
		{"zero", 0, 0xFF, 0xD5},
		{"max positive clips to top code", math.MaxInt16, 0x80, 0xAA},
		{"max negative clips to top code", math.MinInt16, 0x00, 0x2A},
		{"small positive", 8, 0xFE, 0xD5},
		{"small negative", -8, 0x7E, 0x55},
		{"mid positive", 1000, 0xCE, 0xFA},
		{"mid negative", -1000, 0x4E, 0x7A},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EncodeULaw(nil, PCM16{tt.sample}); got[0] != tt.ulaw {
				t.Errorf("µ-law(%d) = %#02x, want %#02x", tt.sample, got[0], tt.ulaw)
			}
			if got := EncodeALaw(nil, PCM16{tt.sample}); got[0] != tt.alaw {
				t.Errorf("A-law(%d) = %#02x, want %#02x", tt.sample, got[0], tt.alaw)
			}
		})
	}
}

func TestG711KnownDecodes(t *testing.T) {
	tests := []struct {
		name string
		law  func(PCM16, []byte) PCM16
		code byte
		want int16
	}{
		{"µ-law silence", DecodeULaw, 0xFF, 0},
		{"µ-law negative zero", DecodeULaw, 0x7F, 0},
		{"µ-law top positive", DecodeULaw, 0x80, 32124},
		{"µ-law top negative", DecodeULaw, 0x00, -32124},
		{"A-law smallest positive", DecodeALaw, 0xD5, 8},
		{"A-law smallest negative", DecodeALaw, 0x55, -8},
		{"A-law top positive", DecodeALaw, 0xAA, 32256},
		{"A-law top negative", DecodeALaw, 0x2A, -32256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.law(nil, []byte{tt.code}); got[0] != tt.want {
				t.Errorf("decode(%#02x) = %d, want %d", tt.code, got[0], tt.want)
			}
		})
	}
}

// Every code must survive decode → encode, or a relay that transcodes
// through PCM would drift. µ-law's negative zero (0x7F) is the one code that
// legitimately comes back as positive zero.
func TestG711CodeRoundTrip(t *testing.T) {
	for c := range 256 {
		b := byte(c)
		if got := EncodeALaw(nil, DecodeALaw(nil, []byte{b}))[0]; got != b {
			t.Errorf("A-law %#02x → %#02x", b, got)
		}
		want := b
		if b == 0x7F {
			want = 0xFF
		}
		if got := EncodeULaw(nil, DecodeULaw(nil, []byte{b}))[0]; got != want {
			t.Errorf("µ-law %#02x → %#02x, want %#02x", b, got, want)
		}
	}
}

// G.711 quantisation error grows with the magnitude (that is the point of
// companding): about 1/32 of the sample plus a small floor, until the top
// code clips.
func TestG711SampleRoundTripError(t *testing.T) {
	tests := []struct {
		name  string
		enc   func([]byte, PCM16) []byte
		dec   func(PCM16, []byte) PCM16
		floor int // largest error near zero
		top   int // largest decodable magnitude
	}{
		{"µ-law", EncodeULaw, DecodeULaw, 8, 32124},
		{"A-law", EncodeALaw, DecodeALaw, 8, 32256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := make(PCM16, 65536)
			for i := range all {
				all[i] = int16(uint16(i))
			}
			got := tt.dec(nil, tt.enc(nil, all))
			for i, x := range all {
				v := int(x)
				err := abs(int(got[i]) - v)
				clip := max(0, abs(v)-tt.top)
				if limit := tt.floor + abs(v)/32 + clip; err > limit {
					t.Fatalf("%d → %d: error %d > %d", v, got[i], err, limit)
				}
			}
		})
	}
}

// A speech-level sine keeps G.711's nominal ~38 dB signal-to-quantisation
// noise ratio.
func TestG711SNR(t *testing.T) {
	in := make(PCM16, 8000)
	for i := range in {
		in[i] = int16(10000 * math.Sin(2*math.Pi*1004*float64(i)/8000))
	}
	for _, tt := range []struct {
		name string
		enc  func([]byte, PCM16) []byte
		dec  func(PCM16, []byte) PCM16
	}{{"µ-law", EncodeULaw, DecodeULaw}, {"A-law", EncodeALaw, DecodeALaw}} {
		out := tt.dec(nil, tt.enc(nil, in))
		var sig, noise float64
		for i := range in {
			d := float64(out[i]) - float64(in[i])
			sig += float64(in[i]) * float64(in[i])
			noise += d * d
		}
		if snr := 10 * math.Log10(sig/noise); snr < 35 {
			t.Errorf("%s SNR = %.1f dB, want >= 35", tt.name, snr)
		}
	}
}

func TestG711Transcode(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	tests := []struct {
		name  string
		table func(dst, src []byte) []byte
		dec   func(PCM16, []byte) PCM16
		enc   func([]byte, PCM16) []byte
	}{
		{"µ-law to A-law", ULawToALaw, DecodeULaw, EncodeALaw},
		{"A-law to µ-law", ALawToULaw, DecodeALaw, EncodeULaw},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.table(nil, all)
			want := tt.enc(nil, tt.dec(nil, all))
			for i := range all {
				if got[i] != want[i] {
					t.Errorf("code %#02x: table %#02x, decode+encode %#02x", i, got[i], want[i])
				}
			}
		})
	}
	if got := ULawToALaw(nil, []byte{0xFF}); got[0] != 0xD5 {
		t.Errorf("µ-law silence → %#02x, want A-law silence 0xd5", got[0])
	}
}

// The tables must match the reference companders for every input; the bit
// trick encoder (kept here only for the benchmark comparison) must too.
func TestG711TablesMatchReference(t *testing.T) {
	for i := range 65536 {
		s := int16(uint16(i))
		if got, want := ulawEncodeTable[uint16(s)], ulawEncodeSample(s); got != want {
			t.Fatalf("µ-law table(%d) = %#02x, want %#02x", s, got, want)
		}
		if got, want := ulawEncodeBits(s), ulawEncodeSample(s); got != want {
			t.Fatalf("µ-law bits(%d) = %#02x, want %#02x", s, got, want)
		}
		if got, want := alawEncodeTable[uint16(s)], alawEncodeSample(s); got != want {
			t.Fatalf("A-law table(%d) = %#02x, want %#02x", s, got, want)
		}
	}
}

func TestG711DstReuse(t *testing.T) {
	dst := make([]byte, 0, 160)
	src := make(PCM16, 160)
	out := EncodeULaw(dst, src)
	if &out[0] != &dst[:1][0] {
		t.Error("EncodeULaw allocated although dst had capacity")
	}
	pcm := make(PCM16, 0, 160)
	back := DecodeALaw(pcm, out)
	if &back[0] != &pcm[:1][0] {
		t.Error("DecodeALaw allocated although dst had capacity")
	}
	if got := EncodeULaw(make([]byte, 500), src); len(got) != 160 {
		t.Errorf("len = %d, want 160 (dst length must not leak into the result)", len(got))
	}
}

type payloadRecorder struct{ payloads [][]byte }

func (p *payloadRecorder) WritePayload(b []byte) error {
	p.payloads = append(p.payloads, append([]byte(nil), b...))
	return nil
}
func (p *payloadRecorder) String() string { return "rtp" }

func TestG711Codec(t *testing.T) {
	tests := []struct {
		codec   Codec
		info    CodecInfo
		silence byte
		name    string
	}{
		{PCMU(), CodecInfo{Name: "PCMU", PayloadType: 0, ClockRate: 8000, SampleRate: 8000}, 0xFF, "pcmu"},
		{PCMA(), CodecInfo{Name: "PCMA", PayloadType: 8, ClockRate: 8000, SampleRate: 8000}, 0xD5, "pcma"},
	}
	for _, tt := range tests {
		t.Run(tt.info.Name, func(t *testing.T) {
			if got := tt.codec.Info(); got != tt.info {
				t.Errorf("Info() = %+v, want %+v", got, tt.info)
			}
			rec := &payloadRecorder{}
			enc := tt.codec.Encoder(rec)
			if enc.SampleRate() != 8000 {
				t.Errorf("encoder rate %d", enc.SampleRate())
			}
			if got, want := enc.String(), tt.name+"-encode → rtp"; got != want {
				t.Errorf("encoder String() = %q, want %q", got, want)
			}
			if err := enc.WriteFrame(make(PCM16, 160)); err != nil {
				t.Fatal(err)
			}
			if len(rec.payloads) != 1 || len(rec.payloads[0]) != 160 || rec.payloads[0][0] != tt.silence {
				t.Fatalf("payloads = %v", rec.payloads)
			}

			var frames []PCM16
			sink := FrameWriterFunc{Rate: 8000, Name: "sink", Fn: func(p PCM16) error {
				frames = append(frames, append(PCM16(nil), p...))
				return nil
			}}
			dec := tt.codec.Decoder(sink)
			if got, want := dec.String(), tt.name+"-decode → sink"; got != want {
				t.Errorf("decoder String() = %q, want %q", got, want)
			}
			if err := dec.WritePayload(rec.payloads[0]); err != nil {
				t.Fatal(err)
			}
			if len(frames) != 1 || len(frames[0]) != 160 || frames[0][0] != 0 && abs(int(frames[0][0])) > 8 {
				t.Fatalf("frames = %v", frames)
			}
		})
	}
}

// A decoder feeding a 16 kHz consumer inserts a resampler and says so.
func TestG711DecoderResamples(t *testing.T) {
	var got []int
	sink := FrameWriterFunc{Rate: 16000, Name: "asr", Fn: func(p PCM16) error {
		got = append(got, len(p))
		return nil
	}}
	dec := PCMU().Decoder(sink)
	if want := "pcmu-decode → resample(8000→16000) → asr"; dec.String() != want {
		t.Errorf("String() = %q, want %q", dec.String(), want)
	}
	payload := make([]byte, 160)
	for range 5 {
		if err := dec.WritePayload(payload); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range got {
		if n != 320 {
			t.Errorf("frame of %d samples, want 320", n)
		}
	}
	if len(got) < 4 {
		t.Errorf("%d frames out for 5 in", len(got))
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// ulawEncodeBits computes the µ-law segment from the bit length. It is the
// alternative to the 64K table; BenchmarkULawEncode compares the two.
func ulawEncodeBits(s int16) byte {
	v := int32(s)
	sign := byte(v>>8) & 0x80
	if v < 0 {
		v = -v
	}
	v = min(v, ulawClip) + ulawBias
	exp := bits.Len32(uint32(v)) - 8
	mantissa := byte(v>>(exp+3)) & 0x0F
	return ^(sign | byte(exp<<4) | mantissa)
}

func benchFrame() PCM16 {
	f := make(PCM16, 160)
	for i := range f {
		f[i] = int16(12000 * math.Sin(float64(i)*0.3))
	}
	return f
}

func BenchmarkULawEncode(b *testing.B) {
	src := benchFrame()
	dst := make([]byte, 0, len(src))
	b.Run("table", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			dst = EncodeULaw(dst, src)
		}
	})
	b.Run("bits", func(b *testing.B) {
		b.SetBytes(int64(len(src)))
		b.ReportAllocs()
		for b.Loop() {
			dst = dst[:len(src)]
			for i, s := range src {
				dst[i] = ulawEncodeBits(s)
			}
		}
	})
}

func BenchmarkG711(b *testing.B) {
	src := benchFrame()
	enc := make([]byte, 0, 160)
	dec := make(PCM16, 0, 160)
	payload := EncodeULaw(nil, src)
	cases := []struct {
		name string
		fn   func()
	}{
		{"EncodeALaw", func() { enc = EncodeALaw(enc, src) }},
		{"DecodeULaw", func() { dec = DecodeULaw(dec, payload) }},
		{"DecodeALaw", func() { dec = DecodeALaw(dec, payload) }},
		{"ULawToALaw", func() { enc = ULawToALaw(enc, payload) }},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(160)
			b.ReportAllocs()
			for b.Loop() {
				c.fn()
			}
		})
	}
}

// The codec wrappers are what the RTP path calls per packet.
func BenchmarkG711Codec(b *testing.B) {
	for _, codec := range []Codec{PCMU(), PCMA()} {
		name := codec.Info().Name
		b.Run(fmt.Sprintf("%s/Encoder", name), func(b *testing.B) {
			w := codec.Encoder(&discardPayloads{})
			frame := benchFrame()
			b.ReportAllocs()
			for b.Loop() {
				_ = w.WriteFrame(frame)
			}
		})
		b.Run(fmt.Sprintf("%s/Decoder", name), func(b *testing.B) {
			w := codec.Decoder(Discard(8000))
			payload := make([]byte, 160)
			b.ReportAllocs()
			for b.Loop() {
				_ = w.WritePayload(payload)
			}
		})
	}
}

type discardPayloads struct{}

func (discardPayloads) WritePayload([]byte) error { return nil }
func (discardPayloads) String() string            { return "discard" }
