package redact

import (
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/record"
)

// AudioSpan is a stretch of a recording that said personal data: silence it.
type AudioSpan struct {
	Speaker string // the turn's speaker, which tells the channel
	Start   time.Time
	End     time.Time
}

// Turns redacts a transcript: each turn's Text and its Words. A word covered by a finding
// becomes the token (keeping any text of the word outside the finding, such as punctuation), and
// the consecutive words of one finding collapse into one token word spanning their times.
//
// counts are the findings by kind over all turns' texts, sorted by kind. spans are the times of
// the covered words, for silencing the recording. When a turn has a finding in its Text but no
// word times to place it (no Words, or the words did not show it), the span is the whole turn:
// silencing too much is the safe error.
//
// The turns given are not changed; out shares nothing with them but Sentiment and Timing.
func (r *Redactor) Turns(turns []record.Turn) (out []record.Turn, counts []record.Redaction, spans []AudioSpan) {
	tally := map[string]int{}
	out = make([]record.Turn, len(turns))
	for i, t := range turns {
		var found []Finding
		t.Text, found = r.Text(t.Text)
		var wordSpans []AudioSpan
		if len(t.Words) > 0 {
			var wordFound []Finding
			t.Words, wordSpans, wordFound = r.words(t.Speaker, t.Words)
			if strings.TrimSpace(turns[i].Text) == "" {
				found = wordFound
			}
		}
		for _, f := range found {
			tally[f.Kind]++
		}
		if len(found) > 0 && len(wordSpans) == 0 {
			wordSpans = []AudioSpan{{Speaker: t.Speaker, Start: t.Start, End: t.End}}
		}
		spans = append(spans, wordSpans...)
		out[i] = t
	}
	for _, k := range Kinds {
		if n := tally[k]; n > 0 {
			counts = append(counts, record.Redaction{Kind: k, Count: n})
		}
	}
	slices.SortFunc(counts, func(a, b record.Redaction) int { return strings.Compare(a.Kind, b.Kind) })
	return out, counts, spans
}

// words redacts a turn's words. They are joined with spaces, so that a number spoken one word
// per digit reads as one number, and the findings in the joined text are mapped back to words.
func (r *Redactor) words(speaker string, words []record.Word) ([]record.Word, []AudioSpan, []Finding) {
	var b strings.Builder
	offs := make([]int, len(words)+1) // word k is joined[offs[k] : offs[k]+len(words[k].Text)]
	for k, w := range words {
		if k > 0 {
			b.WriteByte(' ')
		}
		offs[k] = b.Len()
		b.WriteString(w.Text)
	}
	offs[len(words)] = b.Len() + 1
	joined := b.String()
	_, found := r.Text(joined)
	if len(found) == 0 {
		return slices.Clone(words), nil, nil
	}
	wordEnd := func(k int) int { return offs[k] + len(words[k].Text) }
	var out []record.Word
	var spans []AudioSpan
	f := 0
	for k := 0; k < len(words); {
		for f < len(found) && found[f].End <= offs[k] {
			f++
		}
		if f == len(found) || found[f].Start >= wordEnd(k) {
			out = append(out, words[k])
			k++
			continue
		}
		// Words k..last are chained by findings f..g: each finding reaches into the next word.
		last, g := k, f
		for {
			for last+1 < len(words) && offs[last+1] < found[g].End {
				last++
			}
			if g+1 < len(found) && found[g+1].Start < wordEnd(last) {
				g++
				continue
			}
			break
		}
		lo, hi := offs[k], wordEnd(last)
		var text strings.Builder
		pos := lo
		for _, fd := range found[f : g+1] {
			st, en := max(fd.Start, lo), min(fd.End, hi)
			text.WriteString(joined[pos:st])
			text.WriteString(Token(fd.Kind))
			pos = en
		}
		text.WriteString(joined[pos:hi])
		w := record.Word{Text: text.String(), Start: words[k].Start, End: words[last].End}
		out = append(out, w)
		spans = append(spans, AudioSpan{Speaker: speaker, Start: w.Start, End: w.End})
		k, f = last+1, g+1
	}
	return out, spans, found
}
