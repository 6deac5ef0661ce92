package sip

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/pion/rtp"
)

// relayedTone is what the handler plays to the caller before and after the answer (in the IVR: the
// carrier's early media, then the bridged number).
const relayedTone = 1400.0

// earlyHandler plays the IVR's part in a transfer to a number that sends early media: it gives the
// unanswered caller early media (Progress) and plays the tone into it, answers when the test says,
// and keeps playing until the call ends.
type earlyHandler struct {
	answer  chan struct{}
	results chan earlyResult
}

type earlyResult struct {
	progress, again, answer error
	hangupBy, cause         string
}

func (h earlyHandler) HandleCall(c *InboundCall) {
	var r earlyResult
	if r.progress = c.Progress(); r.progress != nil {
		c.Reject(480, "Temporarily Unavailable")
		r.hangupBy, r.cause = c.HangupInfo()
		h.results <- r
		return
	}
	ctx, stop := context.WithCancel(c.Context())
	defer stop()
	out := c.AudioOut()
	go func() {
		tone := audiotest.Tone(relayedTone, out.SampleRate(), 1000, 0.3)
		for ctx.Err() == nil {
			if media.Play(ctx, out, tone) != nil {
				return
			}
		}
	}()
	select {
	case <-h.answer:
	case <-c.Context().Done():
	}
	r.again = c.Progress() // a repeated 183 repeats the same SDP
	r.answer = c.Answer()
	<-c.Context().Done() // the caller sends no RTP: the RTP timeout ends the call
	r.hangupBy, r.cause = c.HangupInfo()
	h.results <- r
}

// startTimeoutServer runs a Server for inbound calls on loopback UDP with an RTP timeout.
func startTimeoutServer(t *testing.T, h Handler, rtpTimeout time.Duration) *net.UDPAddr {
	t.Helper()
	_, addr := startTestServer(t, h, 13000, func(c *Config) { c.RTPTimeout = rtpTimeout })
	return addr
}

// inviteHead is an INVITE from the peer at local; body is its SDP offer ("" for a late offer).
func inviteHead(srv *net.UDPAddr, local, callID, body string) string {
	ct := ""
	if body != "" {
		ct = "Content-Type: application/sdp\n"
	}
	return fmt.Sprintf(`INVITE sip:100@%s SIP/2.0
Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-inv;rport
From: <sip:caller@%s>;tag=%s
To: <sip:100@%s>
Call-ID: %s
CSeq: 1 INVITE
Contact: <sip:caller@%s>
Max-Forwards: 70
%sContent-Length: %d

`, srv, local, callID, local, callID, srv, callID, local, ct, len(body))
}

// response waits for the INVITE's next response other than 100 Trying.
func (p *sipPeer) response(what string) *gsip.Response {
	p.t.Helper()
	return p.next(what, func(m gsip.Message) bool {
		res, ok := m.(*gsip.Response)
		return ok && res.StatusCode != 100 && res.CSeq().MethodName == gsip.INVITE
	}).(*gsip.Response)
}

// rtpHeard reads ms of PCMU from conn, all from one RTP stream (one SSRC, which it returns).
func rtpHeard(t *testing.T, conn *net.UDPConn, ms int) (media.PCM16, uint32) {
	t.Helper()
	var heard, frame media.PCM16
	var ssrc uint32
	buf := make([]byte, 1500)
	for len(heard) < ms*8 {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no RTP toward the caller: %v", err)
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:n]); err != nil || p.PayloadType != 0 {
			continue
		}
		if ssrc != 0 && p.SSRC != ssrc {
			t.Fatalf("RTP stream changed: SSRC %#x after %#x", p.SSRC, ssrc)
		}
		ssrc = p.SSRC
		frame = media.DecodeULaw(frame, p.Payload)
		heard = append(heard, frame...)
	}
	return heard, ssrc
}

