package replies

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/kb"
	"github.com/hotline-cc/hotline/openaicompat"
	"github.com/hotline-cc/hotline/record"
)

// Store persists scripts (package store implements it).
type Store interface {
	PutScript(*record.Script) error
	GetScript(id string) (*record.Script, error)
	Scripts() ([]*record.Script, error)
}

// Retriever finds the knowledge-base passages for a query (*kb.Index implements it).
type Retriever interface {
	Search(query string, k int) []kb.Hit
}

// Config is what a Service works with.
type Config struct {
	Store Store
	// KB grounds generated candidates; nil: generation has nothing to ground them in and fails.
	KB Retriever
	// LLM is the model that writes candidates; nil: they are assembled from KB sentences.
	LLM *openaicompat.Endpoint
	Log *slog.Logger
	Now func() time.Time // default time.Now
}

// Service is the reply-script library. It is safe for concurrent use.
type Service struct {
	store Store
	kb    Retriever
	llm   *llmWriter // nil: embedded
	log   *slog.Logger
	now   func() time.Time

	mu sync.Mutex // serialises read-modify-write of scripts (edits, reviews, uses)
}

// New returns the library over cfg.Store.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, fmt.Errorf("replies: %w: no store", ErrInvalid)
	}
	s := &Service{store: cfg.Store, kb: cfg.KB, log: cfg.Log, now: cfg.Now}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if cfg.LLM != nil {
		w, err := newLLMWriter(*cfg.LLM)
		if err != nil {
			return nil, err
		}
		s.llm = w
	}
	return s, nil
}

// Engine names what writes generated candidates: "llm" or "embedded".
func (s *Service) Engine() string {
	if s.llm != nil {
		return EngineLLM
	}
	return EngineEmbedded
}

// Tones a script can be written in.
var Tones = []string{"formal", "warm", "brief"}

// Draft is a new script as its author writes it.
type Draft struct {
	Intent   string   `json:"intent"`
	Scene    string   `json:"scene,omitempty"`
	Lang     string   `json:"lang"`
	Title    string   `json:"title"`
	Text     string   `json:"text"`
	Tone     string   `json:"tone,omitempty"`
	Passages []string `json:"passages,omitempty"`
}

// Edit changes a script's wording or labels; nil fields stay as they are.
type Edit struct {
	Title  *string `json:"title,omitempty"`
	Text   *string `json:"text,omitempty"`
	Intent *string `json:"intent,omitempty"`
	Scene  *string `json:"scene,omitempty"`
	Lang   *string `json:"lang,omitempty"`
	Tone   *string `json:"tone,omitempty"`
}

// Filter selects scripts; empty fields match all.
type Filter struct {
	Intent string
	Status string
	Lang   string
}

// NormalizeIntent is the label form of an intent: trimmed, lower case, spaces and dashes as
// underscores ("Refund request" → "refund_request"), as the analysis labels calls.
func NormalizeIntent(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '_' || r == '\t' }), "_")
}

// NormalizeLang maps "en", "en-us", "zh", "zh-cn", "zh-hans" to the script languages; "" for
// anything else.
func NormalizeLang(s string) string {
	switch l := strings.ToLower(strings.TrimSpace(s)); {
	case l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_"):
		return record.LangEnglish
	case l == "zh" || strings.HasPrefix(l, "zh-") || strings.HasPrefix(l, "zh_"):
		return record.LangChinese
	}
	return ""
}

func (d *Draft) check() error {
	d.Intent, d.Lang = NormalizeIntent(d.Intent), NormalizeLang(d.Lang)
	d.Title, d.Text, d.Scene, d.Tone = strings.TrimSpace(d.Title), strings.TrimSpace(d.Text), strings.TrimSpace(d.Scene), strings.ToLower(strings.TrimSpace(d.Tone))
	switch {
	case d.Intent == "":
		return fmt.Errorf("%w: a script needs an intent", ErrInvalid)
	case d.Lang == "":
		return fmt.Errorf("%w: lang must be %s or %s", ErrInvalid, record.LangEnglish, record.LangChinese)
	case d.Text == "":
		return fmt.Errorf("%w: a script needs a text", ErrInvalid)
	case d.Tone != "" && !slices.Contains(Tones, d.Tone):
		return fmt.Errorf("%w: tone %q: use one of %s", ErrInvalid, d.Tone, strings.Join(Tones, ", "))
	}
	if d.Title == "" {
		d.Title = titleOf(d.Text)
	}
	return nil
}

// titleOf is a script's first words, for a draft written without a title.
func titleOf(text string) string {
	r := []rune(strings.Join(strings.Fields(text), " "))
	if len(r) > 48 {
		return string(r[:47]) + "…"
	}
	return string(r)
}

func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "rs-" + hex.EncodeToString(b[:])
}

// Create adds a draft script by author.
func (s *Service) Create(d Draft, author string) (*record.Script, error) {
	return s.create(d, author, "")
}

