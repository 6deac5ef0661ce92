package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/opus"
)

// wideband codecs a baresip phone can offer, as baresip names them.
func widebandCodecs(t *testing.T) []string {
	cs := []string{"G722"}
	if opus.Available {
		cs = append(cs, "opus")
	} else {
		t.Log("opus: not in this build (go test -tags opus); testing G722 only")
	}
	return cs
}

// toneWAV16 writes a long 16 kHz tone: frequencies above 4 kHz exist only
// on wideband calls.
func toneWAV16(t testing.TB, freq float64) string { return toneWAVAt(t, t.TempDir(), freq, 16000) }

// bridgedCall registers agentCfg as alice, has callerCfg dial the hotline
// and press 0 in its menu, lets caller and agent talk for 3 s and hangs up.
func bridgedCall(t *testing.T, srv *Server, agentCfg, callerCfg peers.PhoneConfig) (agent, caller *peers.Phone) {
	t.Helper()
	agentCfg.User, agentCfg.Password, agentCfg.Registrar, agentCfg.AutoAnswer, agentCfg.MaxCallSeconds = "alice", "alice-demo", srv.SIPAddr(), true, 30
	agent = peers.StartPhone(t, agentCfg)
	if err := agent.WaitRegistered(ctxFor(t, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog(" user=alice contact=", 5*time.Second) {
		t.Fatal("alice not registered")
	}
	callerCfg.MaxCallSeconds = 30
	caller = peers.StartPhone(t, callerCfg)
	if err := caller.Dial("sip:4008001234@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	// The menu hears the key as an RFC 4733 event on the wideband stream
	// (telephone-event at 8 kHz next to G.722, 48 kHz next to Opus).
	if !srv.WaitLog("node=menu", 10*time.Second) {
		t.Fatalf("the menu never ran\n%s", srv.Log())
	}
	time.Sleep(500 * time.Millisecond)
	if err := caller.SendDTMF("0"); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: %v\n%s", err, srv.Log())
	}
	time.Sleep(3 * time.Second)
	_ = caller.Hangup()
	if _, err := agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatal(err)
	}
	caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)
	return agent, caller
}

// TestWidebandBridge: an HD caller reaches an HD agent. The call is
// negotiated wideband on both legs, and tones above 4 kHz, which no G.711
// call can carry, pass both ways. A narrowband agent still hears the same
// caller (transcoded, with the high band gone), and is heard.
func TestWidebandBridge(t *testing.T) {
	const callerHigh, agentHigh = 5000.0, 6500.0
	for _, codec := range widebandCodecs(t) {
		t.Run(codec, func(t *testing.T) {
			srv := StartServer(t, ServerOptions{Dialplan: testDialplan})
			agent, caller := bridgedCall(t, srv,
				peers.PhoneConfig{Wideband: true, Codecs: []string{codec}, PlayWAV: toneWAV16(t, agentHigh)},
				peers.PhoneConfig{User: "13700000000", Wideband: true, Codecs: []string{codec, "PCMU"}, PlayWAV: toneWAV16(t, callerHigh)})
			assertHears(t, "agent ("+codec+")", agent.RecordedWAV(), callerHigh)
			assertHears(t, "caller ("+codec+")", caller.RecordedWAV(), agentHigh)
			c := srv.WaitCalls(t, 1, 5*time.Second)[0]
			if !strings.EqualFold(c.Codec, codec) || c.Disposition != "answered" {
				t.Fatalf("record codec %q disposition %q", c.Codec, c.Disposition)
			}
		})
	}
	t.Run("G722 to G711 agent", func(t *testing.T) {
		srv := StartServer(t, ServerOptions{Dialplan: testDialplan})
		agent, caller := bridgedCall(t, srv,
			peers.PhoneConfig{Codecs: []string{"PCMU"}, PlayWAV: toneWAV(t, t.TempDir(), agentTone)},
			peers.PhoneConfig{User: "13700000001", Wideband: true, Codecs: []string{"G722"}, PlayWAV: toneWAV16(t, callerTone)})
		assertHears(t, "agent (PCMU)", agent.RecordedWAV(), callerTone)
		assertHears(t, "caller (G722)", caller.RecordedWAV(), agentTone)
		if c := srv.WaitCalls(t, 1, 5*time.Second)[0]; c.Codec != "G722" {
			t.Fatalf("record codec %q", c.Codec)
		}
		// Operations see the codec mix on /metrics.
		srv.AssertMetric(t, `hotline_calls_total{codec="G722",disposition="answered"} 1`)
	})
}

