//go:build cgo && opus

package opus

/*
#cgo pkg-config: opus
#include <opus.h>
#include <stdlib.h>

static int hl_set_bitrate(OpusEncoder *e, opus_int32 b) { return opus_encoder_ctl(e, OPUS_SET_BITRATE(b)); }
static int hl_set_fec(OpusEncoder *e, opus_int32 on) { return opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(on)); }
static int hl_set_signal_voice(OpusEncoder *e) { return opus_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)); }
static int hl_set_complexity(OpusEncoder *e, opus_int32 c) { return opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(c)); }
static int hl_set_loss(OpusEncoder *e, opus_int32 pct) { return opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(pct)); }
*/
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"

	"github.com/hotline-cc/hotline/media"
)

// Available is true: this build includes libopus.
const Available = true

// Bitrate of the encoder in bits per second; 24 kb/s is transparent for
// wideband speech.
const Bitrate = 24000

// Complexity of the encoder (0–10).
const Complexity = 5

// FECPacketLoss is the packet loss, in percent, that the encoder is told to
// expect when the receiver decodes in-band FEC (its SDP says
// useinbandfec=1). libopus codes FEC only when it expects loss and the
// bitrate leaves room for it, and up to 5 % it will not make room: at our
// 24 kb/s, 5 % codes no FEC at all and 1 % only just clears the bar (a
// change of bitrate or complexity would lose it). 10 % codes FEC at full
// wideband: a lost speech frame comes back 7–9 dB closer to what was sent
// than concealment makes it, for about 2 dB less SNR in the frames that
// arrive, 10 % more bytes and a third more encoder CPU
// (BenchmarkEncodeVoiced). 15 % and more add under 1 dB to a recovered
// frame and take another 1.5 dB from every frame that arrives.
const FECPacketLoss = 10

// maxFrame is the largest Opus frame (120 ms) at SampleRate.
const maxFrame = SampleRate * 120 / 1000

type codec struct {
	pt uint8
	// fec: the receiver decodes in-band FEC, so the encoder sends it.
	fec bool
}

var _ media.RemoteFMTPCodec = codec{}

// New returns the Opus codec with the payload type negotiated in SDP
// (0 means DefaultPayloadType). Its encoder sends no FEC until
// WithRemoteFMTP learns that the receiver uses it.
func New(payloadType uint8) media.Codec {
	if payloadType == 0 {
		payloadType = DefaultPayloadType
	}
	return codec{pt: payloadType}
}

// WithRemoteFMTP sets the encoder up for the receiver's format parameters:
// with useinbandfec=1 it codes in-band FEC (expecting FECPacketLoss), which
// lets the receiver recover a lost packet from the next one; without it the
// bits would be wasted, since that decoder ignores them (RFC 7587 §6.1).
func (c codec) WithRemoteFMTP(fmtp string) media.Codec {
	v, _ := media.FMTPParam(fmtp, "useinbandfec")
	c.fec = v == "1"
	return c
}

func (c codec) Info() media.CodecInfo {
	// Opus is always signalled as two channels (RFC 7587), whatever is sent.
	// Our decoder uses the sender's in-band FEC (useinbandfec=1), and the
	// remote encoder is told that 16 kHz is all we play back or capture,
	// which saves it bits it would spend on frequencies the call never uses.
	return media.CodecInfo{Name: "opus", PayloadType: c.pt, ClockRate: ClockRate, SampleRate: SampleRate, Channels: 2,
		FMTP: "useinbandfec=1;maxplaybackrate=16000;sprop-maxcapturerate=16000"}
}

// Decoder decodes each payload (an empty payload asks for loss
// concealment) and writes 20 ms frames to out, resampling if out is not
// at 16 kHz. The frame handed to out is reused.
func (c codec) Decoder(out media.FrameWriter) media.PayloadWriter {
	if out.SampleRate() != SampleRate {
		out = media.NewResampler(out, SampleRate)
	}
	var cerr C.int
	dec := C.opus_decoder_create(SampleRate, 1, &cerr)
	d := &decoder{out: out, pcm: make([]int16, maxFrame)}
	if cerr != C.OPUS_OK {
		d.err = fmt.Errorf("opus: decoder: %s", C.GoString(C.opus_strerror(cerr)))
	}
	d.dec = dec
	if dec != nil {
		// Decoders have no Close in media.Codec: libopus's state is freed
		// when the Go decoder that owns it is garbage.
		runtime.AddCleanup(d, func(p *C.OpusDecoder) { C.opus_decoder_destroy(p) }, dec)
	}
	return d
}

// Encoder encodes 20 ms frames at 16 kHz into one payload each, with
// in-band FEC when the receiver decodes it (WithRemoteFMTP).
func (c codec) Encoder(out media.PayloadWriter) media.FrameWriter {
	loss := 0
	if c.fec {
		loss = FECPacketLoss
	}
	return newEncoder(out, loss)
}

