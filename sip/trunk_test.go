package sip

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/media"
)

type dialResult struct {
	call *OutboundCall
	err  error
}

// dialTrunk starts DialTrunk in the background; progress collects the provisional responses reported.
func dialTrunk(ctx context.Context, s *Server, req TrunkRequest) (<-chan dialResult, func() []int) {
	var mu sync.Mutex
	var codes []int
	req.OnProgress = func(code int, _ string) {
		mu.Lock()
		codes = append(codes, code)
		mu.Unlock()
	}
	out := make(chan dialResult, 1)
	go func() {
		c, err := s.DialTrunk(ctx, req)
		out <- dialResult{c, err}
	}()
	return out, func() []int {
		mu.Lock()
		defer mu.Unlock()
		return append([]int(nil), codes...)
	}
}

func waitDial(t *testing.T, ch <-chan dialResult) dialResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(30 * time.Second):
		t.Fatal("DialTrunk did not return")
	}
	return dialResult{}
}

// TestDialTrunk runs the outbound trunk calls against a scripted carrier, on one server (NewServer sets
// sipgo's global logger, which the stack's goroutines read).
func TestDialTrunk(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs SIP dialogs")
	}
	s := startTrunkServer(t)
	t.Run("answered", func(t *testing.T) { testDialTrunkAnswered(t, s) })
	t.Run("busy", func(t *testing.T) { testDialTrunkBusy(t, s) })
	t.Run("digest auth", func(t *testing.T) { testDialTrunkDigestAuth(t, s) })
	t.Run("cancel on timeout", func(t *testing.T) { testDialTrunkCancelOnTimeout(t, s) })
	t.Run("unreachable", func(t *testing.T) { testDialTrunkUnreachable(t, s) })
	t.Run("early media answered", func(t *testing.T) { testEarlyMediaAnswered(t, s) })
	t.Run("early media then busy", func(t *testing.T) { testEarlyMediaBusy(t, s) })
	t.Run("early media, answer changes the codec", func(t *testing.T) { testEarlyMediaAnswerChangesCodec(t, s) })
	t.Run("early media, answer without sdp", func(t *testing.T) { testEarlyMediaAnswerWithoutSDP(t, s) })
}

// testDialTrunkAnswered: the INVITE goes to sip:<number>@<host> with our codec offer and the caller id
// in From; 180 is reported, the 200 OK is ACKed, media flows to the answer's address, and hanging up
// sends BYE.
func testDialTrunkAnswered(t *testing.T, s *Server) {
	carrier := newFakeCarrier(t)
	res, progress := dialTrunk(context.Background(), s, TrunkRequest{Trunk: "pstn", Number: "13800138000",
		Host: carrier.host(), CallerID: "+861088880000", Log: testLogger(t)})

	inv := carrier.expect(gsip.INVITE)
	if got, want := inv.req.Recipient.String(), "sip:13800138000@"+carrier.host(); got != want {
		t.Errorf("request URI %s, want %s", got, want)
	}
	// Via and Contact name the server's address: where the carrier's responses and requests go.
	if v := inv.req.Via(); v == nil || net.JoinHostPort(v.Host, strconv.Itoa(v.Port)) != s.Addr().String() {
		t.Errorf("Via %v, want the server's address %s", v, s.Addr())
	}
	if c := inv.req.Contact(); c == nil || net.JoinHostPort(c.Address.Host, strconv.Itoa(c.Address.Port)) != s.Addr().String() {
		t.Errorf("Contact %v, want the server's address %s", c, s.Addr())
	}
	if f := inv.req.From(); f == nil || f.Address.User != "+861088880000" {
		t.Errorf("From = %v, want the caller id", inv.req.From())
	}
	if to := inv.req.To(); to == nil || to.Address.User != "13800138000" {
		t.Errorf("To = %v", inv.req.To())
	}
	body := string(inv.req.Body())
	for _, want := range []string{"a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000", "a=rtpmap:9 G722/8000", "telephone-event/8000"} {
		if !strings.Contains(body, want) {
			t.Errorf("offer lacks %q:\n%s", want, body)
		}
	}
	carrier.respond(inv, 100, "Trying", "")
	carrier.respond(inv, 180, "Ringing", "")
	// sipgo handles each response in its own goroutine: a 200 sent at once may overtake the 180. A real
	// number rings for a while; wait until the ringing is reported.
	for deadline := time.Now().Add(10 * time.Second); len(progress()) == 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	carrier.respond(inv, 200, "OK", carrier.answerSDP())
	carrier.expect(gsip.ACK)

	r := waitDial(t, res)
	if r.err != nil {
		t.Fatalf("DialTrunk: %v", r.err)
	}
	call := r.call
	if call.Codec() != "PCMU" {
		t.Errorf("codec %q, want PCMU", call.Codec())
	}
	if got := progress(); len(got) != 1 || got[0] != 180 {
		t.Errorf("progress reported %v, want [180]", got)
	}
	// Our RTP arrives where the answer said (silence while nothing is bridged).
	buf := make([]byte, 1500)
	_ = carrier.rtp.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := carrier.rtp.Read(buf); err != nil {
		t.Fatalf("no RTP toward the answer: %v", err)
	}

	hung := make(chan error, 1)
	go func() { hung <- call.Hangup(context.Background(), "normal") }()
	bye := carrier.expect(gsip.BYE)
	carrier.respond(bye, 200, "OK", "")
	if err := <-hung; err != nil {
		t.Errorf("Hangup: %v", err)
	}
	if !call.HungUpByUs() || call.Context().Err() == nil {
		t.Error("the leg did not end as hung up by us")
	}
	call.Close()
}

