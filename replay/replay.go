package replay

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/record"
)

// Verdicts of a replayed conversation.
const (
	Same         = "same"          // the candidate says what the stored bot said, turn by turn
	Different    = "different"     // it answers at least one turn differently, and escalates (or not) alike
	NowEscalates = "now_escalates" // the stored bot finished on its own; the candidate hands over
	NowAnswers   = "now_answers"   // the stored bot handed over; the candidate finishes on its own
)

// Options are the candidate bot a replay runs.
type Options struct {
	// Plan is the candidate dialplan: its bot profiles answer the replayed conversations.
	Plan *dialplan.Plan
	// Profile, when set, answers every conversation. Otherwise a call takes the profile of the
	// bot node it went through, a chat takes ChatBot, and either falls back to the plan's only
	// profile.
	Profile string
	// ChatBot and ChatQueue are hotline.yaml's chat.bot and chat.queue.
	ChatBot, ChatQueue string
	// KBDir is the knowledge-base folder to answer from instead of the profile's.
	KBDir string
	// Engines opens knowledge bases and builds dialog engines.
	Engines *Engines
	// Threshold is the share of an answer sentence's terms a passage must contain to support
	// it; default DefaultThreshold.
	Threshold float64
	// Judge decides whether a sentence is supported; default overlap with Threshold.
	Judge  Judge
	Logger *slog.Logger
}

// Report is the outcome of a replay.
type Report struct {
	Summary       Summary        `json:"summary"`
	Conversations []Conversation `json:"conversations"`
}

// Summary counts the verdicts and says whether the candidate regressed.
type Summary struct {
	Replayed     int `json:"replayed"` // conversations with a bot that were replayed
	Failed       int `json:"failed"`   // conversations that could not be replayed (Conversation.Error)
	Same         int `json:"same"`
	Different    int `json:"different"`
	NowEscalates int `json:"now_escalates"`
	NowAnswers   int `json:"now_answers"`
	// Contained counts conversations the bot finished without escalating; the rates are their
	// share of Replayed.
	ContainedBefore   int     `json:"contained_before"`
	ContainedAfter    int     `json:"contained_after"`
	ContainmentBefore float64 `json:"containment_before"`
	ContainmentAfter  float64 `json:"containment_after"`
	// Unsupported counts changed answers with a sentence no retrieved passage supports.
	Unsupported int `json:"unsupported"`
	// Regressed: containment dropped or an answer became unsupported; Reasons say which.
	Regressed bool     `json:"regressed"`
	Reasons   []string `json:"reasons,omitempty"`
}

// Conversation is one replayed conversation.
type Conversation struct {
	ID              string    `json:"id"`
	Channel         string    `json:"channel"` // "voice" or "chat"
	Start           time.Time `json:"start"`
	Profile         string    `json:"profile,omitempty"`
	Verdict         string    `json:"verdict,omitempty"`
	EscalatedBefore bool      `json:"escalated_before"`
	EscalatedAfter  bool      `json:"escalated_after"`
	// ReasonAfter is why the candidate ended, when it did ("low retrieval confidence"…).
	ReasonAfter string `json:"reason_after,omitempty"`
	Turns       []Turn `json:"turns,omitempty"`
	Error       string `json:"error,omitempty"`
}

// Turn is one caller message and both bots' answers to it.
type Turn struct {
	Caller string `json:"caller"`
	Before string `json:"before"` // what the stored bot said
	After  string `json:"after"`  // what the candidate says ("" once it has finished)
	Same   bool   `json:"same"`
	// Sentences are the candidate's answer sentences (the dialog engine's words, not the
	// bot's canned lines), each judged against the passages the engine was given.
	Sentences []Sentence `json:"sentences,omitempty"`
	// Unsupported: the answer changed and a sentence of it is not supported.
	Unsupported bool `json:"unsupported,omitempty"`
}

// HasBot reports whether a stored call or chat has a bot conversation to replay: a caller
// turn the bot answered.
func HasBot(c *record.Call) bool { return len(exchanges(c.Transcript)) > 0 }

