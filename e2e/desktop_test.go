package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/media/opus"
)

// desktopConfig turns on the WebRTC softphone on loopback.
const desktopConfig = `desktop:
  webrtc:
    public_ip: 127.0.0.1
  dispositions: [resolved, follow_up, escalated]
`

// micWAV writes the browser's fake microphone: a long tone at 48 kHz.
func micWAV(t testing.TB, freq float64) string { return toneWAVAt(t, t.TempDir(), freq, 48000) }

// browserAgent starts Chromium with a fake microphone playing freq and
// logs agent id in on the desktop.
func browserAgent(t *testing.T, srv *Server, id, password string, freq float64) (context.Context, func(...chromedp.Action[chromedp.Void]) error) {
	t.Helper()
	bctx := newBrowser(t,
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", micWAV(t, freq)),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
	)
	run := func(a ...chromedp.Action[chromedp.Void]) error { return chromedp.Do(bctx, a...) }
	err := run(
		chromedp.Navigate("http://"+srv.HTTPAddr+"/agent"),
		chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#login-id", id),
		chromedp.SendKeys("#login-password", password),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#desk"),
	)
	if err != nil {
		t.Fatalf("desktop login: %v\n%s", err, srv.Log())
	}
	return bctx, run
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](ctx context.Context, expr string) (T, error) {
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// jsWait polls a JavaScript expression until it is true.
func jsWait(t *testing.T, ctx context.Context, expr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if ok, err := eval[bool](ctx, expr); err == nil && ok {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", expr)
}

func jsString(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	s, err := eval[string](ctx, expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return s
}

// goAvailable sets the logged-in desktop agent available.
func goAvailable(t *testing.T, bctx context.Context) {
	t.Helper()
	jsWait(t, bctx, `window.hotline.state === "break"`, 10*time.Second) // a desktop login starts not ready
	if _, err := eval[bool](bctx, `(() => { const s = document.getElementById("state-select"); s.value = "available";
		s.dispatchEvent(new Event("change")); return true })()`); err != nil {
		t.Fatal(err)
	}
	jsWait(t, bctx, `window.hotline.state === "available"`, 10*time.Second)
}

// ringDesktop has a caller dial the direct queue route, checks the screen
// pop and answers on the page; it returns once the caller is connected.
func ringDesktop(t *testing.T, srv *Server, bctx context.Context, run func(...chromedp.Action[chromedp.Void]) error, from string) *peers.Phone {
	t.Helper()
	caller := peers.StartPhone(t, peers.PhoneConfig{User: from, PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 60})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	// The screen pop, the moment it rings.
	jsWait(t, bctx, `document.getElementById("pop-from").textContent === "`+from+`"`, 15*time.Second)
	pop := jsString(t, bctx, `["pop-to","pop-route","pop-queue","pop-path"].map(id => document.getElementById(id).textContent).join("|")`)
	if want := "2000|direct|support|"; !strings.HasPrefix(pop, want) || !strings.Contains(pop, "(queue)") {
		t.Fatalf("screen pop = %q, want %q… with the queue node in the path", pop, want)
	}
	jsWait(t, bctx, `!document.getElementById("btn-answer").classList.contains("hidden") && document.getElementById("phone").classList.contains("ringing")`, 5*time.Second)
	if err := run(chromedp.Click("#btn-answer")); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: not connected to the agent: %v\n%s", err, srv.Log())
	}
	jsWait(t, bctx, `!document.getElementById("btn-hangup").classList.contains("hidden")`, 10*time.Second)
	return caller
}

// assertDesktopCodec checks the codec Chromium's softphone sends with, as
// the server's leg logs it: Opus where the server is built with libopus
// (wideband for the agent), PCMU otherwise.
func assertDesktopCodec(t *testing.T, srv *Server) {
	t.Helper()
	want := "codec=audio/PCMU"
	if opus.Available {
		want = "codec=audio/opus"
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, line := range strings.Split(srv.Log(), "\n") {
			if !strings.Contains(line, `msg="webrtc track"`) {
				continue
			}
			if !strings.Contains(line, want) {
				t.Fatalf("the browser's audio: %s\nwant %s", line, want)
			}
			t.Logf("the browser's audio: %s", line)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no webrtc track in the server log:\n%s", srv.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDesktopAgentTakesCall is the browser agent's whole path: log in on
// /agent, go available, a caller dials the queue, the screen pop shows who
// is calling, the agent answers on the WebRTC softphone, both hear each
// other, the agent holds (the caller hears hold music, not the agent) and
// resumes, hangs up from the page and saves a wrap-up that lands in the call
// record.
func TestDesktopAgentTakesCall(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan, Extra: desktopConfig})
	bctx, run := browserAgent(t, srv, "alice", "alice-demo", agentTone)
	goAvailable(t, bctx)
	caller := ringDesktop(t, srv, bctx, run, "13600000000")

	// The browser hears the caller: inbound audio energy rises.
	jsWait(t, bctx, `window.hotline.inboundPackets > 50`, 10*time.Second)
	e1, _ := eval[float64](bctx, `window.hotline.inboundEnergy`)
	time.Sleep(2500 * time.Millisecond)
	e2, _ := eval[float64](bctx, `window.hotline.inboundEnergy`)
	if e2 <= e1 || e2 < 0.001 {
		t.Fatalf("browser inbound audio energy did not rise: %.5f → %.5f", e1, e2)
	}
	t.Logf("browser inbound audio energy %.4f → %.4f", e1, e2)
	assertDesktopCodec(t, srv)
	screenshot(t, bctx, "desktop.png")

	// A key on the desktop's pad reaches the caller as RFC 4733.
	if err := run(chromedp.Click(`#dtmf button:nth-child(5)`)); err != nil {
		t.Fatal(err)
	}
	ev, err := caller.WaitEventMatch(ctxFor(t, 5*time.Second), func(e peers.Event) bool { return e.Type == peers.EventCallDTMFStart })
	if err != nil || ev.Param != "5" {
		t.Fatalf("caller did not get the pad's key 5: %v %+v", err, ev)
	}

	// Hold on the page: the caller hears hold music instead of the agent, then the agent again.
	heardAt := func() int64 {
		recs := caller.Recordings()
		st, err := os.Stat(recs[len(recs)-1])
		if err != nil {
			t.Fatal(err)
		}
		return (st.Size() - 44) / 2 // samples at 8 kHz
	}
	holdFrom := heardAt()
	if err := run(chromedp.Click("#btn-hold")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, bctx, `document.getElementById("btn-hold").classList.contains("on")`, 5*time.Second)
	time.Sleep(3 * time.Second)
	holdTo := heardAt()
	if err := run(chromedp.Click("#btn-hold")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, bctx, `!document.getElementById("btn-hold").classList.contains("on")`, 5*time.Second)
	time.Sleep(2 * time.Second)

	if err := run(chromedp.Click("#btn-hangup")); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("caller not released after the agent hung up on the page: %v", err)
	}
	heard, rate, err := audiotest.ReadWAVFile(caller.RecordedWAV())
	if err != nil || rate != 8000 || int64(len(heard)) < holdTo+int64(rate)*2 {
		t.Fatalf("caller's recording: %d samples at %d Hz, %v", len(heard), rate, err)
	}
	held := heard[holdFrom+int64(rate)/2 : holdTo]
	after := heard[holdTo+int64(rate)/2 : holdTo+int64(rate)*2]
	if r := audiotest.ToneRatio(held, agentTone, rate); r > 0.1 || audiotest.RMSdBFS(held) < -45 {
		t.Fatalf("on hold the caller heard the agent's tone (ratio %.2f) or nothing (%.1f dBFS)", r, audiotest.RMSdBFS(held))
	}
	if ok, r := audiotest.DetectTone(after, agentTone, rate); !ok {
		t.Fatalf("after the hold the caller does not hear the agent (ratio %.2f)", r)
	}
	t.Logf("on hold: agent tone ratio %.2f, level %.1f dBFS; after: agent heard again", audiotest.ToneRatio(held, agentTone, rate), audiotest.RMSdBFS(held))
	jsWait(t, bctx, `!document.getElementById("wrapup").classList.contains("hidden")`, 10*time.Second)
	if err := run(
		chromedp.SetValue("#wrapup-disposition", "follow_up"),
		chromedp.SendKeys("#wrapup-notes", "call back on Friday"),
		chromedp.Click("#wrapup-save"),
	); err != nil {
		t.Fatal(err)
	}
	jsWait(t, bctx, `document.getElementById("wrapup").classList.contains("hidden")`, 10*time.Second)
	assertHears(t, "caller", caller.RecordedWAV(), agentTone)

	deadline := time.Now().Add(10 * time.Second)
	for {
		c := srv.WaitCalls(t, 1, 10*time.Second)[0]
		if c.AgentDisposition == "follow_up" {
			if c.Agent != "alice" || c.HangupBy != "agent" || c.Disposition != "answered" || c.AgentNotes != "call back on Friday" {
				t.Fatalf("call record: agent %q hangup_by %q disposition %q notes %q", c.Agent, c.HangupBy, c.Disposition, c.AgentNotes)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("call record has no wrap-up: %+v", c)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// The screen pop renders a bot's handoff packet (the voice bot's calls carry one), and the
	// approved reply scripts for its intent as quick replies.
	if code, body := apiDo(t, srv, "POST", "/api/replies", `{"intent": "refund", "lang": "en-US", "title": "Refund policy", "text": "Refunds reach your card within 14 days."}`); code != http.StatusCreated {
		t.Fatalf("create script: %d %s", code, body)
	} else if id := jsonField(body, "id"); id == "" {
		t.Fatalf("script without id: %s", body)
	} else if code, body := apiDo(t, srv, "POST", "/api/replies/review", `{"ids": ["`+id+`"], "action": "approve"}`); code != 200 {
		t.Fatalf("approve script: %d %s", code, body)
	}
	if _, err := eval[bool](bctx, `onOffer({call_id: "demo", from: "13900000000", to: "4008001234", route: "hotline",
		queue: "support", path: ["greet(say)", "bot(bot)", "support(queue)"], wait_ms: 4200, language: "en-US",
		handoff: {reason: "caller asked for a human", summary: "Wants a refund for order A123; already tried the app.",
		intent: "refund", sentiment: "negative", slots: {order: "A123", email: "li@example.com"},
		transcript: [{speaker: "caller", text: "I want my money back"}, {speaker: "bot", text: "I can help with refunds."}]}}); true`); err != nil {
		t.Fatal(err)
	}
	got := jsString(t, bctx, `["ho-summary","ho-intent","ho-sentiment"].map(id => document.getElementById(id).textContent).join("|") + "|" +
		document.querySelectorAll("#ho-slots tr").length + "|" + document.querySelectorAll("#ho-transcript li").length`)
	if got != "Wants a refund for order A123; already tried the app.|refund|negative|2|2" {
		t.Fatalf("handoff rendering = %q", got)
	}
	jsWait(t, bctx, `!!document.querySelector("#call-quick button.quick")`, 10*time.Second)
	jsString(t, bctx, `(() => { document.querySelector("#call-quick button.quick").click(); return "ok" })()`)
	if s := jsString(t, bctx, `document.getElementById("call-quick-text").textContent`); s != "Refunds reach your card within 14 days." {
		t.Fatalf("quick reply shows %q", s)
	}
	screenshot(t, bctx, "desktop-handoff.png")

	// Every state change was stored, for occupancy and handle-time reports.
	code, body := apiDo(t, srv, "GET", "/api/agents/alice/states", "")
	for _, want := range []string{`"to": "available"`, `"to": "ringing"`, `"to": "on_call"`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("alice's state log (%d) lacks %s:\n%s", code, want, body)
		}
	}
}

// TestDesktopBlindTransfer: the desktop agent transfers the caller to bob,
// who answers on his SIP phone; the caller hears bob, and the record names bob.
func TestDesktopBlindTransfer(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan, Extra: desktopConfig})
	bctx, run := browserAgent(t, srv, "alice", "alice-demo", agentTone)
	goAvailable(t, bctx)
	// bob comes online after alice: alice has been idle longer and gets the call.
	bob := startAgent(t, srv, "bob", "bob-demo", true)
	caller := ringDesktop(t, srv, bctx, run, "13500000000")
	if err := run(
		chromedp.SetValue("#transfer-target", "agent:bob"),
		chromedp.Click("#btn-transfer"),
	); err != nil {
		t.Fatal(err)
	}
	if _, err := bob.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("bob did not get the transferred call: %v\n%s", err, srv.Log())
	}
	jsWait(t, bctx, `!document.getElementById("wrapup").classList.contains("hidden")`, 10*time.Second)
	// alice wraps up her part while bob still talks: it is saved at once, not when the call ends.
	if err := run(chromedp.SetValue("#wrapup-disposition", "escalated"), chromedp.Click("#wrapup-save")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, bctx, `document.getElementById("wrapup").classList.contains("hidden")`, 5*time.Second)
	if !srv.WaitLog(`msg="wrap-up saved"`, 5*time.Second) {
		t.Fatal("alice's wrap-up was not saved while the call went on")
	}
	time.Sleep(2 * time.Second)
	_ = caller.Hangup()
	if _, err := bob.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatal(err)
	}
	assertHears(t, "bob", bob.RecordedWAV(), callerTone)
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if c.Agent != "bob" || c.Disposition != "answered" {
		t.Fatalf("call record after transfer: agent %q disposition %q", c.Agent, c.Disposition)
	}
	if c := srv.WaitCalls(t, 1, 5*time.Second)[0]; c.AgentDisposition != "escalated" || len(c.WrapUps) != 1 ||
		c.WrapUps[0].Agent != "alice" || c.WrapUps[0].Disposition != "escalated" {
		t.Fatalf("alice's wrap-up after the transfer: %q, wrap-ups %+v", c.AgentDisposition, c.WrapUps)
	}
}

