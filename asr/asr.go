package asr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/openaicompat"
)

// Recognizer transcribes one utterance. Cancelling ctx stops recognition
// (barge-in and hangup rely on it).
type Recognizer interface {
	Recognize(ctx context.Context, u Utterance) (Result, error)
	// Name identifies the backend and model in logs and metrics.
	Name() string
}

// Utterance is one stretch of caller speech.
type Utterance struct {
	Samples media.PCM16
	Rate    int    // samples per second
	Lang    string // BCP 47 tag such as "en-US" or "zh-CN"; "" lets the backend guess
	// Hints are phrases the caller is expected to say (menu options, intents).
	// Grammar-based backends restrict recognition to them; others use them as
	// a prompt.
	Hints []string
}

// Duration is how long the utterance lasts.
func (u Utterance) Duration() time.Duration {
	if u.Rate <= 0 {
		return 0
	}
	return time.Duration(len(u.Samples)) * time.Second / time.Duration(u.Rate)
}

// Result is what a recognizer heard.
type Result struct {
	Text string
	// Confidence is in [0,1]; backends that report none give 1 for a
	// non-empty text and 0 for an empty one.
	Confidence float64
	// Words are the recognised words with their times, where the backend
	// gives them (nil otherwise).
	Words []Word
	// Lang is the language the backend heard (ISO 639-1 such as "en"),
	// where it says; "" otherwise.
	Lang string
}

// Word is one recognised word; Start and End are offsets from the start
// of the utterance.
type Word struct {
	Text       string
	Start, End time.Duration
}

var (
	// ErrUnsupportedRate is returned when a backend cannot use the
	// utterance's sample rate.
	ErrUnsupportedRate = errors.New("asr: unsupported sample rate")
	// ErrEmptyUtterance is returned for an utterance without samples.
	ErrEmptyUtterance = errors.New("asr: empty utterance")
	// ErrEngineMissing is returned when the embedded engine is not installed.
	ErrEngineMissing = errors.New("asr: engine not installed")
	// ErrUnsupportedLanguage says a backend cannot recognise a language.
	ErrUnsupportedLanguage = errors.New("asr: unsupported language")
	// ErrUnsupportedPhrases says a grammar-based backend can build no
	// grammar from the phrases a caller is expected to say.
	ErrUnsupportedPhrases = errors.New("asr: no usable phrase")
)

// Limited is implemented by recognizers that cannot hear every call.
type Limited interface {
	// CanHear returns nil when the recognizer is useful on audio at rate,
	// in lang, from a caller expected to say one of phrases; otherwise an
	// error saying why not (wrapping ErrUnsupportedRate,
	// ErrUnsupportedLanguage or ErrUnsupportedPhrases).
	CanHear(rate int, lang string, phrases []string) error
}

// CanHear asks r whether it is useful on audio at rate, in lang, from a
// caller expected to say one of phrases (see Limited). Recognizers that
// state no limits hear every call.
func CanHear(r Recognizer, rate int, lang string, phrases []string) error {
	if l, ok := r.(Limited); ok {
		return l.CanHear(rate, lang, phrases)
	}
	return nil
}

// Config selects and configures a backend; it mirrors one entry of the
// engines section of hotline.yaml.
type Config struct {
	// Backend is "openai" or "embedded" (PocketSphinx).
	Backend string `yaml:"backend"`
	// Endpoint is the OpenAI-compatible server with backend openai; its model is e.g.
	// "whisper-1" (the default) or "Systran/faster-whisper-small".
	openaicompat.Endpoint `yaml:",inline"`
	// Timeout bounds one recognition. Default 10 s.
	Timeout time.Duration `yaml:"timeout"`
	// PocketSphinx configures the embedded backend.
	PocketSphinx PocketSphinxOptions `yaml:"pocketsphinx"`
}

// New builds the backend cfg names.
func New(cfg Config) (Recognizer, error) {
	switch strings.ToLower(cfg.Backend) {
	case "openai":
		return NewOpenAI(cfg)
	case "", "embedded", "pocketsphinx":
		return NewPocketSphinx(cfg.PocketSphinx)
	default:
		return nil, fmt.Errorf("asr: unknown backend %q (want openai or embedded)", cfg.Backend)
	}
}