// Run replays conversations through the candidate. An error means the candidate cannot run
// at all (an unknown profile, a knowledge base that cannot be opened); a conversation that
// cannot be replayed is reported with its Error.
func Run(ctx context.Context, calls []*record.Call, opt Options) (*Report, error) {
	if opt.Plan == nil {
		return nil, fmt.Errorf("replay: no dialplan")
	}
	if opt.Profile != "" && opt.Plan.Bots[opt.Profile] == nil {
		return nil, fmt.Errorf("replay: the dialplan has no bot profile %q (it has %s)", opt.Profile, profileNames(opt.Plan))
	}
	if opt.Engines == nil {
		opt.Engines = NewEngines(dialog.Config{}, nil)
	}
	if opt.Threshold <= 0 {
		opt.Threshold = DefaultThreshold
	}
	if opt.Judge == nil {
		opt.Judge = Overlap{Threshold: opt.Threshold}
	}
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	rep := &Report{Conversations: []Conversation{}}
	for _, c := range calls {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if !HasBot(c) {
			continue
		}
		conv, err := replayOne(ctx, c, opt)
		if err != nil {
			return nil, err
		}
		rep.Conversations = append(rep.Conversations, conv)
	}
	rep.Summary = summarise(rep.Conversations)
	return rep, nil
}

// exchange is one caller turn of a stored conversation and the bot turns that answered it.
type exchange struct {
	caller string
	bot    []record.Turn
}

// exchanges are the caller turns of the bot's part of a transcript: up to the first agent
// turn, without the greeting.
func exchanges(turns []record.Turn) []exchange {
	var out []exchange
	for _, t := range turns {
		switch t.Speaker {
		case record.SpeakerAgent:
			return out
		case record.SpeakerCaller:
			if strings.TrimSpace(t.Text) != "" {
				out = append(out, exchange{caller: t.Text})
			}
		case record.SpeakerBot:
			if len(out) > 0 {
				out[len(out)-1].bot = append(out[len(out)-1].bot, t)
			}
		}
	}
	return out
}

func replayOne(ctx context.Context, c *record.Call, opt Options) (Conversation, error) {
	conv := Conversation{ID: c.ID, Channel: channel(c), Start: c.Start, EscalatedBefore: c.Handoff != nil}
	bp, err := profileFor(c, opt)
	if err != nil {
		conv.Error = err.Error()
		return conv, nil
	}
	conv.Profile = bp.Name
	dir := bp.KnowledgeBase
	if opt.KBDir != "" {
		dir = opt.KBDir
	}
	ix, eng, err := opt.Engines.For(ctx, dir)
	if err != nil {
		return conv, err
	}
	rec := &recorder{next: eng}
	prof := ivr.BotProfile(bp, c.Vars["language"], func(s string) string { return s })
	prof.Tools = nil // a replay must not reach a CRM or place an order
	if conv.Channel == record.ChannelChat && prof.EscalateQueue == "" {
		prof.EscalateQueue = opt.ChatQueue
	}
	tx := bot.NewText(bot.Config{Dialog: rec, KB: ix, Logger: opt.Logger}, prof, c.ID, nil)
	var final *bot.Result
	for _, ex := range exchanges(c.Transcript) {
		turn := Turn{Caller: ex.caller, Before: joinTurns(ex.bot)}
		if tx.Done() { // the candidate has finished: what the caller says next waits for an agent
			turn.Same = sameAnswer(ex.bot, nil)
			conv.Turns = append(conv.Turns, turn)
			continue
		}
		mark := len(rec.asked)
		r := tx.Reply(ctx, ex.caller)
		turn.After = strings.Join(r.Lines, " ")
		turn.Same = sameAnswer(ex.bot, r.Lines)
		if n := len(rec.asked); n > mark {
			a := rec.asked[n-1] // the engine's last attempt is the answer
			for _, s := range dialog.SplitSentences(a.text) {
				j, err := opt.Judge.Judge(ctx, s, a.passages)
				if err != nil {
					return conv, fmt.Errorf("replay: judging %q: %w", s, err)
				}
				turn.Sentences = append(turn.Sentences, j)
				if !j.Supported && !turn.Same {
					turn.Unsupported = true
				}
			}
		}
		if r.Result != nil {
			final = r.Result
		}
		conv.Turns = append(conv.Turns, turn)
	}
	if final != nil {
		conv.EscalatedAfter = final.Outcome == bot.OutcomeEscalate
		conv.ReasonAfter = final.Reason
	}
	conv.Verdict = verdict(conv)
	return conv, nil
}

