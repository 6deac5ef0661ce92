package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hotline-cc/hotline/e2e/peers"
)

// jssipPage registers a JsSIP user agent over WSS and records what happens in window.events.
const jssipPage = `<!doctype html><meta charset="utf-8"><title>JsSIP agent</title>
<script src="/jssip.min.js"></script>
<script>
window.autoAnswer = %t;
window.events = [];
const log = (e) => { window.events.push(e); console.log(e); };
const socket = new JsSIP.WebSocketInterface('wss://127.0.0.1:%d');
const ua = new JsSIP.UA({sockets: [socket], uri: 'sip:alice@127.0.0.1', password: 'alice-demo',
  register: true, register_expires: 600, session_timers: false});
ua.on('connected', () => log('connected'));
ua.on('registered', () => {
  log('registered');
  ua.sendOptions('sip:hotline@127.0.0.1', null, {eventHandlers: {
    succeeded: (e) => log('options:' + e.response.status_code),
    failed: (e) => log('options-failed:' + e.cause)}});
});
ua.on('registrationFailed', (e) => log('registrationFailed:' + e.cause));
ua.on('newRTCSession', (e) => {
  log('newRTCSession:' + e.originator + ':' + e.request.from.uri.user);
  e.session.on('progress', () => log('progress'));
  e.session.on('failed', (f) => log('failed:' + f.cause));
  e.session.on('ended', (f) => log('ended:' + f.cause));
  e.session.on('confirmed', () => log('confirmed'));
  window.session = e.session;
  if (window.autoAnswer && e.originator === 'remote') {
    for (const ev of ['getusermediafailed', 'peerconnection:createofferfailed', 'peerconnection:createanswerfailed',
      'peerconnection:setlocaldescriptionfailed', 'peerconnection:setremotedescriptionfailed']) {
      e.session.on(ev, (x) => log(ev + ':' + x));
    }
    e.session.on('peerconnection', (x) => {
      log('peerconnection');
      x.peerconnection.addEventListener('icegatheringstatechange', () => log('gathering:' + x.peerconnection.iceGatheringState));
      // Play what arrives, as a softphone does: Chrome measures received audio on its way out.
      x.peerconnection.addEventListener('track', (t) => {
        const a = new Audio();
        a.srcObject = t.streams[0] || new MediaStream([t.track]);
        a.play().catch((err) => log('play-failed:' + err));
      });
    });

    e.session.on('sdp', (x) => log('sdp:' + x.originator + ':' + x.type));
    e.session.on('accepted', () => log('accepted'));
    e.session.on('icecandidate', (x) => log('icecandidate'));
    // The server's INVITE has no SDP (the browser offers in its 200 OK): JsSIP then takes its
    // media from the offer it does not have, so the microphone is passed in.
    navigator.mediaDevices.getUserMedia({audio: true}).then((stream) => {
      e.session.answer({mediaStream: stream, rtcOfferConstraints: {offerToReceiveAudio: true}});
    }).catch((x) => log('answer-failed:' + x));
    // What the browser receives, as the desktop test reads it: packets and audio energy.
    window.inbound = {packets: 0, energy: 0};
    setInterval(async () => {
      if (!e.session.connection) return;
      const stats = await e.session.connection.getStats();
      stats.forEach((r) => {
        if (r.type === 'inbound-rtp' && r.kind === 'audio') {
          window.inbound = {packets: r.packetsReceived || 0, energy: r.totalAudioEnergy || 0};
        }
      });
    }, 200);
  }
});
ua.start();
</script>`

// TestWSSBrowserAgentRings: JsSIP in Chromium connects over secure WebSocket (RFC 7118) to the
// server's WSS listener with its self-signed certificate, registers as alice with digest auth, sends
// OPTIONS, and rings (newRTCSession, 180 Ringing) when a caller's call reaches the queue; the INVITE
// and the CANCEL after it go to the browser over its own WebSocket, its Contact host being *.invalid.
func TestWSSBrowserAgentRings(t *testing.T) {
	srv, _, _, wssPort := tlsServer(t, ServerOptions{Dialplan: testDialplan}, true)
	bctx := jssipBrowser(t, wssPort, false)
	events, waitEvent := jssipEvents(t, srv, bctx)
	waitEvent("registered", 15*time.Second)
	waitEvent("options:200", 5*time.Second)
	if !srv.WaitLog(" user=alice contact=", 5*time.Second) {
		t.Fatal("server did not log alice's registration")
	}
	if log := srv.Log(); !strings.Contains(log, ".invalid;transport=ws") {
		t.Fatalf("alice's binding is not the browser's WebSocket contact:\n%s", log)
	}

	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000000", PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 30})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	waitEvent("newRTCSession:remote:13800000000", 15*time.Second)
	if _, err := caller.WaitEvent(ctxFor(t, 5*time.Second), peers.EventCallRinging); err != nil {
		t.Logf("caller saw no ringing event: %v", err)
	}
	if err := caller.Hangup(); err != nil {
		t.Fatal(err)
	}
	// The CANCEL reaches the browser over its WebSocket too.
	waitEvent("failed:Canceled", 10*time.Second)
	t.Logf("JsSIP events: %s", events())

	// The browser's WebSocket closes (as when the tab goes): the registration ends with it, not
	// at its expiry (10 minutes). JsSIP reconnects by itself a little later and registers again.
	if _, err := eval[bool](bctx, `(socket.disconnect(), true)`); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog(`msg="registration ended with its connection" user=alice transport=WSS`, 10*time.Second) {
		t.Fatalf("alice's binding outlived the browser's WebSocket:\n%s", srv.Log())
	}
}

