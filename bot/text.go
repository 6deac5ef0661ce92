package bot

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/record"
)

// Text is a bot conversation in writing: a web chat or a messaging platform. It is the same
// bot as on the phone — the profile's knowledge base, dialog engine, tools and escalation
// rules — without the audio: each visitor message gets the whole reply at once. Barge-in,
// keys and fillers have no meaning in text; an engine that fails is asked once more before
// the failure counts as a failed turn.
//
// A Text is not safe for concurrent use: the chat session calls Reply one message at a time.
type Text struct {
	s     *session
	conv  conversation
	final *Result
}

// TextReply is the bot's answer to one message.
type TextReply struct {
	// Lines are the bot's messages, in order (usually one).
	Lines []string
	// Result is set when the bot is done: it escalated (Outcome escalate, with the handoff
	// packet) or the conversation finished. Later messages get no answer from it.
	Result *Result
}

// NewText starts a written conversation with profile p. prior is the thread so far (a chat
// restored after a restart), oldest first; id names the conversation in logs.
func NewText(cfg Config, p Profile, id string, prior []record.Turn) *Text {
	cfg, p, log := withDefaults(cfg, p)
	lang := p.Language
	if lang == "" {
		lang = "en-US"
	}
	s := &session{cfg: cfg, prof: p, now: cfg.Now, lang: lang, log: log.With("chat_id", id, "bot", p.Name)}
	t := &Text{s: s, conv: conversation{slots: map[string]string{}, zh: s.startsChinese()}}
	for _, turn := range prior {
		switch turn.Speaker {
		case record.SpeakerCaller:
			t.conv.callerSaid(turn.Text, turn.Start, turn.End)
		case record.SpeakerBot:
			t.conv.transcript = append(t.conv.transcript, turn)
			t.conv.history = append(t.conv.history, dialog.Message{Role: dialog.RoleBot, Text: turn.Text})
		}
	}
	return t
}

// Greeting is the profile's greeting, or "" for none.
func (t *Text) Greeting() string { return t.s.prof.Greeting }

// Done reports whether the bot has finished (escalated or ended).
func (t *Text) Done() bool { return t.final != nil }

// Transcript is the conversation so far.
func (t *Text) Transcript() []record.Turn { return slices.Clone(t.conv.transcript) }

// Reply answers one visitor message. It returns once the whole reply is known, or ctx ends.
func (t *Text) Reply(ctx context.Context, text string) TextReply {
	text = strings.TrimSpace(text)
	if t.final != nil || text == "" {
		return TextReply{}
	}
	s, p, c := t.s, t.s.prof, &t.conv
	now := s.now()
	c.turns++
	sentiment := c.callerSaid(text, now, now)
	switch {
	case p.escalates(TriggerRequest) && dialog.WantsHuman(text):
		return t.finish(s.escalate(c, "visitor asked for an agent", nil), c.line("transfer"))
	case p.escalates(TriggerSentiment) && sentiment <= negativeSentiment:
		return t.finish(s.escalate(c, "visitor is upset", nil), c.line("transfer"))
	}
	req := dialog.Request{Lang: s.lang, History: slices.Clone(c.history), Instructions: p.Instructions, Tools: p.Tools}
	if p.EscalateQueue != "" {
		req.Queues = append([]string{p.EscalateQueue}, p.Queues...)
	}
	q := question{text: text, req: req}
	var (
		said  string
		tools []*dialog.ToolCall
		err   error
	)
	for try := 0; try < 2; try++ {
		if ctx.Err() != nil {
			return TextReply{}
		}
		said, tools, q, err = t.ask(ctx, q)
		if err == nil {
			break
		}
		s.log.Warn("bot dialog engine failed", "err", err, "attempt", try+1)
	}
	if err != nil {
		return t.fail("dialog engine failed")
	}
	c.failed = 0
	var out []string
	if said != "" {
		out = append(out, said)
		t.botSaid(said)
	}
	for _, tc := range tools {
		switch tc.Name {
		case dialog.ToolTransfer:
			if p.EscalateQueue != "" {
				return t.finish(s.escalate(c, orDefault(tc.Args["reason"], "assistant transferred"), tc), out, c.line("transfer"))
			}
		case dialog.ToolEndCall:
			r := &Result{Outcome: OutcomeDone, Reason: orDefault(tc.Args["reason"], "conversation finished")}
			if said == "" {
				return t.finish(r, c.line("goodbyeChat"))
			}
			return t.finish(r, out)
		default:
			c.addSlots(tc.Args)
		}
	}
	if q.lowConf && p.escalates(TriggerLowConfidence) {
		return t.finish(s.escalate(c, "low retrieval confidence", nil), out, c.line("transfer"))
	}
	if m := p.MaxTurns; m > 0 && c.turns >= m {
		return t.finish(&Result{Outcome: OutcomeDone, Reason: "max_turns"}, out)
	}
	if len(out) == 0 {
		return t.fail("empty reply")
	}
	return TextReply{Lines: out}
}

// ask consults the dialog engine once and reads its whole reply.
func (t *Text) ask(ctx context.Context, q question) (string, []*dialog.ToolCall, question, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*t.s.cfg.EngineTimeout)
	defer cancel()
	r := t.s.consult(ctx, q)
	if r.err != nil {
		return "", nil, r.q, r.err
	}
	defer r.stream.Close()
	var b strings.Builder
	var tools []*dialog.ToolCall
	for range maxLoopIterations {
		ev, err := r.stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", nil, r.q, err
		}
		b.WriteString(ev.Text)
		if ev.ToolCall != nil {
			tools = append(tools, ev.ToolCall)
		}
	}
	return strings.TrimSpace(b.String()), tools, r.q, nil
}

// fail handles a message that got nothing usable: ask again, or after MaxFailedTurns in a
// row hand over (or apologise and stop).
func (t *Text) fail(why string) TextReply {
	c, p := &t.conv, t.s.prof
	c.failed++
	if c.failed < p.MaxFailedTurns {
		line := c.line("notUnderstood")
		t.botSaid(line)
		return TextReply{Lines: []string{line}}
	}
	if p.escalates(TriggerFailedTurns) {
		return t.finish(t.s.escalate(c, why, nil), c.line("troubleChat"))
	}
	return t.finish(&Result{Outcome: OutcomeError, Reason: why}, c.line("noTransfer"))
}

// finish ends the bot's part with r, after the lines given (strings or []string).
func (t *Text) finish(r *Result, lines ...any) TextReply {
	var out []string
	for _, l := range lines {
		switch l := l.(type) {
		case string:
			out = append(out, l)
			t.botSaid(l)
		case []string:
			out = append(out, l...) // already in the transcript
		}
	}
	r.Transcript = t.Transcript()
	if r.Handoff != nil {
		r.Handoff.Transcript = r.Transcript
	}
	t.final = r
	t.s.log.Info("bot chat ended", "outcome", r.Outcome, "reason", r.Reason)
	return TextReply{Lines: out, Result: r}
}

func (t *Text) botSaid(text string) {
	now := t.s.now()
	t.conv.transcript = append(t.conv.transcript, record.Turn{Speaker: record.SpeakerBot, Text: text, Start: now, End: now})
	t.conv.history = append(t.conv.history, dialog.Message{Role: dialog.RoleBot, Text: text})
	if t.s.cfg.OnTurn != nil {
		t.s.cfg.OnTurn(t.conv.transcript[len(t.conv.transcript)-1])
	}
}
