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
//   - Pacing (pacer.go, pacing.go): one shared pacer sends every paced
//     stream's next frame every 20 ms (Pace, Paced), RTP sessions and the
//     WebRTC legs of package rtc alike, from one ticker per core with the
//     period split into slots. A SendMeter per stream feeds the pacing
//     histograms by kind of leg (sip, webrtc): the interval between packets,
//     taken when each is written, and how long the first frame after a
//     silence waits to be written.
//   - SRTP (srtp.go): with RTPConfig.SRTP (SDES keys from package sip) the
//     session's sockets encrypt on write and authenticate and decrypt on read
//     (SRTP, SRTCP; pion/srtp), so everything above sees plain RTP; packets
//     that fail are dropped and counted (SRTPDropped). SetSRTP rekeys.
//   - RTP sessions (rtp_session.go) connect these to the network. A session
//     is a few parts, each owning its state, so that what two goroutines
//     share has one owner: the receiver (rtp_receiver.go: the read loop,
//     sequence tracking, concealment, RFC 4733 in, inbound counts); the
//     remote (rtp_remote.go: the SDP address and the symmetric-RTP latch);
//     the sender (rtp_sender.go: the outbound queue and its free buffers,
//     the paced tick, key presses, RTCP sender reports, the pacing meter)
//     writing through the outbound stream (rtp_stream.go: SSRC, sequence
//     numbers and timestamps, under its own lock, since a relaying peer's
//     packets go out through it too); the relay (rtp_relay.go: a bridged
//     peer's packets placed in our stream, PCMU↔PCMA mapped); the RTP
//     timeout (rtp_timeout.go); and the tap (rtp_tap.go: a copy of every
//     audio payload received and sent, relayed ones included, queued without
//     blocking for package recording). Sessions run on any net.PacketConn
//     (rtp_socket.go); on a *net.UDPConn the per-packet path allocates
//     nothing.
//   - A session follows re-INVITEs (rtp_update.go): a new remote address, a
//     new codec behind the same audio rate, hold and resume (direction.go);
//     a relaying bridge chooses again when a codec changes.
//   - Legs and the bridge (leg.go, bridge.go): a Leg is one party's media
//     end, the one seam for SIP, WebRTC and test legs; Bridge connects two,
//     relaying payloads between RTP legs with compatible codecs and
//     transcoding through PCM16 otherwise.
//   - The mixer (mixer.go, mixer_party.go): any number of legs, each sent
//     the others' audio every 20 ms (mix minus self), with who hears whom
//     set per party and changed live (a supervisor's listen, whisper and
//     barge); Conference (a three-way warm transfer) and Monitor (a bridged
//     call that a supervisor joins and leaves) are built on it. README.md
//     explains how a call moves from the bridge to the mixer and back.
//
// Package media/audiotest generates and detects tones for tests, and runs
// RTP sessions under test on loopback or over an in-memory PacketPipe.
package media