// TestWSSBrowserAgentTalks: the JsSIP agent answers; its WebRTC offer (in the 200 OK, the server's
// INVITE having none) is answered by the server's WebRTC engine in the ACK, and the call is bridged:
// the caller hears the browser's microphone tone, the browser receives the caller's audio, and the
// browser's BYE ends the call for the caller, recorded as the agent's hang-up.
func TestWSSBrowserAgentTalks(t *testing.T) {
	// The browser takes a moment to open its microphone and gather candidates before it answers.
	dp := strings.Replace(testDialplan, "ring_timeout: 3s", "ring_timeout: 20s", 1)
	srv, _, _, wssPort := tlsServer(t, ServerOptions{Dialplan: dp}, true)
	bctx := jssipBrowser(t, wssPort, true)
	events, waitEvent := jssipEvents(t, srv, bctx)
	waitEvent("registered", 15*time.Second)

	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13800000000", PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 30})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	waitEvent("confirmed", 15*time.Second)
	if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("caller: %v", err)
	}
	jsWait(t, bctx, `window.inbound && window.inbound.packets > 50`, 10*time.Second)
	e1, _ := eval[float64](bctx, `window.inbound.energy`)
	time.Sleep(2500 * time.Millisecond)
	e2, _ := eval[float64](bctx, `window.inbound.energy`)
	if e2 <= e1 || e2 < 0.001 {
		t.Fatalf("browser inbound audio energy did not rise: %.5f → %.5f", e1, e2)
	}
	t.Logf("browser inbound audio energy %.4f → %.4f", e1, e2)
	if _, err := eval[bool](bctx, `(window.session.terminate(), true)`); err != nil {
		t.Fatal(err)
	}
	if _, err := caller.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("caller was not released after the browser hung up: %v", err)
	}
	assertHears(t, "caller", caller.RecordedWAV(), agentTone)
	c := srv.WaitCalls(t, 1, 10*time.Second)[0]
	if c.Disposition != "answered" || c.Agent != "alice" || c.HangupBy != "agent" {
		t.Fatalf("call record = disposition %q agent %q hangup_by %q", c.Disposition, c.Agent, c.HangupBy)
	}
	t.Logf("JsSIP events: %s", events())
}

// jssipBrowser opens the JsSIP page in Chromium (certificate errors ignored: the server's is a
// test CA's; the microphone plays the agent tone).
func jssipBrowser(t *testing.T, wssPort int, autoAnswer bool) context.Context {
	t.Helper()
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/jssip.min.js" {
			http.ServeFile(w, r, "testdata/jssip/jssip.min.js")
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, jssipPage, autoAnswer, wssPort)
	}))
	t.Cleanup(page.Close)
	bctx := newBrowser(t, chromedp.Flag("ignore-certificate-errors", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", micWAV(t, agentTone)),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		// getUserMedia needs a secure context; the page is served over plain HTTP on loopback.
		chromedp.Flag("unsafely-treat-insecure-origin-as-secure", page.URL))
	if err := chromedp.Do(bctx, chromedp.Navigate(page.URL)); err != nil {
		t.Fatal(err)
	}
	return bctx
}

// jssipEvents reads the page's event list, and waits for one.
func jssipEvents(t *testing.T, srv *Server, bctx context.Context) (events func() string, wait func(prefix string, timeout time.Duration)) {
	events = func() string {
		s, _ := eval[string](bctx, "window.events.join(' ')")
		return s
	}
	waitEvent := func(prefix string, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for time.Now().Before(deadline) {
			if strings.Contains(" "+events(), " "+prefix) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("JsSIP: no %q; events: %s\nserver log:\n%s", prefix, events(), srv.Log())
	}
	return events, waitEvent
}
