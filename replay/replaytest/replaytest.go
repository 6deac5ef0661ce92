// Package replaytest builds what replay tests need: a knowledge-base folder, a dialplan whose
// bot answers from it, and stored conversations as the server would have recorded them.
package replaytest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
)

// Articles are the knowledge base's documents, by file name.
var Articles = map[string]string{
	"hours.md":    "# Opening hours\n\n## Weekdays\nOur hotline is open Monday to Friday from 8:00 to 20:00.\n",
	"shipping.md": "# Shipping\n\n## Delivery times\nStandard delivery takes 2 to 3 working days within the Netherlands.\n",
	"returns.md":  "# Returns\n\n## Returning an item\nYou can return an item within 30 days for a full refund.\n",
}

// Plan is the dialplan: one flow whose bot node runs the assistant profile, which escalates on
// a request, failed turns and low retrieval confidence.
const Plan = `version: 1
queues: {support: {members: [alice]}}
bots:
  assistant:
    greeting: "Hi, how can I help?"
    knowledge_base: kb
    max_failed_turns: 2
    escalate_queue: support
    escalate_on: [request, failed_turns, low_confidence]
  sales:
    greeting: "Hello from sales."
    escalate_queue: support
routes: [{name: r, flow: main}]
flows:
  main:
    start: assistant
    nodes:
      - {id: assistant, type: bot, profile: assistant, done: bye, escalate: q, error: bye}
      - {id: q, type: queue, queue: support}
      - {id: bye, type: hangup}
`

// Questions are the stored conversations' caller turns, by conversation id. "c-ship" is the
// only one about shipping; "c-agent" asks for a person; "c-ret" is a chat.
var Questions = map[string][]string{
	"c-hours": {"What are your opening hours?"},
	"c-ship":  {"How many working days does standard delivery take?"},
	"c-ret":   {"Can I return an item?"},
	"c-agent": {"I want to talk to an agent"},
}

// Setup writes the knowledge base (dir/kb) and the dialplan (dir/dialplan.yaml) and returns
// the parsed plan.
func Setup(t testing.TB, dir string) *dialplan.Plan {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, "kb"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, text := range Articles {
		WriteArticle(t, dir, name, text)
	}
	path := filepath.Join(dir, "dialplan.yaml")
	if err := os.WriteFile(path, []byte(Plan), 0o644); err != nil {
		t.Fatal(err)
	}
	p, _, err := dialplan.Load(path, dialplan.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// WriteArticle writes (or with text "" removes) a knowledge-base document.
func WriteArticle(t testing.TB, dir, name, text string) {
	t.Helper()
	path := filepath.Join(dir, "kb", name)
	if text == "" {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Conversations runs the Questions through plan's assistant over its knowledge base as it is
// now, and returns the records the server would store: greeting, caller and bot turns, the
// handoff when the bot escalated (and then a caller turn in the queue and the agent's), the bot
// node on the path; "c-ret" as a chat.
func Conversations(t testing.TB, plan *dialplan.Plan, start time.Time) []*record.Call {
	t.Helper()
	bp := plan.Bots["assistant"]
	ix, err := kb.Open(context.Background(), kb.Options{Dir: bp.KnowledgeBase})
	if err != nil {
		t.Fatal(err)
	}
	var out []*record.Call
	for i, id := range []string{"c-hours", "c-ship", "c-ret", "c-agent"} {
		prof := ivr.BotProfile(bp, "en-US", func(s string) string { return s })
		tx := bot.NewText(bot.Config{Dialog: dialog.NewRetrieval(ix, 0), KB: ix}, prof, id,
			[]record.Turn{{Speaker: record.SpeakerBot, Text: prof.Greeting}})
		var res *bot.Result
		for _, q := range Questions[id] {
			if r := tx.Reply(context.Background(), q); r.Result != nil {
				res = r.Result
			}
		}
		c := &record.Call{ID: id, Transcript: tx.Transcript()}
		if res != nil && res.Outcome == bot.OutcomeEscalate {
			// In the queue the caller speaks again; then the agent answers.
			c.Transcript = append(c.Transcript, record.Turn{Speaker: record.SpeakerCaller, Text: "Hello, is anyone there?"},
				record.Turn{Speaker: record.SpeakerAgent, Text: "Hi, this is Alice."}, record.Turn{Speaker: record.SpeakerCaller, Text: "My order is late."})
		}
		c.Start = start.Add(time.Duration(i) * time.Minute)
		c.End = c.Start.Add(30 * time.Second)
		c.Flow, c.Disposition = "main", record.DispositionCompleted
		c.Path = []record.PathStep{{Node: "assistant", Type: "bot"}}
		if res != nil && res.Outcome == bot.OutcomeEscalate {
			c.Handoff = res.Handoff
			c.Disposition = record.DispositionAnswered
			c.Path = append(c.Path, record.PathStep{Node: "q", Type: "queue"})
		}
		if id == "c-ret" {
			c.Channel, c.Flow, c.Path = record.ChannelChat, "", nil
		}
		out = append(out, c)
	}
	return out
}
