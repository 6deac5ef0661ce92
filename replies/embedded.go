package replies

import (
	"strings"
	"unicode/utf8"

	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
)

// Without a model, a candidate is a template of the tone around knowledge-base sentences: the
// opening greets the customer and names the topic, the body is one or two sentences of a
// retrieved passage as written (so it states only the knowledge base's policy), the closing
// offers more help. Variants take different sentences.

type frame struct{ open, close string }

var frames = map[string]map[string]frame{
	record.LangEnglish: {
		"formal": {"Dear ${customer.name}, thank you for contacting us about %s.", "Is there anything else I can help you with?"},
		"warm":   {"Hi ${customer.name}, I'm sorry for the trouble with %s, and I'm happy to help.", "Thank you so much for your patience!"},
		"brief":  {"${customer.name}, about %s:", ""},
	},
	record.LangChinese: {
		"formal": {"尊敬的${customer.name}，感谢您就%s联系我们。", "请问还有其他可以帮您的吗？"},
		"warm":   {"${customer.name}您好，给您添麻烦了，%s的问题我来帮您处理。", "非常感谢您的耐心！"},
		"brief":  {"${customer.name}您好，关于%s：", ""},
	},
}

var toneName = map[string]map[string]string{
	record.LangEnglish: {"formal": "formal", "warm": "warm", "brief": "brief"},
	record.LangChinese: {"formal": "正式", "warm": "亲切", "brief": "简洁"},
}

// sentence is one sentence of a retrieved passage.
type sentence struct {
	text string
	hit  int
}

// assemble builds up to req.Count candidates for intent from the passages hits.
func assemble(intent string, req Request, hits []kb.Hit) []candidate {
	var sents []sentence
	for i, h := range hits {
		for _, s := range splitSentences(h.Text) {
			sents = append(sents, sentence{s, i})
		}
	}
	if len(sents) == 0 {
		return nil
	}
	f := frames[req.Lang][req.Tone]
	topic := intentTopic(intent, req.Lang)
	body := 2 // sentences per candidate
	if req.Tone == "brief" {
		body = 1
	}
	var out []candidate
	seen := map[string]bool{}
	for v := 0; len(out) < req.Count && v < len(sents); v++ {
		var parts []string
		var used []int
		for j := v; j < len(sents) && len(parts) < body; j++ {
			if len(parts) > 0 && sents[j].hit != sents[v].hit {
				break // one passage per candidate keeps the body coherent
			}
			parts = append(parts, sents[j].text)
			if len(used) == 0 {
				used = append(used, sents[j].hit)
			}
		}
		sep := " "
		if req.Lang == record.LangChinese {
			sep = ""
		}
		bodyText := strings.Join(parts, sep)
		if seen[bodyText] {
			continue
		}
		seen[bodyText] = true
		text := strings.Replace(f.open, "%s", topic, 1) + sep + bodyText
		if f.close != "" {
			text += sep + f.close
		}
		title := topic
		if h := hits[used[0]].Heading; h != "" {
			title = h
		}
		out = append(out, candidate{title: title + " (" + toneName[req.Lang][req.Tone] + ")", text: text, used: used})
	}
	return out
}

// splitSentences cuts text at English and Chinese sentence ends, keeping the punctuation.
func splitSentences(text string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if s := strings.TrimSpace(b.String()); utf8.RuneCountInString(s) >= 4 {
			out = append(out, s)
		}
		b.Reset()
	}
	rs := []rune(strings.Join(strings.Fields(text), " "))
	for i, r := range rs {
		b.WriteRune(r)
		switch r {
		case '。', '！', '？', '；':
			flush()
		case '.', '!', '?':
			// "6.95" and "e.g." are not sentence ends: a sentence end is followed by a space.
			if i+1 == len(rs) || rs[i+1] == ' ' {
				flush()
			}
		}
	}
	flush()
	return out
}
