package kb

import (
	"strings"
)

// Chunk is one retrievable passage of a document.
type Chunk struct {
	Doc     string `json:"doc"`     // file name relative to the folder
	Heading string `json:"heading"` // heading path, "Returns › Refunds"
	Text    string `json:"text"`
}

const (
	targetChunk = 500 // characters (runes) per chunk, roughly
	overlapMax  = 150 // at most this much of a chunk's tail opens the next
)

// chunkDoc splits a Markdown or text document into passages: a new section
// at every heading, and within a section paragraphs packed to about 500
// characters, each chunk repeating the previous one's last paragraph when
// short so an answer spanning two paragraphs is still found whole.
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
		chunks = append(chunks, pack(doc, heading, paras)...)
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

func pack(doc, heading string, paras []string) []Chunk {
	var out []Chunk
	var cur []string
	size := 0
	emit := func() {
		if len(cur) > 0 {
			out = append(out, Chunk{Doc: doc, Heading: heading, Text: strings.Join(cur, "\n")})
		}
	}
	for _, p := range splitLong(paras) {
		n := len([]rune(p))
		if size > 0 && size+n > targetChunk {
			emit()
			last := cur[len(cur)-1]
			cur, size = nil, 0
			if len([]rune(last)) <= overlapMax {
				cur, size = []string{last}, len([]rune(last))
			}
		}
		cur = append(cur, p)
		size += n
	}
	emit()
	return out
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
