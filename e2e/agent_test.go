package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

// Tones each side plays, so each side can tell the other's audio from its own.
const (
	callerTone = 440.0
	agentTone  = 1000.0
)

// toneWAV writes a long 8 kHz tone to a WAV file in dir.
func toneWAV(t testing.TB, dir string, freq float64) string {
	return toneWAVAt(t, dir, freq, 8000)
}

// toneWAVAt writes a minute of tone at rate to a WAV file in dir.
func toneWAVAt(t testing.TB, dir string, freq float64, rate int) string {
	t.Helper()
	p := filepath.Join(dir, strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")+"-tone.wav")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := media.WriteWAV(f, audiotest.Tone(freq, rate, 60_000, 0.3), rate); err != nil {
		t.Fatal(err)
	}
	return p
}

func ctxFor(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// startAgent registers a baresip phone as an agent and waits until the
// server has it online.
func startAgent(t testing.TB, srv *Server, user, pass string, autoAnswer bool) *peers.Phone {
	t.Helper()
	agent := peers.StartPhone(t, peers.PhoneConfig{
		User: user, Password: pass, Registrar: srv.SIPAddr(), AutoAnswer: autoAnswer,
		PlayWAV: toneWAV(t, t.TempDir(), agentTone), MaxCallSeconds: 60,
	})
	if err := agent.WaitRegistered(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatalf("%s did not register: %v", user, err)
	}
	if !srv.WaitLog(" user="+user+" contact=", 5*time.Second) {
		t.Fatalf("server did not log %s's registration", user)
	}
	return agent
}

// assertHears checks that a recording holds tone freq.
func assertHears(t testing.TB, who, wav string, freq float64) {
	t.Helper()
	samples, rate, err := audiotest.ReadWAVFile(wav)
	if err != nil {
		t.Fatalf("%s recording: %v", who, err)
	}
	ok, ratio := audiotest.DetectTone(samples, freq, rate)
	if !ok {
		t.Fatalf("%s did not hear %.0f Hz (ratio %.2f, level %.1f dBFS, %d samples at %d Hz)", who, freq, ratio,
			audiotest.RMSdBFS(samples), len(samples), rate)
	}
	t.Logf("%s heard %.0f Hz (tone ratio %.2f)", who, freq, ratio)
}

// callAgentThroughMenu has a caller playing the caller tone dial the demo hotline, press 0 in the menu
// (RFC 4733) and wait until agent, who answers automatically, has the call.
func callAgentThroughMenu(t *testing.T, srv *Server, agent *peers.Phone) *peers.Phone {
	t.Helper()
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000000", PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 60})
	if err := caller.Dial("sip:4008001234@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: call not established: %v", err)
	}
	// The menu prompt plays after the greeting; press 0 once it is running.
	if !srv.WaitLog("node=greet", 10*time.Second) {
		t.Fatal("greeting never ran")
	}
	time.Sleep(500 * time.Millisecond)
	if err := caller.SendDTMF("0"); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: call not established: %v\n%s", err, srv.Log())
	}
	return caller
}

// playDialplan routes 3000 to a flow that plays wav and hangs up.
func playDialplan(wav string) string {
	return `version: 1
routes:
  - name: tone
    to: "3000"
    flow: tone
flows:
  tone:
    start: play
    nodes:
      - id: play
        type: play
        file: ` + wav + `
        next: bye
      - id: bye
        type: hangup
`
}

// TestCallerReachesAgent is the whole product path: a caller dials the
// hotline, hears the IVR, presses 0 (RFC 4733), the queue rings the
// registered agent, the agent answers and both hear each other; the caller
// hangs up and the agent is released; the call record says so.
func TestCallerReachesAgent(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	agent := startAgent(t, srv, "alice", "alice-demo", true)

	caller := callAgentThroughMenu(t, srv, agent)
	time.Sleep(3 * time.Second) // talk
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("agent was not released after the caller hung up: %v", err)
	}
	caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)

	assertHears(t, "agent", agent.RecordedWAV(), callerTone)
	assertHears(t, "caller", caller.RecordedWAV(), agentTone)

	calls := srv.WaitCalls(t, 1, 10*time.Second)
	c := calls[0]
	if c.Disposition != "answered" || c.Agent != "alice" || c.HangupBy != "caller" || c.Queue != "support" {
		t.Fatalf("call record = disposition %q agent %q hangup_by %q queue %q", c.Disposition, c.Agent, c.HangupBy, c.Queue)
	}
	if c.To != "4008001234" || c.From != "13800000000" || c.Answer.IsZero() || c.AgentAnswer.IsZero() || c.End.Before(c.AgentAnswer) {
		t.Fatalf("call record fields: %+v", c)
	}
	var path []string
	for _, p := range c.Path {
		path = append(path, p.Node)
	}
	if got := strings.Join(path, ","); got != "greet,menu,agent" {
		t.Fatalf("path = %s, want greet,menu,agent", got)
	}
}

