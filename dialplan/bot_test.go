package dialplan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	. "github.com/hotline-cc/hotline/dialplan/dialplantest"
)

const botPlan = `version: 1
queues: {support: {members: [alice]}}
bots:
  helper:
    greeting: "Hi, how can I help?"
    knowledge_base: prompts
    instructions: "Be brief."
    llm_model: small
    barge_in: false
    min_barge_in: 200ms
    end_of_turn_silence: 700ms
    max_turns: 5
    dtmf: {"0": agent, "*": repeat}
    escalate_queue: support
    escalate_on: [request, failed_turns]
    tools:
      - name: order_status
        description: "Order status by number."
        method: POST
        url: "http://crm.local/order"
        parameters: {type: object, properties: {id: {type: string}}, required: [id]}
routes: [{name: r, flow: main}]
flows:
  main:
    start: a
    nodes:
      - {id: a, type: bot, profile: helper, done: bye, escalate: q, error: sorry}
      - {id: q, type: queue, queue: support}
      - {id: sorry, type: say, text: "Sorry: ${bot_reason}."}
      - {id: bye, type: hangup}
`

func TestBotProfile(t *testing.T) {
	p, warnings, err := dialplan.Parse("b.yaml", []byte(botPlan), dialplan.Options{BaseDir: "testdata"})
	if err != nil || len(warnings) != 0 {
		t.Fatalf("Parse: %v %v", err, warnings)
	}
	b := p.Bots["helper"]
	if b.BargeIn || !b.DTMFBargeIn || b.MinBargeIn != 200*time.Millisecond || b.EndOfTurnSilence != 700*time.Millisecond ||
		b.MinSpeech != dialplan.DefaultMinSpeech || b.MaxTurns != 5 || b.MaxDuration != dialplan.DefaultBotMaxDuration ||
		b.MaxFailedTurns != 2 || b.EscalateQueue != p.Queues["support"] || b.DTMF["0"] != "agent" || b.LLMModel != "small" ||
		!strings.HasSuffix(b.KnowledgeBase, "testdata/prompts") || len(b.EscalateOn) != 2 {
		t.Errorf("profile = %+v", b)
	}
	tool := b.Tools[0]
	props, _ := tool.Parameters["properties"].(map[string]any)
	if tool.Method != "POST" || tool.Timeout != dialplan.DefaultToolTimeout || props["id"] == nil {
		t.Errorf("tool = %+v", tool)
	}
}

func TestBotNode(t *testing.T) {
	p, _, err := dialplan.Parse("b.yaml", []byte(botPlan), dialplan.Options{BaseDir: "testdata"})
	if err != nil {
		t.Fatal(err)
	}
	f := p.Flows["main"]
	c := NewCaller(Say("What are your hours?"), Say("I want a human please"), Answered("alice"))
	path, err := runFlow(t, f, c)
	if err != nil {
		t.Fatal(err)
	}
	wantLines(t, "path", path, []string{"a(bot) -escalate-> q", "q(queue) -next-> "})
	if c.Variables["bot_reason"] != dialplan.EscalateRequest {
		t.Errorf("bot_reason = %q", c.Variables["bot_reason"])
	}

	c = NewCaller(BotOutcome(dialplan.BotResult{Outcome: dialplan.BotError, Reason: "engine down"}))
	path, _ = runFlow(t, f, c)
	wantLines(t, "path", path, []string{"a(bot) -error-> sorry", "sorry(say) -next-> "})
	if ev := c.Events(); ev[len(ev)-2] != `say en-US "Sorry: engine down."` {
		t.Errorf("events = %q", ev)
	}
	c = NewCaller(Say("thanks, bye"))
	path, _ = runFlow(t, f, c)
	wantLines(t, "path", path, []string{"a(bot) -done-> bye", "bye(hangup) -hangup-> "})
	c = NewCaller(HangUp())
	path, err = runFlow(t, f, c)
	if err != nil || len(path) != 1 || path[0] != "a(bot) -hangup-> " {
		t.Errorf("caller hangs up: path %q, %v", path, err)
	}
}

func TestBotInvalid(t *testing.T) {
	src := strings.NewReplacer(
		"knowledge_base: prompts", "knowledge_base: nowhere",
		"barge_in: false", "barge_in: maybe",
		`"*": repeat`, `"*": dance, "x": end`,
		"escalate_queue: support", "escalate_queue: suport",
		"failed_turns]", "angry]",
		"name: order_status", "name: order status",
		"profile: helper", "profile: helpr",
	).Replace(botPlan)
	_, _, err := dialplan.Parse("b.yaml", []byte(src), dialplan.Options{BaseDir: "testdata"})
	wantLines(t, "errors", errorStrings(t, err), []string{
		`b.yaml:6:21: bot "helper": knowledge_base: directory "nowhere" not found (paths are relative to testdata)`,
		`b.yaml:9:15: bot "helper": barge_in must be true or false, not "maybe" (write true or false)`,
		`b.yaml:13:29: bot "helper": dtmf "*": unknown action "dance" (one of: agent, repeat, end)`,
		`b.yaml:13:36: bot "helper": dtmf: "x" is not a phone key (a key is one of 0-9, "*" or "#"; quote "*" and "#")`,
		`b.yaml:14:21: bot "helper": escalate_queue "suport": no such queue (did you mean "support"?)`,
		`b.yaml:15:28: bot "helper": escalate_on: unknown reason "angry" (one of: request, failed_turns, low_confidence, negative_sentiment, max_duration)`,
		`b.yaml:17:15: bot "helper" tool 1: tool name "order status" is not a valid function name (use letters, digits, _ and -)`,
		`b.yaml:27:37: node "a": bot profile "helpr": no such profile (did you mean "helper"?)`,
	})
}

func TestBotToolParametersBounded(t *testing.T) {
	// Aliases that would expand to 10^8 values are refused, not expanded.
	src := strings.Replace(botPlan, "bots:\n", `x:
  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]
  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]
bots:
`, 1)
	src = strings.Replace(src, "parameters: {type: object, properties: {id: {type: string}}, required: [id]}", "parameters: {type: object, x: *h}", 1)
	_, _, err := dialplan.Parse("b.yaml", []byte(src), dialplan.Options{BaseDir: "testdata"})
	got := strings.Join(errorStrings(t, err), "\n")
	if !strings.Contains(got, "parameters: more than 10000 values") || !strings.Contains(got, `unknown key "x"`) {
		t.Errorf("errors:\n%s", got)
	}
}
