package engines

import (
	"context"
	"slices"
	"strings"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/openaicompat"
)

// Redact sets how callers' words are cleaned of personal data (phone, ID and card numbers,
// e-mail addresses) before they reach a language model: the bots' dialog model with backend
// openai gets the redacted history. The embedded dialog engine runs here and gets the words as
// said. Call it before Prepare; nil sends words as they are.
func (s *Set) Redact(fn func(string) string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.redact = fn
}

// Recognizer is the configured speech recognizer for whole-call transcripts, or nil (with the
// reason in Describe) when there is none.
func (s *Set) Recognizer() asr.Recognizer { return s.asr }

// LLM is the dialog model's endpoint when engines.llm uses a server (backend openai); ok is false
// with the embedded engine.
func (s *Set) LLM() (ep openaicompat.Endpoint, ok bool) {
	return s.cfg.LLM.Endpoint, strings.EqualFold(s.cfg.LLM.Backend, "openai")
}

// redactingDialog redacts the callers' messages of each request before the model sees them.
type redactingDialog struct {
	next   dialog.Engine
	redact func(string) string
}

func (r redactingDialog) Respond(ctx context.Context, req dialog.Request) (dialog.Stream, error) {
	req.History = slices.Clone(req.History)
	for i, m := range req.History {
		if m.Role == dialog.RoleCaller {
			req.History[i].Text = r.redact(m.Text)
		}
	}
	return r.next.Respond(ctx, req)
}
