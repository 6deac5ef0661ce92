package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hotline-cc/hotline/bot/openaitest"
	"github.com/hotline-cc/hotline/e2e/peers"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/recording"
	"github.com/hotline-cc/hotline/webhook"
)

// intelDialplan records every call and sends it to alice.
const intelDialplan = `version: 1
settings:
  record: always
queues:
  support: {members: [alice], ring_timeout: 20s}
routes:
  - {name: rec, to: "5000", flow: main}
flows:
  main:
    start: agent
    nodes:
      - {id: agent, type: queue, queue: support}
`

const (
	hookSecret = "e2e-webhook-secret"
	// What the caller "says" (its tone, transcribed by the local server): a phone number and a
	// card number among other words.
	callerWords = "please cancel my contract my number is 13800138000 and my card is 4111 1111 1111 1111 thanks"
	agentWords  = "hello I will send you the refund today"
)

// intelRules has one rule for the caller's words; the rerun test adds one for the agent's.
const intelRules = `rules:
  - id: cancellation-threat
    name: Cancellation threat
    phrase: {party: caller, text: [cancel my contract]}
`

// hookReceiver is a webhook receiver that checks every delivery's signature, answers 500 to
// the first failFirst deliveries of each event type, and keeps what it accepted.
type hookReceiver struct {
	*httptest.Server
	mu        sync.Mutex
	failFirst map[string]int
	attempts  map[string]int        // by event type, every delivery seen
	accepted  map[string][]string   // event type → event ids accepted, in order
	bodies    map[string][]byte     // event id → body
	bad       []string              // deliveries with a bad signature
	fail      func(typ string) bool // when set, answers 500 while it says so
}