// TestInboundEarlyMedia: Progress sends the caller a 183 Session Progress with our SDP answer and
// the audio played to the unanswered call reaches the caller's RTP address. The caller's phone sends
// no RTP before the answer, for longer than the RTP timeout, and the call stays up. A second Progress
// repeats the same SDP. The 200 OK carries the 183's SDP byte for byte (same o= version: the same
// session) and the audio goes on in the same RTP stream. The RTP timeout then counts from the answer
// and ends the silent call with a BYE. A call that came without an SDP offer gets no 183: Progress
// fails with ErrNoEarlyMedia.
func TestInboundEarlyMedia(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs SIP dialogs")
	}
	const rtpTimeout = 600 * time.Millisecond
	h := earlyHandler{answer: make(chan struct{}, 1), results: make(chan earlyResult, 1)}
	srvAddr := startTimeoutServer(t, h, rtpTimeout)
	peer := func(t *testing.T) (*sipPeer, *net.UDPConn) {
		listen := func() *net.UDPConn {
			c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		}
		return &sipPeer{t: t, conn: listen(), srv: srvAddr}, listen()
	}
	result := func(t *testing.T) earlyResult {
		t.Helper()
		select {
		case r := <-h.results:
			return r
		case <-time.After(30 * time.Second):
			t.Fatal("the call's handler did not finish")
		}
		return earlyResult{}
	}

	t.Run("early media, then answered on the same session", func(t *testing.T) {
		p, rtpConn := peer(t)
		local := p.conn.LocalAddr().String()
		callID := fmt.Sprintf("early-%d", os.Getpid())
		offer := sdpAnswer(rtpConn.LocalAddr().(*net.UDPAddr).Port, "0 8 101", "rtpmap:0 PCMU/8000",
			"rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000")
		p.send(inviteHead(srvAddr, local, callID, offer), offer)

		progress := p.response("183")
		if progress.StatusCode != 183 {
			t.Fatalf("got %d %s, want 183 Session Progress", progress.StatusCode, progress.Reason)
		}
		if ct := progress.ContentType(); ct == nil || ct.Value() != "application/sdp" {
			t.Fatalf("183 without SDP:\n%s", progress)
		}
		ours, err := ParseOffer(progress.Body())
		if err != nil || ours.Codec.Info().Name != "PCMU" {
			t.Fatalf("183 SDP: %v, %+v\n%s", err, ours, progress.Body())
		}
		// More than the RTP timeout of the caller's audio, with the caller silent: the call stays up.
		heard, ssrc := rtpHeard(t, rtpConn, 1500)
		if ok, ratio := audiotest.DetectTone(heard, relayedTone, 8000); !ok {
			t.Fatalf("the caller did not hear the early audio (%.0f Hz ratio %.2f)", relayedTone, ratio)
		}

		h.answer <- struct{}{}
		again := p.response("183 again")
		ok := p.response("200 OK")
		if again.StatusCode != 183 || string(again.Body()) != string(progress.Body()) {
			t.Errorf("the second 183 does not repeat the first one's SDP:\n%s\n--- first:\n%s", again, progress.Body())
		}
		if ok.StatusCode != 200 {
			t.Fatalf("got %d %s, want 200 OK", ok.StatusCode, ok.Reason)
		}
		if string(ok.Body()) != string(progress.Body()) {
			t.Errorf("the 200 OK's SDP differs from the 183's:\n%s\n--- 183:\n%s", ok.Body(), progress.Body())
		}
		answered := time.Now()
		toTag, _ := ok.To().Params.Get("tag")
		if tag, _ := progress.To().Params.Get("tag"); tag != toTag {
			t.Errorf("the 183 and the 200 OK are in different dialogs: To tags %q and %q", tag, toTag)
		}
		p.send(fmt.Sprintf(`ACK %s SIP/2.0
Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-ack;rport
From: <sip:caller@%s>;tag=%s
To: <sip:100@%s>;tag=%s
Call-ID: %s
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

`, ok.Contact().Address.String(), local, callID, local, callID, srvAddr, toTag, callID), "")

		heard, after := rtpHeard(t, rtpConn, 300)
		if after != ssrc {
			t.Errorf("the answer started another RTP stream (SSRC %#x, early %#x)", after, ssrc)
		}
		if ok, ratio := audiotest.DetectTone(heard, relayedTone, 8000); !ok {
			t.Errorf("the audio stopped at the answer (%.0f Hz ratio %.2f)", relayedTone, ratio)
		}
		bye := p.next("BYE", func(m gsip.Message) bool {
			req, isReq := m.(*gsip.Request)
			return isReq && req.Method == gsip.BYE
		}).(*gsip.Request)
		// The timeout restarts as the 200 OK leaves, a moment before it arrives here.
		if d := time.Since(answered); d < rtpTimeout-100*time.Millisecond {
			t.Errorf("BYE %v after the answer: the RTP timeout (%v) did not count from the answer", d, rtpTimeout)
		}
		if _, err := p.conn.WriteToUDP([]byte(gsip.NewResponseFromRequest(bye, 200, "OK", nil).String()), srvAddr); err != nil {
			t.Fatal(err)
		}
		r := result(t)
		if r.progress != nil || r.again != nil || r.answer != nil {
			t.Errorf("Progress: %v, again: %v, Answer: %v", r.progress, r.again, r.answer)
		}
		if r.hangupBy != ByServer || r.cause != "rtp_timeout" {
			t.Errorf("hangup %s/%s, want %s/rtp_timeout", r.hangupBy, r.cause, ByServer)
		}
	})

	t.Run("late offer", func(t *testing.T) {
		p, _ := peer(t)
		local := p.conn.LocalAddr().String()
		callID := fmt.Sprintf("early-late-%d", os.Getpid())
		p.send(inviteHead(srvAddr, local, callID, ""), "")
		res := p.response("final response")
		if res.StatusCode != 480 {
			t.Fatalf("a call without an offer got %d %s, want no 183 and the handler's 480", res.StatusCode, res.Reason)
		}
		toTag, _ := res.To().Params.Get("tag")
		p.send(fmt.Sprintf(`ACK sip:100@%s SIP/2.0
Via: SIP/2.0/UDP %s;branch=z9hG4bK-%s-inv;rport
From: <sip:caller@%s>;tag=%s
To: <sip:100@%s>;tag=%s
Call-ID: %s
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

`, srvAddr, local, callID, local, callID, srvAddr, toTag, callID), "")
		if r := result(t); !errors.Is(r.progress, ErrNoEarlyMedia) {
			t.Errorf("Progress on a late-offer call: %v, want ErrNoEarlyMedia", r.progress)
		}
	})
}
