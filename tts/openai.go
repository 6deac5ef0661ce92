package tts

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/openaicompat"
)

// OpenAIConfig configures the OpenAI-compatible speech backend; it mirrors
// one entry of the engines section of hotline.yaml.
type OpenAIConfig struct {
	// Endpoint is the server, e.g. "http://127.0.0.1:8880/v1", and model (default "tts-1").
	openaicompat.Endpoint `yaml:",inline"`
	// Voice is the default voice; Voices maps language tags to voices
	// ("zh-CN" → "zf_xiaobei" on a Kokoro server).
	Voice  string            `yaml:"voice"`
	Voices map[string]string `yaml:"voices"`
	// Rate of the PCM the server returns for response_format "pcm"
	// (OpenAI: 24000). Ignored for WAV answers, whose header says.
	PCMRate int `yaml:"pcm_rate"`
	// Format is "wav" (default: self-describing, works with most servers) or "pcm".
	Format  string        `yaml:"format"`
	Timeout time.Duration `yaml:"timeout"` // default 10 s
}

// OpenAI synthesizes with an OpenAI-compatible /audio/speech endpoint.
type OpenAI struct {
	client *openai.Client
	cfg    OpenAIConfig
	name   string
}

var _ Synthesizer = (*OpenAI)(nil)

// NewOpenAI returns a synthesizer for cfg.BaseURL (required).
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	if cfg.BaseURL == "" {
		return nil, fmt.Errorf("tts openai: base_url is required")
	}
	if cfg.Model == "" {
		cfg.Model = string(openai.TTSModel1)
	}
	if cfg.Voice == "" {
		cfg.Voice = string(openai.VoiceAlloy)
	}
	if cfg.PCMRate <= 0 {
		cfg.PCMRate = 24000
	}
	switch cfg.Format {
	case "":
		cfg.Format = "wav"
	case "wav", "pcm":
	default:
		return nil, fmt.Errorf("tts openai: format %q: want wav or pcm", cfg.Format)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	return &OpenAI{client: cfg.Client(), cfg: cfg,
		name: fmt.Sprintf("openai(%s,%s,%s,%s)", cfg.URL(), cfg.Model, cfg.Voice, cfg.Format)}, nil
}

// Name identifies server, model, voice and format (caches key on it).
func (o *OpenAI) Name() string { return o.name }

func (o *OpenAI) voice(lang string) string {
	if v, ok := o.cfg.Voices[lang]; ok {
		return v
	}
	n := normLang(lang)
	for k, v := range o.cfg.Voices {
		if normLang(k) == n {
			return v
		}
	}
	return o.cfg.Voice
}

// Synthesize asks the server for text in lang and returns its PCM at the
// server's own rate (the caller resamples to the leg's rate).
func (o *OpenAI) Synthesize(ctx context.Context, text, lang string) (Audio, error) {
	if strings.TrimSpace(text) == "" {
		return Audio{}, ErrEmptyText
	}
	ctx, cancel := context.WithTimeout(ctx, o.cfg.Timeout)
	defer cancel()
	resp, err := o.client.CreateSpeech(ctx, openai.CreateSpeechRequest{
		Model: openai.SpeechModel(o.cfg.Model), Input: text, Voice: openai.SpeechVoice(o.voice(lang)),
		ResponseFormat: openai.SpeechResponseFormat(o.cfg.Format),
	})
	if err != nil {
		return Audio{}, fmt.Errorf("tts %s: %w", o.name, err)
	}
	defer resp.Close()
	if o.cfg.Format == "wav" {
		samples, rate, err := media.ReadWAV(resp)
		if err != nil {
			return Audio{}, fmt.Errorf("tts %s: read wav: %w", o.name, err)
		}
		return Audio{Samples: samples, Rate: rate}, nil
	}
	b, err := io.ReadAll(io.LimitReader(resp, 64<<20))
	if err != nil {
		return Audio{}, fmt.Errorf("tts %s: read pcm: %w", o.name, err)
	}
	samples := make(media.PCM16, len(b)/2)
	for i := range samples {
		samples[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return Audio{Samples: samples, Rate: o.cfg.PCMRate}, nil
}
