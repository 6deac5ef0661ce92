package ivr

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
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

// HoldPattern is the generated hold audio at rate, for legs that put a
// caller on hold outside a queue (an agent pressing hold).
func HoldPattern(rate int) media.PCM16 { return holdPattern(rate) }

// playHold loops hold audio into w until ctx is done.
func playHold(ctx context.Context, w media.FrameWriter, audio media.PCM16) {
	for ctx.Err() == nil {
		if err := media.Play(ctx, w, audio); err != nil {
			return
		}
	}
}

// holdLoop plays hold audio and, every AnnounceEvery, tells the caller
// their position and estimated wait, until ctx is done.
func (c *call) holdLoop(ctx context.Context, q *dialplan.Queue, callID string) {
	out := c.leg.AudioOut()
	audio := c.engine.holdAudio(q.HoldMusic, out.SampleRate())
	if q.AnnounceEvery <= 0 {
		playHold(ctx, out, audio)
		return
	}
	// Bounded by the queue's max wait through ctx.
	for ctx.Err() == nil {
		pctx, cancel := context.WithTimeout(ctx, q.AnnounceEvery)
		playHold(pctx, out, audio)
		cancel()
		if ctx.Err() != nil {
			return
		}
		c.leg.FlushAudioOut()
		pos, _ := c.engine.ACD.Position(callID)
		if pos == 0 {
			return
		}
		text := positionText(c.lang, pos, c.engine.ACD.EstimatedWait(callID))
		c.log.Info("queue: announcing position", "position", pos, "text", text)
		samples, err := c.engine.prompt(ctx, dialplan.Prompt{Text: text, Lang: c.lang}, out.SampleRate())
		if err != nil {
			c.log.Warn("position announcement unavailable", "error", err)
			continue
		}
		_ = media.Play(ctx, out, samples)
	}
}

// positionText is the position announcement in the call's language.
func positionText(lang string, pos int, wait time.Duration) string {
	min := int(math.Ceil(wait.Minutes()))
	if min < 1 {
		min = 1
	}
	if strings.HasPrefix(strings.ToLower(lang), "zh") {
		return fmt.Sprintf("您现在排在第%d位，预计等待约%d分钟。", pos, min)
	}
	unit := "minutes"
	if min == 1 {
		unit = "minute"
	}
	return fmt.Sprintf("You are number %d in the queue. The estimated wait is about %d %s.", pos, min, unit)
}
