package sip

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/pion/rtp"
)

// reinviteTone is what the server plays to the caller for the whole call.
const reinviteTone = 1000.0

// toneHandler answers and plays a tone to the caller until the call ends.
type toneHandler struct{ ended chan [2]string }

func (h toneHandler) HandleCall(c *InboundCall) {
	if err := c.Answer(); err == nil {
		out := c.AudioOut()
		tone := audiotest.Tone(reinviteTone, c.OutputRate(), 1000, 0.5)
		for c.Context().Err() == nil {
			if media.Play(c.Context(), out, tone) != nil {
				break
			}
		}
	}
	by, cause := c.HangupInfo()
	h.ended <- [2]string{by, cause}
}

// decodeG711 decodes the packets of payload type pt (0 or 8); others are errors.
func decodeG711(t *testing.T, pkts []rtp.Packet, pt uint8) media.PCM16 {
	t.Helper()
	var pcm media.PCM16
	for _, p := range pkts {
		switch {
		case p.PayloadType != pt:
			t.Fatalf("payload type %d, want %d", p.PayloadType, pt)
		case pt == 0:
			pcm = append(pcm, media.DecodeULaw(nil, p.Payload)...)
		default:
			pcm = append(pcm, media.DecodeALaw(nil, p.Payload)...)
		}
	}
	return pcm
}

// hearsTone asserts that at least 400 ms of the tone arrived in pkts, in payload type pt.
func hearsTone(t *testing.T, where string, pkts []rtp.Packet, pt uint8) {
	t.Helper()
	pcm := decodeG711(t, pkts, pt)
	if len(pcm) < 3200 {
		t.Fatalf("%s: %d ms of audio arrived, want the tone", where, len(pcm)/8)
	}
	if ok, ratio := audiotest.DetectTone(pcm, reinviteTone, 8000); !ok {
		t.Fatalf("%s: the server's tone is not in the audio (ratio %.2f)", where, ratio)
	}
}

// dialog is the caller's side of one call in these tests.
type dialog struct {
	t       *testing.T
	p       *sipPeer
	local   string
	callID  string
	from    string
	to      string // with the server's tag, once answered
	target  string // the server's Contact
	cseq    int
	nbranch int
}

func (d *dialog) branch() string {
	d.nbranch++
	return fmt.Sprintf("z9hG4bK-%s-%d", d.callID, d.nbranch)
}

// invite sends an INVITE (a re-INVITE once the dialog exists) with body
// (none when ""), and returns the final response.
func (d *dialog) invite(body string) *gsip.Response {
	d.t.Helper()
	d.cseq++
	uri, to := "sip:100@"+d.p.srv.String(), d.to
	if d.target != "" {
		uri = d.target
	}
	head := fmt.Sprintf("INVITE %s SIP/2.0\nVia: SIP/2.0/UDP %s;branch=%s;rport\nFrom: %s\nTo: %s\nCall-ID: %s\nCSeq: %d INVITE\nContact: <sip:caller@%s>\nMax-Forwards: 70\n",
		uri, d.local, d.branch(), d.from, to, d.callID, d.cseq, d.local)
	d.p.send(head+contentHeaders(body), body)
	cseq := d.cseq
	res := d.p.next(fmt.Sprintf("final response to INVITE %d", cseq), func(m gsip.Message) bool {
		r, ok := m.(*gsip.Response)
		return ok && r.StatusCode >= 200 && r.CSeq().SeqNo == uint32(cseq)
	}).(*gsip.Response)
	if res.StatusCode == 200 && d.target == "" {
		tag, _ := res.To().Params.Get("tag")
		d.to += ";tag=" + tag
		d.target = res.Contact().Address.String()
	}
	return res
}

// ack acknowledges the last INVITE with body (none when "").
func (d *dialog) ack(body string) {
	d.t.Helper()
	head := fmt.Sprintf("ACK %s SIP/2.0\nVia: SIP/2.0/UDP %s;branch=%s;rport\nFrom: %s\nTo: %s\nCall-ID: %s\nCSeq: %d ACK\nMax-Forwards: 70\n",
		d.target, d.local, d.branch(), d.from, d.to, d.callID, d.cseq)
	d.p.send(head+contentHeaders(body), body)
}

