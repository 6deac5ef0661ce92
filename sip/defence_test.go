package sip

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gsip "github.com/emiago/sipgo/sip"
	"github.com/hotline-cc/hotline/admission"
	"github.com/hotline-cc/hotline/media/audiotest"
)

func TestPeekRequest(t *testing.T) {
	tests := []struct {
		name, msg string
		ok        bool
		method    admission.Method
		inDialog  bool
		ua        string
	}{
		{"invite", goodInvite, true, admission.Invite, false, ""},
		{"re-invite", strings.Replace(goodInvite, "To: <sip:100@127.0.0.1>", "To: <sip:100@127.0.0.1>;tag=abc", 1), true, admission.Invite, true, ""},
		{"tag in the uri only", strings.Replace(goodInvite, "To: <sip:100@127.0.0.1>", "To: <sip:100@127.0.0.1;tag=x>", 1), true, admission.Invite, false, ""},
		{"compact to with tag", "INVITE sip:x SIP/2.0\nt: sip:x@h ; TAG=9\nUser-Agent:  friendly-scanner \n\n", true, admission.Invite, true, "friendly-scanner"},
		{"register", "REGISTER sip:h SIP/2.0\r\nuser-agent: sipcli/v1.8\r\nTo: <sip:1@h>\r\n\r\n", true, admission.Register, false, "sipcli/v1.8"},
		{"options", "OPTIONS sip:100@h SIP/2.0\r\nUser-Agent: friendly-scanner\r\n\r\n", true, admission.Other, false, "friendly-scanner"},
		{"ua in the body is not a header", "OPTIONS sip:h SIP/2.0\r\nVia: x\r\n\r\nUser-Agent: friendly-scanner\r\n", true, admission.Other, false, ""},
		{"response", "SIP/2.0 200 OK\r\nUser-Agent: friendly-scanner\r\n\r\n", false, 0, false, ""},
		{"keepalive", "\r\n\r\n", false, 0, false, ""},
	}
	for _, tt := range tests {
		r, _, ok := peekRequest([]byte(tt.msg))
		if ok != tt.ok || ok && (r.Method != tt.method || r.InDialog != tt.inDialog || string(r.UserAgent) != tt.ua) {
			t.Errorf("%s: %+v %v (ua %q), want method %v in-dialog %v ua %q", tt.name, r, ok, r.UserAgent, tt.method, tt.inDialog, tt.ua)
		}
	}
}

func TestViaBranch(t *testing.T) {
	for via, want := range map[string]string{
		"Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1\r\n":                        "z9hG4bK1",
		"v: SIP/2.0/UDP h;rport;branch=z9hG4bK-a;received=1.2.3.4\r\n":               "z9hG4bK-a",
		"Via: SIP/2.0/UDP a;branch=z9hG4bKtop, SIP/2.0/UDP b;branch=z9hG4bKnext\r\n": "z9hG4bKtop",
		"Via: SIP/2.0/UDP a\r\nVia: SIP/2.0/UDP b;branch=z9hG4bKsecond\r\n":          "",
	} {
		_, b, ok := peekRequest([]byte("INVITE sip:x SIP/2.0\r\n" + via + "\r\n"))
		if !ok || string(b) != want {
			t.Errorf("%q: branch %q, want %q", via, b, want)
		}
	}
}

// TestRetransmissionAdmitted: a copy of an INVITE the screen let through is not refused by a
// bucket that has emptied since; a few copies only, and a new transaction is refused.
func TestRetransmissionAdmitted(t *testing.T) {
	srv := &Server{cfg: Config{Admission: admission.New(admission.Config{Invite: admission.Rate{PerSecond: 0.001, Burst: 1}}, admission.Options{})}}
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	from := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9} // discard: the 503s go nowhere
	if srv.screenDatagram(conn, []byte(goodInvite), from) {
		t.Fatal("the first INVITE was refused")
	}
	for i := range admittedRetrans {
		if srv.screenDatagram(conn, []byte(goodInvite), from) {
			t.Fatalf("retransmission %d was refused", i+1)
		}
	}
	if !srv.screenDatagram(conn, []byte(goodInvite), from) {
		t.Error("a copy replayed past the retransmissions was let through")
	}
	other := strings.Replace(goodInvite, "branch=z9hG4bK1", "branch=z9hG4bK2", 1)
	if !srv.screenDatagram(conn, []byte(other), from) {
		t.Error("a new INVITE from the empty bucket was let through")
	}
}

func TestServiceUnavailable(t *testing.T) {
	resp := serviceUnavailable([]byte(goodInvite), 3)
	m, err := gsip.ParseMessage(resp)
	if err != nil {
		t.Fatalf("503 does not parse: %v\n%s", err, resp)
	}
	res := m.(*gsip.Response)
	if res.StatusCode != 503 || res.GetHeader("Retry-After").Value() != "3" || res.CallID().Value() != "abc" ||
		res.Via().Params.GetOr("branch", "") != "z9hG4bK1" || res.CSeq().SeqNo != 1 {
		t.Errorf("503:\n%s", resp)
	}
	if tag, _ := res.To().Params.Get("tag"); tag == "" {
		t.Errorf("503 without a To tag:\n%s", resp)
	}
	if serviceUnavailable([]byte("INVITE sip:x SIP/2.0\r\nCall-ID: a\r\n\r\n"), 1) != nil {
		t.Error("answered a request without Via")
	}
}

