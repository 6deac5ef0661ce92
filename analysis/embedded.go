package analysis

import (
	"context"
	"strings"
	"unicode"

	"github.com/hotline-cc/hotline/record"
)

// maxTopics bounds Text.Topics: beyond a handful, topics stop telling calls apart.
const maxTopics = 5

type embedded struct{}

// Embedded returns the analyser that needs no model: sentiment from the bilingual lexicon,
// intent and topics from keyword maps (and the bot's handoff), an extractive summary and
// action items from the agent's commitments. It is deterministic and cheap (well over a
// thousand three-minute calls per CPU-minute).
func Embedded() Analyzer { return embedded{} }

func (embedded) Name() string { return "embedded" }

// Analyze reads c.Transcript. Its turns must be redacted already.
func (embedded) Analyze(ctx context.Context, c *record.Call) (Text, error) {
	if err := ctx.Err(); err != nil {
		return Text{}, err
	}
	turns := c.Transcript
	out := Text{TurnSentiment: make([]float64, len(turns)), Language: language(turns)}

	var callerScores []float64
	var otherSum float64
	var otherN int
	topics := map[string]float64{}
	var toks []string
	for i, t := range turns {
		toks = lexTokens(t.Text, toks[:0])
		s, hit := scoreTokens(toks)
		out.TurnSentiment[i] = s
		if hit {
			if t.Speaker == record.SpeakerCaller {
				callerScores = append(callerScores, s)
			} else {
				otherSum += s
				otherN++
			}
		}
		w := topicWeight[t.Speaker]
		topicHits(normalizeForMatch(t.Text), func(topic string, n int) { topics[topic] += w * float64(n) })
	}
	out.Sentiment.Caller = mean(callerScores)
	if otherN > 0 {
		out.Sentiment.Other = otherSum / float64(otherN)
	}
	out.Sentiment.Trend = trend(callerScores)
	out.Sentiment.Label = Label(out.Sentiment.Caller)

	ranked := rankTopics(topics)
	if c.Handoff != nil && c.Handoff.Intent != "" {
		// The bot asked and the caller confirmed: better than keyword counts.
		out.Intent = c.Handoff.Intent
	} else if len(ranked) > 0 {
		out.Intent = ranked[0]
	}
	out.Topics = ranked[:min(maxTopics, len(ranked))]

	sents := callSentences(turns)
	out.Summary = summarize(sents)
	out.Actions = actionItems(sents)
	return out, nil
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// language is the turns' most common language as the recognizer tagged them, else "zh" when
// Chinese characters make up a good part of the text, else "en" when there is any text.
func language(turns []record.Turn) string {
	count := map[string]int{}
	best := ""
	for _, t := range turns {
		if t.Lang == "" {
			continue
		}
		l := strings.ToLower(t.Lang)
		if i := strings.IndexAny(l, "-_"); i >= 0 {
			l = l[:i]
		}
		count[l]++
		if count[l] > count[best] {
			best = l
		}
	}
	if best != "" {
		return best
	}
	han, latin := 0, 0
	for _, t := range turns {
		for _, r := range t.Text {
			switch {
			case unicode.Is(unicode.Han, r):
				han++
			case unicode.IsLetter(r):
				latin++
			}
		}
	}
	switch {
	case han == 0 && latin == 0:
		return ""
	case han*3 >= latin: // a Chinese character carries about a word's worth
		return "zh"
	}
	return "en"
}
