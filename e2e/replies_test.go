package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hotline-cc/hotline/bot/openaitest"
)

// TestReplyScriptReview: a supervisor generates reply-script candidates for an intent on /replies
// (no language model is configured, so the page says they were assembled from the knowledge
// base), approves one of them, and it is then an agent's quick reply for that intent, with the
// passage it was grounded in.
func TestReplyScriptReview(t *testing.T) {
	srv := StartServer(t, ServerOptions{Roles: map[string]string{"bob": "supervisor"}})
	ctx := newBrowser(t)
	base := "http://" + srv.HTTPAddr
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/agent?lang=en"), chromedp.WaitVisible("#login-form"),
		chromedp.SendKeys("#login-id", "bob"), chromedp.SendKeys("#login-password", "bob-demo"), chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#desk"),
		chromedp.Navigate(base+"/replies"), chromedp.WaitVisible("#generate"),
		chromedp.WaitVisible(`#engine[data-engine="embedded"]`),
		chromedp.SendKeys("#gen-intents", "refund"),
		chromedp.SetValue("#gen-tone", "warm"),
		chromedp.SetValue("#gen-count", "2"),
		chromedp.Click("#generate"),
		chromedp.WaitVisible(`.script[data-status="draft"]`),
	); err != nil {
		screenshot(t, ctx, "replies-generate.png")
		t.Fatalf("generate on /replies: %v\n%s", err, srv.Log())
	}
	engine, _ := chromedp.Run(ctx, chromedp.Text("#engine"))
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".script")).map((e) => e.dataset.id)`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(engine, "knowledge-base sentences") {
		t.Fatalf("the page does not say the candidates are assembled without a model: %q", engine)
	}
	if len(ids) != 2 {
		t.Fatalf("%d candidates on the page, want 2", len(ids))
	}
	// Approve the second candidate only.
	if err := chromedp.Do(ctx,
		chromedp.Click(`.script[data-id="`+ids[1]+`"] .pick`),
		chromedp.Click("#approve"),
		chromedp.WaitNotPresent(`.script[data-id="`+ids[1]+`"]`), // the draft list no longer has it
		chromedp.SetValue("#f-status", "approved"),
		chromedp.Click("#reload"),
		chromedp.WaitVisible(`.script[data-id="`+ids[1]+`"][data-status="approved"]`),
	); err != nil {
		screenshot(t, ctx, "replies-approve.png")
		t.Fatalf("approve on /replies: %v\n%s", err, srv.Log())
	}
	screenshot(t, ctx, "replies.png")

	var quick []struct {
		ID       string   `json:"id"`
		Text     string   `json:"text"`
		Filled   string   `json:"filled"`
		Tone     string   `json:"tone"`
		Passages []string `json:"passages"`
		Missing  []string `json:"missing"`
	}
	staffGet(t, srv, "/api/replies/quick?intent=refund&lang=en-US", &quick)
	if len(quick) != 1 || quick[0].ID != ids[1] {
		b, _ := json.Marshal(quick)
		t.Fatalf("quick replies for refund: %s, want only %s", b, ids[1])
	}
	q := quick[0]
	if q.Tone != "warm" || !strings.HasPrefix(q.Text, "Hi ${customer.name}") || len(q.Passages) != 1 ||
		!strings.Contains(strings.ToLower(q.Passages[0]), "refund") || len(q.Missing) != 1 || q.Missing[0] != "customer.name" {
		t.Fatalf("quick reply %+v", q)
	}
	// The rejected-or-not-reviewed first candidate is still a draft, not a quick reply.
	var drafts []struct {
		ID string `json:"id"`
	}
	staffGet(t, srv, "/api/replies?status=draft&intent=refund", &drafts)
	if len(drafts) != 1 || drafts[0].ID != ids[0] {
		t.Fatalf("drafts %+v, want %s", drafts, ids[0])
	}
}

// TestReplyScriptsFromModel: with engines.llm on an OpenAI-compatible server, the server asks the
// model for candidates with the knowledge-base passages for the intent numbered in the prompt,
// and each candidate keeps the passages it cited; approved, it is the intent's quick reply.
func TestReplyScriptsFromModel(t *testing.T) {
	ai := openaitest.New()
	defer ai.Close()
	var prompt string
	ai.Script(openaitest.Reply{Content: func(req openaitest.ChatRequest) string {
		prompt = req.Messages[len(req.Messages)-1].Content
		return `{"candidates":[{"title":"Refund time","text":"Hi ${customer.name}, we refund within 14 days of receiving your return.","passages":[1]},
			{"title":"Ungrounded","text":"We give everyone a voucher.","passages":[]}]}`
	}})
	srv := StartServer(t, ServerOptions{Extra: openAIEngines(ai.BaseURL())})
	var engine struct {
		Engine string `json:"engine"`
	}
	staffGet(t, srv, "/api/replies/engine", &engine)
	if engine.Engine != "llm" {
		t.Fatalf("engine %q with engines.llm on a server", engine.Engine)
	}
	code, body := staffPost(t, srv, "/api/replies/generate", `{"intents":["refund"],"tone":"warm","count":2,"lang":"en-US"}`)
	if code != 200 {
		t.Fatalf("generate: %d %s", code, body)
	}
	var res struct {
		Engine  string `json:"engine"`
		Scripts []struct {
			ID       string   `json:"id"`
			Passages []string `json:"passages"`
		} `json:"scripts"`
	}
	if err := json.Unmarshal([]byte(body), &res); err != nil || res.Engine != "llm" || len(res.Scripts) != 1 {
		t.Fatalf("generate: %s", body)
	}
	first := ""
	for _, line := range strings.Split(prompt, "\n") {
		if p, ok := strings.CutPrefix(line, "[1] "); ok {
			first = p
		}
	}
	if first == "" || !strings.Contains(strings.ToLower(first), "refund") || len(res.Scripts[0].Passages) != 1 || res.Scripts[0].Passages[0] != first {
		t.Fatalf("the candidate's passages %q, the prompt's first passage %q\n%s", res.Scripts[0].Passages, first, prompt)
	}
	if code, body := staffPost(t, srv, "/api/replies/review", `{"ids":["`+res.Scripts[0].ID+`"],"action":"approve"}`); code != 200 {
		t.Fatalf("approve: %d %s", code, body)
	}
	var quick []struct {
		ID string `json:"id"`
	}
	staffGet(t, srv, "/api/replies/quick?intent=refund&lang=en-US", &quick)
	if len(quick) != 1 || quick[0].ID != res.Scripts[0].ID {
		t.Fatalf("quick replies %+v", quick)
	}
}
