package bot

import (
	"context"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
)

// Engine requests that run beside the loop. Each gets its inputs by value,
// reads only the session's fixed setup, and returns one result that the
// loop applies to the conversation. One attempt each: retries, and the
// filler before them, are the loop's decision.

// heard is a recognition's result.
type heard struct {
	text string
	err  error
	at   time.Time // when the recognizer answered
}

// transcribe asks the recognizer once, within EngineTimeout.
func (s *session) transcribe(ctx context.Context, u asr.Utterance) heard {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.EngineTimeout)
	defer cancel()
	res, err := s.cfg.ASR.Recognize(ctx, u)
	h := heard{err: err, at: s.now()}
	if err == nil {
		h.text = strings.TrimSpace(res.Text)
	}
	return h
}

// question is what the dialog engine is asked about one caller turn.
type question struct {
	text     string // what the caller said: the retrieval query
	req      dialog.Request
	searched bool // retrieval has run; asking again reuses its passages
	lowConf  bool // the knowledge base had nothing relevant to offer
}

// replied is the dialog engine's first response: a stream to play, or the
// reason there is none. q comes back with what retrieval found.
type replied struct {
	q      question
	stream dialog.Stream
	err    error
}

// consult retrieves passages for the question (the first time) and asks
// the dialog engine for a reply. The stream lives in ctx: the turn that
// plays it is started within the same context.
func (s *session) consult(ctx context.Context, q question) replied {
	if !q.searched {
		q.req.Passages, q.lowConf = s.retrieve(ctx, q.text)
		q.searched = true
	}
	st, err := s.cfg.Dialog.Respond(ctx, q.req)
	return replied{q: q, stream: st, err: err}
}

// retrieve searches the knowledge base. low reports that nothing relevant
// was found; the passages are then withheld so they do not tempt the model.
func (s *session) retrieve(ctx context.Context, text string) (passages []kb.Hit, low bool) {
	if s.cfg.KB == nil {
		return nil, false
	}
	hits := s.cfg.KB.SearchContext(ctx, text, 3)
	if len(hits) == 0 || hits[0].Confidence < kb.LowConfidence {
		return nil, true
	}
	return hits, false
}
