package redact

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// group is one piece of a spoken or written number: a stretch of written digits, or one spoken
// digit (a word, a character, or "double five").
type group struct {
	start, end int    // byte span in the text
	digits     string // ASCII digits; a resident ID's check character X is kept as "X"
	spoken     bool
	plus       bool // an international prefix before it: '+', or the word "plus"
	from       int  // where the prefix starts, when plus
	attached   bool // glued to letters (A12345, 3rd, 10am): a code, never personal data
}

// spokenDigits are the English words for digits.
var spokenDigits = map[string]byte{
	"zero": '0', "oh": '0', "o": '0', "one": '1', "two": '2', "three": '3', "four": '4',
	"five": '5', "six": '6', "seven": '7', "eight": '8', "nine": '9',
}

// hanDigits are the Chinese characters for digits, with the spoken forms 幺 (1), 两 (2) and
// 洞 (0) that callers use for phone numbers.
var hanDigits = map[rune]byte{
	'零': '0', '〇': '0', '洞': '0', '幺': '1', '一': '1', '二': '2', '两': '2', '三': '3', '四': '4',
	'五': '5', '六': '6', '七': '7', '八': '8', '九': '9',
}

var repeats = map[string]int{"double": 2, "triple": 3}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// isWordLetter is a letter that makes digits beside it part of a code; Chinese characters do not.
func isWordLetter(r rune) bool { return unicode.IsLetter(r) && !unicode.Is(unicode.Han, r) }

func fullwidthDigit(r rune) (byte, bool) {
	if r >= '０' && r <= '９' {
		return byte('0' + r - '０'), true
	}
	return 0, false
}

// unitAt reads the group starting at byte i, if one does.
func unitAt(s string, i int) (group, bool) {
	r, size := utf8.DecodeRuneInString(s[i:])
	_, fw := fullwidthDigit(r)
	switch {
	case r >= '0' && r <= '9' || fw:
		return digitsAt(s, i)
	case hanDigits[r] != 0:
		return group{start: i, end: i + size, digits: string(hanDigits[r]), spoken: true}, true
	case r < utf8.RuneSelf && isASCIILetter(byte(r)):
		if i > 0 && isASCIILetter(s[i-1]) {
			return group{}, false
		}
		j := i
		for j < len(s) && isASCIILetter(s[j]) {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			return group{}, false
		}
		w := strings.ToLower(s[i:j])
		if d, ok := spokenDigits[w]; ok {
			return group{start: i, end: j, digits: string(d), spoken: true}, true
		}
		if w == "plus" {
			// "plus eight six …": the spoken international prefix.
			k := j
			for k < len(s) && s[k] == ' ' && k-j < 3 {
				k++
			}
			if k == j || k >= len(s) {
				return group{}, false
			}
			next, ok := unitAt(s, k)
			if !ok || !next.spoken || next.plus {
				return group{}, false
			}
			next.plus, next.from = true, i
			return next, true
		}
		if n, ok := repeats[w]; ok {
			k := j
			for k < len(s) && (s[k] == ' ' || s[k] == '-') && k-j < 3 {
				k++
			}
			if k == j || k >= len(s) {
				return group{}, false
			}
			next, ok := unitAt(s, k)
			if !ok || len(next.digits) != 1 || next.attached {
				return group{}, false
			}
			return group{start: i, end: next.end, digits: strings.Repeat(next.digits, n), spoken: true}, true
		}
	}
	return group{}, false
}

// digitsAt reads written digits from byte i.
func digitsAt(s string, i int) (group, bool) {
	g := group{start: i}
	var b strings.Builder
	j := i
	for j < len(s) {
		r, size := utf8.DecodeRuneInString(s[j:])
		if r >= '0' && r <= '9' {
			b.WriteByte(byte(r))
		} else if d, ok := fullwidthDigit(r); ok {
			b.WriteByte(d)
		} else {
			break
		}
		j += size
	}
	g.digits = b.String()
	g.end = j
	if i > 0 {
		prev, _ := utf8.DecodeLastRuneInString(s[:i])
		g.attached = isWordLetter(prev) || prev == '_'
		g.plus, g.from = prev == '+', i-1
	}
	if next, _ := utf8.DecodeRuneInString(s[j:]); j < len(s) && (isWordLetter(next) || next == '_') && !isCheckX(s, j) {
		g.attached = true
	}
	return g, true
}

// isCheckX: an X or x standing alone at i (no letter or digit after it), which can be the check
// character of a resident ID.
func isCheckX(s string, i int) bool {
	if i >= len(s) || s[i]|0x20 != 'x' {
		return false
	}
	next, _ := utf8.DecodeRuneInString(s[i+1:])
	return i+1 == len(s) || !isWordLetter(next) && !(next >= '0' && next <= '9')
}

