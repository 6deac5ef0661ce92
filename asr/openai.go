package asr

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/hotline-cc/hotline/media"
)

const defaultOpenAITimeout = 10 * time.Second

// OpenAI transcribes with an OpenAI-compatible /audio/transcriptions
// endpoint, uploading each utterance as a WAV file.
type OpenAI struct {
	client  *openai.Client
	model   string
	timeout time.Duration
	name    string
}

var _ Recognizer = (*OpenAI)(nil)

// NewOpenAI returns a client for cfg.BaseURL (required) and cfg.Model
// (default "whisper-1").
func NewOpenAI(cfg Config) (*OpenAI, error) {
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("asr openai: base_url is required")
	}
	model := cfg.Model
	if model == "" {
		model = openai.Whisper1
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultOpenAITimeout
	}
	return &OpenAI{
		client:  cfg.Client(),
		model:   model,
		timeout: timeout,
		name:    "openai(" + model + ")",
	}, nil
}

// Name is "openai(<model>)".
func (o *OpenAI) Name() string { return o.name }

// Recognize uploads u as a 16-bit WAV at its own rate.
func (o *OpenAI) Recognize(ctx context.Context, u Utterance) (Result, error) {
	if len(u.Samples) == 0 {
		return Result{}, ErrEmptyUtterance
	}
	if u.Rate <= 0 {
		return Result{}, fmt.Errorf("asr openai: rate %d: %w", u.Rate, ErrUnsupportedRate)
	}
	var wav bytes.Buffer
	if err := media.WriteWAV(&wav, u.Samples, u.Rate); err != nil {
		return Result{}, fmt.Errorf("asr openai: encode wav: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	resp, err := o.client.CreateTranscription(ctx, openai.AudioRequest{
		Model:    o.model,
		FilePath: "utterance.wav",
		Reader:   &wav,
		Language: primaryLang(u.Lang),
		Prompt:   strings.Join(u.Hints, ", "),
		Format:   openai.AudioResponseFormatJSON,
	})
	if err != nil {
		return Result{}, fmt.Errorf("asr %s: transcribe %v of audio: %w", o.name, u.Duration(), err)
	}
	text := strings.TrimSpace(resp.Text)
	conf := 0.0
	if text != "" {
		conf = 1
	}
	return Result{Text: text, Confidence: conf}, nil
}

// primaryLang turns "en-US" into "en": transcription servers take ISO 639-1.
func primaryLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}