// bye hangs up and waits for the 200 OK.
func (d *dialog) bye() {
	d.t.Helper()
	d.cseq++
	cseq := d.cseq
	d.p.send(fmt.Sprintf("BYE %s SIP/2.0\nVia: SIP/2.0/UDP %s;branch=%s;rport\nFrom: %s\nTo: %s\nCall-ID: %s\nCSeq: %d BYE\nMax-Forwards: 70\nContent-Length: 0\n\n",
		d.target, d.local, d.branch(), d.from, d.to, d.callID, cseq), "")
	d.p.next("200 OK to BYE", func(m gsip.Message) bool {
		r, ok := m.(*gsip.Response)
		return ok && r.CSeq().SeqNo == uint32(cseq) && r.CSeq().MethodName == gsip.BYE
	})
}

func contentHeaders(body string) string {
	if body == "" {
		return "Content-Length: 0\n\n"
	}
	return fmt.Sprintf("Content-Type: application/sdp\nContent-Length: %d\n\n", len(body))
}

// callerSDP is the caller's SDP: its RTP port, codecs and direction.
func callerSDP(port int, formats, direction string, rtpmaps ...string) string {
	return sdpAnswer(port, formats, append(rtpmaps, direction)...)
}

var (
	pcmuOnly = []string{"rtpmap:0 PCMU/8000", "rtpmap:101 telephone-event/8000"}
	pcmaOnly = []string{"rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000"}
)

// newDialog starts a call to a server running toneHandler.
func newDialog(t *testing.T, srv *net.UDPAddr, name string) *dialog {
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	local := conn.LocalAddr().String()
	return &dialog{t: t, p: &sipPeer{t: t, conn: conn, srv: srv}, local: local,
		callID: fmt.Sprintf("reinvite-%s-%d", name, os.Getpid()), from: fmt.Sprintf("<sip:caller@%s>;tag=%s", local, name),
		to: fmt.Sprintf("<sip:100@%s>", srv)}
}

// sendRTP sends one PCMU packet of silence from ear's socket to the server.
func sendRTP(t *testing.T, ear *audiotest.RTPEar, to *net.UDPAddr, seq uint16) {
	t.Helper()
	b, _ := (&rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 0xca11},
		Payload: media.EncodeULaw(nil, make(media.PCM16, 160))}).Marshal()
	if _, err := ear.Conn.WriteToUDP(b, to); err != nil {
		t.Fatal(err)
	}
}

