package replay

import (
	"context"
	"strings"

	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
)

// DefaultThreshold is the share of a sentence's terms one passage must contain to support it.
// The embedded engine quotes passages (share 1); a model that paraphrases keeps most terms.
const DefaultThreshold = 0.5

// Sentence is one answer sentence and whether a retrieved passage supports it.
type Sentence struct {
	Text      string  `json:"text"`
	Supported bool    `json:"supported"`
	Score     float64 `json:"score"`             // the best passage's share of the sentence's terms
	Passage   string  `json:"passage,omitempty"` // that passage, "doc#heading"
}

// Judge decides whether passages support a sentence.
type Judge interface {
	Judge(ctx context.Context, sentence string, passages []kb.Hit) (Sentence, error)
}

// Overlap is the embedded judge: a sentence is supported when one passage contains at least
// Threshold of its terms (kb.Tokenize: stemmed words without stopwords, Chinese bigrams). A
// sentence with no terms claims nothing and is supported.
type Overlap struct{ Threshold float64 }

var _ Judge = Overlap{}

// Judge implements Judge.
func (o Overlap) Judge(_ context.Context, sentence string, passages []kb.Hit) (Sentence, error) {
	out := Sentence{Text: sentence}
	terms := map[string]bool{}
	for _, t := range kb.Tokenize(sentence) {
		terms[t] = true
	}
	if len(terms) == 0 {
		out.Supported, out.Score = true, 1
		return out, nil
	}
	for _, p := range passages {
		has := map[string]bool{}
		for _, t := range kb.Tokenize(p.Heading + "\n" + p.Text) {
			has[t] = true
		}
		n := 0
		for t := range terms {
			if has[t] {
				n++
			}
		}
		if sc := float64(n) / float64(len(terms)); sc > out.Score {
			out.Score, out.Passage = sc, p.Doc+"#"+p.Heading
		}
	}
	out.Supported = out.Score >= o.Threshold
	return out, nil
}

// recorder passes requests to the dialog engine and keeps, per request, the passages it was
// given and the text it answered: what the judge needs.
type recorder struct {
	next  dialog.Engine
	asked []*asked
}

type asked struct {
	passages []kb.Hit
	text     string
}

func (r *recorder) Respond(ctx context.Context, req dialog.Request) (dialog.Stream, error) {
	st, err := r.next.Respond(ctx, req)
	if err != nil {
		return nil, err
	}
	a := &asked{passages: req.Passages}
	r.asked = append(r.asked, a)
	return &recordedStream{Stream: st, a: a}, nil
}

type recordedStream struct {
	dialog.Stream
	a *asked
	b strings.Builder
}

func (s *recordedStream) Recv() (dialog.Event, error) {
	ev, err := s.Stream.Recv()
	if err == nil {
		s.b.WriteString(ev.Text)
		s.a.text = strings.TrimSpace(s.b.String())
	}
	return ev, err
}
