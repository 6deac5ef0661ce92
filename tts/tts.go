package tts

import (
	"context"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// Synthesizer turns text into PCM audio. Cancelling ctx stops synthesis.
type Synthesizer interface {
	// Synthesize speaks text in lang, a BCP 47 tag such as "en-US" or "zh-CN".
	Synthesize(ctx context.Context, text, lang string) (Audio, error)
	// Name identifies the engine and every setting that changes its output
	// (voice table, speed, sample rate); caches key on it.
	Name() string
}

// Audio is a whole utterance of mono 16-bit PCM.
// Audio returned by a Cache is shared between callers: treat Samples as read-only.
type Audio struct {
	Samples media.PCM16
	Rate    int // samples per second
}

// Duration is how long the audio plays.
func (a Audio) Duration() time.Duration {
	if a.Rate <= 0 {
		return 0
	}
	return time.Duration(len(a.Samples)) * time.Second / time.Duration(a.Rate)
}
