package kb

import (
	"strings"
	"unicode"
)

// Languages a passage or question is written in, as far as retrieval cares:
// Chinese, or anything written in another script (English in practice).
const (
	LangZh    = "zh"
	LangOther = "en"
)

// Lang returns LangZh when text is mostly Chinese characters and LangOther
// when it has letters but mostly not Chinese; "" when it has no letters
// (a bare number), which matches any language.
func Lang(text string) string {
	han, latin := 0, 0
	for _, r := range text {
		switch {
		case isHan(r):
			han++
		case unicode.IsLetter(r):
			latin++
		}
	}
	switch {
	case han > 0 && han*3 >= latin:
		return LangZh
	case han+latin > 0:
		return LangOther
	}
	return ""
}

// langRuns cuts a paragraph into runs of consecutive sentences in one
// language, so a bilingual paragraph ("Opening hours are … 营业时间为 …")
// becomes one passage per language.
func langRuns(para string) []string {
	var runs []string
	var cur strings.Builder
	curLang := ""
	for _, s := range roughSentences(para) {
		l := Lang(s)
		if l != "" && curLang != "" && l != curLang {
			runs = append(runs, strings.TrimSpace(cur.String()))
			cur.Reset()
		}
		if l != "" {
			curLang = l
		}
		cur.WriteString(s)
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		runs = append(runs, s)
	}
	return runs
}

// roughSentences splits at Chinese sentence ends and at . ! ? followed by a
// space or a Chinese character. Pieces keep their punctuation and spacing,
// so joining them gives the text back.
func roughSentences(text string) []string {
	var out []string
	r := []rune(text)
	start := 0
	for i := 0; i < len(r); i++ {
		end := false
		switch r[i] {
		case '。', '！', '？':
			end = true
		case '.', '!', '?':
			end = i+1 < len(r) && (unicode.IsSpace(r[i+1]) || isHan(r[i+1]))
		}
		if end {
			out = append(out, string(r[start:i+1]))
			start = i + 1
		}
	}
	if start < len(r) {
		out = append(out, string(r[start:]))
	}
	return out
}
