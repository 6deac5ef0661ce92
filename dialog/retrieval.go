package dialog

import (
	"context"
	"strings"

	"github.com/hotline-cc/hotline/kb"
)

// Retrieval is the embedded engine: it answers with the one or two
// sentences of the best knowledge-base passage that match the question, and
// hands over to a human when the caller asks for one. When retrieval
// confidence is low it says it does not know and offers a transfer; it never
// makes an answer up.
type Retrieval struct {
	index   *kb.Index
	minConf float64
}

var _ Engine = (*Retrieval)(nil)

// NewRetrieval answers from index (which may be nil if every request carries
// its passages). minConf 0 means kb.LowConfidence.
func NewRetrieval(index *kb.Index, minConf float64) *Retrieval {
	if minConf <= 0 {
		minConf = kb.LowConfidence
	}
	return &Retrieval{index: index, minConf: minConf}
}

// Canned replies, by language.
var (
	dontKnow = map[bool]string{
		false: "I'm sorry, I don't have information about that. I can transfer you to a colleague.",
		true:  "抱歉，我没有这方面的信息。我可以为您转接人工客服。",
	}
	transferring = map[bool]string{
		false: "Of course, I'll connect you to a colleague.",
		true:  "好的，我为您转接人工客服。",
	}
)

// Respond answers the caller's last utterance.
func (r *Retrieval) Respond(ctx context.Context, req Request) (Stream, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q := req.LastCaller()
	zh := IsChinese(q) || (q == "" && strings.HasPrefix(strings.ToLower(req.Lang), "zh"))
	if WantsHuman(q) {
		return NewStaticStream(
			Event{Text: transferring[zh]},
			Event{ToolCall: &ToolCall{Name: ToolTransfer, Args: map[string]string{"reason": "caller asked for an agent"}}},
		), nil
	}
	hits := req.Passages
	if len(hits) == 0 && r.index != nil {
		hits = r.index.SearchContext(ctx, q, 3)
	}
	if answer := r.answer(hits, q); answer != "" {
		return NewStaticStream(Event{Text: answer}), nil
	}
	return NewStaticStream(Event{Text: dontKnow[zh]}), nil
}

// answer returns the sentences of the best passage that can answer
// question: confident enough, with sentences in the question's language (an
// English question never gets a Chinese sentence of a bilingual document,
// nor the reverse), and stating the kind of fact asked for — a "how much"
// question is not answered by a passage without a price, whatever else it
// shares with the question. "" when no passage qualifies.
func (r *Retrieval) answer(hits []kb.Hit, question string) string {
	kind := kb.QuestionKind(question)
	for _, h := range hits {
		if h.Confidence < r.minConf {
			continue
		}
		text := sameLang(h.Text, question)
		if text == "" || !kind.In(text) {
			continue
		}
		if a := Extract(text, question, 2); a != "" {
			return a
		}
	}
	return ""
}

// sameLang keeps the sentences of passage in question's language.
func sameLang(passage, question string) string {
	lang := kb.Lang(question)
	var keep []string
	for _, s := range SplitSentences(passage) {
		if l := kb.Lang(s); lang == "" || l == "" || l == lang {
			keep = append(keep, s)
		}
	}
	if kb.Lang(strings.Join(keep, "")) == kb.LangZh {
		return strings.Join(keep, "")
	}
	return strings.Join(keep, " ")
}

// Extract returns up to n consecutive sentences of passage, starting at
// the one that shares the most terms with question. Only sentences in the
// question's language count, and a sentence stating the kind of fact asked
// for (a price, a duration, a time) counts double. "" when no sentence of
// the passage is in the question's language.
func Extract(passage, question string, n int) string {
	lang, kind := kb.Lang(question), kb.QuestionKind(question)
	var sents []string
	for _, s := range SplitSentences(passage) {
		if l := kb.Lang(s); lang == "" || l == "" || l == lang {
			sents = append(sents, s)
		}
	}
	if len(sents) == 0 {
		if lang == "" || kb.Lang(passage) == lang {
			return strings.TrimSpace(passage)
		}
		return ""
	}
	qt := map[string]bool{}
	for _, t := range kb.Tokenize(question) {
		qt[t] = true
	}
	score := make([]int, len(sents))
	for i, s := range sents {
		for _, t := range kb.Tokenize(s) {
			if qt[t] {
				score[i]++
			}
		}
		if kind != kb.KindAny && kind.In(s) {
			score[i] = 2*score[i] + 2
		}
	}
	// The best window of n consecutive sentences; ties go to the earlier one.
	best, bestScore := 0, -1
	for i := range sents {
		sum := 0
		for j := i; j < min(i+n, len(sents)); j++ {
			sum += score[j]
		}
		if sum > bestScore {
			best, bestScore = i, sum
		}
	}
	end := min(best+n, len(sents))
	// A second sentence only if the answer stays short enough to speak.
	if end-best > 1 && len([]rune(strings.Join(sents[best:end], " "))) > 240 {
		end = best + 1
	}
	out := strings.Join(sents[best:end], " ")
	if IsChinese(out) {
		out = strings.Join(sents[best:end], "")
	}
	return out
}