// TestDesktopWarmTransfer: the desktop agent consults bob (SIP phone) with
// the caller on hold, then completes the transfer: bob first hears the
// agent, then the caller; the record names bob.
func TestDesktopWarmTransfer(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan, Extra: desktopConfig})
	bctx, run := browserAgent(t, srv, "alice", "alice-demo", agentTone)
	goAvailable(t, bctx)
	bob := startAgent(t, srv, "bob", "bob-demo", true)
	caller := ringDesktop(t, srv, bctx, run, "13300000000")
	if err := run(
		chromedp.SetValue("#transfer-target", "agent:bob"),
		chromedp.Click("#btn-consult"),
	); err != nil {
		t.Fatal(err)
	}
	jsWait(t, bctx, `window.hotline.consult === "connected"`, 15*time.Second)
	if _, err := bob.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("bob: %v", err)
	}
	time.Sleep(2500 * time.Millisecond) // alice briefs bob
	if err := run(chromedp.Click("#btn-consult-complete")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, bctx, `!document.getElementById("wrapup").classList.contains("hidden")`, 10*time.Second)
	time.Sleep(2500 * time.Millisecond) // bob talks with the caller
	_ = caller.Hangup()
	if _, err := bob.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatal(err)
	}
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if c.Agent != "bob" || c.Disposition != "answered" {
		t.Fatalf("call record after the warm transfer: agent %q disposition %q", c.Agent, c.Disposition)
	}
	samples, rate, err := audiotest.ReadWAVFile(bob.RecordedWAV())
	if err != nil {
		t.Fatal(err)
	}
	first, last := samples[:min(len(samples), 2*rate)], samples[max(0, len(samples)-2*rate):]
	if ok, r := audiotest.DetectTone(first, agentTone, rate); !ok {
		t.Fatalf("bob did not hear alice during the consultation (ratio %.2f)", r)
	}
	if ok, r := audiotest.DetectTone(last, callerTone, rate); !ok {
		t.Fatalf("bob did not hear the caller after the transfer (ratio %.2f)", r)
	}
}

