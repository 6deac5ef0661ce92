// Package rtc is the WebRTC side of an agent's call: a pion/webrtc peer
// connection per call that implements media.Leg, so the IVR and the bridge
// treat a browser softphone like a SIP phone.
//
// Media is G.711 (PCMU preferred, PCMA accepted) over DTLS-SRTP, which lets
// the SIP leg's codec pass through with table lookups only. Signalling is not
// here: the web package carries the offer and answer over the agent's
// WebSocket, and Engine.Accept turns a browser's offer into a leg and an
// answer (complete with ICE candidates, no trickle).
//
// ICE gathers host candidates; Config.PublicIP advertises a 1:1 NAT address
// instead, and STUN/TURN servers are passed to browsers and used for
// server-reflexive/relay candidates when configured.
package rtc
