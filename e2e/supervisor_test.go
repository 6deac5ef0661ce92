package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hotline-cc/hotline/e2e/peers"
)

// TestSupervisorPage: a supervisor account made with `hotline agent add`
// watches the floor: a SIP agent on break, a caller waiting in the queue, a
// caller in the IVR's menu.
// An agent account cannot open it.
func TestSupervisorPage(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: testDialplan, Extra: desktopConfig})
	srv.Stop()
	add := exec.Command(hotlineBin, "agent", "add", "-config", srv.Config, "-name", "Sue", "-role", "supervisor", "-skills", "billing=5", "sue")
	add.Dir = srv.Dir
	add.Stdin = strings.NewReader("sue-secret-1\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("agent add: %v\n%s", err, out)
	}
	list := exec.Command(hotlineBin, "agent", "list", "-config", srv.Config)
	list.Dir = srv.Dir
	out, err := list.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "supervisor") || !strings.Contains(string(out), "billing=5") ||
		strings.Contains(string(out), "sue-secret-1") {
		t.Fatalf("agent list: %v\n%s", err, out)
	}
	srv.Start()

	startAgent(t, srv, "alice", "alice-demo", false)
	ctx := newBrowser(t)
	// An agent's session does not open the supervisor page.
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+srv.HTTPAddr+"/agent"), chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#login-id", "bob"), chromedp.SendKeys("#login-password", "bob-demo"), chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#desk"), chromedp.Navigate("http://"+srv.HTTPAddr+"/supervisor"), chromedp.WaitVisible("#denied")); err != nil {
		t.Fatalf("agent on the supervisor page: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+srv.HTTPAddr+"/agent"), chromedp.WaitVisible("#desk"),
		chromedp.Click("#logout"), chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#login-id", "sue"), chromedp.SendKeys("#login-password", "sue-secret-1"), chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#desk"), chromedp.Navigate("http://"+srv.HTTPAddr+"/supervisor"), chromedp.WaitVisible("#floor")); err != nil {
		t.Fatalf("supervisor login: %v\n%s", err, srv.Log())
	}
	// alice's phone does not answer: she goes on break(no_answer) and the caller waits.
	caller := peers.StartPhone(t, peers.PhoneConfig{User: "13400000000", PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 60})
	if err := caller.Dial("sip:2000@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	jsWait(t, ctx, `document.getElementById("agents").textContent.includes("no_answer") && document.getElementById("k-waiting").textContent === "1"`, 15*time.Second)
	agents := jsString(t, ctx, `document.getElementById("agents").textContent`)
	if !strings.Contains(agents, "Alice") || !strings.Contains(agents, "sip") {
		t.Fatalf("agents table: %q", agents)
	}
	calls := jsString(t, ctx, `document.getElementById("calls").textContent`)
	if !strings.Contains(calls, "waiting") || !strings.Contains(calls, "support") {
		t.Fatalf("calls table: %q", calls)
	}
	// Every call in progress is listed, also one still in the IVR's menu.
	menuCaller := peers.StartPhone(t, peers.PhoneConfig{User: "13400000001", PlayWAV: toneWAV(t, t.TempDir(), callerTone), MaxCallSeconds: 60})
	if err := menuCaller.Dial("sip:4008001234@" + srv.SIPAddr()); err != nil {
		t.Fatal(err)
	}
	jsWait(t, ctx, `document.getElementById("calls").textContent.includes("in IVR")`, 15*time.Second)
	calls = jsString(t, ctx, `document.getElementById("calls").textContent`)
	if !strings.Contains(calls, "13400000001") || !strings.Contains(calls, "menu") || !strings.Contains(calls, "waiting") {
		t.Fatalf("calls table with a caller in the menu: %q", calls)
	}
	_ = menuCaller.Hangup()
	screenshot(t, ctx, "supervisor.png")
	_ = caller.Hangup()
}
