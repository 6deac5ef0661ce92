// Package engines builds the speech and dialog engines hotline.yaml names and shares them
// between every call: one speech synthesizer (espeak-ng or an OpenAI-compatible server, behind
// the prompt cache), one recognizer (PocketSphinx or an OpenAI-compatible server), and per
// knowledge-base folder an index, kept current while the server runs, with its dialog engine
// (knowledge-base retrieval or an OpenAI-compatible model). It gives voice bots their engines
// (ivr.BotEngines) and menus with keywords their recognizer (ivr.MenuSpeech).
//
// It does not run conversations (package bot does) or calls (package ivr does).
package engines

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/asr"
	"github.com/hotline-cc/hotline/bot"
	"github.com/hotline-cc/hotline/config"
	"github.com/hotline-cc/hotline/dialog"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/tts"
)

// Set is the server's engines.
type Set struct {
	ctx      context.Context // lives as long as the server: knowledge-base watchers
	log      *slog.Logger
	cfg      config.Engines
	indexDir string // where knowledge-base indexes are kept

	tts    tts.Synthesizer
	asr    asr.Recognizer
	asrErr error // why there is no recognizer

	metrics *bot.Metrics // per-turn latencies, on /metrics

	mu     sync.Mutex // guards kbs and redact
	kbs    map[string]*knowledge
	redact func(string) string // callers' words before they reach a model (redact.go)
}

type knowledge struct {
	index  *kb.Index
	dialog dialog.Engine
}

// New builds the engines cfg names. A recognizer that cannot be built (PocketSphinx not
// installed) is not an error: bots and menus that need one take their error edge, and Describe
// says why. ctx bounds the knowledge-base watchers.
func New(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Set, error) {
	synth, err := newSynthesizer(cfg.TTS)
	if err != nil {
		return nil, err
	}
	s := &Set{ctx: ctx, log: log, cfg: cfg.Engines, indexDir: filepath.Dir(cfg.Path(cfg.Store)),
		tts: tts.NewCache(synth, cfg.Path(cfg.TTS.CacheDir), 1024), metrics: bot.NewMetrics(), kbs: map[string]*knowledge{}}
	s.asr, s.asrErr = asr.New(cfg.Engines.ASR)
	return s, nil
}

func newSynthesizer(c config.TTS) (tts.Synthesizer, error) {
	if c.Engine == "openai" {
		return tts.NewOpenAI(c.OpenAI)
	}
	return tts.NewEspeak(tts.EspeakOptions{Speed: c.Speed, Rate: 16000})
}

// TTS is the speech synthesizer prompts and bots speak with.
func (s *Set) TTS() tts.Synthesizer { return s.tts }

// Metrics are the bots' per-turn latencies.
func (s *Set) Metrics() *bot.Metrics { return s.metrics }

// Description says which engines run, for the startup log.
type Description struct {
	TTS, ASR, Dialog string
	// ASRLimits is what the embedded recognizer can hear ("" for a server).
	ASRLimits string
	// KeyProblems are endpoints whose API key cannot be found.
	KeyProblems []string
}

// Describe says which engines run.
func (s *Set) Describe() Description {
	d := Description{TTS: s.tts.Name(), ASR: "none"}
	switch {
	case s.asr != nil:
		d.ASR = s.asr.Name()
		if _, ok := s.asr.(*asr.PocketSphinx); ok {
			d.ASRLimits = asr.Limits
		}
	case s.asrErr != nil:
		d.ASR = "unavailable: " + s.asrErr.Error()
	}
	if strings.EqualFold(s.cfg.LLM.Backend, "openai") {
		d.Dialog = "openai-compatible(" + s.cfg.LLM.String() + ")"
	} else {
		d.Dialog = "embedded knowledge-base retrieval (BM25)"
	}
	for name, ep := range map[string]interface{ KeyProblem() string }{
		"engines.asr": s.cfg.ASR.Endpoint, "engines.llm": s.cfg.LLM.Endpoint, "engines.embeddings": s.cfg.Embeddings.Endpoint,
	} {
		if p := ep.KeyProblem(); p != "" && s.uses(name) {
			d.KeyProblems = append(d.KeyProblems, name+": "+p)
		}
	}
	return d
}

