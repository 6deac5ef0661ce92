package dialog

import (
	"strings"
	"unicode"
)

// humanPhrases are explicit requests for a person, matched on whole words
// (English) or as substrings (Chinese).
var (
	humanZh = []string{"人工", "转人工", "真人", "客服人员", "接线员", "找人"}
	// humanVerbs make "person"/"someone" a request rather than a mention.
	humanVerbs = []string{"talk", "speak", "connect", "transfer", "want", "need", "get", "put", "give"}
)

// WantsHuman reports whether the caller asks to speak to a person.
func WantsHuman(text string) bool {
	for _, z := range humanZh {
		if strings.Contains(text, z) {
			return true
		}
	}
	words := words(text)
	has := func(w string) bool {
		for _, x := range words {
			if x == w || x == w+"s" {
				return true
			}
		}
		return false
	}
	for _, w := range []string{"agent", "human", "operator", "representative"} {
		if has(w) {
			return true
		}
	}
	lower := " " + strings.Join(words, " ") + " "
	for _, p := range []string{"real person", "live agent", "customer service", "someone", "somebody", "person"} {
		if strings.Contains(lower, " "+p+" ") {
			for _, v := range humanVerbs {
				if has(v) {
					return true
				}
			}
		}
	}
	return false
}

func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' })
}

var (
	negativeEn = map[string]float64{
		"angry": 2, "furious": 3, "terrible": 2, "awful": 2, "horrible": 2, "useless": 2, "ridiculous": 2,
		"unacceptable": 3, "worst": 3, "hate": 2, "annoyed": 1, "frustrated": 2, "frustrating": 2, "disappointed": 1,
		"stupid": 2, "scam": 3, "complaint": 1, "complain": 1, "broken": 1, "wrong": 1, "bad": 1, "never": 1,
		"lawyer": 3, "sue": 3, "damn": 2, "fed": 1, "rubbish": 2, "waste": 2,
	}
	positiveEn = map[string]float64{
		"thanks": 1, "thank": 1, "great": 1, "good": 1, "perfect": 2, "excellent": 2, "helpful": 1, "love": 1, "nice": 1, "happy": 1, "appreciate": 1,
	}
	negativeZh = map[string]float64{
		"生气": 2, "愤怒": 3, "太差": 2, "很差": 2, "垃圾": 3, "骗子": 3, "投诉": 2, "失望": 1, "不满": 2, "烦": 1,
		"气死": 3, "没用": 2, "糟糕": 2, "离谱": 2, "受不了": 2, "退钱": 1, "坑": 2, "律师": 3, "起诉": 3,
	}
	positiveZh = map[string]float64{"谢谢": 1, "感谢": 1, "很好": 1, "太好了": 2, "满意": 1, "不错": 1}
	negators   = map[string]bool{"not": true, "no": true, "never": true, "don't": true, "isn't": true, "wasn't": true}
)

// Sentiment scores text from -1 (angry) to +1 (pleased) by counting
// lexicon words; 0 is neutral or unknown. English negation flips the next
// positive word ("not good").
func Sentiment(text string) float64 {
	var neg, pos float64
	ws := words(text)
	for i, w := range ws {
		if v, ok := negativeEn[w]; ok {
			neg += v
		}
		if v, ok := positiveEn[w]; ok {
			if i > 0 && negators[ws[i-1]] {
				neg += v
			} else {
				pos += v
			}
		}
	}
	for k, v := range negativeZh {
		neg += v * float64(strings.Count(text, k))
	}
	for k, v := range positiveZh {
		if strings.Contains(text, "不"+k) {
			neg += v
			continue
		}
		pos += v * float64(strings.Count(text, k))
	}
	if neg == 0 && pos == 0 {
		return 0
	}
	// Exclamation marks and shouting strengthen whatever is there.
	score := (pos - neg) / (pos + neg + 2) // one mild word is not a strong feeling
	if strings.Count(text, "!")+strings.Count(text, "！") >= 2 {
		score *= 1.3
	}
	return max(-1, min(1, score))
}

// SentimentLabel names a score: "negative" ≤ -0.3 < "neutral" < 0.3 ≤ "positive".
func SentimentLabel(score float64) string {
	switch {
	case score <= -0.3:
		return "negative"
	case score >= 0.3:
		return "positive"
	}
	return "neutral"
}
