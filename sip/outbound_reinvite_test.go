package sip

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// phoneDialog is the called phone's side of an outbound leg: it sends
// requests in the dialog the server's INVITE created (RFC 3261 §12.2.1.1:
// its tag in From, ours in To, to our Contact).
type phoneDialog struct {
	f       *fakeCarrier
	srv     *net.UDPAddr
	inv     carrierMsg // the server's INVITE
	cseq    int
	nbranch int
}

func (d *phoneDialog) head(method string, cseq int) string {
	d.nbranch++
	req := d.inv.req
	local := d.f.host()
	return fmt.Sprintf("%s %s SIP/2.0\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-phone-%d;rport\nFrom: %s;tag=%s\nTo: %s\nCall-ID: %s\nCSeq: %d %s\nContact: <sip:carrier@%s>\nMax-Forwards: 70\n",
		method, req.Contact().Address.String(), local, d.nbranch, req.To().Value(), d.f.toTag, req.From().Value(),
		req.CallID().Value(), cseq, method, local)
}

func (d *phoneDialog) send(head, body string) {
	d.f.t.Helper()
	msg := strings.ReplaceAll(head+contentHeaders(body), "\n", "\r\n") + body
	if _, err := d.f.conn.WriteToUDP([]byte(msg), d.srv); err != nil {
		d.f.t.Fatal(err)
	}
}

// reinvite sends a re-INVITE with body (none when "") and returns its final response.
func (d *phoneDialog) reinvite(body string) *gsip.Response {
	d.f.t.Helper()
	d.cseq++
	d.send(d.head("INVITE", d.cseq), body)
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r := <-d.f.resps:
			if r.StatusCode >= 200 && r.CSeq().SeqNo == uint32(d.cseq) && r.CSeq().MethodName == gsip.INVITE {
				return r
			}
		case <-timeout:
			d.f.t.Fatalf("no final response to re-INVITE %d", d.cseq)
		}
	}
}

// ack acknowledges the last re-INVITE with body (none when "").
func (d *phoneDialog) ack(body string) { d.send(d.head("ACK", d.cseq), body) }

// TestOutboundReinvite: the phone we called (an agent's, or a trunk's far
// end) holds and resumes the call with re-INVITEs, as callers do, and the
// leg follows instead of answering 481 (which would end the dialog, RFC
// 3261 §12.2.1.2): a=sendonly is answered a=recvonly and nothing more is
// sent to the phone; a=sendrecv brings the leg's audio back; a re-INVITE
// without SDP gets our offer, and the ACK's answer (PCMA) takes effect.
func TestOutboundReinvite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs SIP dialogs")
	}
	s, srvAddr := startTestServer(t, lateHandler{results: make(chan lateResult, 1)}, 41000)
	phone := newFakeCarrier(t)
	ear := audiotest.HearRTP(t, phone.rtp)
	res, _ := dialTrunk(context.Background(), s, TrunkRequest{Trunk: "pstn", Number: "2001",
		Host: phone.host(), CallerID: "100", Log: testLogger(t)})
	inv := phone.expect(gsip.INVITE)
	phone.respond(inv, 200, "OK", phone.answerSDP())
	phone.expect(gsip.ACK)
	r := waitDial(t, res)
	if r.err != nil {
		t.Fatalf("DialTrunk: %v", r.err)
	}
	call := r.call
	defer call.Close()

	// What the leg is bridged to: a tone, for the whole call.
	go func() {
		out := call.AudioOut()
		tone := audiotest.Tone(reinviteTone, out.SampleRate(), 1000, 0.5)
		for call.Context().Err() == nil {
			if media.Play(call.Context(), out, tone) != nil {
				return
			}
		}
	}()
	hearsTone(t, "answered", ear.Listen(700*time.Millisecond), 0)

	d := &phoneDialog{f: phone, srv: srvAddr, inv: inv}
	phonePort := phone.rtp.LocalAddr().(*net.UDPAddr).Port

	// Hold.
	ok := d.reinvite(callerSDP(phonePort, "0 101", "sendonly", pcmuOnly...))
	if ok.StatusCode != 200 {
		t.Fatalf("hold: re-INVITE answered %d %s", ok.StatusCode, ok.Reason)
	}
	d.ack("")
	ans, err := ParseOffer(ok.Body())
	if err != nil {
		t.Fatalf("hold: our answer does not parse: %v\n%s", err, ok.Body())
	}
	if ans.Direction != media.RecvOnly || ans.Codec.Info().Name != "PCMU" {
		t.Errorf("hold: our answer is %s in %s, want recvonly in PCMU", ans.Direction, ans.Codec.Info().Name)
	}
	time.Sleep(60 * time.Millisecond) // packets sent just before the hold
	if n := len(ear.Listen(600 * time.Millisecond)); n != 0 {
		t.Errorf("%d packets reach the phone while it holds the call", n)
	}
	if call.Context().Err() != nil {
		t.Fatal("the leg ended on hold")
	}

	// Resume.
	ok = d.reinvite(callerSDP(phonePort, "0 101", "sendrecv", pcmuOnly...))
	if ok.StatusCode != 200 || !strings.Contains(string(ok.Body()), "a=sendrecv") {
		t.Fatalf("resume: re-INVITE answered %d %s\n%s", ok.StatusCode, ok.Reason, ok.Body())
	}
	d.ack("")
	time.Sleep(100 * time.Millisecond)
	hearsTone(t, "resumed", ear.Listen(700*time.Millisecond), 0)

	// A re-INVITE without SDP: we offer on our port, the current codec
	// first, with the same o= session; the ACK answers PCMA.
	ok = d.reinvite("")
	if ok.StatusCode != 200 {
		t.Fatalf("re-INVITE without SDP answered %d %s", ok.StatusCode, ok.Reason)
	}
	if _, err := ParseOffer(ok.Body()); err != nil {
		t.Fatalf("our offer does not parse: %v\n%s", err, ok.Body())
	}
	if !strings.Contains(string(ok.Body()), "RTP/AVP 0 ") || !strings.Contains(string(ok.Body()), "a=rtpmap:8 PCMA/8000") {
		t.Errorf("our offer does not list PCMU first and PCMA:\n%s", ok.Body())
	}
	invOrigin, _ := cutOrigin(inv.req.Body())
	newOrigin, _ := cutOrigin(ok.Body())
	if f, g := strings.Fields(invOrigin), strings.Fields(newOrigin); len(f) != 6 || len(g) != 6 || f[1] != g[1] {
		t.Errorf("o= line %q after the INVITE's %q: not the same session", newOrigin, invOrigin)
	}
	d.ack(callerSDP(phonePort, "8 101", "sendrecv", pcmaOnly...))
	for deadline := time.Now().Add(5 * time.Second); s.ReinviteCounts()[ReinviteApplied] < 3; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the ACK's answer was not applied: %v", s.ReinviteCounts())
		}
	}
	time.Sleep(100 * time.Millisecond)
	hearsTone(t, "after the answer in the ACK", ear.Listen(700*time.Millisecond), 8)
	if c := s.ReinviteCounts(); c[ReinviteApplied] != 3 || c[ReinviteRejected] != 0 || c[ReinviteKept] != 0 {
		t.Errorf("re-INVITE counts %v, want 3 applied", c)
	}

	hung := make(chan error, 1)
	go func() { hung <- call.Hangup(context.Background(), "normal") }()
	bye := phone.expect(gsip.BYE)
	phone.respond(bye, 200, "OK", "")
	if err := <-hung; err != nil {
		t.Errorf("Hangup: %v", err)
	}
}
