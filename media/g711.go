package media

import "fmt"

// G.711 (ITU-T G.711) carries 8 kHz audio as one byte per sample, companded
// with µ-law (PCMU, North America/Japan) or A-law (PCMA, elsewhere). Every SIP
// phone speaks at least one of them, so they sit on the hot path of every call.
//
// Decoding is a 256-entry table lookup. Encoding is a 64K-entry table indexed
// by the 16-bit sample: it benchmarks faster than computing the segment with
// bit tricks, and 64 KiB per law stays resident in L2 cache.

// ulawBias is added to the magnitude before finding the segment so that
// every segment boundary falls on a power of two.
const (
	ulawBias = 0x84
	ulawClip = 32635
)

var (
	ulawDecodeTable = buildDecodeTable(ulawDecodeSample)
	alawDecodeTable = buildDecodeTable(alawDecodeSample)
	ulawEncodeTable = buildEncodeTable(ulawEncodeSample)
	alawEncodeTable = buildEncodeTable(alawEncodeSample)
	ulawToALawTable = buildTranscodeTable(ulawDecodeSample, alawEncodeSample)
	alawToULawTable = buildTranscodeTable(alawDecodeSample, ulawEncodeSample)
)

func buildDecodeTable(decode func(byte) int16) *[256]int16 {
	var t [256]int16
	for i := range t {
		t[i] = decode(byte(i))
	}
	return &t
}

func buildEncodeTable(encode func(int16) byte) *[65536]byte {
	var t [65536]byte
	for i := range t {
		t[i] = encode(int16(uint16(i)))
	}
	return &t
}

// buildTranscodeTable maps each code of one law straight to the other law, so a
// bridge between a PCMU phone and a PCMA phone never has to touch linear PCM.
func buildTranscodeTable(decode func(byte) int16, encode func(int16) byte) *[256]byte {
	var t [256]byte
	for i := range t {
		t[i] = encode(decode(byte(i)))
	}
	return &t
}

// ulawEncodeSample is the reference µ-law compander; it only builds tables.
func ulawEncodeSample(s int16) byte {
	v := int(s)
	var sign byte
	if v < 0 {
		v = -v
		sign = 0x80
	}
	if v > ulawClip {
		v = ulawClip
	}
	v += ulawBias
	exp := byte(7)
	for mask := 0x4000; v&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mantissa := byte(v>>(exp+3)) & 0x0F
	// Codes are transmitted inverted so that silence (0xFF) has many one bits,
	// which kept old T1 lines from losing clock sync.
	return ^(sign | exp<<4 | mantissa)
}

// ulawDecodeSample is the reference µ-law expander; it only builds tables.
func ulawDecodeSample(u byte) int16 {
	u = ^u
	t := (int(u&0x0F) << 3) + ulawBias
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(ulawBias - t)
	}
	return int16(t - ulawBias)
}

// alawEncodeSample is the reference A-law compander; it only builds tables.
func alawEncodeSample(s int16) byte {
	v := int(s) >> 3 // A-law works on 13-bit magnitudes.
	mask := byte(0xD5)
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	seg := byte(0)
	for end := 0x1F; v > end && seg < 8; end = end<<1 | 1 {
		seg++
	}
	if seg >= 8 {
		return 0x7F ^ mask
	}
	a := seg << 4
	if seg < 2 {
		a |= byte(v>>1) & 0x0F
	} else {
		a |= byte(v>>seg) & 0x0F
	}
	// Even bits are inverted on the wire (the 0x55 in the mask) for the same
	// line-clocking reason as µ-law's inversion.
	return a ^ mask
}

// alawDecodeSample is the reference A-law expander; it only builds tables.
func alawDecodeSample(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0F) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}

// EncodeULaw appends the µ-law encoding of src to dst[:0] and returns it.
// It does not allocate when cap(dst) >= len(src).
func EncodeULaw(dst []byte, src PCM16) []byte {
	return encodeTable(ulawEncodeTable, dst, src)
}

// EncodeALaw appends the A-law encoding of src to dst[:0] and returns it.
// It does not allocate when cap(dst) >= len(src).
func EncodeALaw(dst []byte, src PCM16) []byte {
	return encodeTable(alawEncodeTable, dst, src)
}

// DecodeULaw appends the linear samples of the µ-law bytes src to dst[:0]
// and returns it. It does not allocate when cap(dst) >= len(src).
func DecodeULaw(dst PCM16, src []byte) PCM16 {
	return decodeTable(ulawDecodeTable, dst, src)
}

// DecodeALaw appends the linear samples of the A-law bytes src to dst[:0]
// and returns it. It does not allocate when cap(dst) >= len(src).
func DecodeALaw(dst PCM16, src []byte) PCM16 {
	return decodeTable(alawDecodeTable, dst, src)
}

