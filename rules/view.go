package rules

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/record"
)

// view is a call prepared for evaluation: its turns tokenised once for all rules.
type view struct {
	c     *record.Call
	turns []turnView
}

type turnView struct {
	speaker string
	nth     int    // this speaker's turn number, from 0
	text    string // as said
	lower   string // ASCII letters lower-cased, same byte offsets as text
	words   []token
	// compact is lower without white space, for Chinese phrases: recognizers put spaces between
	// Chinese words ("取消 合同"). compactAt[k] is the offset in text of compact's byte k.
	compact   string
	compactAt []int
}

// token is one English (or other non-Chinese) word of a turn.
type token struct {
	stem       string
	start, end int // bytes in the turn's text
}

func newView(c *record.Call) *view {
	v := &view{c: c}
	count := map[string]int{}
	for _, t := range c.Transcript {
		tv := turnView{speaker: t.Speaker, nth: count[t.Speaker], text: t.Text, lower: asciiLower(t.Text), words: tokenize(t.Text)}
		tv.compact, tv.compactAt = compact(tv.lower)
		count[t.Speaker]++
		v.turns = append(v.turns, tv)
	}
	return v
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// compact drops white space from s, and says where each remaining byte was.
func compact(s string) (string, []int) {
	var b strings.Builder
	at := make([]int, 0, len(s))
	for i, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		n := utf8.RuneLen(r)
		if r == utf8.RuneError {
			n = 1 // an invalid byte stays one byte
			b.WriteByte(s[i])
		} else {
			b.WriteRune(r)
		}
		for k := range n {
			at = append(at, i+k)
		}
	}
	return b.String(), at
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// isWordRune: letters (but not Chinese, which has no word boundaries to match on) and digits.
func isWordRune(r rune) bool { return (unicode.IsLetter(r) || unicode.IsDigit(r)) && !isHan(r) }

// tokenize splits text into words with their stems. An apostrophe inside a word belongs to it
// (don't, customer's).
func tokenize(text string) []token {
	var out []token
	start := -1
	for i := 0; i <= len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if i == len(text) {
			r, size = ' ', 1
		}
		word := isWordRune(r)
		if !word && (r == '\'' || r == '’') && start >= 0 && i+size < len(text) {
			next, _ := utf8.DecodeRuneInString(text[i+size:])
			word = isWordRune(next)
		}
		switch {
		case word && start < 0:
			start = i
		case !word && start >= 0:
			out = append(out, token{stem: stem(text[start:i]), start: start, end: i})
			start = -1
		}
		i += size
	}
	return out
}

// stem reduces an English word to a crude stem, the same for its common inflections: cancel,
// cancels, cancelled, cancelling; refund, refunds, refunded; charge, charges, charged. The
// stems are not words ("cal" for call); they only need to agree between rule and transcript.
func stem(w string) string {
	w = strings.ToLower(w)
	w = strings.TrimSuffix(strings.TrimSuffix(w, "'s"), "’s")
	w = strings.ReplaceAll(w, "’", "'")
	n := len(w)
	switch {
	case n > 4 && strings.HasSuffix(w, "ies"):
		w = w[:n-3] + "y"
	case n > 5 && strings.HasSuffix(w, "ing"):
		w = w[:n-3]
	case n > 4 && strings.HasSuffix(w, "ed"):
		w = w[:n-2]
	case n > 3 && strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss"):
		w = w[:n-1]
	}
	if n := len(w); n > 3 && w[n-1] == 'e' {
		w = w[:n-1]
	}
	if n := len(w); n > 3 && w[n-1] == w[n-2] {
		w = w[:n-1]
	}
	return w
}
