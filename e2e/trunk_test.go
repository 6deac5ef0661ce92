package e2e

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/record"
)

// Numbers of the external-transfer tests: the carrier's subscriber and the caller.
const (
	carrierNumber = "13800138000"
	trunkCaller   = "13900000000"
)

// trunkDialplan has one trunk, "carrier" at host (which allows 138… numbers only), and three routes:
// 5000 transfers straight to the carrier's subscriber (the caller is answered when the number
// answers); 5001 greets the caller first (ringback comes from the server) and goes on after the
// number hangs up; 5002 transfers to a number a template expands to, which the trunk does not allow.
func trunkDialplan(host, trunkExtra string) string {
	return fmt.Sprintf(`version: 1
settings:
  language: en-US
trunks:
  carrier:
    host: "%s"
    allow: ["^138[0-9]{8}$"]%s
routes:
  - {name: direct, to: "5000", flow: direct}
  - {name: greeted, to: "5001", flow: greeted}
  - {name: fraud, to: "5002", flow: fraud}
flows:
  direct:
    start: xfer
    nodes:
      - {id: xfer, type: transfer, number: "%[3]s", trunk: carrier, max_wait: 20s, next: end, failed: sorry, error: sorry}
      - {id: sorry, type: say, text: "Sorry, the number cannot be reached.", next: end}
      - {id: end, type: hangup}
  greeted:
    start: greet
    nodes:
      - {id: greet, type: say, text: "Connecting you.", next: xfer}
      - {id: xfer, type: transfer, number: "%[3]s", trunk: carrier, max_wait: 20s, next: bye, failed: sorry, error: sorry}
      - {id: bye, type: say, text: "The other party has hung up. Goodbye.", next: end}
      - {id: sorry, type: say, text: "Sorry, the number cannot be reached.", next: end}
      - {id: end, type: hangup}
  fraud:
    start: set
    nodes:
      - {id: set, type: set, vars: {target: "0044201234567"}, next: xfer}
      - {id: xfer, type: transfer, number: "${target}", trunk: carrier, next: end, failed: end, error: sorry}
      - {id: sorry, type: say, text: "Sorry, the number cannot be reached.", next: end}
      - {id: end, type: hangup}
`, host, trunkExtra, carrierNumber)
}

// pathOf lists a record's nodes with the edges they took: "xfer:next".
func pathOf(c record.Call) string {
	var p []string
	for _, s := range c.Path {
		p = append(p, s.Node+":"+s.Edge)
	}
	return strings.Join(p, ",")
}

// TestTrunkTransferTalks: the carrier is a baresip phone on loopback (no registration) that answers and
// plays 1000 Hz. A caller playing 440 Hz dials a route that transfers to the carrier's subscriber: the
// caller's phone rings while the number rings, both are answered, each hears the other, and when the
// caller hangs up the carrier is released. The record names the number, the trunk and the answer. The
// trunk is reached over UDP, then over TCP.
func TestTrunkTransferTalks(t *testing.T) {
	for _, transport := range []string{"udp", "tcp"} {
		t.Run(transport, func(t *testing.T) { trunkTransferTalks(t, transport) })
	}
}

func trunkTransferTalks(t *testing.T, transport string) {
	carrier := peers.StartPhone(t, peers.PhoneConfig{User: carrierNumber, AutoAnswer: true, AnswerDelay: 500 * time.Millisecond,
		PlayWAV: toneWAV(t, t.TempDir(), agentTone), MaxCallSeconds: 60})
	srv := StartServer(t, ServerOptions{Dialplan: trunkDialplan(fmt.Sprintf("127.0.0.1:%d", carrier.SIPPort()), "\n    transport: "+transport)})
	caller := dialTrunkRoute(t, srv, "5000", false)
	in, err := carrier.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallIncoming)
	if err != nil {
		t.Fatalf("the carrier never got the call: %v\n%s", err, srv.Log())
	}
	if tcp := strings.Contains(srv.Log(), ";transport=tcp"); tcp != (transport == "tcp") {
		t.Errorf("transport %s: INVITE with ;transport=tcp: %v", transport, tcp)
	}
	if !strings.Contains(in.PeerURI, trunkCaller) {
		t.Errorf("the carrier sees the call from %q, want the caller's number %s", in.PeerURI, trunkCaller)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallRinging); err != nil {
		t.Errorf("the caller's phone was not told that the number rings: %v", err)
	}
	if _, err := carrier.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("carrier: call not established: %v\n%s", err, srv.Log())
	}
	if _, err := caller.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: call not established: %v\n%s", err, srv.Log())
	}
	if err := carrier.WaitRecorded(ctxFor(t, 20*time.Second), 3*time.Second); err != nil {
		t.Fatalf("carrier: %v", err)
	}
	if err := caller.WaitRecorded(ctxFor(t, 20*time.Second), 3*time.Second); err != nil {
		t.Fatalf("caller: %v", err)
	}
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	if _, err := carrier.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("the carrier was not released after the caller hung up: %v", err)
	}
	caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)

	assertHears(t, "carrier", carrier.RecordedWAV(), callerTone)
	assertHears(t, "caller", caller.RecordedWAV(), agentTone)

	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	if c.Disposition != record.DispositionTransferred || c.HangupBy != record.HangupByCaller || c.Answer.IsZero() {
		t.Errorf("record: disposition %q hangup_by %q answer %v", c.Disposition, c.HangupBy, c.Answer)
	}
	if p := pathOf(c); p != "xfer:next" {
		t.Errorf("path %s, want xfer:next", p)
	}
	if len(c.Transfers) != 1 {
		t.Fatalf("record transfers: %+v", c.Transfers)
	}
	x := c.Transfers[0]
	if x.Number != carrierNumber || x.Trunk != "carrier" || x.Outcome != record.TransferAnswered || x.CallerID != trunkCaller ||
		x.Answer.IsZero() || x.End.Before(x.Answer) || x.HangupBy != record.HangupByCaller || x.Codec != "PCMU" {
		t.Errorf("record transfer: %+v", x)
	}
	srv.AssertMetric(t, `hotline_external_transfers_total{outcome="answered",trunk="carrier"} 1`)
}

