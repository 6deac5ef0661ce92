package replies

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/record"
)

// Engines that write candidates.
const (
	EngineLLM      = "llm"
	EngineEmbedded = "embedded" // knowledge-base sentences in templates: no model
)

// Bounds of one generation.
const (
	MaxIntents   = 20
	MaxCount     = 10 // candidates per intent
	passagesPer  = 4  // knowledge-base passages retrieved per intent
	maxPassage   = 600
	minRetrieval = 0.2 // below this confidence a passage does not speak to the intent
)

// Request asks for candidates: Count drafts for each of Intents, in Tone and Lang.
type Request struct {
	Intents []string `json:"intents"`
	Tone    string   `json:"tone"`
	Count   int      `json:"count"`
	Lang    string   `json:"lang"`
	Author  string   `json:"-"` // who asked (the reviewer's id)
}

// Result is what a generation made. Engine says whether a model wrote the candidates or they
// were assembled from knowledge-base sentences ("embedded"), so the page can say so.
type Result struct {
	Engine  string           `json:"engine"`
	Scripts []*record.Script `json:"scripts"`
	// Skipped are the intents with no candidate, each with why ("no knowledge-base passage").
	Skipped []Skip `json:"skipped,omitempty"`
}

// Skip is an intent a generation made nothing for.
type Skip struct {
	Intent string `json:"intent"`
	Reason string `json:"reason"`
}

// candidate is one generated wording with the passages (indexes into the retrieved ones) it used.
type candidate struct {
	title, text string
	used        []int
}

func (r *Request) check() error {
	r.Tone, r.Lang = strings.ToLower(strings.TrimSpace(r.Tone)), NormalizeLang(r.Lang)
	if r.Tone == "" {
		r.Tone = "formal"
	}
	if r.Lang == "" {
		return fmt.Errorf("%w: lang must be %s or %s", ErrInvalid, record.LangEnglish, record.LangChinese)
	}
	if !slices.Contains(Tones, r.Tone) {
		return fmt.Errorf("%w: tone %q: use one of %s", ErrInvalid, r.Tone, strings.Join(Tones, ", "))
	}
	if r.Count <= 0 {
		r.Count = 3
	}
	if r.Count > MaxCount {
		return fmt.Errorf("%w: count %d: at most %d candidates per intent", ErrInvalid, r.Count, MaxCount)
	}
	var intents []string
	for _, in := range r.Intents {
		if n := NormalizeIntent(in); n != "" && !slices.Contains(intents, n) {
			intents = append(intents, n)
		}
	}
	if len(intents) == 0 || len(intents) > MaxIntents {
		return fmt.Errorf("%w: name from 1 to %d intents", ErrInvalid, MaxIntents)
	}
	r.Intents = intents
	return nil
}

// Generate writes candidate drafts for each intent of req, grounded in the knowledge-base
// passages retrieved for it: each candidate carries the passages it used. An intent the
// knowledge base says nothing about gets no candidate (Result.Skipped), so no script states a
// policy the knowledge base does not.
func (s *Service) Generate(ctx context.Context, req Request) (*Result, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	if s.kb == nil {
		return nil, fmt.Errorf("%w: there is no knowledge base to ground scripts in (give a bot profile a knowledge_base)", ErrInvalid)
	}
	res := &Result{Engine: s.Engine(), Scripts: []*record.Script{}}
	for _, intent := range req.Intents {
		hits := s.passages(intent, req.Lang)
		if len(hits) == 0 {
			res.Skipped = append(res.Skipped, Skip{Intent: intent, Reason: "no knowledge-base passage matches this intent"})
			continue
		}
		var cands []candidate
		var err error
		if s.llm != nil {
			cands, err = s.llm.write(ctx, intent, req, hits)
		} else {
			cands = assemble(intent, req, hits)
		}
		if err != nil {
			s.log.Warn("reply scripts: generation failed", "intent", intent, "error", err)
			res.Skipped = append(res.Skipped, Skip{Intent: intent, Reason: err.Error()})
			continue
		}
		if len(cands) == 0 {
			res.Skipped = append(res.Skipped, Skip{Intent: intent, Reason: "no candidate cited a knowledge-base passage"})
			continue
		}
		for _, c := range cands {
			d := Draft{Intent: intent, Lang: req.Lang, Title: c.title, Text: c.text, Tone: req.Tone}
			for _, i := range c.used {
				d.Passages = append(d.Passages, passageLabel(hits[i]))
			}
			sc, err := s.create(d, "generated:"+res.Engine+" for "+req.Author, res.Engine)
			if err != nil {
				return res, err
			}
			res.Scripts = append(res.Scripts, sc)
		}
	}
	return res, nil
}

// passages are the knowledge-base passages for intent in lang: the intent's words as the query,
// passages in the other language and weak matches left out.
func (s *Service) passages(intent, lang string) []kb.Hit {
	query := intentQuery(intent, lang)
	var out []kb.Hit
	for _, h := range s.kb.Search(query, passagesPer*3) {
		if h.Confidence < minRetrieval || isChinese(h.Text) != (lang == record.LangChinese) {
			continue
		}
		if r := []rune(h.Text); len(r) > maxPassage {
			h.Text = string(r[:maxPassage])
		}
		out = append(out, h)
		if len(out) == passagesPer {
			break
		}
	}
	return out
}

// passageLabel is how a script names a passage it used: "doc › heading: text".
func passageLabel(h kb.Hit) string {
	src := h.Doc
	if h.Heading != "" {
		src += " › " + h.Heading
	}
	return src + ": " + strings.TrimSpace(h.Text)
}

// isChinese reports whether text is mostly Han characters among its letters.
func isChinese(text string) bool {
	han, letters := 0, 0
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			han++
			letters++
		case unicode.IsLetter(r):
			letters++
		}
	}
	return letters > 0 && han*3 >= letters
}
