// Package sip is hotline's SIP user agent, on emiago/sipgo: the transports, a registrar for agent
// phones, and a B2BUA whose inbound legs (callers) run the dialplan and whose outbound legs ring
// agents' phones and external numbers through trunks. It turns SIP dialogs into media.Legs and
// negotiates their SDP; the RTP underneath is package media's, what a call does is package ivr's,
// and reading hotline.yaml and wiring the server up is cmd/hotline's.
//
// The seams, for the rest of hotline and for tests:
//
//   - Serving (endpoint.go): Server.Serve opens a listener for every configured transport, all on
//     one port (port 0 picks one: UDP first, TCP on the port it got). ServeUDP and ServeTCP serve
//     on connections the caller opened instead; tests bind a loopback socket on port 0 and hand it
//     over, so no test picks a port and hopes it stays free. The first connection served on fixes
//     the server's endpoint: Addr, AdvertiseIP and that port, which Contact and Via name.
//   - Secure transports (secure.go): SIP over TLS and over secure WebSocket (RFC 7118), each on
//     its own listener and port (Config.Secure, or ServeTLS and ServeWSS on given listeners), with
//     their own endpoint: a Contact at that port (sips: for sips: URIs, else transport=tls or ws)
//     and dialogs whose requests go back over the far end's connection. Trunks that must show a
//     client certificate (TrunkTLS) are checked per request; the certificate itself is tlscert's.
//   - Browser agents (webrtc_agent.go): DialWebRTC rings a SIP client registered over WSS with an
//     INVITE without SDP and has the caller's WebRTC engine answer the browser's offer in the ACK.
//   - Inbound calls (inbound.go): a Handler gets each INVITE as an *InboundCall in its own
//     goroutine, and owns it until HandleCall returns. Invite is what the INVITE said (numbers,
//     URIs, source) and Headers its headers by name; the sipgo request stays inside. Late offers
//     (lateoffer.go), early media (Progress) and re-INVITEs (reinvite.go) are handled here.
//   - Outbound calls (outbound.go, trunk.go): Dial rings a registered phone, DialTrunk an external
//     number. A refusal is a *ResponseError that unwraps to what it means: the party's own answer
//     (media.ErrBusy, media.ErrNoAnswer, media.ErrDeclined, which a trunk call's error reads as a
//     call record keeps it, "busy (486 Busy Here)") or trouble on the way (ErrAuthFailed,
//     ErrNotAcceptable, ErrUnreachable).
//   - Legs: InboundCall and OutboundCall are media.RTPLegs, so a bridge of two relays payloads,
//     and media.DigitSenders (SendDigit: RFC 4733), so the IVR can pass a desktop agent's keys on.
//   - Registration (registrar.go, digest.go): digest authentication against Credentials (HA1s
//     only), one binding per user, and a throttle on failed attempts (per user and address, and
//     per address for failures across many users) that runs on the registrar's own clock, so its
//     tests move time instead of waiting.
//   - Scanner and flood defence (defence.go): Config.Admission sees every UDP datagram first,
//     from the few bytes it needs (method, To tag, User-Agent), and a refusal is dropped or
//     answered with a stateless 503 there; TCP requests are screened once parsed.
//   - Malformed requests (malformed.go, malformed_tcp.go): a UDP datagram or a TCP message that
//     is plainly a broken request is answered (400 with the reason, 505, 416, 420) before the
//     stack parses it; malformed responses are dropped. RFC 4475's torture messages are the test
//     bed (torture_test.go; the answers are tabled in testdata/rfc4475/README.md).
//   - SRTP (srtp.go): SDES a=crypto lines, RTP/SAVP and RTP/AVP+crypto offers and answers under
//     a leg's off/optional/required policy (InboundCall.SetSRTPPolicy, DialRequest.SRTP,
//     TrunkRequest.SRTP); the keys go to the media session, which encrypts at its socket.
//
// Never block in a sipgo transaction callback: the server hands the work to the call's goroutine.
package sip
