package replay

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/kb"
)

// Engines opens each knowledge-base folder once (in memory: a replay leaves the server's index
// files alone) and builds its dialog engine: the configured one, embedded retrieval or an
// OpenAI-compatible model. It is safe for concurrent use.
type Engines struct {
	llm dialog.Config
	log *slog.Logger
	// Embedder, when set, re-ranks retrieval by meaning, as engines.embeddings does on the server.
	Embedder kb.Embedder
	// Dialog builds the dialog engine for an index; default dialog.New with the LLM config.
	Dialog func(ix *kb.Index) (dialog.Engine, error)

	mu  sync.Mutex
	kbs map[string]opened
}

type opened struct {
	ix  *kb.Index
	eng dialog.Engine
}

// NewEngines builds dialog engines from llm (hotline.yaml's engines.llm).
func NewEngines(llm dialog.Config, log *slog.Logger) *Engines {
	if log == nil {
		log = slog.Default()
	}
	return &Engines{llm: llm, log: log, kbs: map[string]opened{}}
}

// For is the index of dir ("" for none) and a dialog engine over it.
func (e *Engines) For(ctx context.Context, dir string) (*kb.Index, dialog.Engine, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if o, ok := e.kbs[dir]; ok {
		return o.ix, o.eng, nil
	}
	var ix *kb.Index
	if dir != "" {
		var err error
		ix, err = kb.Open(ctx, kb.Options{Dir: dir, Embedder: e.Embedder, Logger: e.log})
		if err != nil {
			return nil, nil, fmt.Errorf("replay: knowledge base %s: %w", dir, err)
		}
	}
	build := e.Dialog
	if build == nil {
		build = func(ix *kb.Index) (dialog.Engine, error) { return dialog.New(e.llm, ix) }
	}
	eng, err := build(ix)
	if err != nil {
		return nil, nil, fmt.Errorf("replay: dialog engine: %w", err)
	}
	e.kbs[dir] = opened{ix: ix, eng: eng}
	return ix, eng, nil
}

// FromConfig builds the engines hotline.yaml's engines section names: its dialog engine, and
// hybrid retrieval when it names an embeddings server.
func FromConfig(cfg config.Engines, log *slog.Logger) (*Engines, error) {
	e := NewEngines(cfg.LLM, log)
	if cfg.Embeddings.BaseURL != "" {
		emb, err := kb.NewOpenAIEmbedder(cfg.Embeddings.Endpoint)
		if err != nil {
			return nil, fmt.Errorf("engines.embeddings: %w", err)
		}
		e.Embedder = emb
	}
	return e, nil
}
