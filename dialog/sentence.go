package dialog

import (
	"strings"
	"unicode"
)

// SplitSentences cuts text into sentences at . ! ? (English) and 。！？；
// (Chinese), keeping numbers like 3.5 and 4.95 and abbreviations such as
// "e.g." whole. Each sentence keeps its punctuation and is trimmed.
func SplitSentences(text string) []string {
	var out []string
	sp := Splitter{}
	out = append(out, sp.Push(text)...)
	if rest := sp.Flush(); rest != "" {
		out = append(out, rest)
	}
	return out
}

// Splitter cuts a stream of text deltas into sentences as soon as each is
// complete, so the first sentence can be spoken while the model is still
// writing the rest.
type Splitter struct {
	buf []rune
}

// Push adds a delta and returns the sentences it completed.
func (s *Splitter) Push(delta string) []string {
	s.buf = append(s.buf, []rune(delta)...)
	var out []string
	start := 0
	for i := 0; i < len(s.buf); i++ {
		if !s.endsAt(i) {
			continue
		}
		// Keep closing quotes and brackets with the sentence.
		j := i + 1
		for j < len(s.buf) && strings.ContainsRune(`"')]”’」』）`, s.buf[j]) {
			j++
		}
		if sent := strings.TrimSpace(string(s.buf[start:j])); sent != "" {
			out = append(out, sent)
		}
		start = j
		i = j - 1
	}
	s.buf = append(s.buf[:0], s.buf[start:]...)
	return out
}

// Flush returns what is left (a last sentence without punctuation).
func (s *Splitter) Flush() string {
	rest := strings.TrimSpace(string(s.buf))
	s.buf = s.buf[:0]
	return rest
}

// endsAt reports whether the rune at i ends a sentence. For ASCII
// punctuation that needs the next rune, so a '.' at the end of the buffer
// waits for more text (it may be "3." of "3.5").
func (s *Splitter) endsAt(i int) bool {
	r := s.buf[i]
	switch r {
	case '。', '！', '？', '；', '!', '?':
		if r == '!' || r == '?' {
			return i+1 < len(s.buf) && !isWordRune(s.buf[i+1])
		}
		return true
	case '.':
		if i+1 >= len(s.buf) {
			return false
		}
		next := s.buf[i+1]
		if unicode.IsDigit(next) || next == '.' || isWordRune(next) {
			return false // 3.5, "...", example.com
		}
		// Single-letter abbreviations: "e.g.", "U.S."
		if i >= 1 && unicode.IsLetter(s.buf[i-1]) && (i < 2 || !unicode.IsLetter(s.buf[i-2])) {
			return false
		}
		return true
	}
	return false
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
