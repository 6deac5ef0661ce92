package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/tts"
)

// botEngines builds what bot profiles run with: one recognizer, one speech
// synthesizer, and per knowledge-base folder an index (watched, re-indexed
// on change) with its dialog engine. Implements ivr.BotEngines.
type botEngines struct {
	s      *server
	ctx    context.Context
	asr    asr.Recognizer
	asrErr error
	tts    tts.Synthesizer

	metrics *bot.Metrics // per-turn latencies, on /metrics

	mu  sync.Mutex
	kbs map[string]*kbEngine
}

type kbEngine struct {
	index  *kb.Index
	dialog dialog.Engine
}

func newBotEngines(ctx context.Context, s *server, synth tts.Synthesizer) *botEngines {
	b := &botEngines{s: s, ctx: ctx, tts: synth, kbs: map[string]*kbEngine{}, metrics: bot.NewMetrics()}
	b.asr, b.asrErr = asr.New(s.cfg.Engines.ASR)
	return b
}

// describe says which engines bots use, for the startup log.
func (b *botEngines) describe() (asrName, dialogName string) {
	asrName = "none"
	if b.asr != nil {
		asrName = b.asr.Name()
	} else if b.asrErr != nil {
		asrName = "unavailable: " + b.asrErr.Error()
	}
	switch strings.ToLower(b.s.cfg.Engines.LLM.Backend) {
	case "openai":
		dialogName = fmt.Sprintf("openai-compatible(%s, %s)", b.s.cfg.Engines.LLM.BaseURL, b.s.cfg.Engines.LLM.Model)
	default:
		dialogName = "embedded knowledge-base retrieval (BM25)"
	}
	return asrName, dialogName
}

func (b *botEngines) ForProfile(p *dialplan.BotProfile) (bot.Config, error) {
	cfg := bot.Config{ASR: b.asr, TTS: b.tts, Logger: b.s.log, OnTurn: b.metrics.Observe}
	if b.asr == nil {
		return cfg, fmt.Errorf("speech recognition unavailable: %v", b.asrErr)
	}
	if _, ok := b.asr.(*asr.PocketSphinx); ok {
		// The embedded recognizer's model is 16 kHz only.
		cfg.ASRRate = 16000
	}
	e, err := b.knowledge(p.KnowledgeBase)
	if err != nil {
		return cfg, err
	}
	cfg.KB, cfg.Dialog = e.index, e.dialog
	return cfg, nil
}

// knowledge opens (once) the index of a knowledge-base folder and keeps it
// current while the server runs.
func (b *botEngines) knowledge(dir string) (*kbEngine, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if e, ok := b.kbs[dir]; ok {
		return e, nil
	}
	var idx *kb.Index
	if dir != "" {
		sum := sha256.Sum256([]byte(dir))
		opts := kb.Options{Dir: dir, Logger: b.s.log,
			IndexFile: filepath.Join(filepath.Dir(b.s.cfg.Path(b.s.cfg.Store)), "kb-"+hex.EncodeToString(sum[:6])+".json")}
		if em := b.s.cfg.Engines.Embeddings; em.BaseURL != "" {
			emb, err := kb.NewOpenAIEmbedder(em.Endpoint)
			if err != nil {
				return nil, err
			}
			opts.Embedder = emb
		}
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Minute)
		defer cancel()
		var err error
		idx, err = kb.Open(ctx, opts)
		if err != nil {
			return nil, fmt.Errorf("knowledge base %s: %w", dir, err)
		}
		go func() {
			if err := idx.Watch(b.ctx, 500*time.Millisecond); err != nil {
				b.s.log.Warn("knowledge base is not watched for changes", "dir", dir, "error", err)
			}
		}()
		b.s.log.Info("knowledge base ready", "dir", dir, "chunks", idx.Len())
	}
	eng, err := dialog.New(b.s.cfg.Engines.LLM, idx)
	if err != nil {
		return nil, err
	}
	e := &kbEngine{index: idx, dialog: eng}
	b.kbs[dir] = e
	return e, nil
}
