package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/record"
)

// crashDialplan has a route per state a call can be in when the server dies: the menu (6001),
// the support queue behind a greeting, recorded (6002: the first caller reaches alice, the next
// waits), the bot (6003), and a transfer to an external number through the carrier at host
// (6004).
func crashDialplan(t *testing.T, host string) string {
	kb, err := filepath.Abs("../configs/kb")
	if err != nil {
		t.Fatal(err)
	}
	return `version: 1
settings:
  record: never
trunks:
  carrier: {host: "` + host + `", allow: ["^138[0-9]{8}$"]}
queues:
  support: {members: [alice], ring_timeout: 20s, max_wait: 5m}
bots:
  assistant:
    greeting: {en-US: "Hello, I am the assistant. How can I help?"}
    knowledge_base: ` + kb + `
    max_duration: 5m
routes:
  - {name: menu, to: "6001", flow: menu}
  - {name: agent, to: "6002", flow: agent, record: always}
  - {name: bot, to: "6003", flow: bot}
  - {name: external, to: "6004", flow: external}
flows:
  menu:
    start: welcome
    nodes:
      - {id: welcome, type: say, text: "Welcome.", next: choose}
      - {id: choose, type: menu, prompt: "Press 1 or 2.", options: {"1": bye, "2": bye}, timeout: 60s, retries: 3, nomatch: bye}
      - {id: bye, type: hangup}
  agent:
    start: hold
    nodes:
      - {id: hold, type: say, text: "Please hold.", next: support}
      - {id: support, type: queue, queue: support, next: bye}
      - {id: bye, type: hangup}
  bot:
    start: assistant
    nodes:
      - {id: assistant, type: bot, profile: assistant, done: bye, error: bye}
      - {id: bye, type: hangup}
  external:
    start: connect
    nodes:
      - {id: connect, type: say, text: "Connecting you.", next: xfer}
      - {id: xfer, type: transfer, number: "` + carrierNumber + `", trunk: carrier, max_wait: 20s, next: bye, failed: bye, error: bye}
      - {id: bye, type: hangup}
`
}

// callID is the SIP Call-ID of a test caller's call: the server's call id.
func (c *recCaller) callID() string { return c.dlg.InviteRequest.CallID().Value() }