// testDialTrunkBusy: 486 ends the attempt with media.ErrBusy, the status in its text as the call
// record keeps it (and the 486 is ACKed).
func testDialTrunkBusy(t *testing.T, s *Server) {
	carrier := newFakeCarrier(t)
	res, _ := dialTrunk(context.Background(), s, TrunkRequest{Trunk: "pstn", Number: "13800138000", Host: carrier.host(),
		CallerID: "13900000000", Log: testLogger(t)})
	inv := carrier.expect(gsip.INVITE)
	carrier.respond(inv, 486, "Busy Here", "")
	carrier.expect(gsip.ACK)
	r := waitDial(t, res)
	var re *ResponseError
	if !errors.Is(r.err, media.ErrBusy) || !errors.As(r.err, &re) || re.Code != 486 || r.err.Error() != "busy (486 Busy Here)" {
		t.Fatalf("DialTrunk error %q, want busy (486 Busy Here)", r.err)
	}
}

// testDialTrunkDigestAuth: a 407 challenge is answered with the trunk's credentials (a correct
// digest response on a new INVITE), then the call is answered. Without a password the 407 is final.
func testDialTrunkDigestAuth(t *testing.T, s *Server) {
	carrier := newFakeCarrier(t)
	const realm, user, pass = "carrier.example", "acme", "s3cret"
	res, _ := dialTrunk(context.Background(), s, TrunkRequest{Trunk: "pstn", Number: "13800138000", Host: carrier.host(),
		CallerID: "13900000000", Username: user, Password: pass, Log: testLogger(t)})
	inv := carrier.expect(gsip.INVITE)
	if h := inv.req.GetHeader("Proxy-Authorization"); h != nil {
		t.Errorf("first INVITE already carries credentials: %s", h.Value())
	}
	carrier.respond(inv, 407, "Proxy Authentication Required", "",
		"Proxy-Authenticate", `Digest realm="`+realm+`", nonce="n0nce42", algorithm=MD5, qop="auth"`)
	carrier.expect(gsip.ACK)

	inv2 := carrier.expect(gsip.INVITE)
	if inv2.req.CSeq().SeqNo <= inv.req.CSeq().SeqNo || inv2.req.CallID().Value() != inv.req.CallID().Value() {
		t.Errorf("authenticated INVITE: CSeq %d after %d, Call-ID %s vs %s", inv2.req.CSeq().SeqNo, inv.req.CSeq().SeqNo,
			inv2.req.CallID().Value(), inv.req.CallID().Value())
	}
	h := inv2.req.GetHeader("Proxy-Authorization")
	if h == nil {
		t.Fatalf("second INVITE has no Proxy-Authorization:\n%s", inv2.req)
	}
	cred, err := parseDigest(h.Value())
	if err != nil {
		t.Fatalf("Proxy-Authorization %q: %v", h.Value(), err)
	}
	if cred.Username != user || cred.Realm != realm || cred.Nonce != "n0nce42" || !verifyDigest(cred, HA1(user, realm, pass), "INVITE") {
		t.Fatalf("wrong digest response: %s", h.Value())
	}
	if verifyDigest(cred, HA1(user, realm, "wrong"), "INVITE") {
		t.Fatal("the digest check accepts any password")
	}
	carrier.respond(inv2, 200, "OK", carrier.answerSDP())
	carrier.expect(gsip.ACK)
	r := waitDial(t, res)
	if r.err != nil {
		t.Fatalf("DialTrunk after the challenge: %v", r.err)
	}
	go func() { _ = r.call.Hangup(context.Background(), "normal") }()
	carrier.respond(carrier.expect(gsip.BYE), 200, "OK", "")
	r.call.Close()

	// No credentials: the challenge ends the attempt.
	res, _ = dialTrunk(context.Background(), s, TrunkRequest{Trunk: "pstn", Number: "13800138001", Host: carrier.host(),
		CallerID: "13900000000", Log: testLogger(t)})
	inv = carrier.expect(gsip.INVITE)
	carrier.respond(inv, 407, "Proxy Authentication Required", "", "Proxy-Authenticate", `Digest realm="`+realm+`", nonce="n2"`)
	carrier.expect(gsip.ACK)
	if r := waitDial(t, res); !errors.Is(r.err, ErrAuthFailed) {
		t.Fatalf("challenge without credentials: %v, want ErrAuthFailed", r.err)
	}
}

