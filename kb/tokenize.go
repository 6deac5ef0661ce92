package kb

import (
	"strings"
	"unicode"
)

// stopwords are English words too common to tell passages apart.
var stopwords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be by can could do does did for from have has had how i if in
		is it its me my of on or our please should so that the their them then there these this to us was we were what
		when where which who why will with would you your yours i'm i'd i've it's can't don't
		what's where's how's there's much many`) {
		stopwords[w] = true
	}
}

// fillers are words of a question that say nothing about its topic ("how
// long until I get my deposit back"); they are dropped from queries only.
var fillers = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`get until tell know want like need go take happen there way still just also
		much many long soon`) {
		fillers[stem(w)] = true
	}
}

// stopHan are Chinese function characters. Query bigrams that contain one
// ("你们", "多少", "怎么") say nothing about the topic and would make a
// question the KB answers look unanswerable.
var stopHan = map[rune]bool{}

func init() {
	for _, r := range "你我他她它们的了吗呢吧啊呀么怎什几多少要能才会是有在和与或请问一下个这那哪就都也还被把给对需长久不" {
		stopHan[r] = true
	}
}

// stopBigrams are Chinese function words made of characters that are not
// function characters on their own ("可以" = can, "如何" = how); like
// English stopwords they are dropped from queries.
var stopBigrams = map[string]bool{}

func init() {
	for _, w := range strings.Fields("可以 能够 需要 如何 怎样 是否 有没 没有 为什 什么 办法 请问 应该 告诉 知道 想要 想问") {
		stopBigrams[w] = true
	}
}

func isHan(r rune) bool { return unicode.Is(unicode.Han, r) }

// Tokenize splits text into index terms: lower-cased, lightly stemmed English
// words without stopwords, and for Chinese, overlapping character bigrams
// plus single characters (so a one-character query still matches).
func Tokenize(text string) []string { return tokenize(text, true) }

// queryTerms is Tokenize for queries: Chinese runs of two or more characters
// give bigrams only (unigrams would match almost every passage).
func queryTerms(text string) []string { return tokenize(text, false) }

func tokenize(text string, withUnigrams bool) []string {
	text = phrases.Replace(strings.ToLower(text))
	var out []string
	var word []rune
	var han []rune
	flushWord := func() {
		if len(word) == 0 {
			return
		}
		w := strings.ToLower(string(word))
		word = word[:0]
		if stopwords[w] {
			return
		}
		w = stem(w)
		if !withUnigrams && fillers[w] {
			return
		}
		if syn, ok := synonyms[w]; ok {
			w = syn
		}
		out = append(out, w)
	}
	flushHan := func() {
		switch {
		case len(han) == 1:
			out = append(out, string(han))
		case len(han) > 1:
			for i := 0; i+1 < len(han); i++ {
				if !withUnigrams && (stopHan[han[i]] || stopHan[han[i+1]] || stopBigrams[string(han[i:i+2])]) {
					continue
				}
				out = append(out, string(han[i:i+2]))
			}
			if withUnigrams {
				for _, r := range han {
					out = append(out, string(r))
				}
			}
		}
		han = han[:0]
	}
	for _, r := range text {
		switch {
		case isHan(r):
			flushWord()
			han = append(han, r)
		case unicode.IsLetter(r) || unicode.IsDigit(r) || (r == '\'' && len(word) > 0):
			flushHan()
			word = append(word, unicode.ToLower(r))
		default:
			flushWord()
			flushHan()
		}
	}
	flushWord()
	flushHan()
	return out
}

// stem strips common English suffixes so "returns", "returned" and
// "returning" meet. It is deliberately crude: a few rules, no dictionary.
func stem(w string) string {
	if len(w) <= 3 {
		return w
	}
	for _, suf := range []string{"ies", "ing", "ed", "es", "s"} {
		if strings.HasSuffix(w, suf) && len(w)-len(suf) >= 3 {
			base := w[:len(w)-len(suf)]
			switch suf {
			case "ies":
				return base + "y"
			case "s":
				if strings.HasSuffix(base, "s") || strings.HasSuffix(base, "u") { // "address", "status"
					return w
				}
			}
			return base
		}
	}
	return w
}
