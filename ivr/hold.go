package ivr

import (
	"context"
	"math"

	"github.com/hotline-cc/hotline/media"
)

// holdPattern generates the default hold audio when a queue has no WAV: a
// soft three-note chime every few seconds, so callers know the line is alive.
func holdPattern(rate int) media.PCM16 {
	notes := []float64{523.25, 659.25, 783.99}
	noteLen := rate * 300 / 1000
	out := make(media.PCM16, rate*3) // 3 s loop: 0.9 s of notes, then quiet
	for i, f := range notes {
		for j := 0; j < noteLen; j++ {
			// Raised-cosine envelope avoids clicks at note edges.
			env := 0.5 - 0.5*math.Cos(2*math.Pi*float64(j)/float64(noteLen))
			out[i*noteLen+j] = int16(4000 * env * math.Sin(2*math.Pi*f*float64(j)/float64(rate)))
		}
	}
	return out
}

// playHold loops hold audio into w until ctx is done.
func playHold(ctx context.Context, w media.FrameWriter, audio media.PCM16) {
	for ctx.Err() == nil {
		if err := media.Play(ctx, w, audio); err != nil {
			return
		}
	}
}