// waitLogCount waits until the server's log holds substr n times.
func waitLogCount(srv *Server, substr string, n int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Count(srv.Log(), substr) >= n {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// answeredInvites reads a sipp message log and returns the Call-IDs of the calls whose INVITE
// got a 200: the calls the server acknowledged.
func answeredInvites(log string) []string {
	var ids []string
	for _, block := range strings.Split(log, "\n----------------------------------------------- ") {
		if !strings.Contains(block, "message received") {
			continue
		}
		var status, cseq, id string
		for _, l := range strings.Split(block, "\n") {
			l = strings.TrimSpace(l)
			switch {
			case strings.HasPrefix(l, "SIP/2.0 "):
				status = l
			case strings.HasPrefix(strings.ToLower(l), "cseq:"):
				cseq = l
			case strings.HasPrefix(strings.ToLower(l), "call-id:"):
				id = strings.TrimSpace(l[len("call-id:"):])
			case strings.HasPrefix(l, "i:"):
				id = strings.TrimSpace(l[2:])
			}
		}
		if strings.HasPrefix(status, "SIP/2.0 200") && strings.HasSuffix(cseq, "INVITE") && id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids
}

// TestCallsInProgressSurviveKill: calls in every state (in the menu, waiting in a queue, talking
// with the bot, bridged with an agent and recorded, transferred to an external number) and a sipp load of 50 calls/s are going on
// when the server is killed (SIGKILL). After the restart every call the server answered is
// there exactly once, closed as interrupted with its path, queue, agent and recording, its
// call.ended webhook and its analysis, and shown as interrupted on /calls (in Chinese: 已中断);
// a new call works as usual.
func TestCallsInProgressSurviveKill(t *testing.T) {
	hooks := newHookReceiver(t, nil)
	carrier := peers.StartPhone(t, peers.PhoneConfig{User: carrierNumber, AutoAnswer: true, MaxCallSeconds: 120,
		PlayWAV: toneWAV(t, t.TempDir(), agentTone)})
	srv := StartServer(t, ServerOptions{Dialplan: crashDialplan(t, fmt.Sprintf("127.0.0.1:%d", carrier.SIPPort())), Ring: map[string]string{"alice": "sip"},
		Roles: map[string]string{"bob": "supervisor"}, Extra: `webhooks:
  endpoints:
    - name: crm
      url: ` + hooks.URL + `/hooks/hotline
      secret: ` + hookSecret + `
`})
	agent := startAgent(t, srv, "alice", "alice-demo", true)
	defer agent.Close()

	// Bridged with alice, recorded, the caller's tone going.
	bridged := recDial(t, srv, "6002")
	defer bridged.close()
	go bridged.talk()
	if _, err := agent.WaitEvent(ctxFor(t, 20*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: %v", err)
	}
	bridged.startTone()
	// Waiting in the queue: alice is busy.
	waiting := recDial(t, srv, "6002")
	defer waiting.close()
	go waiting.talk() // silence: the callers' RTP keeps their calls up
	if !waitLogCount(srv, `msg="queue: waiting"`, 2, 10*time.Second) {
		t.Fatal("the second caller never waited in the queue")
	}
	// With the bot.
	bot := recDial(t, srv, "6003")
	defer bot.close()
	go bot.talk()
	if !srv.WaitLog("bot: start", 10*time.Second) {
		t.Fatal("the bot never started")
	}
	// In the menu.
	menu := recDial(t, srv, "6001")
	defer menu.close()
	go menu.talk()
	if !srv.WaitLog("target=choose", 10*time.Second) {
		t.Fatal("the menu never started")
	}
	// Transferred to the carrier's number.
	external := recDial(t, srv, "6004")
	defer external.close()
	go external.talk()
	if _, err := carrier.WaitEvent(ctxFor(t, 15*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("carrier: %v", err)
	}
	if !srv.WaitLog("transfer: bridged with external number", 5*time.Second) {
		t.Fatal("the external transfer never bridged")
	}

	// The load: 50 calls/s into the menu, each held 5 s; the kill comes 2 s in.
	load, err := peers.StartSipp(t, peers.SippArgs{Scenario: peers.ScenarioLoad, Remote: srv.SIPAddr(), Service: "6001",
		Calls: 150, Rate: 50, Limit: 300, Keys: map[string]string{"call_ms": "5000"}, Timeout: 45 * time.Second, TraceMsg: true})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // recording: past its first periodic header update too
	killAt := time.Now()
	srv.Kill()
	restart := time.Now()
	srv.Start()
	if !srv.WaitLog("calls interrupted by the last stop closed as interrupted", 10*time.Second) {
		t.Fatalf("the restart closed no interrupted call:\n%s", srv.Log())
	}
	res, _ := load.Wait() // calls cut by the kill fail in sipp; that is the point
	answered := answeredInvites(res.MessageLog)
	t.Logf("sipp: %d calls, %d successful, %d failed; %d INVITEs answered (before and after the restart)",
		res.Created, res.Successful, res.Failed, len(answered))
	if len(answered) < 20 {
		t.Fatalf("sipp saw only %d answered INVITEs; the load did not run:\n%s", len(answered), res.ErrorLog)
	}

	// sipp is done once it sent its last BYEs; the server may still be ending those calls.
	var all []record.Call
	for deadline := time.Now().Add(15 * time.Second); ; {
		all = nil
		staffGet(t, srv, "/api/calls?limit=10000", &all)
		going := 0
		for _, c := range all {
			if c.Disposition == record.DispositionInProgress {
				going++
			}
		}
		if going == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	byID := map[string]record.Call{}
	for _, c := range all {
		if _, dup := byID[c.ID]; dup {
			t.Errorf("call %s has two records", c.ID)
		}
		byID[c.ID] = c
	}
	interrupted := 0
	for _, id := range answered {
		c, ok := byID[id]
		switch {
		case !ok:
			t.Errorf("sipp call %s was answered (200 OK) but has no record", id)
		case c.Start.Before(restart) && c.Disposition != record.DispositionInterrupted:
			t.Errorf("sipp call %s, answered before the kill, is %q", id, c.Disposition)
		case c.Disposition == record.DispositionInProgress:
			t.Errorf("sipp call %s is still in progress", id)
		case c.Disposition == record.DispositionInterrupted:
			interrupted++
			if c.HangupCause != record.HangupCauseRestart || c.End.Before(c.Answer) || c.Answer.IsZero() {
				t.Errorf("sipp call %s: %+v", id, c.Times)
			}
		}
	}
	t.Logf("%d of the sipp calls were interrupted by the kill", interrupted)
	if interrupted == 0 {
		t.Error("no sipp call was in progress at the kill")
	}

	get := func(who string, c *recCaller) record.Call {
		t.Helper()
		var r record.Call
		staffGet(t, srv, "/api/calls/"+url.PathEscape(c.callID()), &r)
		if r.Disposition != record.DispositionInterrupted || r.HangupBy != record.HangupByServer {
			t.Errorf("%s: disposition %q hangup by %q", who, r.Disposition, r.HangupBy)
		}
		return r
	}
	nodes := func(c record.Call) []string {
		var out []string
		for _, s := range c.Path {
			out = append(out, s.Node)
		}
		return out
	}
	if c := get("bridged", bridged); c.Queue != "support" || c.Agent != "alice" || c.AgentAnswer.IsZero() ||
		!slices.Equal(nodes(c), []string{"hold", "support"}) || len(c.Recordings) != 1 || !c.Recordings[0].Incomplete {
		t.Errorf("bridged call: queue %q agent %q path %v recordings %+v", c.Queue, c.Agent, nodes(c), c.Recordings)
	} else if !c.End.After(c.AgentAnswer) {
		t.Errorf("bridged call ends at %v, before its agent answered at %v", c.End, c.AgentAnswer)
	}
	if c := get("waiting", waiting); c.Queue != "support" || c.Agent != "" || !slices.Equal(nodes(c), []string{"hold", "support"}) {
		t.Errorf("waiting call: queue %q agent %q path %v", c.Queue, c.Agent, nodes(c))
	} else if c.End.Before(killAt.Add(-6*time.Second)) || c.End.After(killAt) {
		// Its last checkpoint is older (the queue), but the server noted it ran every 5 s.
		t.Errorf("waiting call ends at %v, want within 6 s before the kill at %v", c.End, killAt)
	}
	if c := get("bot", bot); !slices.Equal(nodes(c), []string{"assistant"}) {
		t.Errorf("bot call: path %v", nodes(c))
	}
	if c := get("menu", menu); len(c.Path) == 0 || c.Path[0].Node != "welcome" {
		t.Errorf("menu call: path %v", nodes(c))
	}
	if c := get("external", external); !slices.Equal(nodes(c), []string{"connect", "xfer"}) || len(c.Transfers) != 1 ||
		c.Transfers[0].Number != carrierNumber || c.Transfers[0].Outcome != record.TransferAnswered {
		t.Errorf("external call: path %v transfers %+v", nodes(c), c.Transfers)
	}

	// Searchable as interrupted on /calls.
	var page struct {
		Total int                  `json:"total"`
		Calls []record.CallSummary `json:"calls"`
	}
	staffGet(t, srv, "/api/calls/search?disposition=interrupted&limit=500", &page)
	if page.Total < interrupted+5 {
		t.Errorf("search finds %d interrupted calls, want at least %d", page.Total, interrupted+5)
	}

	// The calls page shows them as interrupted, in Chinese too.
	ctx := newBrowser(t)
	base := "http://" + srv.HTTPAddr
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/agent"), chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#login-id", "bob"), chromedp.SendKeys("#login-password", "bob-demo"), chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#desk"), chromedp.Navigate(base+"/calls?lang=zh"), chromedp.WaitVisible("#filter"),
		chromedp.SetValue(`select[name="disposition"]`, record.DispositionInterrupted), chromedp.Click("#search")); err != nil {
		t.Fatalf("calls page: %v", err)
	}
	jsWait(t, ctx, `document.querySelectorAll("#rows tr.call").length > 0 && [...document.querySelectorAll("#rows .badge")].every(b => b.textContent === "已中断")`, 10*time.Second)
	screenshot(t, ctx, "calls-interrupted.png")

	// The interrupted calls are analysed (on what was recorded) and announced.
	waitAnalysis(t, srv, url.PathEscape(bridged.callID()), record.AnalysisDone, 60*time.Second)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, accepted, bad := hooks.snapshot()
		ended := map[string]bool{}
		hooks.mu.Lock()
		for _, id := range accepted[record.EventCallEnded] {
			var ev struct {
				Data record.Call `json:"data"`
			}
			if err := json.Unmarshal(hooks.bodies[id], &ev); err == nil && ev.Data.Disposition == record.DispositionInterrupted {
				ended[ev.Data.ID] = true
			}
		}
		hooks.mu.Unlock()
		missing := 0
		for _, c := range []*recCaller{bridged, waiting, bot, menu, external} {
			if !ended[c.callID()] {
				missing++
			}
		}
		if missing == 0 && len(bad) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("call.ended (interrupted) missing for %d of the 5 calls; bad deliveries %v", missing, bad)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A new call works as usual, and its record ends as any call's.
	after := recDial(t, srv, "6001")
	go after.talk()
	time.Sleep(time.Second)
	after.close()
	deadline = time.Now().Add(10 * time.Second)
	for {
		var c record.Call
		staffGet(t, srv, "/api/calls/"+url.PathEscape(after.callID()), &c)
		if c.Disposition != "" && c.Disposition != record.DispositionInProgress {
			if c.Disposition == record.DispositionInterrupted {
				t.Errorf("the call after the restart is %q", c.Disposition)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the call after the restart is still %q", c.Disposition)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