// newEncoder returns an encoder that expects lossPercent packet loss and
// codes in-band FEC for it; at 0 it codes none.
func newEncoder(out media.PayloadWriter, lossPercent int) media.FrameWriter {
	var cerr C.int
	enc := C.opus_encoder_create(SampleRate, 1, C.OPUS_APPLICATION_VOIP, &cerr)
	e := &encoder{out: out, buf: make([]byte, 1500)}
	if cerr != C.OPUS_OK {
		e.err = fmt.Errorf("opus: encoder: %s", C.GoString(C.opus_strerror(cerr)))
		return e
	}
	C.hl_set_bitrate(enc, Bitrate)
	fec := C.opus_int32(0)
	if lossPercent > 0 {
		fec = 1
	}
	C.hl_set_fec(enc, fec)
	C.hl_set_signal_voice(enc)
	// Complexity 5 halves the CPU of the default 10 at a quality cost
	// inaudible on a phone line; a server encodes for many calls.
	C.hl_set_complexity(enc, Complexity)
	C.hl_set_loss(enc, C.opus_int32(lossPercent))
	e.enc = enc
	runtime.AddCleanup(e, func(p *C.OpusEncoder) { C.opus_encoder_destroy(p) }, enc)
	return e
}

type decoder struct {
	dec *C.OpusDecoder
	out media.FrameWriter
	pcm []int16
	err error
	// last is the duration in samples of the last packet decoded: a lost
	// packet is assumed to have been as long as its predecessor.
	last int
}

var _ media.Concealer = (*decoder)(nil)

func (d *decoder) WritePayload(p []byte) error {
	if d.err != nil {
		return d.err
	}
	var data *C.uchar
	if len(p) > 0 {
		data = (*C.uchar)(unsafe.Pointer(&p[0]))
	}
	// Concealment needs the frame size: assume the usual 20 ms.
	size := C.int(maxFrame)
	if len(p) == 0 {
		size = C.int(media.SamplesPerFrame(SampleRate))
	}
	n := C.opus_decode(d.dec, data, C.opus_int32(len(p)), (*C.opus_int16)(unsafe.Pointer(&d.pcm[0])), size, 0)
	if n < 0 {
		return fmt.Errorf("opus: decode %d bytes: %s", len(p), C.GoString(C.opus_strerror(n)))
	}
	if len(p) > 0 {
		d.last = int(n)
	}
	return d.writeFrames(int(n))
}

// Conceal stands in for one lost packet. With next (the packet after the
// lost one) it decodes next's in-band FEC, the sender's low-bitrate copy of
// the lost frame; libopus falls back to concealment when next carries none.
// Without next it is libopus's concealment, which continues the voice from
// the decoder's state.
func (d *decoder) Conceal(next []byte) error {
	if d.err != nil {
		return d.err
	}
	// The duration must be exactly what was lost, a multiple of 2.5 ms.
	size := d.last
	if size <= 0 {
		size = media.SamplesPerFrame(SampleRate)
	}
	var data *C.uchar
	fec := C.int(0)
	if len(next) > 0 {
		data = (*C.uchar)(unsafe.Pointer(&next[0]))
		fec = 1
	}
	n := C.opus_decode(d.dec, data, C.opus_int32(len(next)), (*C.opus_int16)(unsafe.Pointer(&d.pcm[0])), C.int(size), fec)
	if n < 0 {
		return fmt.Errorf("opus: conceal (fec=%d, %d bytes): %s", int(fec), len(next), C.GoString(C.opus_strerror(n)))
	}
	return d.writeFrames(int(n))
}

// writeFrames hands the first n decoded samples on in 20 ms frames: senders
// may pack 10–120 ms per packet.
func (d *decoder) writeFrames(n int) error {
	frame := media.SamplesPerFrame(SampleRate)
	pcm := media.PCM16(d.pcm[:n])
	for off := 0; off < len(pcm); off += frame {
		if err := d.out.WriteFrame(pcm[off:min(off+frame, len(pcm))]); err != nil {
			return err
		}
	}
	return nil
}

func (d *decoder) String() string { return "opus-decode → " + d.out.String() }

type encoder struct {
	enc *C.OpusEncoder
	out media.PayloadWriter
	buf []byte
	err error
}

func (e *encoder) WriteFrame(f media.PCM16) error {
	if e.err != nil {
		return e.err
	}
	if len(f) == 0 {
		return nil
	}
	n := C.opus_encode(e.enc, (*C.opus_int16)(unsafe.Pointer(&f[0])), C.int(len(f)),
		(*C.uchar)(unsafe.Pointer(&e.buf[0])), C.opus_int32(len(e.buf)))
	if n < 0 {
		return fmt.Errorf("opus: encode %d samples: %s", len(f), C.GoString(C.opus_strerror(n)))
	}
	return e.out.WritePayload(e.buf[:n])
}

func (e *encoder) SampleRate() int { return SampleRate }
func (e *encoder) String() string  { return "opus-encode → " + e.out.String() }
