package amd

import (
	"context"
	"log/slog"
	"sync"

	"github.com/hotline-cc/hotline/media"
)

// Detect listens to the callee on leg until the detection is over, the leg ends or ctx is
// done, and returns the result. It takes the leg's audio for that time (SwapAudioIn) and gives
// it back to the writer that had it. The frames arrive at cfg.SampleRate: SIP and WebRTC legs
// resample to the rate of the writer they are given. Cut short, the result is the verdict
// reached so far, or NOTSURE with cause "hangup" or "cancelled". A configuration Validate
// rejects gives NOTSURE with the error as cause.
func Detect(ctx context.Context, leg media.Leg, cfg Config) Result {
	if err := cfg.Validate(); err != nil {
		return Result{Verdict: NotSure, Cause: err.Error()}
	}
	w := &detectWriter{det: New(cfg), over: make(chan struct{})}
	prev := leg.SwapAudioIn(w)
	cause := ""
	select {
	case <-w.over:
	case <-leg.Context().Done():
		cause = CauseHangup
	case <-ctx.Done():
		cause = CauseCancelled
	}
	leg.SwapAudioIn(prev)
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.finished {
		w.res, w.finished = w.det.cut(cause), true
	}
	slog.Debug("amd", "leg", leg.ID(), "verdict", w.res.Verdict.String(), "cause", w.res.Cause,
		"decided", w.res.Decided, "beep", w.res.Beep, "beep_end", w.res.BeepEnd)
	return w.res
}

// detectWriter feeds a leg's audio to a Detector; the lock lets Detect take the result while
// a frame may still be on its way in.
type detectWriter struct {
	det  *Detector
	over chan struct{} // closed when the detector is done

	mu       sync.Mutex // guards det and the fields below
	finished bool
	res      Result
}

func (w *detectWriter) WriteFrame(p media.PCM16) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.finished {
		return nil
	}
	if res, done := w.det.Frame(p); done {
		w.res, w.finished = res, true
		close(w.over)
	}
	return nil
}

func (w *detectWriter) SampleRate() int { return w.det.rate }
func (w *detectWriter) String() string  { return w.det.String() }