// TestReinvite: a caller changes an established call with re-INVITEs,
// without SDP (we offer in the 200 OK, the answer comes in the ACK) and
// with. Each change is checked where it matters, at the caller's RTP
// sockets: media moves to a new port, switches codec, stops while the
// caller holds and comes back when it resumes. An ACK without an answer,
// or with one that names no codec we offered, leaves the call as it was.
func TestReinvite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs a SIP dialog")
	}
	h := toneHandler{ended: make(chan [2]string, 1)}
	srv, srvAddr := startTestServer(t, h, 29000)
	d := newDialog(t, srvAddr, "a")
	first, moved, third := audiotest.NewRTPEar(t), audiotest.NewRTPEar(t), audiotest.NewRTPEar(t)

	// The call: PCMU to the first socket, which sends RTP too (the server latches onto it).
	ok := d.invite(callerSDP(first.Port(), "0 101", "sendrecv", pcmuOnly...))
	if ok.StatusCode != 200 {
		t.Fatalf("INVITE: %d %s", ok.StatusCode, ok.Reason)
	}
	d.ack("")
	answer, err := ParseOffer(ok.Body())
	if err != nil {
		t.Fatal(err)
	}
	ours := answer.Addr
	sendRTP(t, first, ours, 1)
	hearsTone(t, "the call", first.Listen(700*time.Millisecond), 0)
	prevSDP := ok.Body()

	// A re-INVITE without SDP: our offer lists every codec, the current one first, on our port.
	reoffer := func(step string) *Offer {
		t.Helper()
		res := d.invite("")
		if res.StatusCode != 200 {
			t.Fatalf("%s: re-INVITE without SDP answered %d %s", step, res.StatusCode, res.Reason)
		}
		body := string(res.Body())
		o, err := ParseOffer(res.Body())
		if err != nil {
			t.Fatalf("%s: our offer does not parse: %v\n%s", step, err, body)
		}
		if o.Addr.String() != ours.String() {
			t.Errorf("%s: our offer moved our media to %s from %s", step, o.Addr, ours)
		}
		for _, want := range []string{"a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:9 G722/8000", "telephone-event/8000", "a=sendrecv"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: our offer lacks %q:\n%s", step, want, body)
			}
		}
		// RFC 3264 §8: the same session id, the version one up when the SDP changed.
		po, prest := cutOrigin(prevSDP)
		no, nrest := cutOrigin(res.Body())
		pf, nf := strings.Fields(po), strings.Fields(no)
		if len(pf) != 6 || len(nf) != 6 || pf[0] != "o=hotline" || nf[0] != pf[0] || nf[1] != pf[1] {
			t.Fatalf("%s: o= line %q after %q: not the same session", step, no, po)
		}
		pv, _ := strconv.Atoi(pf[2])
		if want := map[bool]int{true: pv, false: pv + 1}[prest == nrest]; nf[2] != strconv.Itoa(want) {
			t.Errorf("%s: o= version %s after %d, want %d", step, nf[2], pv, want)
		}
		prevSDP = res.Body()
		return o
	}
	// settle waits until the server has taken n ACKs with result (a packet
	// it sent just before may still be on its way).
	settle := func(result string, n uint64) {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); srv.ReinviteCounts()[result] < n; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the server did not take the ACK: %v, want %d %s", srv.ReinviteCounts(), n, result)
			}
		}
		time.Sleep(60 * time.Millisecond)
	}

	reoffer("move")
	if first := strings.Fields(strings.SplitN(string(prevSDP), "m=audio ", 2)[1])[2]; first != "0" {
		t.Errorf("our offer lists payload type %s first, want the current codec (PCMU, 0)", first)
	}

	// Move: PCMA on a new port.
	d.ack(callerSDP(moved.Port(), "8 101", "sendrecv", pcmaOnly...))
	settle(ReinviteApplied, 1)
	sendRTP(t, first, ours, 2) // in flight from the old socket when the caller moved
	time.Sleep(60 * time.Millisecond)
	if n := len(first.Listen(300 * time.Millisecond)); n != 0 {
		t.Errorf("%d packets still reach the old port after the move", n)
	}
	hearsTone(t, "moved to a new port in PCMA", moved.Listen(700*time.Millisecond), 8)

	// Hold: the answer says sendonly; nothing may reach the caller.
	reoffer("hold")
	d.ack(callerSDP(moved.Port(), "8 101", "sendonly", pcmaOnly...))
	settle(ReinviteApplied, 2)
	if n := len(moved.Listen(600 * time.Millisecond)); n != 0 {
		t.Errorf("%d packets reach the caller while it holds the call", n)
	}

	// Resume: sendrecv again.
	reoffer("resume")
	d.ack(callerSDP(moved.Port(), "8 101", "sendrecv", pcmaOnly...))
	settle(ReinviteApplied, 3)
	hearsTone(t, "resumed", moved.Listen(700*time.Millisecond), 8)

	// Broken peers: an ACK without the answer, then one naming no codec
	// we offered. The call stays as it was: PCMA to the moved port.
	for i, ack := range []struct{ name, body string }{
		{"ack without sdp", ""},
		{"answer without a common codec", callerSDP(third.Port(), "18", "sendrecv", "rtpmap:18 G729/8000")},
		{"not sdp", "this is not sdp\r\n"},
	} {
		reoffer(ack.name)
		d.ack(ack.body)
		settle(ReinviteKept, uint64(i+1))
		hearsTone(t, ack.name+": the previous session", moved.Listen(600*time.Millisecond), 8)
		if n := len(third.Since(time.Time{})); n != 0 {
			t.Fatalf("%s: %d packets went where the unusable answer said", ack.name, n)
		}
	}

	// With an offer: to the third socket, both laws offered (the current
	// one, PCMA, is kept), and held with a=inactive.
	res := d.invite(callerSDP(third.Port(), "0 8 101", "inactive", "rtpmap:0 PCMU/8000", "rtpmap:8 PCMA/8000", "rtpmap:101 telephone-event/8000"))
	d.ack("")
	ans, err := ParseOffer(res.Body())
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("re-INVITE with an offer: %d %v\n%s", res.StatusCode, err, res.Body())
	}
	if ans.Codec.Info().Name != "PCMA" || ans.Direction != media.Inactive || ans.Addr.String() != ours.String() {
		t.Errorf("our answer: %s, %s, %s; want PCMA kept, inactive, our address %s", ans.Codec.Info().Name, ans.Direction, ans.Addr, ours)
	}
	if n := len(third.Listen(600 * time.Millisecond)); n != 0 {
		t.Errorf("%d packets reach the caller on an inactive stream", n)
	}
	// …then offered PCMU only, sendrecv: the codec changes.
	res = d.invite(callerSDP(third.Port(), "0 101", "sendrecv", pcmuOnly...))
	d.ack("")
	if res.StatusCode != 200 || !strings.Contains(string(res.Body()), "a=sendrecv") {
		t.Fatalf("re-INVITE with PCMU: %d\n%s", res.StatusCode, res.Body())
	}
	time.Sleep(100 * time.Millisecond)
	hearsTone(t, "re-INVITE with an offer of PCMU", third.Listen(700*time.Millisecond), 0)

	d.bye()
	select {
	case ended := <-h.ended:
		if ended != [2]string{ByCaller, "bye"} {
			t.Errorf("the call ended %v, want the caller's bye", ended)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call's handler did not finish")
	}
	counts := srv.ReinviteCounts()
	if counts[ReinviteApplied] != 5 || counts[ReinviteKept] != 3 || counts[ReinviteNoACK] != 0 {
		t.Errorf("re-INVITE counts %v, want 5 applied, 3 kept", counts)
	}
}