// TestTrunkTransferDigestAuth: the carrier is a sipp UAS that checks the trunk's caller id, challenges
// the INVITE with 407 and checks the digest response, challenges it again with 401 and verifies the
// credentials with sipp's verifyauth (they come from hotline.yaml, the password from the environment),
// then rings, answers, and hangs up after a while. The caller, greeted first, hears the
// server's ringback meanwhile; after the number hangs up the flow goes on and says goodbye.
func TestTrunkTransferDigestAuth(t *testing.T) {
	const user, password, callerID = "acme", "trunk-s3cret", "+861088880000"
	t.Setenv("E2E_TRUNK_PASSWORD", password)
	port, err := peers.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	// The carrier's 407 round: what a correct Proxy-Authorization answers (RFC 2617 without qop).
	ha1 := md5hex(user + ":carrier.example:" + password)
	proxyResponse := md5hex(ha1 + ":c0ffee407:" + md5hex(fmt.Sprintf("INVITE:sip:%s@127.0.0.1:%d", carrierNumber, port)))
	uas, err := peers.StartSipp(t, peers.SippArgs{Scenario: "testdata/uas_trunk_auth.xml", LocalPort: port, Timeout: 90 * time.Second,
		TraceMsg: true, Replace: map[string]string{"TRUNK_USER": user, "TRUNK_PASSWORD": password, "TRUNK_NUMBER": carrierNumber,
			"CALLER_ID": `\+861088880000`, "PROXY_RESPONSE": proxyResponse}})
	if err != nil {
		t.Fatal(err)
	}
	srv := StartServer(t, ServerOptions{
		Dialplan: trunkDialplan(fmt.Sprintf("127.0.0.1:%d", port), "\n    caller_id: \""+callerID+"\""),
		Extra:    "trunks:\n  carrier:\n    username: " + user + "\n    password_env: E2E_TRUNK_PASSWORD\n",
	})
	caller := dialTrunkRoute(t, srv, "5001", false)
	res, err := uas.Wait()
	if err != nil {
		t.Fatalf("the carrier's scenario failed: %v\n%s\n%s\n%s", err, res.Logs, res.ErrorLog, res.MessageLog)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 30*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("the caller was not hung up after the goodbye: %v", err)
	}
	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	if p := pathOf(c); p != "greet:next,xfer:next,bye:next,end:hangup" {
		t.Errorf("path %s: the flow did not go on after the number hung up", p)
	}
	if len(c.Transfers) != 1 {
		t.Fatalf("record transfers: %+v", c.Transfers)
	}
	x := c.Transfers[0]
	if x.Outcome != record.TransferAnswered || x.CallerID != callerID || x.Ringing.IsZero() || x.Answer.Before(x.Ringing) ||
		x.HangupBy != record.HangupByNumber || x.Codec != "PCMU" {
		t.Errorf("record transfer: %+v", x)
	}
	if c.Disposition != record.DispositionTransferred {
		t.Errorf("disposition %q", c.Disposition)
	}
	if !strings.Contains(srv.Log(), "transfer: number ringing") {
		t.Error("the server did not hear the carrier ring")
	}
	if strings.Contains(srv.Log(), password) {
		t.Error("the trunk password appears in the server log")
	}
}

// TestTrunkTransferNumberNotAllowed: a template expands to an international number the trunk does not
// allow. Nothing reaches the carrier; the transfer takes its error edge and the caller hears the apology.
func TestTrunkTransferNumberNotAllowed(t *testing.T) {
	carrier, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer carrier.Close()
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 2048)
		if n, err := carrier.Read(buf); err == nil {
			got <- string(buf[:n])
		}
	}()
	srv := StartServer(t, ServerOptions{Dialplan: trunkDialplan(carrier.LocalAddr().String(), "")})
	caller := peers.StartPhone(t, peers.PhoneConfig{User: trunkCaller, MaxCallSeconds: 60})
	if err := caller.Dial("sip:5002@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 30*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("the caller was not hung up: %v", err)
	}
	c := srv.WaitCalls(t, 1, 15*time.Second)[0]
	if p := pathOf(c); p != "set:next,xfer:error,sorry:next,end:hangup" {
		t.Errorf("path %s, want the error edge", p)
	}
	if !strings.Contains(srv.Log(), "trunk does not allow number") || !strings.Contains(srv.Log(), "number=0044201234567") {
		t.Errorf("the refused number is not logged:\n%s", srv.Log())
	}
	select {
	case msg := <-got:
		t.Fatalf("the carrier was contacted:\n%s", msg)
	default:
	}
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// dialTrunkRoute starts the trunk tests' caller, playing the caller tone, and dials number on srv;
// trace logs the caller's SIP messages.
func dialTrunkRoute(t *testing.T, srv *Server, number string, trace bool) *peers.Phone {
	t.Helper()
	caller := peers.StartPhone(t, peers.PhoneConfig{User: trunkCaller, PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 60,
		SIPTrace: trace})
	if err := caller.Dial("sip:" + number + "@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	return caller
}