// joins reports whether gap, the text between two groups, keeps them in one number.
func joins(gap string, a, b group) bool {
	if len(gap) > 3 {
		return false
	}
	if gap == "" {
		return true
	}
	spoken := a.spoken || b.spoken
	for _, r := range gap {
		switch r {
		case ' ', '\t', '-', '–', '(', ')', '\u00a0':
		case ',', '，', '、', '.', '。':
			// Commas are how a recognizer punctuates spoken digits ("幺三八，零零一三"), but between
			// written digits they are thousands separators.
			if !spoken || r == '.' || r == '。' {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// numbers finds phone, ID, card and CVV numbers in s outside the spans already found.
func numbers(s string, taken []Finding) []Finding {
	var out []Finding
	var run []group
	lower := asciiLower(s)
	flush := func() {
		out = append(out, classifyRun(s, lower, run)...)
		run = run[:0]
	}
	t := 0 // next taken span
	for i := 0; i < len(s); {
		if t < len(taken) && i >= taken[t].Start {
			flush()
			i = max(i, taken[t].End)
			t++
			continue
		}
		g, ok := unitAt(s, i)
		if !ok {
			_, size := utf8.DecodeRuneInString(s[i:])
			if isCheckX(s, i) && len(run) > 0 && joins(s[run[len(run)-1].end:i], run[len(run)-1], group{}) {
				// The resident ID's check character ends the number.
				run[len(run)-1].digits += "X"
				run[len(run)-1].end = i + 1
				i++
				flush()
				continue
			}
			if c := s[i]; c < utf8.RuneSelf && isASCIILetter(c) {
				for i < len(s) && isASCIILetter(s[i]) {
					i++
				}
				continue
			}
			i += size
			continue
		}
		if t < len(taken) && g.end > taken[t].Start {
			// A unit that runs into a found span is not read.
			flush()
			i = taken[t].Start
			continue
		}
		if g.attached {
			flush()
			i = g.end
			continue
		}
		if len(run) > 0 && (g.plus || !joins(s[run[len(run)-1].end:g.start], run[len(run)-1], g)) {
			flush()
		}
		run = append(run, g)
		i = g.end
	}
	flush()
	return out
}

// maxDigits is the longest number worth checking: 19 card digits, or a prefixed phone number.
const maxDigits = 20

// classifyRun finds the numbers in one run of groups: from each group, the longest stretch that
// passes a check.
func classifyRun(s, lower string, run []group) []Finding {
	var out []Finding
	for i := 0; i < len(run); {
		matched := false
		// the furthest group within maxDigits
		last, n := i, 0
		for last < len(run) && n+len(run[last].digits) <= maxDigits {
			n += len(run[last].digits)
			last++
		}
		for j := last - 1; j >= i; j-- {
			if f, ok := classify(s, lower, run[i:j+1]); ok {
				out = append(out, f)
				i, matched = j+1, true
				break
			}
		}
		if !matched {
			i++
		}
	}
	return out
}

// classify decides what the number made of groups is.
func classify(s, lower string, gs []group) (Finding, bool) {
	var b strings.Builder
	spoken := false
	for _, g := range gs {
		b.WriteString(g.digits)
		spoken = spoken || g.spoken
	}
	d := b.String()
	start, end := gs[0].start, gs[len(gs)-1].end
	plus := gs[0].plus
	paren := start > 0 && s[start-1] == '(' && len(gs) > 1 && strings.Contains(s[gs[0].end:gs[1].start], ")")
	found := func(kind string) (Finding, bool) {
		st := start
		switch {
		case plus:
			st = gs[0].from
		case paren:
			st--
		}
		return Finding{Kind: kind, Start: st, End: end}, true
	}
	if strings.Contains(d, "X") {
		if len(d) == 18 && validID(d) {
			return found(KindID)
		}
		return Finding{}, false
	}
	shape := func(want ...int) bool {
		if len(gs) != len(want) {
			return false
		}
		for i, g := range gs {
			if g.spoken || len(g.digits) != want[i] {
				return false
			}
		}
		return true
	}
	switch {
	case plus:
		if strings.HasPrefix(d, "86") && isMobile(d[2:]) || len(d) >= 8 && len(d) <= 15 && d[0] != '0' {
			return found(KindPhone)
		}
		return Finding{}, false
	case strings.HasPrefix(d, "0086") && isMobile(d[4:]),
		strings.HasPrefix(d, "86") && isMobile(d[2:]) && len(gs) > 1,
		strings.HasPrefix(d, "00") && len(d) >= 10 && len(d) <= 17 && d[2] != '0' && len(gs) > 1:
		return found(KindPhone)
	case len(d) == 18 && validID(d) && !orderContext(lower, start, end):
		return found(KindID)
	case len(d) >= 13 && len(d) <= 19 && d[0] >= '2' && d[0] <= '6' && luhn(d) && !sameDigits(d) && !orderContext(lower, start, end):
		return found(KindCard)
	case isMobile(d):
		return found(KindPhone)
	case isLandline(d) && (len(gs) > 1 || spoken || len(d) >= 11):
		return found(KindPhone)
	case isNANP(d) && (shape(3, 3, 4) || shape(3, 7) || paren || spoken ||
		shape(10) && near(lower, start, end, phoneWords, 40, 0) && !orderContext(lower, start, end)):
		return found(KindPhone)
	case len(d) == 11 && d[0] == '1' && isNANP(d[1:]) && (shape(1, 3, 3, 4) || spoken):
		return found(KindPhone)
	case len(d) >= 3 && len(d) <= 4 && (len(gs) == 1 && !spoken || spoken && len(gs) == len(d)) &&
		(near(lower, start, end, cvvWords, 60, 0) || near(lower, start, end, cardTokens, 16, 0)):
		return found(KindCVV)
	}
	return Finding{}, false
}

// isMobile: a mainland mobile number, 1[3-9] and nine digits.
func isMobile(d string) bool {
	return len(d) == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9'
}

// isLandline: a mainland landline with its area code, 0 + 2–3 digits + 7–8 digits.
func isLandline(d string) bool {
	return len(d) >= 10 && len(d) <= 12 && d[0] == '0' && d[1] != '0'
}

// isNANP: a North American number, NPA-NXX-XXXX, area code not starting 0 or 1.
func isNANP(d string) bool {
	// NXX should start 2–9 too, but callers and examples say 555-123-4567.
	return len(d) == 10 && d[0] >= '2'
}

func sameDigits(d string) bool {
	return strings.Count(d, d[:1]) == len(d)
}