// testDialTrunkCancelOnTimeout: a number that rings past the dial timeout is CANCELled; the 487 is
// ACKed and the error is media.ErrNoAnswer.
func testDialTrunkCancelOnTimeout(t *testing.T, s *Server) {
	carrier := newFakeCarrier(t)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	res, progress := dialTrunk(ctx, s, TrunkRequest{Trunk: "pstn", Number: "13800138000", Host: carrier.host(),
		CallerID: "13900000000", Log: testLogger(t)})
	inv := carrier.expect(gsip.INVITE)
	carrier.respond(inv, 183, "Session Progress", "")
	cancelReq := carrier.expect(gsip.CANCEL)
	if cancelReq.req.CallID().Value() != inv.req.CallID().Value() || cancelReq.req.Via().Params == nil {
		t.Fatalf("CANCEL does not match the INVITE:\n%s", cancelReq.req)
	}
	invBranch, _ := inv.req.Via().Params.Get("branch")
	if b, _ := cancelReq.req.Via().Params.Get("branch"); b != invBranch {
		t.Errorf("CANCEL branch %s, INVITE branch %s", b, invBranch)
	}
	carrier.respond(cancelReq, 200, "OK", "")
	carrier.respond(inv, 487, "Request Terminated", "")
	carrier.expect(gsip.ACK)
	r := waitDial(t, res)
	if !errors.Is(r.err, media.ErrNoAnswer) || r.err.Error() != "no answer" {
		t.Fatalf("DialTrunk error %q, want no answer", r.err)
	}
	if got := progress(); len(got) != 1 || got[0] != 183 {
		t.Errorf("progress reported %v, want [183]", got)
	}
}

// testDialTrunkUnreachable: a carrier that never responds is given up when the dial timeout ends
// (nothing can be CANCELled before a provisional response) and reported as unreachable.
func testDialTrunkUnreachable(t *testing.T, s *Server) {
	carrier := newFakeCarrier(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	res, _ := dialTrunk(ctx, s, TrunkRequest{Trunk: "pstn", Number: "13800138000", Host: carrier.host(), Log: testLogger(t)})
	inv := carrier.expect(gsip.INVITE)
	if f := inv.req.From(); f == nil || f.Address.User != "anonymous" {
		t.Errorf("no caller id: From = %v, want anonymous", inv.req.From())
	}
	if r := waitDial(t, res); !errors.Is(r.err, ErrUnreachable) {
		t.Fatalf("DialTrunk error %v, want ErrUnreachable", r.err)
	}
}

func TestTrunkURI(t *testing.T) {
	for _, tt := range []struct {
		req  TrunkRequest
		want string
	}{
		{TrunkRequest{Number: "13800138000", Host: "sip.carrier.example"}, "sip:13800138000@sip.carrier.example"},
		{TrunkRequest{Number: "+4930123", Host: "10.0.0.1:5070", Transport: "tcp"}, "sip:+4930123@10.0.0.1:5070;transport=tcp"},
		{TrunkRequest{Number: "100", Host: "[::1]:5060"}, "sip:100@[::1]:5060"},
	} {
		u, err := trunkURI(tt.req)
		if err != nil || u.String() != tt.want {
			t.Errorf("trunkURI(%+v) = %s, %v; want %s", tt.req, u.String(), err, tt.want)
		}
	}
	for _, req := range []TrunkRequest{
		{Number: "", Host: "h"}, {Number: "1@evil", Host: "h"}, {Number: "1", Host: ""},
		{Number: "1", Host: "h:0"}, {Number: "1", Host: "h", Transport: "tls"},
	} {
		if _, err := trunkURI(req); !errors.Is(err, ErrBadTrunk) {
			t.Errorf("trunkURI(%+v): %v, want ErrBadTrunk", req, err)
		}
	}
}
