// Package opus is the Opus codec (RFC 6716, RTP payload RFC 7587) as a
// media.Codec, through libopus with cgo. It decodes to and encodes from
// 16 kHz PCM, so wideband SIP and WebRTC legs give the recognizer 16 kHz
// audio instead of 8 kHz G.711.
//
// It is built only with the "opus" build tag (go build -tags opus) and
// needs libopus (Debian: apt-get install libopus-dev), so the default build
// stays free of C dependencies. Available reports whether it was built in.
package opus

// Default values for SDP: Opus is always "opus/48000/2" on the wire,
// whatever rate it is decoded at.
const (
	// DefaultPayloadType is the dynamic payload type offered for Opus.
	DefaultPayloadType = 111
	// ClockRate is Opus's RTP clock rate (RFC 7587 §4.1).
	ClockRate = 48000
	// SampleRate is the PCM rate this package decodes to and encodes from.
	SampleRate = 16000
)