// uses reports whether the named engine talks to its server.
func (s *Set) uses(name string) bool {
	switch name {
	case "engines.asr":
		return strings.EqualFold(s.cfg.ASR.Backend, "openai")
	case "engines.llm":
		return strings.EqualFold(s.cfg.LLM.Backend, "openai")
	case "engines.embeddings":
		return s.cfg.Embeddings.BaseURL != ""
	}
	return false
}

// ForProfile implements ivr.BotEngines: the engines a bot profile runs with.
func (s *Set) ForProfile(p *dialplan.BotProfile) (bot.Config, error) {
	cfg := bot.Config{ASR: s.asr, TTS: s.tts, Logger: s.log, OnTurn: s.metrics.Observe}
	if s.asr == nil {
		return cfg, fmt.Errorf("speech recognition unavailable: %w", s.asrErr)
	}
	if _, ok := s.asr.(*asr.PocketSphinx); ok {
		cfg.ASRRate = 16000 // the embedded recognizer's model is 16 kHz only
	}
	k, err := s.knowledge(p.KnowledgeBase)
	if err != nil {
		return cfg, err
	}
	cfg.KB, cfg.Dialog = k.index, k.dialog
	return cfg, nil
}

// ForMenu implements ivr.MenuSpeech: the recognizer for a menu with keywords, where it can hear
// the call (the embedded PocketSphinx hears only 16 kHz English calls).
func (s *Set) ForMenu(phrases []string, lang string, rate int) (asr.Recognizer, error) {
	if s.asr == nil {
		return nil, fmt.Errorf("speech recognition unavailable: %w", s.asrErr)
	}
	if err := asr.CanHear(s.asr, rate, lang, phrases); err != nil {
		return nil, err
	}
	return s.asr, nil
}

// Prepare indexes the knowledge bases of plan's bot profiles now, rather than when the first
// caller asks; a folder that cannot be indexed is logged, and its bots fail when they run.
func (s *Set) Prepare(plan *dialplan.Plan) {
	if plan == nil {
		return
	}
	for _, p := range plan.Bots {
		if _, err := s.knowledge(p.KnowledgeBase); err != nil {
			s.log.Warn("bot profile's knowledge base", "profile", p.Name, "error", err)
		}
	}
}

// knowledgeTimeout bounds the first indexing of a folder (embeddings may be slow).
const knowledgeTimeout = 2 * time.Minute

// knowledge opens (once) the index of a knowledge-base folder, watches it for changes while the
// server runs, and builds its dialog engine. An empty dir has no index (the dialog model answers
// without passages).
func (s *Set) knowledge(dir string) (*knowledge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.kbs[dir]; ok {
		return k, nil
	}
	var idx *kb.Index
	if dir != "" {
		sum := sha256.Sum256([]byte(dir))
		opts := kb.Options{Dir: dir, Logger: s.log, IndexFile: filepath.Join(s.indexDir, "kb-"+hex.EncodeToString(sum[:6])+".json")}
		if s.cfg.Embeddings.BaseURL != "" {
			emb, err := kb.NewOpenAIEmbedder(s.cfg.Embeddings.Endpoint)
			if err != nil {
				return nil, err
			}
			opts.Embedder = emb
		}
		ctx, cancel := context.WithTimeout(s.ctx, knowledgeTimeout)
		defer cancel()
		var err error
		if idx, err = kb.Open(ctx, opts); err != nil {
			return nil, fmt.Errorf("knowledge base %s: %w", dir, err)
		}
		if err := idx.Watch(s.ctx, 500*time.Millisecond); err != nil {
			s.log.Warn("knowledge base is not watched for changes", "dir", dir, "error", err)
		}
		s.log.Info("knowledge base ready", "dir", dir, "chunks", idx.Len())
	}
	eng, err := dialog.New(s.cfg.LLM, idx)
	if err != nil {
		return nil, err
	}
	if _, remote := s.LLM(); remote && s.redact != nil {
		eng = redactingDialog{next: eng, redact: s.redact}
	}
	k := &knowledge{index: idx, dialog: eng}
	s.kbs[dir] = k
	return k, nil
}

// KnowledgeBase is the index of a knowledge-base folder, the same one (opened and watched once)
// the bots that name it answer from; nil for an empty dir.
func (s *Set) KnowledgeBase(dir string) (*kb.Index, error) {
	k, err := s.knowledge(dir)
	if err != nil {
		return nil, err
	}
	return k.index, nil
}