// TestAgentHangsUp: the agent ends the call and the caller gets a BYE.
func TestAgentHangsUp(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan})
	agent := startAgent(t, srv, "bob", "bob-demo", true)
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13900000000", PlayWAV: toneWAV(t, t.TempDir(), callerTone)})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: %v", err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: %v", err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := agent.Hangup(); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("caller was not released after the agent hung up: %v", err)
	}
	assertHears(t, "agent", agent.RecordedWAV(), callerTone)
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if c.Disposition != "answered" || c.Agent != "bob" || c.HangupBy != "agent" {
		t.Fatalf("call record = disposition %q agent %q hangup_by %q", c.Disposition, c.Agent, c.HangupBy)
	}
}

// TestRingNoAnswerMovesOn: the longest-idle agent does not answer within
// the ring timeout; the next agent is rung and takes the call.
func TestRingNoAnswerMovesOn(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan})
	alice := startAgent(t, srv, "alice", "alice-demo", false) // registered first: idle longest
	bob := startAgent(t, srv, "bob", "bob-demo", true)
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13700000000", PlayWAV: toneWAV(t, t.TempDir(), callerTone)})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := alice.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallIncoming); err != nil {
		t.Fatalf("alice never rang: %v", err)
	}
	if _, err := alice.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("alice's ringing was not cancelled after the ring timeout: %v", err)
	}
	if _, err := bob.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("bob did not get the call: %v", err)
	}
	time.Sleep(time.Second)
	_ = caller.Hangup()
	if _, err := bob.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatal(err)
	}
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if c.Agent != "bob" || c.Disposition != "answered" || c.WaitMs < 2500 {
		t.Fatalf("call record = agent %q disposition %q wait %d ms", c.Agent, c.Disposition, c.WaitMs)
	}
}

// TestCallerCancelsWhileAgentRings: the caller gives up while the agent's
// phone rings: the caller gets 487, the agent's ringing stops (CANCEL),
// and the record says abandoned.
func TestCallerCancelsWhileAgentRings(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan})
	agent := startAgent(t, srv, "alice", "alice-demo", false)
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: peers.ScenarioCancel, Remote: srv.SIPAddr(), Service: "2000",
		Keys: map[string]string{"ring_ms": "1500"}})
	if err != nil {
		t.Fatalf("sipp cancel scenario failed: %v\n%s", err, res.ErrorLog)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallIncoming); err != nil {
		t.Fatalf("agent never rang: %v", err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("agent kept ringing after the caller cancelled: %v", err)
	}
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if c.Disposition != "abandoned" || c.HangupBy != "caller" || !c.Answer.IsZero() {
		t.Fatalf("call record = disposition %q hangup_by %q answer %v", c.Disposition, c.HangupBy, c.Answer)
	}
}

// testDialplan has short timers and a route straight into the queue
// (the caller hears ringback while agents ring).
const testDialplan = `version: 1
settings:
  language: en-US
queues:
  support:
    members: [alice, bob]
    strategy: longest_idle
    ring_timeout: 3s
    max_wait: 20s
routes:
  - name: hotline
    to: "4008001234"
    flow: main
  - name: direct
    to: "2000"
    flow: direct
flows:
  main:
    start: menu
    nodes:
      - id: menu
        type: menu
        prompt: "To speak to an agent press 0."
        options: {"0": agent}
        timeout: 5s
        retries: 1
        nomatch: goodbye
      - id: agent
        type: queue
        queue: support
        noagent: sorry
        timeout: sorry
      - id: sorry
        type: say
        text: "Sorry, nobody can take your call."
        next: goodbye
      - id: goodbye
        type: hangup
  direct:
    start: agent
    nodes:
      - id: agent
        type: queue
        queue: support
        noagent: goodbye
        timeout: goodbye
      - id: goodbye
        type: hangup
`