func FuzzPeekRequest(f *testing.F) {
	f.Add([]byte(goodInvite))
	f.Add([]byte("INVITE sip:x SIP/2.0\nt: sip:x@h ; TAG=9\nUser-Agent: friendly-scanner\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, _, ok := peekRequest(b); ok {
			_ = serviceUnavailable(b, 1)
		}
	})
}

// TestDefenceOnTheWire: with the admission screen on the server's socket, a scanner's OPTIONS gets
// no response at all, REGISTERs past the source's bucket get a stateless 503 with Retry-After, and
// another source still gets through.
func TestDefenceOnTheWire(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets")
	}
	adm := admission.New(admission.Config{Scanners: admission.DefaultScanners, Register: admission.Rate{PerSecond: 0.001, Burst: 2}},
		admission.Options{})
	_, srvAddr := startTestServer(t, nil, 23000, func(c *Config) { c.Admission = adm })
	listen := func(ip string) *sipPeer {
		conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(ip)})
		if err != nil {
			t.Skipf("cannot bind %s: %v", ip, err)
		}
		t.Cleanup(func() { conn.Close() })
		return &sipPeer{t: t, conn: conn, srv: srvAddr}
	}
	p := listen("127.0.0.1")
	req := func(method, callID, ua string) string {
		return fmt.Sprintf("%s sip:hotline@%s SIP/2.0\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s\nFrom: <sip:1001@hotline>;tag=f%s\n"+
			"To: <sip:1001@hotline>\nCall-ID: %s\nCSeq: 1 %s\nUser-Agent: %s\nMax-Forwards: 70\nContent-Length: 0\n\n",
			method, srvAddr, p.conn.LocalAddr(), callID, callID, callID, method, ua)
	}
	byCallID := func(id string) func(gsip.Message) bool {
		return func(m gsip.Message) bool {
			res, ok := m.(*gsip.Response)
			if ok && res.CallID().Value() != id && strings.HasPrefix(res.CallID().Value(), "scan") {
				t.Errorf("the scanner's request %s was answered: %d %s", res.CallID().Value(), res.StatusCode, res.Reason)
			}
			return ok && res.CallID().Value() == id
		}
	}
	// The scanner's OPTIONS comes first; the first answer must be the phone's.
	p.send(req("OPTIONS", "scan-1", "friendly-scanner"), "")
	p.send(req("OPTIONS", "phone-1", "Yealink SIP-T46S"), "")
	if res := p.next("the phone's OPTIONS", byCallID("phone-1")).(*gsip.Response); res.StatusCode != 200 {
		t.Errorf("phone's OPTIONS: %d", res.StatusCode)
	}
	// No registrar: the stack answers 405; beyond the burst of 2, the screen answers 503.
	for i := 1; i <= 2; i++ {
		id := fmt.Sprintf("reg-%d", i)
		p.send(req("REGISTER", id, "Yealink SIP-T46S"), "")
		if res := p.next(id, byCallID(id)).(*gsip.Response); res.StatusCode != 405 {
			t.Errorf("REGISTER %d within the burst: %d %s", i, res.StatusCode, res.Reason)
		}
	}
	p.send(req("REGISTER", "reg-3", "Yealink SIP-T46S"), "")
	res := p.next("reg-3", byCallID("reg-3")).(*gsip.Response)
	if res.StatusCode != 503 || res.GetHeader("Retry-After") == nil {
		t.Errorf("REGISTER past the burst: %d %s, Retry-After %v", res.StatusCode, res.Reason, res.GetHeader("Retry-After"))
	}
	q := listen("127.0.0.2")
	q.send(strings.ReplaceAll(req("REGISTER", "other-1", "Yealink"), p.conn.LocalAddr().String(), q.conn.LocalAddr().String()), "")
	if res := q.next("other-1", byCallID("other-1")).(*gsip.Response); res.StatusCode != 405 {
		t.Errorf("REGISTER from another address: %d %s", res.StatusCode, res.Reason)
	}
	if got := adm.Stats().Refused; got[admission.Scanner] != 1 || got[admission.RegisterRate] != 1 {
		t.Errorf("refusals %v", got)
	}
}

