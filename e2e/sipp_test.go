package e2e

import (
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
)

// TestMenuNoAgentAndRecordSurvivesCrash: a sipp caller presses 0 with no
// agent logged in, hears the fallback and is hung up by the server. The
// call record is there after a kill -9 and a restart.
func TestMenuNoAgentAndRecordSurvivesCrash(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: peers.ScenarioMenuDTMFWaitBye, Remote: srv.SIPAddr(), Service: "4008001234",
		Keys: map[string]string{"greeting_ms": "2500"}})
	if err != nil {
		t.Fatalf("sipp: %v\n%s", err, res.ErrorLog)
	}
	calls := srv.WaitCalls(t, 1, 5*time.Second)
	want := calls[0]
	srv.Kill() // a crash, right after the call ended
	srv.Start()
	got := srv.WaitCalls(t, 1, 5*time.Second)[0]
	if got.ID != want.ID || got.Disposition != "no_agent" || got.HangupBy != "server" || got.To != "4008001234" {
		t.Fatalf("record after restart = %+v", got)
	}
	var nodes []string
	for _, p := range got.Path {
		nodes = append(nodes, p.Node)
	}
	if strings.Join(nodes, ",") != "greet,menu,agent,sorry,goodbye" {
		t.Fatalf("path = %v", nodes)
	}
	if got.DialplanVersion != 1 || got.DialplanHash == "" || got.Codec != "PCMU" {
		t.Fatalf("dialplan version %d hash %q codec %q", got.DialplanVersion, got.DialplanHash, got.Codec)
	}
}

// TestInfoDTMF: a key sent as SIP INFO (application/dtmf-relay) drives the menu too.
func TestInfoDTMF(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan})
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: peers.ScenarioInfoDTMF, Remote: srv.SIPAddr(), Service: "4008001234"})
	if err != nil {
		t.Fatalf("sipp: %v\n%s", err, res.ErrorLog)
	}
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	var nodes []string
	for _, p := range c.Path {
		nodes = append(nodes, p.Node)
	}
	// 0 → queue → nobody logged in → sorry (the scenario may hang up during it).
	if !strings.HasPrefix(strings.Join(nodes, ","), "menu,agent,sorry") {
		t.Fatalf("path = %v (the INFO key was not used)", nodes)
	}
}

// TestTollFraudRefused: an unauthenticated caller asking for a number the
// dialplan does not route (an international number) is refused with 403,
// and nothing is dialled.
func TestTollFraudRefused(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	startAgent(t, srv, "alice", "alice-demo", true)
	for _, number := range []string{"0044201234567", "+8613800000000", "900"} {
		res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "uac_expect_4xx.xml", Remote: srv.SIPAddr(), Service: number,
			Keys: map[string]string{"expected": "403"}})
		if err != nil {
			t.Fatalf("INVITE to %s was not refused with 403: %v\n%s\n%s", number, err, res.Logs, res.ErrorLog)
		}
	}
	calls := srv.WaitCalls(t, 3, 5*time.Second)
	for _, c := range calls {
		if c.Disposition != "rejected" || c.Agent != "" || !c.Answer.IsZero() {
			t.Fatalf("refused call record = %+v", c)
		}
	}
	if strings.Contains(srv.Log(), "ringing agent") {
		t.Fatal("an unrouted call rang an agent")
	}
}

// TestNoCommonCodec: an offer with only G.729 gets 488.
func TestNoCommonCodec(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "uac_488.xml", Remote: srv.SIPAddr(), Service: "4008001234"})
	if err != nil {
		t.Fatalf("sipp: %v\n%s", err, res.ErrorLog)
	}
}

// TestDrainOnSIGTERM: during a drain, calls in progress continue and new
// INVITEs get 503; the process exits when the last call ends.
func TestDrainOnSIGTERM(t *testing.T) {
	srv := StartServer(t, ServerOptions{Drain: "20s"})
	// A call that waits in the menu (no key) for a while.
	first, err := peers.StartSipp(t, peers.SippArgs{Scenario: peers.ScenarioMenuDTMFWaitBye, Remote: srv.SIPAddr(), Service: "4008001234",
		Keys: map[string]string{"greeting_ms": "1000"}, Timeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog("call started", 5*time.Second) {
		t.Fatal("first call did not start")
	}
	_ = srv.cmd.Process.Signal(syscall.SIGTERM)
	if !srv.WaitLog("draining", 5*time.Second) {
		t.Fatal("server did not start draining")
	}
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "uac_expect_4xx.xml", Remote: srv.SIPAddr(), Service: "4008001234",
		Keys: map[string]string{"expected": "503"}})
	if err != nil {
		t.Fatalf("new INVITE during drain was not refused with 503: %v\n%s", err, res.Logs)
	}
	if r, err := first.Wait(); err != nil {
		t.Fatalf("call in progress did not finish normally during the drain: %v\n%s", err, r.ErrorLog)
	}
	select {
	case <-srv.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit after its last call")
	}
}