func (s *Service) create(d Draft, author, engine string) (*record.Script, error) {
	if err := d.check(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	sc := &record.Script{ID: newID(), Intent: d.Intent, Scene: d.Scene, Lang: d.Lang, Title: d.Title, Text: d.Text, Tone: d.Tone,
		Status: record.ScriptDraft, Author: author, Engine: engine, Version: 1, Passages: d.Passages, Created: now, Updated: now}
	sc.History = []record.ScriptVersion{{Version: 1, Title: sc.Title, Text: sc.Text, Status: sc.Status, Author: author, Note: "created", At: now}}
	if err := s.store.PutScript(sc); err != nil {
		return nil, err
	}
	return sc, nil
}

// Get returns one script.
func (s *Service) Get(id string) (*record.Script, error) { return s.store.GetScript(id) }

// Edit writes a new version of script id by author; the earlier versions stay in its history.
// The status does not change: a reviewer who edits an approved script keeps it approved.
func (s *Service) Edit(id string, e Edit, author string) (*record.Script, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, err := s.store.GetScript(id)
	if err != nil {
		return nil, err
	}
	d := Draft{Intent: sc.Intent, Scene: sc.Scene, Lang: sc.Lang, Title: sc.Title, Text: sc.Text, Tone: sc.Tone}
	for _, f := range []struct {
		dst *string
		src *string
	}{{&d.Title, e.Title}, {&d.Text, e.Text}, {&d.Intent, e.Intent}, {&d.Scene, e.Scene}, {&d.Lang, e.Lang}, {&d.Tone, e.Tone}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if e.Title == nil && e.Text != nil && sc.Title == titleOf(sc.Text) {
		d.Title = "" // the title was the text's first words: it follows the new text
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	sc.Intent, sc.Scene, sc.Lang, sc.Title, sc.Text, sc.Tone = d.Intent, d.Scene, d.Lang, d.Title, d.Text, d.Tone
	sc.Version++
	sc.Author, sc.Updated = author, now
	sc.History = append(sc.History, record.ScriptVersion{Version: sc.Version, Title: sc.Title, Text: sc.Text, Status: sc.Status, Author: author, Note: "edited", At: now})
	if err := s.store.PutScript(sc); err != nil {
		return nil, err
	}
	return sc, nil
}

// Review actions.
const (
	ActionApprove = "approve"
	ActionRetire  = "retire"
	ActionReject  = "reject" // a candidate turned down: retired, with the reason noted
)

// Review applies action to every script of ids, by reviewer, with an optional note (a
// rejection's reason). An id that does not exist fails the whole review before any script
// changes.
func (s *Service) Review(ids []string, action, note, by string) ([]*record.Script, error) {
	var status string
	switch action {
	case ActionApprove:
		status = record.ScriptApproved
	case ActionRetire, ActionReject:
		status = record.ScriptRetired
	default:
		return nil, fmt.Errorf("%w: action %q: use approve, retire or reject", ErrInvalid, action)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%w: no scripts named", ErrInvalid)
	}
	label := action + "d"
	if action == ActionReject {
		label = "rejected"
	}
	if n := strings.TrimSpace(note); n != "" {
		label += ": " + n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*record.Script, 0, len(ids))
	for _, id := range ids {
		sc, err := s.store.GetScript(id)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(out, func(o *record.Script) bool { return o.ID == sc.ID }) {
			out = append(out, sc)
		}
	}
	now := s.now().UTC()
	for _, sc := range out {
		sc.Status, sc.Updated = status, now
		sc.History = append(sc.History, record.ScriptVersion{Version: sc.Version, Title: sc.Title, Text: sc.Text, Status: status, Author: by, Note: label, At: now})
		if err := s.store.PutScript(sc); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// List returns the scripts f selects: by intent, then language, then most used first.
func (s *Service) List(f Filter) ([]*record.Script, error) {
	all, err := s.store.Scripts()
	if err != nil {
		return nil, err
	}
	intent, lang := NormalizeIntent(f.Intent), NormalizeLang(f.Lang)
	if f.Lang != "" && lang == "" {
		return nil, fmt.Errorf("%w: lang %q: use %s or %s", ErrInvalid, f.Lang, record.LangEnglish, record.LangChinese)
	}
	if f.Status != "" && !slices.Contains([]string{record.ScriptDraft, record.ScriptApproved, record.ScriptRetired}, f.Status) {
		return nil, fmt.Errorf("%w: status %q: use draft, approved or retired", ErrInvalid, f.Status)
	}
	out := all[:0]
	for _, sc := range all {
		if (intent == "" || sc.Intent == intent) && (f.Status == "" || sc.Status == f.Status) && (lang == "" || sc.Lang == lang) {
			out = append(out, sc)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Intent != b.Intent {
			return a.Intent < b.Intent
		}
		if a.Lang != b.Lang {
			return a.Lang < b.Lang
		}
		return a.Uses > b.Uses
	})
	return out, nil
}

// Use counts one use of script id (an agent inserted or read it out).
func (s *Service) Use(id string) (*record.Script, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sc, err := s.store.GetScript(id)
	if err != nil {
		return nil, err
	}
	sc.Uses++
	if err := s.store.PutScript(sc); err != nil {
		return nil, err
	}
	return sc, nil
}

// Quick returns the approved scripts for intent, those in lang first (then the other language),
// each group most used first; at most limit (0: all). An unknown intent has none.
func (s *Service) Quick(intent, lang string, limit int) ([]*record.Script, error) {
	intent, lang = NormalizeIntent(intent), NormalizeLang(lang)
	if intent == "" {
		return nil, nil
	}
	list, err := s.List(Filter{Intent: intent, Status: record.ScriptApproved})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(list, func(i, j int) bool {
		li, lj := list[i].Lang == lang, list[j].Lang == lang
		if li != lj {
			return li
		}
		return list[i].Uses > list[j].Uses
	})
	if limit > 0 && len(list) > limit {
		list = list[:limit]
	}
	return list, nil
}

// IsNotFound reports whether err says a script does not exist.
func IsNotFound(err error) bool { return errors.Is(err, record.ErrNotFound) }
