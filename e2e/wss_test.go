package e2e

import (
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
});
ua.start();
</script>`

// TestWSSBrowserAgentRings: JsSIP in Chromium connects over secure WebSocket (RFC 7118) to the
// server's WSS listener with its self-signed certificate, registers as alice with digest auth, sends
// OPTIONS, and rings (newRTCSession, 180 Ringing) when a caller's call reaches the queue; the INVITE
// and the CANCEL after it go to the browser over its own WebSocket, its Contact host being *.invalid.
func TestWSSBrowserAgentRings(t *testing.T) {
	srv, _, _, wssPort := tlsServer(t, ServerOptions{Dialplan: testDialplan}, true)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/jssip.min.js" {
			http.ServeFile(w, r, "testdata/jssip/jssip.min.js")
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, jssipPage, wssPort)
	}))
	defer page.Close()
	bctx := newBrowser(t, chromedp.Flag("ignore-certificate-errors", true))
	if err := chromedp.Do(bctx, chromedp.Navigate(page.URL)); err != nil {
		t.Fatal(err)
	}
	events := func() string {
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
}