// TestEmbeddedBotOnWidebandCall is the product with no cloud account at
// all: an HD caller asks a question out loud; PocketSphinx (which needs
// 16 kHz audio) recognizes it, the retrieval engine answers from the demo
// knowledge base, and espeak-ng speaks the answer back over the call.
func TestEmbeddedBotOnWidebandCall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs external speech engines")
	}
	for _, codec := range widebandCodecs(t) {
		t.Run(codec, func(t *testing.T) {
			const question = "what are your opening hours"
			path, _ := speechWAVAt(t, 16000, []time.Duration{1500 * time.Millisecond}, []string{question})

			// The bot speaks fast so the test is short; the caller at a normal pace.
			srv := StartServer(t, ServerOptions{Dialplan: botDialplan(t, "what are your opening hours", "where is my order",
				"how do i return an item", "i want to talk to an agent"), TTSSpeed: 320})
			caller := peers.StartPhone(t, peers.PhoneConfig{User: "13900000000", Wideband: true,
				Codecs: []string{codec}, PlayWAV: path, MaxCallSeconds: 40})
			if err := caller.Dial("sip:5000@" + srv.SIPAddr()); err != nil {
				t.Fatal(err)
			}
			if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallEstablished); err != nil {
				t.Fatalf("caller: %v\n%s", err, srv.Log())
			}
			if !srv.WaitLog("bot heard", 20*time.Second) {
				t.Fatalf("the bot heard nothing\n%s", srv.Log())
			}
			// The answer is two sentences of fast espeak-ng speech, about 7 s.
			time.Sleep(10 * time.Second)
			_ = caller.Hangup()
			caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallClosed)

			c := srv.WaitCalls(t, 1, 10*time.Second)[0]
			var said []string
			for _, tr := range c.Transcript {
				said = append(said, tr.Speaker+": "+tr.Text)
			}
			t.Logf("codec %s, transcript:\n  %s", c.Codec, strings.Join(said, "\n  "))
			if !strings.EqualFold(c.Codec, codec) {
				t.Errorf("record codec %q", c.Codec)
			}
			if len(c.Transcript) < 2 || c.Transcript[0].Speaker != "caller" || c.Transcript[0].Text != question {
				t.Fatalf("the recognizer did not hear %q\n%s", question, srv.Log())
			}
			if bt := c.Transcript[1]; bt.Speaker != "bot" || !strings.Contains(bt.Text, "Monday to Friday from 8 am to 8 pm") {
				t.Fatalf("bot turn %+v", bt)
			}
			// The spoken answer reached the caller.
			rec, rate, err := audiotest.ReadWAVFile(caller.RecordedWAV())
			if err != nil {
				t.Fatal(err)
			}
			segs := loudSegments(rec, rate)
			long := 0
			for _, s := range segs {
				if s > 3*time.Second {
					long++
				}
			}
			if long == 0 {
				t.Errorf("the caller heard no spoken answer: loud stretches %v", segs)
			}
		})
	}
}

// TestMenuKeywordWithEmbeddedASR: on an HD call, a menu with keywords hears
// the caller say one with the embedded recognizer alone (PocketSphinx, in
// grammar mode over the menu's phrases) and takes that option.
func TestMenuKeywordWithEmbeddedASR(t *testing.T) {
	if testing.Short() {
		t.Skip("runs external speech engines")
	}
	const dp = `version: 1
routes:
  - name: menu
    to: "6000"
    flow: main
flows:
  main:
    start: menu
    nodes:
      - id: menu
        type: menu
        prompt: "For opening hours press 1. To speak to an agent press 0."
        options: {"1": hours, "0": bye}
        keywords: {"opening hours": "1", agent: "0"}
        timeout: 8s
        nomatch: bye
      - id: hours
        type: say
        text: "We are open every day from 8 am to 8 pm."
        next: bye
      - id: bye
        type: hangup
`
	mic, _ := speechWAVAt(t, 16000, []time.Duration{1500 * time.Millisecond}, []string{"opening hours"})
	srv := StartServer(t, ServerOptions{Dialplan: dp})
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13900000001", Wideband: true,
		Codecs: []string{"G722"}, PlayWAV: mic, MaxCallSeconds: 30})
	if err := caller.Dial("sip:6000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: %v\n%s", err, srv.Log())
	}
	if _, err := caller.WaitEvent(ctxFor(t, 25*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("the server did not end the call: %v", err)
	}
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if len(c.Path) < 2 || c.Path[0].Node != "menu" || c.Path[0].Edge != "1" || c.Path[1].Node != "hours" {
		t.Fatalf("path %+v: the menu did not take the spoken option\n%s", c.Path, srv.Log())
	}
	if !srv.WaitLog(`msg="menu heard" `, time.Second) || !strings.Contains(srv.Log(), `text="opening hours"`) {
		t.Errorf("no recognition logged")
	}
}
