package media

import (
	"errors"
	"fmt"
)

// FrameDuration is the length of one frame on every path in the server.
const FrameDurationMs = 20

// PCM16 is one frame (normally 20 ms) of mono signed 16-bit linear PCM.
// The sample rate travels with the writer that receives it, not with the slice.
type PCM16 []int16

// SamplesPerFrame returns how many samples a 20 ms frame holds at rate.
func SamplesPerFrame(rate int) int { return rate * FrameDurationMs / 1000 }

// FrameWriter consumes PCM frames at a fixed sample rate.
// Codecs, resamplers, VAD, recorders and mixers are FrameWriters that wrap FrameWriters.
type FrameWriter interface {
	WriteFrame(PCM16) error
	SampleRate() int
	// String names the writer and what it wraps, so a pipeline prints as
	// "resample(8000→16000) → vad".
	String() string
}

// PayloadWriter consumes encoded codec payloads (one RTP payload per call).
type PayloadWriter interface {
	WritePayload(payload []byte) error
	String() string
}

// CodecInfo describes a codec as SDP names it.
type CodecInfo struct {
	Name        string // SDP encoding name, e.g. "PCMU"
	PayloadType uint8  // static or negotiated RTP payload type
	ClockRate   int    // RTP clock rate
	SampleRate  int    // PCM rate the codec decodes to / encodes from
	Channels    int    // channels as SDP signals them ("opus/48000/2"); 0 leaves them out
	FMTP        string // SDP format parameters (a=fmtp), if any
}

// Codec turns payloads into frames and back.
type Codec interface {
	Info() CodecInfo
	// Decoder returns a PayloadWriter that decodes each payload and writes the frame to out.
	Decoder(out FrameWriter) PayloadWriter
	// Encoder returns a FrameWriter that encodes each frame and writes the payload to out.
	Encoder(out PayloadWriter) FrameWriter
}

// ErrClosed is returned by writers whose destination has gone away.
var ErrClosed = errors.New("media: closed")

// FrameWriterFunc adapts a function to a FrameWriter (handy for taps and tests).
type FrameWriterFunc struct {
	Rate int
	Name string
	Fn   func(PCM16) error
}

func (f FrameWriterFunc) WriteFrame(p PCM16) error { return f.Fn(p) }
func (f FrameWriterFunc) SampleRate() int          { return f.Rate }
func (f FrameWriterFunc) String() string {
	if f.Name != "" {
		return f.Name
	}
	return fmt.Sprintf("func(%d)", f.Rate)
}

// Discard is a FrameWriter that drops frames.
type Discard int

func (d Discard) WriteFrame(PCM16) error { return nil }
func (d Discard) SampleRate() int        { return int(d) }
func (d Discard) String() string         { return "discard" }
