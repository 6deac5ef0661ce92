package analysis

import (
	"context"

	"github.com/hotline-cc/hotline/record"
)

// Analyzer reads a conversation's transcript and says what it found. The turns it is given must
// already be redacted: the LLM analyser sends them to its server as they are.
type Analyzer interface {
	Analyze(ctx context.Context, c *record.Call) (Text, error)
	// Name says which analyser produced a result ("embedded", or "llm(<model>)"), for
	// record.Analysis.Engine.
	Name() string
}

// Text is what an Analyzer found in a transcript.
type Text struct {
	Sentiment record.Sentiment
	// TurnSentiment is one score in [-1, 1] per turn of c.Transcript, in its order.
	TurnSentiment []float64
	Language      string // the conversation's main language (ISO 639-1), "" if no text
	Summary       string
	Intent        string   // the caller's main goal, e.g. "refund"
	Topics        []string // what was talked about, most prominent first
	Actions       []string // what the agent committed to do
}

// Apply copies t into a (leaving voice stats, categories and redactions alone) and sets each
// turn's Sentiment in turns, which must be the transcript t was computed from.
func (t Text) Apply(a *record.Analysis, turns []record.Turn) {
	a.Sentiment = t.Sentiment
	a.Language = t.Language
	a.Summary = t.Summary
	a.Intent = t.Intent
	a.Topics = t.Topics
	a.Actions = t.Actions
	for i := range turns {
		if i < len(t.TurnSentiment) {
			s := t.TurnSentiment[i]
			turns[i].Sentiment = &s
		}
	}
}

// Sentiment labels.
const (
	LabelNegative = "negative"
	LabelNeutral  = "neutral"
	LabelPositive = "positive"
)

// labelThreshold: a caller's average beyond ±this is no longer neutral.
const labelThreshold = 0.15

// Label names a sentiment score.
func Label(score float64) string {
	switch {
	case score <= -labelThreshold:
		return LabelNegative
	case score >= labelThreshold:
		return LabelPositive
	}
	return LabelNeutral
}
