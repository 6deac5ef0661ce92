// Package rtc is the WebRTC side of an agent's call: a pion/webrtc peer
// connection per call that implements media.Leg, so the IVR and the bridge
// treat a browser softphone like a SIP phone.
//
// Media goes over DTLS-SRTP in the best codec the browser and the build
// share: Opus where the server is built with libopus (go build -tags opus),
// so agents hear and are heard in wideband, then PCMU, then PCMA. The
// server, as the answerer, puts its choice first in the answer, so the
// browser sends what the leg sends. A leg's audio runs at its codec's rate
// (16 kHz for Opus, 8 kHz for G.711); media.Bridge resamples towards a SIP
// leg at another rate.
//
// Outbound audio (send.go) is paced like a SIP leg's: from when the leg
// connects until it ends, media's shared pacer (media.Pace) ticks it every
// 20 ms and it writes the next queued frame, or silence, to the track; its
// send intervals and audio starts go to media's pacing histograms with kind
// webrtc, next to the SIP legs' (kind sip).
//
// Signalling is not here: the web package carries the offer and answer
// over the agent's WebSocket, and Engine.Accept turns a browser's offer
// into a leg and an answer (complete with ICE candidates, no trickle).
//
// ICE gathers host candidates; Config.PublicIP advertises a 1:1 NAT address
// instead, and STUN/TURN servers are passed to browsers and used for
// server-reflexive/relay candidates when configured.
package rtc