func newHookReceiver(t *testing.T, failFirst map[string]int) *hookReceiver {
	h := &hookReceiver{failFirst: failFirst, attempts: map[string]int{}, accepted: map[string][]string{}, bodies: map[string][]byte{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		typ, id := r.Header.Get(webhook.HeaderEventType), r.Header.Get(webhook.HeaderEventID)
		h.mu.Lock()
		defer h.mu.Unlock()
		h.attempts[typ]++
		if err := webhook.Verify(hookSecret, r.Header.Get(webhook.HeaderSignature), body, time.Now()); err != nil {
			h.bad = append(h.bad, typ+": "+err.Error())
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if h.attempts[typ] <= h.failFirst[typ] || (h.fail != nil && h.fail(typ)) {
			http.Error(w, "try again", http.StatusInternalServerError)
			return
		}
		if _, seen := h.bodies[id]; !seen {
			h.accepted[typ] = append(h.accepted[typ], id)
		}
		h.bodies[id] = body
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) snapshot() (attempts map[string]int, accepted map[string][]string, bad []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	attempts, accepted = map[string]int{}, map[string][]string{}
	for k, v := range h.attempts {
		attempts[k] = v
	}
	for k, v := range h.accepted {
		accepted[k] = append([]string(nil), v...)
	}
	return attempts, accepted, append([]string(nil), h.bad...)
}

// analysisReply answers the LLM analyser with valid JSON for the transcript it was sent.
func analysisReply(req openaitest.ChatRequest) string {
	n := 0
	for _, m := range req.Messages {
		if mm := regexp.MustCompile(`Transcript \((\d+) turns\)`).FindStringSubmatch(m.Content); mm != nil {
			n, _ = strconv.Atoi(mm[1])
		}
	}
	sent := make([]float64, n)
	for i := range sent {
		sent[i] = -0.4
	}
	b, _ := json.Marshal(map[string]any{"turn_sentiment": sent, "caller_sentiment": -0.4, "agent_sentiment": 0.3,
		"summary": "The caller wants to cancel their contract; the agent will send a refund.", "intent": "cancellation",
		"topics": []string{"cancellation", "refund"}, "action_items": []string{"Send the refund today"}, "language": "en"})
	return string(b)
}

// intelServer starts hotline with recording, the local OpenAI-compatible server for
// transcripts and the LLM analyser, a rules file and a webhook endpoint.
func intelServer(t *testing.T, ai *openaitest.Server, hooks *hookReceiver, rulesFile string) *Server {
	extra := openAIEngines(ai.BaseURL()) + `analysis:
  analyzer: llm
  rules: ` + rulesFile + `
webhooks:
  endpoints:
    - name: crm
      url: ` + hooks.URL + `/hooks/hotline
      secret: ` + hookSecret + `
`
	return StartServer(t, ServerOptions{Dialplan: intelDialplan, Ring: map[string]string{"alice": "sip"},
		Roles: map[string]string{"bob": "supervisor"}, Extra: extra})
}

// talkToAgent makes one recorded call: the agent (alice's SIP phone) answers and plays its tone;
// the caller talks (its tone) for talk, is quiet for a second, and hangs up.
func talkToAgent(t *testing.T, srv *Server, talk time.Duration) record.Call {
	agent := startAgent(t, srv, "alice", "alice-demo", true)
	defer agent.Close()
	caller := recDial(t, srv, "5000")
	defer caller.close()
	go caller.talk()
	if _, err := agent.WaitEvent(ctxFor(t, 20*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: %v", err)
	}
	time.Sleep(800 * time.Millisecond)
	caller.startTone()
	time.Sleep(talk)
	caller.stopTone()
	time.Sleep(time.Second)
	caller.hangup()
	if _, err := agent.WaitEvent(ctxFor(t, 10*time.Second), peers.EventCallClosed); err != nil {
		t.Fatalf("agent not released: %v", err)
	}
	return srv.WaitCalls(t, 1, 10*time.Second)[0]
}

// staffGet fetches a staff API path with the admin token and decodes its JSON.
func staffGet(t *testing.T, srv *Server, path string, out any) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+srv.HTTPAddr+path, nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", path, resp.Status, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

func staffPost(t *testing.T, srv *Server, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", "http://"+srv.HTTPAddr+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// waitAnalysis polls the call until its analysis is in state (or fails the test).
func waitAnalysis(t *testing.T, srv *Server, id, state string, d time.Duration) record.Call {
	t.Helper()
	deadline := time.Now().Add(d)
	var c record.Call
	for time.Now().Before(deadline) {
		staffGet(t, srv, "/api/calls/"+id, &c)
		if c.Analysis != nil && c.Analysis.Status == state {
			return c
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the call's analysis is %+v, want %s\n%s", c.Analysis, state, srv.Log())
	return c
}

// zeroRuns are the stretches of exact silence of at least min inside pcm.
func zeroRuns(pcm media.PCM16, rate int, min time.Duration) []time.Duration {
	var runs []time.Duration
	n := 0
	for i, v := range pcm {
		if v == 0 {
			n++
			if i < len(pcm)-1 {
				continue
			}
		}
		if d := time.Duration(n) * time.Second / time.Duration(rate); d >= min {
			runs = append(runs, d)
		}
		n = 0
	}
	return runs
}

// TestConversationIntelligence is the whole post-call path with real peers: a recorded call
// between a SIP caller and a SIP agent is transcribed by the local OpenAI-compatible server
// (word timestamps), the phone and card numbers the caller "said" are redacted in the stored
// transcript and silenced in the stored audio, the LLM analyser is sent only redacted text, a
// category rule fires, both webhooks arrive signed (call.ended after a 500 and a retry), a
// changed rule re-run over the stored call changes its categories, and in Chromium a supervisor
// finds the call at /calls by a word of its transcript, plays it and seeks by clicking a turn,
// and /insights draws its charts.
func TestConversationIntelligence(t *testing.T) {
	ai := openaitest.New()
	defer ai.Close()
	ai.Transcripts(openaitest.Transcript{Text: callerWords, SpreadWords: true}, openaitest.Transcript{Text: agentWords, SpreadWords: true})
	ai.Script(openaitest.Reply{Content: analysisReply})
	hooks := newHookReceiver(t, map[string]int{record.EventCallEnded: 1})
	rulesFile := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rulesFile, []byte(intelRules), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := intelServer(t, ai, hooks, rulesFile)

	ended := talkToAgent(t, srv, 4*time.Second)
	c := waitAnalysis(t, srv, ended.ID, record.AnalysisDone, 60*time.Second)

	// The transcript: both parties, the numbers replaced by tokens in text and words.
	if !c.Transcribed || len(c.Transcript) < 2 {
		t.Fatalf("transcript %+v", c.Transcript)
	}
	var callerTurn *record.Turn
	speakers := map[string]bool{}
	for i, tr := range c.Transcript {
		speakers[tr.Speaker] = true
		if strings.Contains(tr.Text, "13800138000") || strings.Contains(tr.Text, "4111") {
			t.Errorf("a stored turn keeps a number: %q", tr.Text)
		}
		if tr.Speaker == record.SpeakerCaller && strings.Contains(tr.Text, "contract") {
			callerTurn = &c.Transcript[i]
		}
	}
	if !speakers[record.SpeakerCaller] || !speakers[record.SpeakerAgent] || callerTurn == nil {
		t.Fatalf("transcript speakers %v: %+v", speakers, c.Transcript)
	}
	if !strings.Contains(callerTurn.Text, "[PHONE]") || !strings.Contains(callerTurn.Text, "[CARD]") {
		t.Errorf("caller turn %q lacks [PHONE] and [CARD]", callerTurn.Text)
	}
	if len(callerTurn.Words) == 0 {
		t.Error("the caller's turn has no word timestamps")
	}
	// Nothing with a raw number reached the LLM, and the redacted transcript did.
	reqs := ai.ChatRequests()
	sawTokens := false
	for _, r := range reqs {
		for _, m := range r.Messages {
			if strings.Contains(m.Content, "13800138000") || strings.Contains(m.Content, "4111 1111") || strings.Contains(m.Content, "4111111111111111") {
				t.Errorf("the LLM endpoint received a raw number: %q", m.Content)
			}
			sawTokens = sawTokens || strings.Contains(m.Content, "[PHONE]")
		}
	}
	if !sawTokens {
		t.Errorf("the LLM analyser never received the redacted transcript (%d requests)", len(reqs))
	}
	a := c.Analysis
	if a.Summary == "" || a.Intent != "cancellation" || a.Sentiment.Label != "negative" || len(a.Actions) == 0 {
		t.Errorf("analysis %+v", a)
	}
	if !hasCategory(c, "Cancellation threat") {
		t.Errorf("categories %+v, want Cancellation threat", a.Categories)
	}
	if a.Voice.CallerTalkMs < 3000 || a.Voice.OtherTalkMs < 3000 {
		t.Errorf("voice stats %+v", a.Voice)
	}

	// The numbers are silent in the recording: the caller's continuous tone has holes.
	rec := c.Recordings[0]
	left, _, rate, err := recording.ReadStereo(filepath.Join(srv.Dir, "data", "recordings", "calls", filepath.FromSlash(rec.File)))
	if err != nil {
		t.Fatal(err)
	}
	from := int(callerTurn.Start.Sub(rec.Start).Seconds() * float64(rate))
	to := min(len(left), int(callerTurn.End.Sub(rec.Start).Seconds()*float64(rate)))
	if holes := zeroRuns(left[max(0, from):to], rate, 200*time.Millisecond); len(holes) < 2 {
		t.Errorf("the caller's speech has %d silenced spans (%v), want the phone and the card number", len(holes), holes)
	}

	// Webhooks: call.ended retried after a 500, call.analyzed once, every signature good.
	var accepted map[string][]string
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var attempts map[string]int
		var bad []string
		attempts, accepted, bad = hooks.snapshot()
		if len(bad) > 0 {
			t.Fatalf("deliveries with bad signatures: %v", bad)
		}
		if len(accepted[record.EventCallEnded]) == 1 && len(accepted[record.EventCallAnalyzed]) == 1 && attempts[record.EventCallEnded] >= 2 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(accepted[record.EventCallEnded]) != 1 || len(accepted[record.EventCallAnalyzed]) != 1 {
		t.Fatalf("webhook events accepted %v", accepted)
	}
	var deliveries []record.WebhookDelivery
	staffGet(t, srv, "/api/webhooks/deliveries", &deliveries)
	for _, d := range deliveries {
		if d.State != record.DeliveryDelivered {
			t.Errorf("delivery %+v", d)
		}
	}
	srv.AssertMetric(t, `hotline_webhook_deliveries{state="delivered"} 2`)
	srv.AssertMetric(t, `hotline_analysis_jobs{state="done"} 1`)

	// Search finds the call by a word of its transcript, English text.
	var page struct {
		Calls []record.CallSummary `json:"calls"`
		Total int                  `json:"total"`
	}
	staffGet(t, srv, "/api/calls/search?q=contract", &page)
	if page.Total != 1 || page.Calls[0].ID != c.ID || page.Calls[0].Sentiment != "negative" {
		t.Fatalf("search for contract: %+v", page)
	}
	staffGet(t, srv, "/api/calls/search?q=13800138000", &page)
	if page.Total != 0 {
		t.Errorf("search for the redacted number found %d calls", page.Total)
	}

	// A rule added for the agent's words and re-run over the stored call changes its categories.
	if err := os.WriteFile(rulesFile, []byte(intelRules+`  - id: refund-promised
    name: Refund promised
    phrase: {party: agent, text: [send you the refund]}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(10 * time.Second)
	for strings.Count(srv.Log(), `msg="rules live"`) < 2 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if strings.Count(srv.Log(), `msg="rules live"`) < 2 {
		t.Fatalf("the changed rules file was not loaded:\n%s", srv.Log())
	}
	code, body := staffPost(t, srv, "/api/analysis/rerun", fmt.Sprintf(`{"since":%q,"rules_only":true}`, c.Start.Add(-time.Minute).Format(time.RFC3339)))
	if code != http.StatusAccepted {
		t.Fatalf("rerun: %d %s", code, body)
	}
	deadline = time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		staffGet(t, srv, "/api/calls/"+c.ID, &c)
		if hasCategory(c, "Refund promised") {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !hasCategory(c, "Refund promised") || !hasCategory(c, "Cancellation threat") {
		t.Fatalf("after the rerun the categories are %+v", c.Analysis.Categories)
	}

	browseCallPages(t, srv, c)
}

func hasCategory(c record.Call, name string) bool {
	if c.Analysis == nil {
		return false
	}
	for _, k := range c.Analysis.Categories {
		if k.Name == name {
			return true
		}
	}
	return false
}

// browseCallPages: a supervisor signs in, searches /calls for a word of the transcript, opens
// the call, plays the recording and seeks by clicking the agent's turn, and opens /insights.
func browseCallPages(t *testing.T, srv *Server, c record.Call) {
	ctx := newBrowser(t, chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	base := "http://" + srv.HTTPAddr
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/agent"), chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#login-id", "bob"), chromedp.SendKeys("#login-password", "bob-demo"), chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#desk")); err != nil {
		t.Fatalf("supervisor login: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/calls"), chromedp.WaitVisible("#filter"),
		chromedp.SendKeys("#q", "contract"), chromedp.Click("#search")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, ctx, `document.querySelectorAll("#rows tr.call").length === 1 && document.getElementById("total").textContent.startsWith("1 ")`, 10*time.Second)
	if id := jsString(t, ctx, `document.querySelector("#rows tr.call").dataset.id`); id != c.ID {
		t.Fatalf("the search lists call %q, want %q", id, c.ID)
	}
	screenshot(t, ctx, "calls-search.png")
	if err := chromedp.Do(ctx, chromedp.Click("#rows tr.call a")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, ctx, `document.getElementById("audio") !== null && document.getElementById("audio").readyState >= 1 && document.getElementById("audio").duration > 3`, 15*time.Second)
	jsWait(t, ctx, `document.querySelectorAll("#turns li").length >= 2 && document.getElementById("turns").textContent.includes("[PHONE]")`, 5*time.Second)
	// Clicking the agent's turn seeks the player to it and plays.
	agentAt, err := eval[float64](ctx, `(() => { const li = document.querySelector("#turns li.agent"); li.click(); return parseFloat(li.dataset.start); })()`)
	if err != nil {
		t.Fatal(err)
	}
	jsWait(t, ctx, fmt.Sprintf(`(() => { const a = document.getElementById("audio"); return !a.paused && a.currentTime >= %f && a.currentTime < %f + 2; })()`, agentAt, agentAt), 10*time.Second)
	jsWait(t, ctx, `document.querySelector("#turns li.agent").classList.contains("playing")`, 5*time.Second)
	screenshot(t, ctx, "call-page.png")
	// The listening is audited.
	var audits []record.Audit
	staffGet(t, srv, "/api/calls/"+c.ID+"/audit", &audits)
	if len(audits) == 0 || audits[0].Who != "bob" || audits[0].Action != record.AuditListen {
		t.Errorf("audit %+v, want bob listening", audits)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/insights"), chromedp.WaitVisible("#charts")); err != nil {
		t.Fatal(err)
	}
	jsWait(t, ctx, `document.querySelectorAll("#charts img").length === 7 && [...document.querySelectorAll("#charts img")].every(i => i.complete && i.naturalWidth > 100)`, 15*time.Second)
	if got := jsString(t, ctx, `document.getElementById("k-calls").textContent`); got != "1" {
		t.Errorf("insights counts %q calls, want 1", got)
	}
	screenshot(t, ctx, "insights.png")
}

// TestAnalysisSurvivesKill: the server is killed (SIGKILL) while a call is being analysed and
// while its call.ended webhook is still failing; after the restart the analysis job runs again
// and completes, the webhook is delivered from the outbox, and call.analyzed reaches the
// receiver under one idempotency key only.
func TestAnalysisSurvivesKill(t *testing.T) {
	ai := openaitest.New()
	defer ai.Close()
	// The first transcription hangs long enough for the kill; the rerun's answers come at once.
	ai.Transcripts(openaitest.Transcript{Text: callerWords, SpreadWords: true, Delay: 30 * time.Second},
		openaitest.Transcript{Text: callerWords, SpreadWords: true}, openaitest.Transcript{Text: agentWords, SpreadWords: true})
	ai.Script(openaitest.Reply{Content: analysisReply})
	var failing sync.Mutex
	failEnded := true
	hooks := newHookReceiver(t, nil)
	hooks.fail = func(typ string) bool {
		failing.Lock()
		defer failing.Unlock()
		return typ == record.EventCallEnded && failEnded
	}
	rulesFile := filepath.Join(t.TempDir(), "rules.yaml")
	if err := os.WriteFile(rulesFile, []byte(intelRules), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := intelServer(t, ai, hooks, rulesFile)
	ended := talkToAgent(t, srv, 3*time.Second)
	waitAnalysis(t, srv, ended.ID, record.AnalysisRunning, 30*time.Second)
	deadline := time.Now().Add(10 * time.Second)
	for ai.TranscriptionCount() == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if attempts, _, _ := hooks.snapshot(); attempts[record.EventCallEnded] == 0 {
		time.Sleep(2 * time.Second) // the first delivery attempt
	}
	srv.Kill()
	failing.Lock()
	failEnded = false
	failing.Unlock()
	srv.Start()

	c := waitAnalysis(t, srv, ended.ID, record.AnalysisDone, 60*time.Second)
	if c.Analysis.Attempts < 2 || !hasCategory(c, "Cancellation threat") {
		t.Errorf("after the restart: %+v", c.Analysis)
	}
	deadline = time.Now().Add(30 * time.Second)
	var accepted map[string][]string
	for time.Now().Before(deadline) {
		_, accepted, _ = hooks.snapshot()
		if len(accepted[record.EventCallEnded]) == 1 && len(accepted[record.EventCallAnalyzed]) == 1 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	attempts, accepted, bad := hooks.snapshot()
	if len(bad) > 0 || len(accepted[record.EventCallEnded]) != 1 || len(accepted[record.EventCallAnalyzed]) != 1 {
		t.Fatalf("webhooks after the restart: attempts %v accepted %v bad %v", attempts, accepted, bad)
	}
	if attempts[record.EventCallEnded] < 2 {
		t.Errorf("call.ended was delivered on attempt %d; it should have failed before the kill", attempts[record.EventCallEnded])
	}
	// Kept for a moment: no second call.analyzed under another key.
	time.Sleep(2 * time.Second)
	if _, accepted, _ = hooks.snapshot(); len(accepted[record.EventCallAnalyzed]) != 1 {
		t.Errorf("call.analyzed arrived under %d keys", len(accepted[record.EventCallAnalyzed]))
	}
}

// TestRecordingSurvivesKill: the server is killed (SIGKILL) in the middle of a recorded call.
// After the restart the interrupted file is closed and attached to the call, marked incomplete,
// and it plays: the caller's tone up to the crash is in it.
func TestRecordingSurvivesKill(t *testing.T) {
	srv := StartServer(t, ServerOptions{Dialplan: intelDialplan, Ring: map[string]string{"alice": "sip"}})
	agent := startAgent(t, srv, "alice", "alice-demo", true)
	defer agent.Close()
	caller := recDial(t, srv, "5000")
	defer caller.close()
	go caller.talk()
	if _, err := agent.WaitEvent(ctxFor(t, 20*time.Second), peers.EventCallEstablished); err != nil {
		t.Fatalf("agent: %v", err)
	}
	caller.startTone()
	// Past the first periodic header update and with audio on disk.
	time.Sleep(12 * time.Second)
	srv.Kill()
	srv.Start()
	if !srv.WaitLog("recovered an interrupted recording", 10*time.Second) {
		t.Fatalf("no recovery logged:\n%s", srv.Log())
	}
	var calls []record.Call
	staffGet(t, srv, "/api/calls", &calls)
	if len(calls) != 1 || len(calls[0].Recordings) != 1 {
		t.Fatalf("after the restart the calls are %+v", calls)
	}
	rec := calls[0].Recordings[0]
	if !rec.Incomplete {
		t.Errorf("the interrupted recording is not marked incomplete: %+v", rec)
	}
	left, _, rate, err := recording.ReadStereo(filepath.Join(srv.Dir, "data", "recordings", "calls", filepath.FromSlash(rec.File)))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Duration(len(left)) * time.Second / time.Duration(rate); d < 8*time.Second {
		t.Errorf("the recovered file holds %v of audio, want the ~12 s before the crash", d)
	}
	tail := left[max(0, len(left)-3*rate):]
	if ok, ratio := audiotest.DetectTone(tail, recCallerTone, rate); !ok {
		t.Errorf("the caller's tone is not in the last seconds before the crash (ratio %.2f)", ratio)
	}
	if _, err := os.Stat(filepath.Join(srv.Dir, "data", "recordings", "calls", filepath.FromSlash(rec.File)+".part")); !os.IsNotExist(err) {
		t.Errorf("the .part file is still there: %v", err)
	}
}
