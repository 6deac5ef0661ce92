package rules

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/record"
	"gopkg.in/yaml.v3"
)

// Parties of the analysis figures: the caller, and the other side (bot, agent or external
// party: the recording's right channel). agent and bot are accepted for the other side, so a
// rule reads as it is meant.
var (
	voiceParties = []string{"caller", "agent", "bot", "other", "any"}
	sentParties  = []string{"caller", "agent", "bot", "other"}
)

// fmtDur prints a duration without trailing zero units: 1m30s, 10s, 2m.
func fmtDur(d time.Duration) string {
	d = d.Round(100 * time.Millisecond)
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func ms(n int64) time.Duration { return time.Duration(n) * time.Millisecond }

// span is an over/under range shared by several leaves. ok is false when neither is given or
// they make an empty range (reported).
func spanDurations(f *fields, what string) (over, under time.Duration) {
	over, under = f.duration("over"), f.duration("under")
	if !f.bad && !f.has("over") && !f.has("under") {
		f.errorf(f.m, "write over: 10m, under: 30s, or both", "%s needs over or under", what)
	}
	if over > 0 && under > 0 && under <= over {
		f.errorf(f.pos("under"), "", "under %s is not above over %s: nothing can match", fmtDur(under), fmtDur(over))
	}
	return over, under
}

// --- sentiment

type sentimentCond struct {
	party        string
	below, above float64
	hasB, hasA   bool
	label        string
}

func decodeSentiment(p *parser, rule string, n *yaml.Node, _ int) cond {
	f := p.fields(n, rule, "sentiment", "sentiment")
	c := &sentimentCond{party: f.oneOf("party", "caller", sentParties)}
	c.below, c.hasB = f.number("below", -1, 1)
	c.above, c.hasA = f.number("above", -1, 1)
	c.label = f.oneOf("label", "", []string{"negative", "neutral", "positive"})
	if !f.bad && !f.has("below") && !f.has("above") && !f.has("label") {
		f.errorf(f.m, "write below: -0.3, above: 0.5 or label: negative", "sentiment needs below, above or label")
	}
	if c.label != "" && c.party != "caller" {
		f.errorf(f.pos("label"), "drop party, or test a score with below/above", "label is the caller's overall sentiment, not the %s's", c.party)
	}
	if c.hasA && c.hasB && c.below <= c.above {
		f.errorf(f.pos("below"), "", "below %g is not above above %g: nothing can match", c.below, c.above)
	}
	f.done()
	return c
}

// score is the party's sentiment: from the analysis, or else the mean of its turns' scores.
func (c *sentimentCond) score(v *view) (float64, bool) {
	if a := v.c.Analysis; a != nil {
		if c.party == "caller" {
			return a.Sentiment.Caller, true
		}
		return a.Sentiment.Other, true
	}
	sum, n := 0.0, 0
	for _, t := range v.c.Transcript {
		if t.Sentiment == nil || (c.party == "caller") != (t.Speaker == record.SpeakerCaller) {
			continue
		}
		sum, n = sum+*t.Sentiment, n+1
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

func (c *sentimentCond) eval(v *view) (string, bool) {
	var ev []string
	if c.label != "" {
		if v.c.Analysis == nil || !strings.EqualFold(v.c.Analysis.Sentiment.Label, c.label) {
			return "", false
		}
		ev = append(ev, "caller sentiment "+c.label)
	}
	if c.hasA || c.hasB {
		s, ok := c.score(v)
		if !ok || c.hasB && s >= c.below || c.hasA && s <= c.above {
			return "", false
		}
		ev = append(ev, fmt.Sprintf("%s sentiment %.2f", c.party, s))
	}
	return strings.Join(ev, ", "), true
}

func (c *sentimentCond) describe() string {
	var parts []string
	if c.label != "" {
		parts = append(parts, "label "+c.label)
	}
	if c.hasB {
		parts = append(parts, fmt.Sprintf("below %g", c.below))
	}
	if c.hasA {
		parts = append(parts, fmt.Sprintf("above %g", c.above))
	}
	return c.party + " sentiment " + strings.Join(parts, ", ")
}

// --- silence

type silenceCond struct {
	longest time.Duration
	share   float64
	hasS    bool
}

func decodeSilence(p *parser, rule string, n *yaml.Node, _ int) cond {
	f := p.fields(n, rule, "silence", "silence")
	c := &silenceCond{longest: f.duration("longest_over")}
	c.share, c.hasS = f.number("share_over", 0, 1)
	if !f.bad && !f.has("longest_over") && !f.has("share_over") {
		f.errorf(f.m, "write longest_over: 10s, share_over: 0.3, or both", "silence needs longest_over or share_over")
	}
	f.done()
	return c
}

func (c *silenceCond) eval(v *view) (string, bool) {
	a := v.c.Analysis
	if a == nil || a.Voice.DurationMs == 0 {
		return "", false
	}
	var ev []string
	if c.longest > 0 {
		if ms(a.Voice.LongestSilenceMs) <= c.longest {
			return "", false
		}
		ev = append(ev, "longest silence "+fmtDur(ms(a.Voice.LongestSilenceMs)))
	}
	if c.hasS {
		if a.Voice.SilenceShare <= c.share {
			return "", false
		}
		ev = append(ev, fmt.Sprintf("silence %.0f%% of the call", 100*a.Voice.SilenceShare))
	}
	return strings.Join(ev, ", "), true
}

func (c *silenceCond) describe() string {
	var parts []string
	if c.longest > 0 {
		parts = append(parts, "longest over "+fmtDur(c.longest))
	}
	if c.hasS {
		parts = append(parts, fmt.Sprintf("share over %g", c.share))
	}
	return "silence " + strings.Join(parts, ", ")
}

// --- duration

type durationCond struct{ over, under time.Duration }

func decodeDuration(p *parser, rule string, n *yaml.Node, _ int) cond {
	f := p.fields(n, rule, "duration", "duration")
	c := &durationCond{}
	c.over, c.under = spanDurations(f, "duration")
	f.done()
	return c
}

// callDuration is start to end from the record, or the recording's length.
func callDuration(c *record.Call) time.Duration {
	if !c.Start.IsZero() && c.End.After(c.Start) {
		return c.End.Sub(c.Start)
	}
	if c.Analysis != nil {
		return ms(c.Analysis.Voice.DurationMs)
	}
	return 0
}

func inSpan(d, over, under time.Duration) bool {
	return (over == 0 || d > over) && (under == 0 || d < under)
}

func (c *durationCond) eval(v *view) (string, bool) {
	d := callDuration(v.c)
	if d == 0 || !inSpan(d, c.over, c.under) {
		return "", false
	}
	return "duration " + fmtDur(d), true
}

func (c *durationCond) describe() string { return describeSpan("duration", c.over, c.under) }

func describeSpan(what string, over, under time.Duration) string {
	var parts []string
	if over > 0 {
		parts = append(parts, "over "+fmtDur(over))
	}
	if under > 0 {
		parts = append(parts, "under "+fmtDur(under))
	}
	return what + " " + strings.Join(parts, ", ")
}

// --- interruptions

type interruptionsCond struct {
	party   string
	atLeast int
}

func decodeInterruptions(p *parser, rule string, n *yaml.Node, _ int) cond {
	f := p.fields(n, rule, "interruptions", "interruptions")
	c := &interruptionsCond{party: f.oneOf("party", "any", voiceParties)}
	f.value("at_least", true)
	c.atLeast = f.integer("at_least", 1, 1, 1_000_000)
	f.done()
	return c
}

func (c *interruptionsCond) eval(v *view) (string, bool) {
	a := v.c.Analysis
	if a == nil {
		return "", false
	}
	n := a.Voice.CallerInterruptions + a.Voice.OtherInterruptions
	who := "interruptions"
	switch c.party {
	case "caller":
		n, who = a.Voice.CallerInterruptions, "caller interrupted"
	case "agent", "bot", "other":
		n, who = a.Voice.OtherInterruptions, c.party+" interrupted"
	}
	if n < c.atLeast {
		return "", false
	}
	return fmt.Sprintf("%s %d times", who, n), true
}

func (c *interruptionsCond) describe() string {
	return fmt.Sprintf("%s interruptions at least %d", c.party, c.atLeast)
}

// --- overtalk

type overtalkCond struct{ over time.Duration }

func decodeOvertalk(p *parser, rule string, n *yaml.Node, _ int) cond {
	f := p.fields(n, rule, "overtalk", "overtalk")
	f.value("over", true)
	c := &overtalkCond{over: f.duration("over")}
	f.done()
	return c
}

func (c *overtalkCond) eval(v *view) (string, bool) {
	if a := v.c.Analysis; a != nil && ms(a.Voice.OvertalkMs) > c.over {
		return "overtalk " + fmtDur(ms(a.Voice.OvertalkMs)), true
	}
	return "", false
}

func (c *overtalkCond) describe() string { return "overtalk over " + fmtDur(c.over) }

// --- agent talk ratio

type talkRatioCond struct {
	over, under float64
	hasO, hasU  bool
}

func decodeTalkRatio(p *parser, rule string, n *yaml.Node, _ int) cond {
	f := p.fields(n, rule, "agent_talk_ratio", "agent_talk_ratio")
	c := &talkRatioCond{}
	c.over, c.hasO = f.number("over", 0, 1)
	c.under, c.hasU = f.number("under", 0, 1)
	if !f.bad && !f.has("over") && !f.has("under") {
		f.errorf(f.m, "write over: 0.7, under: 0.3, or both", "agent_talk_ratio needs over or under")
	}
	if c.hasO && c.hasU && c.under <= c.over {
		f.errorf(f.pos("under"), "", "under %g is not above over %g: nothing can match", c.under, c.over)
	}
	f.done()
	return c
}

// eval only looks at calls an agent was on: a bot-only call has no agent talk to judge.
func (c *talkRatioCond) eval(v *view) (string, bool) {
	a := v.c.Analysis
	if a == nil || a.Voice.AgentTalkMs == 0 && v.c.AgentAnswer.IsZero() {
		return "", false
	}
	r := a.Voice.AgentTalkRatio
	if c.hasO && r <= c.over || c.hasU && r >= c.under {
		return "", false
	}
	return fmt.Sprintf("agent talked %.0f%% of the time", 100*r), true
}

func (c *talkRatioCond) describe() string {
	var parts []string
	if c.hasO {
		parts = append(parts, fmt.Sprintf("over %g", c.over))
	}
	if c.hasU {
		parts = append(parts, fmt.Sprintf("under %g", c.under))
	}
	return "agent talk ratio " + strings.Join(parts, ", ")
}

// --- disposition, queue, intent: the call's value is one of a list

type oneOfCond struct {
	what   string
	values []string
	get    func(c *record.Call) []string
}

func decodeOneOf(p *parser, rule, what string, n *yaml.Node, get func(*record.Call) []string) cond {
	return &oneOfCond{what: what, values: stringList(p, rule, what, n), get: get}
}

func decodeDisposition(p *parser, rule string, n *yaml.Node, _ int) cond {
	// The server's disposition, and the agents' wrap-up codes: "cancelled" is usually the latter.
	return decodeOneOf(p, rule, "disposition", n, func(c *record.Call) []string {
		out := []string{c.Disposition, c.AgentDisposition}
		for _, w := range c.WrapUps {
			out = append(out, w.Disposition)
		}
		return out
	})
}

func decodeQueue(p *parser, rule string, n *yaml.Node, _ int) cond {
	return decodeOneOf(p, rule, "queue", n, func(c *record.Call) []string { return []string{c.Queue} })
}

func decodeIntent(p *parser, rule string, n *yaml.Node, _ int) cond {
	return decodeOneOf(p, rule, "intent", n, func(c *record.Call) []string {
		var out []string
		if c.Analysis != nil {
			out = append(out, c.Analysis.Intent)
		}
		if c.Handoff != nil {
			out = append(out, c.Handoff.Intent)
		}
		return out
	})
}

func (c *oneOfCond) eval(v *view) (string, bool) {
	for _, got := range c.get(v.c) {
		if got == "" {
			continue
		}
		if slices.ContainsFunc(c.values, func(want string) bool { return strings.EqualFold(want, got) }) {
			return c.what + " " + got, true
		}
	}
	return "", false
}

func (c *oneOfCond) describe() string { return c.what + " in [" + strings.Join(c.values, ", ") + "]" }

// --- wait

type waitCond struct{ over time.Duration }

func decodeWait(p *parser, rule string, n *yaml.Node, _ int) cond {
	f := p.fields(n, rule, "wait", "wait")
	f.value("over", true)
	c := &waitCond{over: f.duration("over")}
	f.done()
	return c
}

func (c *waitCond) eval(v *view) (string, bool) {
	if w := ms(v.c.WaitMs); w > c.over {
		return "waited " + fmtDur(w) + " in queue", true
	}
	return "", false
}

func (c *waitCond) describe() string { return "wait over " + fmtDur(c.over) }
