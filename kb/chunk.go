package kb

import (
	"strings"
)

// Chunk is one retrievable passage of a document.
type Chunk struct {
	Doc     string `json:"doc"`     // file name relative to the folder
	Heading string `json:"heading"` // heading path, "Returns › Refunds"
	Text    string `json:"text"`
	Lang    string `json:"lang"` // LangZh or LangOther (see Lang)
}

const (
	targetChunk = 500 // characters (runes) per chunk at most, roughly
)

// chunkDoc splits a Markdown or text document into passages: a new section
// at every heading, and within a section one passage per paragraph and
// language (a bilingual paragraph gives an English and a Chinese passage),
// paragraphs longer than about 500 characters cut at sentence ends. Short
// passages let the answer be the paragraph that matches, not the document
// it sits in; the heading path stays with every passage for search.
func chunkDoc(doc, text string) []Chunk {
	var chunks []Chunk
	var path []string // heading stack
	var paras []string
	var para []string

	flushPara := func() {
		if len(para) > 0 {
			paras = append(paras, strings.Join(para, " "))
			para = para[:0]
		}
	}
	flushSection := func() {
		flushPara()
		heading := strings.Join(path, " › ")
		for _, p := range paras {
			for _, run := range langRuns(p) {
				for _, text := range splitLong([]string{run}) {
					chunks = append(chunks, Chunk{Doc: doc, Heading: heading, Text: text, Lang: Lang(text)})
				}
			}
		}
		paras = paras[:0]
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		trimmed := strings.TrimSpace(line)
		if level := headingLevel(trimmed); level > 0 {
			flushSection()
			title := strings.TrimSpace(strings.TrimLeft(trimmed, "#"))
			if level-1 < len(path) {
				path = path[:level-1]
			}
			for len(path) < level-1 {
				path = append(path, "")
			}
			path = append(path, title)
			path = compact(path)
			continue
		}
		if trimmed == "" {
			flushPara()
			continue
		}
		para = append(para, trimmed)
	}
	flushSection()
	return chunks
}

func compact(path []string) []string {
	out := path[:0]
	for _, p := range path {
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func headingLevel(line string) int {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n >= len(line) || line[n] != ' ' {
		return 0
	}
	return n
}

// splitLong cuts paragraphs longer than a chunk at sentence ends.
func splitLong(paras []string) []string {
	var out []string
	for _, p := range paras {
		r := []rune(p)
		for len(r) > targetChunk {
			cut := targetChunk
			for i := targetChunk; i > targetChunk/2; i-- {
				if strings.ContainsRune(".!?。！？", r[i-1]) {
					cut = i
					break
				}
			}
			out = append(out, strings.TrimSpace(string(r[:cut])))
			r = r[cut:]
		}
		if s := strings.TrimSpace(string(r)); s != "" {
			out = append(out, s)
		}
	}
	return out
}
