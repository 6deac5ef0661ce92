package analysis

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
)

// sentence is one sentence of a turn.
type sentence struct {
	turn    int
	speaker string
	text    string
}

// splitSentences cuts text after sentence punctuation (English and Chinese); a '.' ends a
// sentence only before a space or the end, so "3.5" and "e.g" stay whole.
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i, r := range text {
		end := false
		switch r {
		case '。', '！', '？', '；', '!', '?', ';', '\n':
			end = true
		case '.':
			next, _ := utf8.DecodeRuneInString(text[i+1:])
			end = i+1 >= len(text) || unicode.IsSpace(next)
		}
		if end {
			if s := strings.TrimSpace(text[start : i+utf8.RuneLen(r)]); s != "" {
				out = append(out, s)
			}
			start = i + utf8.RuneLen(r)
		}
	}
	if s := strings.TrimSpace(text[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

func callSentences(turns []record.Turn) []sentence {
	var out []sentence
	for i, t := range turns {
		for _, s := range splitSentences(t.Text) {
			out = append(out, sentence{turn: i, speaker: t.Speaker, text: s})
		}
	}
	return out
}

// minSummaryTerms: shorter sentences ("Yes.", "好的") say nothing worth a summary.
const minSummaryTerms = 3

// summarize picks the most informative caller and agent sentences (TF-IDF over the call's
// sentences, normalised by length, with a bonus for topic words) and gives them in the order
// they were said, each with its speaker.
func summarize(sents []sentence) string {
	type cand struct {
		i     int
		score float64
	}
	terms := make([][]string, len(sents))
	df := map[string]int{}
	for i, s := range sents {
		if s.speaker != record.SpeakerCaller && s.speaker != record.SpeakerAgent {
			continue
		}
		terms[i] = kb.Tokenize(s.text)
		seen := map[string]bool{}
		for _, t := range terms[i] {
			if !seen[t] {
				seen[t] = true
				df[t]++
			}
		}
	}
	n := 0
	for _, t := range terms {
		if t != nil {
			n++
		}
	}
	var cands []cand
	for i, ts := range terms {
		if len(ts) < minSummaryTerms {
			continue
		}
		tf := map[string]int{}
		for _, t := range ts {
			tf[t]++
		}
		var score float64
		for t, c := range tf {
			score += (1 + math.Log(float64(c))) * math.Log(1+float64(n)/float64(df[t]))
		}
		score /= math.Sqrt(float64(len(ts)))
		norm := normalizeForMatch(sents[i].text)
		topicHits(norm, func(string, int) { score *= 1.3 })
		if sents[i].speaker == record.SpeakerCaller {
			score *= 1.2 // what the caller wanted matters most
		}
		cands = append(cands, cand{i, score})
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return a.i - b.i
	})
	keep := 3
	if len(sents) <= 6 {
		keep = 2
	}
	cands = cands[:min(keep, len(cands))]
	slices.SortFunc(cands, func(a, b cand) int { return a.i - b.i })
	var b strings.Builder
	for _, c := range cands {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		s := sents[c.i]
		b.WriteString(speakerLabel(s.speaker))
		b.WriteString(": ")
		b.WriteString(s.text)
	}
	return b.String()
}

func speakerLabel(s string) string {
	switch s {
	case record.SpeakerCaller:
		return "Caller"
	case record.SpeakerAgent:
		return "Agent"
	case record.SpeakerBot:
		return "Bot"
	}
	return s
}