// TestReinviteNotAcknowledged: a re-INVITE whose 200 OK (our offer) is
// retransmitted and never acknowledged ends the call with BYE (RFC 3261
// §14.2), and a re-INVITE crossing our pending offer gets 491.
func TestReinviteNotAcknowledged(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs a SIP dialog")
	}
	t1, t2, t4 := gsip.T1, gsip.T2, gsip.T4
	gsip.SetTimers(20*time.Millisecond, 160*time.Millisecond, 200*time.Millisecond)
	t.Cleanup(func() { gsip.SetTimers(t1, t2, t4) })
	h := toneHandler{ended: make(chan [2]string, 1)}
	srv, srvAddr := startTestServer(t, h, 29000)
	d := newDialog(t, srvAddr, "noack")
	ear := audiotest.NewRTPEar(t)
	if res := d.invite(callerSDP(ear.Port(), "0 101", "sendrecv", pcmuOnly...)); res.StatusCode != 200 {
		t.Fatalf("INVITE: %d", res.StatusCode)
	}
	d.ack("")
	if res := d.invite(""); res.StatusCode != 200 {
		t.Fatalf("re-INVITE: %d", res.StatusCode)
	}
	if res := d.invite(callerSDP(ear.Port(), "0 101", "sendonly", pcmuOnly...)); res.StatusCode != 491 {
		t.Errorf("a re-INVITE crossing our offer got %d, want 491", res.StatusCode)
	}
	retransmitted := 0
	bye := d.p.next("BYE", func(m gsip.Message) bool {
		if r, ok := m.(*gsip.Response); ok && r.StatusCode == 200 && r.CSeq().SeqNo == 2 {
			retransmitted++
		}
		req, ok := m.(*gsip.Request)
		return ok && req.Method == gsip.BYE
	}).(*gsip.Request)
	if _, err := d.p.conn.WriteToUDP([]byte(gsip.NewResponseFromRequest(bye, 200, "OK", nil).String()), srvAddr); err != nil {
		t.Fatal(err)
	}
	if retransmitted < 3 {
		t.Errorf("the 200 OK was retransmitted %d times before the BYE", retransmitted)
	}
	select {
	case ended := <-h.ended:
		if ended != [2]string{ByServer, CauseNoACK} {
			t.Errorf("the call ended %v, want server/%s", ended, CauseNoACK)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call's handler did not finish")
	}
	if n := srv.ReinviteCounts()[ReinviteNoACK]; n != 1 {
		t.Errorf("%d re-INVITEs counted unacknowledged, want 1", n)
	}
}