// BenchmarkScreenInvite is the hot path's cost per INVITE datagram that passes: reading the method,
// To tag, User-Agent and Via branch, remembering the transaction, and the admission check (scanner
// list, the source's bucket, call limit, guard), each INVITE a new transaction from one of 1,000
// sources.
func BenchmarkScreenInvite(b *testing.B) {
	adm := admission.New(admission.Config{Scanners: admission.DefaultScanners, Invite: admission.Rate{PerSecond: 1e9, Burst: 1e9},
		MaxCalls: 100000, Guard: admission.GuardConfig{MaxSendJitter: 10 * time.Millisecond}},
		admission.Options{Calls: func() int { return 10 }, Probe: admission.NewMediaProbe()})
	srv := &Server{cfg: Config{Admission: adm}}
	msg := []byte(strings.ReplaceAll("INVITE sip:100@127.0.0.1 SIP/2.0\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-000000000000\n"+
		"From: sipp <sip:sipp@127.0.0.1:5070>;tag=1SIPpTag001\nTo: <sip:100@127.0.0.1:5060>\nCall-ID: 1-1@127.0.0.1\n"+
		"CSeq: 1 INVITE\nContact: sip:sipp@127.0.0.1:5070\nMax-Forwards: 70\nUser-Agent: Yealink SIP-T46S 66.86.0.15\n"+
		"Subject: Performance Test\nContent-Type: application/sdp\nContent-Length: 129\n\n", "\n", "\r\n"))
	digits := msg[bytes.Index(msg, []byte("z9hG4bK-"))+8:][:12]
	srcs := make([]net.Addr, 1000)
	for i := range srcs {
		srcs[i] = &net.UDPAddr{IP: net.IPv4(10, 0, byte(i>>8), byte(i)), Port: 5060}
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		for j, n := len(digits)-1, i; j >= 0; j, n = j-1, n/10 {
			digits[j] = byte('0' + n%10)
		}
		if srv.screenDatagram(nil, msg, srcs[i%len(srcs)]) {
			b.Fatal("refused")
		}
	}
}

// switchProbe is a probe the test turns bad and good.
type switchProbe struct{ bad atomic.Bool }

func (p *switchProbe) Sample() admission.Health {
	if p.bad.Load() {
		return admission.Health{SendJitter: 5 * time.Millisecond, Intervals: 100000}
	}
	return admission.Health{SendJitter: 250 * time.Microsecond, Intervals: 100000}
}

// TestOverloadSparesEstablishedCalls: while the overload guard refuses new calls (503 with
// Retry-After), a call already up keeps its audio and its dialog: a re-INVITE and the BYE are
// served. When the guard clears, new calls are taken again.
func TestOverloadSparesEstablishedCalls(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: opens sockets and runs SIP dialogs")
	}
	probe := &switchProbe{}
	adm := admission.New(admission.Config{RetryAfter: 7 * time.Second,
		Guard: admission.GuardConfig{MaxSendJitter: time.Millisecond, Every: time.Nanosecond, Hold: time.Nanosecond, Sustain: 1}},
		admission.Options{Probe: probe})
	h := toneHandler{ended: make(chan [2]string, 2)}
	// RTP ports below the range the benchmarks and e2e servers use, which may be busy on a shared machine.
	_, srvAddr := startTestServer(t, h, 6000, func(c *Config) { c.Admission = adm })

	up := newDialog(t, srvAddr, "up")
	ear := audiotest.NewRTPEar(t)
	res := up.invite(callerSDP(ear.Port(), "0 101", "sendrecv", pcmuOnly...))
	if res.StatusCode != 200 {
		t.Fatalf("INVITE before the overload: %d %s", res.StatusCode, res.Reason)
	}
	up.ack("")
	answer, err := ParseOffer(res.Body())
	if err != nil {
		t.Fatal(err)
	}
	sendRTP(t, ear, answer.Addr, 1)

	probe.bad.Store(true)
	late := newDialog(t, srvAddr, "late")
	res = late.invite(callerSDP(audiotest.NewRTPEar(t).Port(), "0 101", "sendrecv", pcmuOnly...))
	if res.StatusCode != 503 || res.GetHeader("Retry-After") == nil || res.GetHeader("Retry-After").Value() != "7" {
		t.Fatalf("INVITE during the overload: %d %s, Retry-After %v; want 503 with Retry-After 7", res.StatusCode, res.Reason, res.GetHeader("Retry-After"))
	}
	hearsTone(t, "the established call during the overload", ear.Listen(700*time.Millisecond), 0)
	if res := up.invite(callerSDP(ear.Port(), "0 101", "sendrecv", pcmuOnly...)); res.StatusCode != 200 {
		t.Fatalf("re-INVITE of the established call during the overload: %d %s", res.StatusCode, res.Reason)
	}
	up.ack("")
	up.bye()
	<-h.ended

	probe.bad.Store(false)
	again := newDialog(t, srvAddr, "again")
	if res := again.invite(callerSDP(audiotest.NewRTPEar(t).Port(), "0 101", "sendrecv", pcmuOnly...)); res.StatusCode != 200 {
		t.Fatalf("INVITE after the overload: %d %s", res.StatusCode, res.Reason)
	}
	again.ack("")
	again.bye()
	<-h.ended
	if s := adm.Stats(); s.Refused[admission.Overload] != 1 || s.GuardTrips != 1 {
		t.Errorf("stats %+v, want one refusal and one trip", s)
	}
}