func verdict(c Conversation) string {
	switch {
	case c.EscalatedAfter && !c.EscalatedBefore:
		return NowEscalates
	case c.EscalatedBefore && !c.EscalatedAfter:
		return NowAnswers
	}
	for _, t := range c.Turns {
		if !t.Same {
			return Different
		}
	}
	return Same
}

func summarise(convs []Conversation) Summary {
	var s Summary
	for _, c := range convs {
		if c.Error != "" {
			s.Failed++
			continue
		}
		s.Replayed++
		switch c.Verdict {
		case Same:
			s.Same++
		case Different:
			s.Different++
		case NowEscalates:
			s.NowEscalates++
		case NowAnswers:
			s.NowAnswers++
		}
		if !c.EscalatedBefore {
			s.ContainedBefore++
		}
		if !c.EscalatedAfter {
			s.ContainedAfter++
		}
		for _, t := range c.Turns {
			if t.Unsupported {
				s.Unsupported++
			}
		}
	}
	if s.Replayed > 0 {
		s.ContainmentBefore = float64(s.ContainedBefore) / float64(s.Replayed)
		s.ContainmentAfter = float64(s.ContainedAfter) / float64(s.Replayed)
	}
	if s.ContainedAfter < s.ContainedBefore {
		s.Reasons = append(s.Reasons, fmt.Sprintf("containment drops from %.1f%% to %.1f%%", 100*s.ContainmentBefore, 100*s.ContainmentAfter))
	}
	if s.Unsupported > 0 {
		s.Reasons = append(s.Reasons, fmt.Sprintf("%d changed answers are not supported by a retrieved passage", s.Unsupported))
	}
	s.Regressed = len(s.Reasons) > 0
	return s
}

// profileFor picks the candidate profile that answers c.
func profileFor(c *record.Call, opt Options) (*dialplan.BotProfile, error) {
	p := opt.Plan
	name := opt.Profile
	if name == "" && channel(c) == record.ChannelChat {
		name = opt.ChatBot
	}
	if name == "" {
		name = botNodeProfile(c, p)
	}
	if name == "" && len(p.Bots) == 1 {
		for n := range p.Bots {
			name = n
		}
	}
	if name == "" {
		return nil, fmt.Errorf("no bot profile for this conversation: name one with -profile (the dialplan has %s)", profileNames(p))
	}
	bp := p.Bots[name]
	if bp == nil {
		return nil, fmt.Errorf("the dialplan has no bot profile %q (it has %s)", name, profileNames(p))
	}
	return bp, nil
}

// botNodeProfile is the profile of the candidate plan's bot node that the call went through.
func botNodeProfile(c *record.Call, p *dialplan.Plan) string {
	f := p.Flows[c.Flow]
	if f == nil {
		return ""
	}
	for _, step := range c.Path {
		if step.Type != "bot" {
			continue
		}
		for _, n := range f.Nodes {
			if b, ok := n.(*dialplan.BotNode); ok && n.ID() == step.Node && b.Profile != nil {
				return b.Profile.Name
			}
		}
	}
	return ""
}

func profileNames(p *dialplan.Plan) string {
	var names []string
	for n := range p.Bots {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func channel(c *record.Call) string {
	if c.Channel == record.ChannelChat {
		return record.ChannelChat
	}
	return "voice"
}

func joinTurns(ts []record.Turn) string {
	var b []string
	for _, t := range ts {
		b = append(b, t.Text)
	}
	return strings.Join(b, " ")
}

// sameAnswer compares the stored bot's turns with the candidate's lines, ignoring case,
// spacing and punctuation. A stored turn the caller interrupted holds only what was heard:
// the candidate's answer then only has to begin with it.
func sameAnswer(before []record.Turn, after []string) bool {
	b, a := normalise(joinTurns(before)), normalise(strings.Join(after, " "))
	if len(before) > 0 && before[len(before)-1].Interrupted {
		return strings.HasPrefix(a, b)
	}
	return a == b
}

func normalise(s string) string {
	var b strings.Builder
	space := true
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
			continue
		}
		if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimSpace(b.String())
}
