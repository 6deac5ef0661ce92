package ivr

import (
	"context"
	"fmt"
	"sync"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
)

// promptCache keeps prompts ready to play at a leg's sample rate, so a
// prompt is synthesized (or read from disk) and resampled once, not per call.
type promptCache struct {
	mu      sync.Mutex
	entries map[promptKey]media.PCM16
}

type promptKey struct {
	text, file, lang string
	rate             int
}

const maxPromptEntries = 4096

func (e *Engine) prompt(ctx context.Context, p dialplan.Prompt, rate int) (media.PCM16, error) {
	key := promptKey{p.Text, p.File, p.Lang, rate}
	pc := &e.prompts
	pc.mu.Lock()
	if s, ok := pc.entries[key]; ok {
		pc.mu.Unlock()
		return s, nil
	}
	pc.mu.Unlock()

	var samples media.PCM16
	switch {
	case p.File != "":
		s, err := media.LoadWAVFile(p.File, rate)
		if err != nil {
			return nil, err
		}
		samples = s
	case p.Text != "":
		a, err := e.TTS.Synthesize(ctx, p.Text, p.Lang)
		if err != nil {
			return nil, fmt.Errorf("tts: %w", err)
		}
		samples = a.Samples
		if a.Rate != rate {
			samples = media.Resample(a.Samples, a.Rate, rate)
		}
	default:
		return nil, errNoPrompt
	}
	pc.mu.Lock()
	if pc.entries == nil || len(pc.entries) >= maxPromptEntries {
		pc.entries = map[promptKey]media.PCM16{}
	}
	pc.entries[key] = samples
	pc.mu.Unlock()
	return samples, nil
}

// Warm prepares prompts ahead of the first call (at 8 kHz, the G.711 rate).
func (e *Engine) Warm(ctx context.Context, prompts []dialplan.Prompt) {
	for _, p := range prompts {
		if _, err := e.prompt(ctx, p, 8000); err != nil {
			e.Log.Warn("prompt warm-up failed", "error", err, "text", p.Text, "file", p.File)
		}
	}
}
