package analysis

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// lexDict is every entry the Chinese longest-match tokeniser knows, with its longest length.
var (
	lexDict   = map[string]bool{}
	lexMaxLen int
	// lexPrefixes are the English entries written with a trailing "*".
	lexPrefixes []prefixEntry
)

type prefixEntry struct {
	prefix string
	weight float64
}

func init() {
	add := func(w string) {
		if strings.HasSuffix(w, "*") {
			return
		}
		if r, _ := utf8.DecodeRuneInString(w); unicode.Is(unicode.Han, r) {
			lexDict[w] = true
			lexMaxLen = max(lexMaxLen, utf8.RuneCountInString(w))
		}
	}
	for w, v := range lexicon {
		if p, ok := strings.CutSuffix(w, "*"); ok {
			lexPrefixes = append(lexPrefixes, prefixEntry{p, v})
		}
		add(w)
	}
	for w := range neutralWords {
		add(w)
		lexicon[w] = 0
	}
	for w := range negators {
		add(w)
	}
	for w := range intensifiers {
		add(w)
	}
	for w := range contrasts {
		add(w)
	}
}

// lexTokens splits text into lower-cased English words and Chinese lexicon entries (longest
// match; Han characters no entry covers become one-character tokens). A clause boundary
// (punctuation) is given as the token ",".
func lexTokens(text string, out []string) []string {
	rs := []rune(text)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.Is(unicode.Han, r):
			n := 1
			for l := min(lexMaxLen, len(rs)-i); l > 1; l-- {
				if lexDict[string(rs[i:i+l])] {
					n = l
					break
				}
			}
			out = append(out, string(rs[i:i+n]))
			i += n
		case unicode.IsLetter(r) || r == '\'' || r == '’':
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) && !unicode.Is(unicode.Han, rs[j]) || rs[j] == '\'' || rs[j] == '’') {
				j++
			}
			out = append(out, strings.ReplaceAll(strings.ToLower(string(rs[i:j])), "’", "'"))
			i = j
		case unicode.IsPunct(r):
			if len(out) > 0 && out[len(out)-1] != "," {
				out = append(out, ",")
			}
			i++
		default:
			i++
		}
	}
	return out
}

func wordWeight(w string) (float64, bool) {
	if v, ok := lexicon[w]; ok {
		return v, v != 0
	}
	if len(w) < 4 || w[0] >= utf8.RuneSelf {
		return 0, false
	}
	for _, p := range lexPrefixes {
		if strings.HasPrefix(w, p.prefix) {
			return p.weight, true
		}
	}
	return 0, false
}

// TextSentiment scores text from -1 (negative) to 1 (positive) with the bilingual lexicon,
// negation ("not happy", "没有解决"), intensifiers ("very", "非常", "a bit") and contrast ("…,
// but …" weighs what follows). hit is false when no sentiment word was found (the score is 0).
func TextSentiment(text string) (score float64, hit bool) {
	return scoreTokens(lexTokens(text, nil))
}

func scoreTokens(toks []string) (float64, bool) {
	var sum float64
	var hit bool
	negLeft := 0  // words a negator still reaches
	boost := 1.0  // intensifier for the next sentiment word
	clause := 1.0 // weight of the current clause (contrasts)
	for _, t := range toks {
		switch {
		case t == ",":
			negLeft, boost = 0, 1
			continue
		case contrasts[t]:
			sum *= beforeContrast
			clause = afterContrast
			negLeft, boost = 0, 1
			continue
		case negators[t]:
			negLeft = negationScope
			continue
		}
		if f, ok := intensifiers[t]; ok {
			boost *= f
			continue
		}
		v, ok := wordWeight(t)
		if ok {
			v *= boost * clause
			if negLeft > 0 {
				v *= negatedFactor
				negLeft = 0
			}
			sum += v
			hit = true
			boost = 1
			continue
		}
		if negLeft > 0 {
			negLeft--
		}
	}
	if !hit {
		return 0, false
	}
	// Squash into (-1, 1): one plain word gives about ±0.5, several
	// agreeing words approach ±1.
	return sum / math.Sqrt(sum*sum+1), true
}
