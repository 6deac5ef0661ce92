// Package media moves a call's audio: it turns RTP payloads into PCM frames
// and back, converts between sample rates, carries key presses, and connects
// the parties of a call. It does not do signalling (package sip) or decide
// what a call hears (package ivr).
//
// The layers, bottom up:
//
//   - Frames (frame.go): a frame is 20 ms of mono 16-bit PCM. Everything that
//     handles audio is a FrameWriter wrapping another FrameWriter, and prints
//     its chain with String(), e.g. "pcmu-decode → resample(8000→16000) → vad".
//     A writer must not keep the slice it is given after WriteFrame returns;
//     producers reuse their buffers so the per-packet path does not allocate.
//   - Codecs (g711.go): PCMU and PCMA turn payloads into frames and back with
//     table lookups, and transcode between each other byte by byte.
//   - Resampling (resample.go): a polyphase windowed-sinc converter between any
//     two rates (8, 16, 22.05, 24, 48 kHz...), streaming in exact 20 ms frames
//     or over a whole buffer.
//   - Files (wav.go): WAV prompts in, WAV recordings out.
//   - DTMF (dtmf.go): RFC 4733 telephone-events in both directions, each key
//     press reported once, and SIP INFO dtmf-relay bodies.
//   - Packet loss (rtp_sequence.go, conceal.go): the RTP session follows the
//     sender's sequence numbers, drops late packets and fills short losses
//     with one frame per lost packet, by the codec's own concealment or FEC
//     (a Concealer) or by fading pitch repetition for G.711 and G.722.
//   - RTP sessions, legs and the bridge connect these to the network and to
//     each other. A session follows re-INVITEs (rtp_update.go): a new remote
//     address, a new codec behind the same audio rate, hold and resume
//     (direction.go); a relaying bridge chooses again when a codec changes.
//
// Package media/audiotest generates and detects tones for tests.
package media