// TestDesktopWithSIPPhone: an agent who takes calls on a SIP desk phone (ring: sip) keeps the
// desktop open: the call rings on the phone and pops up on the page (with no answer button), the
// page follows the phone's answer, the agent hangs up from the page, and wraps up there; both
// hear each other, the bridge relaying the phone's media.
func TestDesktopWithSIPPhone(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan, Extra: desktopConfig, Ring: map[string]string{"alice": "sip"}})
	bctx, run := browserAgent(t, srv, "alice", "alice-demo", 600) // the browser's microphone must not be heard
	goAvailable(t, bctx)
	phone := startAgent(t, srv, "alice", "alice-demo", false)
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13700000000", PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 60})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	if _, err := phone.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallIncoming); err != nil {
		t.Fatalf("the desk phone did not ring: %v\n%s", err, srv.Log())
	}
	jsWait(t, bctx, `document.getElementById("pop-from").textContent === "13700000000" && window.hotline.device === "sip"`, 10*time.Second)
	if title := jsString(t, bctx, `document.getElementById("phone-title").textContent`); title != "Ringing on your phone" {
		t.Fatalf("phone card: %q", title)
	}
	if visible, _ := eval[bool](bctx, `!document.getElementById("btn-answer").classList.contains("hidden")`); visible {
		t.Fatal("the page offers to answer a call that rings on the phone")
	}
	if err := phone.Answer(); err != nil {
		t.Fatal(err)
	}
	jsWait(t, bctx, `document.getElementById("phone-title").textContent === "On call (phone)"`, 10*time.Second)
	if hidden, _ := eval[bool](bctx, `document.getElementById("btn-hold").classList.contains("hidden") && !document.getElementById("btn-hangup").classList.contains("hidden")`); !hidden {
		t.Fatal("the page shows hold for a phone call, or no hang-up")
	}
	if err := phone.WaitRecorded(ctxFor(t, 10*time.Second), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := caller.WaitRecorded(ctxFor(t, 10*time.Second), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := run(chromedp.Click("#btn-hangup")); err != nil {
		t.Fatal(err)
	}
	if _, err := phone.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("the phone's call did not end when the agent hung up on the page: %v", err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("the caller was not released: %v", err)
	}
	assertHears(t, "agent's phone", phone.RecordedWAV(), callerTone)
	assertHears(t, "caller", caller.RecordedWAV(), agentTone)
	jsWait(t, bctx, `!document.getElementById("wrapup").classList.contains("hidden")`, 10*time.Second)
	if err := run(chromedp.SetValue("#wrapup-disposition", "resolved"), chromedp.SendKeys("#wrapup-notes", "on the desk phone"),
		chromedp.Click("#wrapup-save")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, bctx, `document.getElementById("wrapup").classList.contains("hidden")`, 10*time.Second)
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if c.Agent != "alice" || c.HangupBy != "agent" || len(c.WrapUps) != 1 || c.WrapUps[0].Notes != "on the desk phone" {
		t.Fatalf("call record: agent %q hangup_by %q wrap-ups %+v", c.Agent, c.HangupBy, c.WrapUps)
	}
	if !strings.Contains(srv.Log(), `msg="agent ringing"`) || !strings.Contains(srv.Log(), "device=sip") {
		t.Fatal("the server did not ring the agent's phone")
	}
}

// jsonField reads a top-level string field of a JSON object ("" when absent).
func jsonField(body, key string) string {
	var m map[string]any
	_ = json.Unmarshal([]byte(body), &m)
	s, _ := m[key].(string)
	return s
}