// TestTranscodeAndTCP: the caller speaks PCMA, the agent PCMU over TCP
// signalling; the bridge maps the two laws and audio still flows both ways.
func TestTranscodeAndTCP(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan})
	agent := peers.StartPhone(t, peers.PhoneConfig{
		User: "alice", Password: "alice-demo", Registrar: srv.SIPAddr(), AutoAnswer: true, Transport: "tcp",
		Codecs: []string{"PCMU"}, PlayWAV: toneWAV(t, t.TempDir(), agentTone),
	})
	if err := agent.WaitRegistered(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog(" user=alice contact=", 5*time.Second) {
		t.Fatal("alice not registered")
	}
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13600000000", Codecs: []string{"PCMA"}, PlayWAV: toneWAV(t, t.TempDir(), callerTone)})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: %v", err)
	}
	time.Sleep(3 * time.Second)
	_ = caller.Hangup()
	if _, err := agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatal(err)
	}
	caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)
	assertHears(t, "agent (PCMU)", agent.RecordedWAV(), callerTone)
	assertHears(t, "caller (PCMA)", caller.RecordedWAV(), agentTone)
	if c := srv.WaitCalls(t, 1, 5*time.Second)[0]; c.Codec != "PCMA" || c.Disposition != "answered" {
		t.Fatalf("record codec %q disposition %q", c.Codec, c.Disposition)
	}
}

// TestRegisterAuth: a wrong password is refused, and repeated failures
// from one address are throttled.
func TestRegisterAuth(t *testing.T) {
	srv := StartServer(t, ServerOptions{})
	bad := peers.StartPhone(t, peers.PhoneConfig{User: "alice", Password: "wrong", Registrar: srv.SIPAddr()})
	if _, err := bad.WaitEvent(ctxFor(t, 10*time.Second), peers.EventRegisterFail); err != nil {
		t.Fatalf("a wrong password was not refused: %v", err)
	}
	if strings.Contains(srv.Log(), " user=alice contact=") {
		t.Fatal("alice registered with a wrong password")
	}
	// Keep failing from one address: after 5 failures the server stops
	// challenging and answers 403 at once.
	res, err := peers.RunSipp(t, peers.SippArgs{Scenario: "testdata/register_wrong_password.xml", Remote: srv.SIPAddr(),
		Calls: 8, Rate: 20, Keys: map[string]string{"user": "alice"}, Extra: []string{"-au", "alice", "-ap", "wrong"}})
	if err != nil {
		t.Fatalf("wrong-password REGISTERs were not all refused: %v\n%s", err, res.ErrorLog)
	}
	if !srv.WaitLog("register refused: too many failed attempts", 5*time.Second) {
		t.Fatal("repeated failures were not throttled")
	}
	if strings.Contains(srv.Log(), "wrong") {
		t.Fatal("a password appeared in the server log")
	}
}

// TestPlayWAVPrompt: a play node streams a 16 kHz WAV file; the caller (on
// an 8 kHz codec) hears its tone, resampled.
func TestPlayWAVPrompt(t *testing.T) {
	dir := t.TempDir()
	wav := filepath.Join(dir, "tone16k.wav")
	f, err := os.Create(wav)
	if err != nil {
		t.Fatal(err)
	}
	if err := media.WriteWAV(f, audiotest.Tone(1500, 16000, 4000, 0.4), 16000); err != nil {
		t.Fatal(err)
	}
	f.Close()
	srv := StartServer(t, ServerOptions{Dialplan: playDialplan(wav)})
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13500000000"})
	if err := caller.Dial("sip:3000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("the server did not hang up after the prompt: %v", err)
	}
	assertHears(t, "caller", caller.RecordedWAV(), 1500)
	c := srv.WaitCalls(t, 1, 5*time.Second)[0]
	if d := c.End.Sub(c.Answer); d < 3500*time.Millisecond || d > 6*time.Second {
		t.Fatalf("4 s prompt took %s from answer to end", d)
	}
}