// ULawToALaw converts µ-law bytes to A-law bytes into dst[:0] and returns it.
// Bridging a PCMU leg to a PCMA leg uses this instead of decode + encode.
func ULawToALaw(dst, src []byte) []byte {
	return transcodeTable(ulawToALawTable, dst, src)
}

// ALawToULaw converts A-law bytes to µ-law bytes into dst[:0] and returns it.
func ALawToULaw(dst, src []byte) []byte {
	return transcodeTable(alawToULawTable, dst, src)
}

func encodeTable(t *[65536]byte, dst []byte, src PCM16) []byte {
	dst = grow(dst, len(src))
	for i, s := range src {
		dst[i] = t[uint16(s)]
	}
	return dst
}

func decodeTable(t *[256]int16, dst PCM16, src []byte) PCM16 {
	dst = grow(dst, len(src))
	for i, b := range src {
		dst[i] = t[b]
	}
	return dst
}

func transcodeTable(t *[256]byte, dst, src []byte) []byte {
	dst = grow(dst, len(src))
	for i, b := range src {
		dst[i] = t[b]
	}
	return dst
}

// grow returns dst resliced to length n, allocating only when its capacity
// is too small.
func grow[S ~[]E, E any](dst S, n int) S {
	if cap(dst) < n {
		return make(S, n)
	}
	return dst[:n]
}

// g711Law selects one of the two companding laws.
type g711Law struct {
	name   string // lower-case, used in pipeline names
	encode func(dst []byte, src PCM16) []byte
	decode func(dst PCM16, src []byte) PCM16
}

var (
	ulaw = g711Law{name: "pcmu", encode: EncodeULaw, decode: DecodeULaw}
	alaw = g711Law{name: "pcma", encode: EncodeALaw, decode: DecodeALaw}
)

// g711Codec is the Codec for PCMU or PCMA.
type g711Codec struct {
	info CodecInfo
	law  g711Law
}

var _ Codec = g711Codec{}

// g711Rate is both the RTP clock rate and the PCM rate of G.711.
const g711Rate = 8000

// PCMU returns the G.711 µ-law codec (static RTP payload type 0).
func PCMU() Codec {
	return g711Codec{info: CodecInfo{Name: "PCMU", PayloadType: 0, ClockRate: g711Rate, SampleRate: g711Rate}, law: ulaw}
}

// PCMA returns the G.711 A-law codec (static RTP payload type 8).
func PCMA() Codec {
	return g711Codec{info: CodecInfo{Name: "PCMA", PayloadType: 8, ClockRate: g711Rate, SampleRate: g711Rate}, law: alaw}
}

// Info describes the codec as SDP names it.
func (c g711Codec) Info() CodecInfo { return c.info }

// Decoder returns a PayloadWriter that decodes each payload into one frame
// and writes it to out. If out does not run at 8 kHz, a resampler is put in
// between, so the printed pipeline shows the conversion.
//
// The frame handed to out is reused for the next payload; out must copy it
// if it keeps it past WriteFrame.
func (c g711Codec) Decoder(out FrameWriter) PayloadWriter {
	if out.SampleRate() != g711Rate {
		out = NewResampler(out, g711Rate)
	}
	return &g711Decoder{law: c.law, out: out, buf: make(PCM16, 0, SamplesPerFrame(g711Rate))}
}

// Encoder returns a FrameWriter that accepts 8 kHz frames, encodes each one
// and writes it to out as one payload. The payload slice is reused for the
// next frame; out must copy it if it keeps it past WritePayload.
func (c g711Codec) Encoder(out PayloadWriter) FrameWriter {
	return &g711Encoder{law: c.law, out: out, buf: make([]byte, 0, SamplesPerFrame(g711Rate))}
}

type g711Decoder struct {
	law g711Law
	out FrameWriter
	buf PCM16
}

func (d *g711Decoder) WritePayload(payload []byte) error {
	d.buf = d.law.decode(d.buf, payload)
	return d.out.WriteFrame(d.buf)
}

func (d *g711Decoder) String() string {
	return fmt.Sprintf("%s-decode → %s", d.law.name, d.out)
}

type g711Encoder struct {
	law g711Law
	out PayloadWriter
	buf []byte
}

func (e *g711Encoder) WriteFrame(frame PCM16) error {
	e.buf = e.law.encode(e.buf, frame)
	return e.out.WritePayload(e.buf)
}

func (e *g711Encoder) SampleRate() int { return g711Rate }

func (e *g711Encoder) String() string {
	return fmt.Sprintf("%s-encode → %s", e.law.name, e.out)
}
