package bot

import (
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
)

// escalate builds the handoff packet. tc is the model's transfer_to_agent
// call, when that is what escalated; its summary, intent and queue win over
// the bot's own guesses.
func (l *loop) escalate(reason string, tc *dialog.ToolCall) *Result {
	return l.s.escalate(&l.conv, reason, tc)
}

// escalate builds the handoff packet of conversation c, spoken or written.
func (s *session) escalate(c *conversation, reason string, tc *dialog.ToolCall) *Result {
	h := &record.Handoff{
		Reason:    reason,
		Queue:     s.prof.EscalateQueue,
		Sentiment: dialog.SentimentLabel(c.sentiment),
		At:        s.now(),
	}
	if len(c.slots) > 0 {
		h.Slots = map[string]string{}
		for k, v := range c.slots {
			h.Slots[k] = v
		}
	}
	if tc != nil {
		h.Summary = tc.Args["summary"]
		h.Intent = tc.Args["intent"]
		if q := tc.Args["queue"]; q != "" {
			if slices.Contains(s.prof.Queues, q) {
				h.Queue = q
			} else if q != h.Queue {
				s.log.Warn("bot model named an unknown queue; using the escalation queue", "queue", q, "escalate_queue", h.Queue)
			}
		}
		for k, v := range tc.Args {
			switch k {
			case "reason", "summary", "intent", "queue":
			default:
				if h.Slots == nil {
					h.Slots = map[string]string{}
				}
				h.Slots[k] = v
			}
		}
	}
	if h.Summary == "" {
		h.Summary = c.extractiveSummary()
	}
	if h.Intent == "" {
		h.Intent = c.guessIntent(s.cfg.KB)
	}
	return &Result{Outcome: OutcomeEscalate, Reason: reason, Handoff: h}
}

// extractiveSummary quotes what the caller said (the last three
// utterances that are not just a request for a person).
func (c *conversation) extractiveSummary() string {
	var said []string
	for i := len(c.history) - 1; i >= 0 && len(said) < 3; i-- {
		m := c.history[i]
		if m.Role != dialog.RoleCaller || (dialog.WantsHuman(m.Text) && len([]rune(m.Text)) < 40) {
			continue
		}
		said = append([]string{m.Text}, said...)
	}
	if len(said) == 0 {
		return "Caller asked for an agent before saying what it is about."
	}
	return "Caller said: \"" + strings.Join(said, "\" / \"") + "\""
}

// guessIntent names the topic of the caller's first substantive question:
// the heading of the best knowledge-base passage for it.
func (c *conversation) guessIntent(ix *kb.Index) string {
	if ix == nil {
		return ""
	}
	for _, m := range c.history {
		if m.Role != dialog.RoleCaller || dialog.WantsHuman(m.Text) {
			continue
		}
		if hits := ix.Search(m.Text, 1); len(hits) > 0 && hits[0].Confidence >= 0.3 {
			return hits[0].Heading
		}
	}
	return ""
}