// TestMalformedRequests: garbage and malformed requests get 400 (where
// there is a Via to answer) and the server keeps serving.
func TestMalformedRequests(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	conn, err := net.Dial("udp", srv.SIPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	via := fmt.Sprintf("Via: SIP/2.0/UDP %s;branch=z9hG4bKbad1;rport\r\n", conn.LocalAddr())
	bad := []string{
		"INVITE sip:4008001234@127.0.0.1 SIP/2.0\r\n" + via + "From: <sip:a@b>;tag=1\r\nTo: <sip:4008001234@127.0.0.1>\r\nCall-ID: bad1\r\nCSeq: x INVITE\r\nContent-Length: 0\r\n\r\n",
		"INVITE sip:4008001234@127.0.0.1 SIP/2.0\r\n" + via + "From: <sip:a@b>;tag=1\r\nCall-ID: bad2\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		"INVITE sip:4008001234@127.0.0.1 SIP/2.0\r\n" + via + "From: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: bad3\r\nCSeq: 1 INVITE\r\nContent-Length: 500\r\n\r\nv=0",
	}
	buf := make([]byte, 4096)
	for i, msg := range bad {
		if _, err := conn.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("malformed request %d: no answer: %v", i, err)
		}
		if !strings.HasPrefix(string(buf[:n]), "SIP/2.0 400 ") {
			t.Fatalf("malformed request %d answered:\n%s", i, buf[:n])
		}
	}
	// Pure garbage: no answer possible, but the server must stay up.
	_, _ = conn.Write([]byte("\x00\x01garbage\xff\r\n\r\n"))
	// An INVITE whose SDP is broken gets 400 as well, from the dialog layer.
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "uac_488.xml", Remote: srv.SIPAddr(), Service: "4008001234",
		Replace: map[string]string{"c=IN IP[media_ip_type] [media_ip]": "c=IN IP4 not-an-address", `response="488"`: `response="400"`}})
	if err != nil {
		t.Fatalf("broken SDP: %v\n%s", err, res.ErrorLog)
	}
	// Still serving: OPTIONS answered.
	opt := "OPTIONS sip:hotline@127.0.0.1 SIP/2.0\r\n" + via + "From: <sip:a@b>;tag=2\r\nTo: <sip:hotline@127.0.0.1>\r\nCall-ID: opt1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	if _, err := conn.Write([]byte(opt)); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, err := conn.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200 OK") {
		t.Fatalf("OPTIONS after malformed input: %v %q", err, buf[:max(n, 0)])
	}
	// Methods the server does not serve.
	for method, code := range map[string]string{"SUBSCRIBE": "405", "FROBNICATE": "501"} {
		m := method + " sip:hotline@127.0.0.1 SIP/2.0\r\n" + via + "From: <sip:a@b>;tag=3\r\nTo: <sip:hotline@127.0.0.1>\r\nCall-ID: m-" + method + "\r\nCSeq: 1 " + method + "\r\nContent-Length: 0\r\n\r\n"
		_, _ = conn.Write([]byte(m))
		_ = conn.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, err := conn.Read(buf)
		if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 "+code) {
			t.Fatalf("%s answered %q (%v), want %s", method, buf[:max(n, 0)], err, code)
		}
	}
}

// TestRTPTimeout: a caller that sends no RTP is hung up after rtp_timeout.
func TestRTPTimeout(t *testing.T) {
	srv := StartServer(t, ServerOptions{RTPTimeout: "2s"})
	start := time.Now()
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "testdata/uac_silent_wait_bye.xml", Remote: srv.SIPAddr(), Service: "4008001234"})
	if err != nil {
		t.Fatalf("server did not hang up the silent call: %v\n%s", err, res.ErrorLog)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Fatalf("hung up after %s, want about 2 s", d)
	}
	c := srv.WaitCalls(t, 1, 5*time.Second)[0]
	if c.HangupBy != "server" || c.HangupCause != "rtp_timeout" {
		t.Fatalf("record hangup = %s/%s, want server/rtp_timeout", c.HangupBy, c.HangupCause)
	}
}
