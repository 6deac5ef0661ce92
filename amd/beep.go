package amd

import (
	"math"

	"github.com/hotline-cc/hotline/media"
)

// The beep band and what makes a frame tonal.
const (
	beepMinHz = 400.0
	beepMaxHz = 2000.0
	// beepMinRatio is the share of a frame's power one frequency must hold. A sine holds all
	// of it; a vowel spreads its power over many harmonics and rarely gives one above half.
	beepMinRatio = 0.8
	// beepDriftHz is how far the frequency may wander between the frames of one beep.
	beepDriftHz = 40.0
	// beepMinLength is the shortest beep.
	beepMinLengthMs = 150
	// beepBlockMs is the resolution of a beep's start and end inside a frame.
	beepBlockMs = 2.5
)

// frameTone returns the frequency of the single tone that holds nearly all the frame's power,
// or 0. The zero crossings give the frequency to about half a bin; Goertzel filters a few
// hertz apart around it find the peak and its share of the power.
func frameTone(p media.PCM16, rate int) float64 {
	n := len(p)
	if n < rate/200 { // under 5 ms: too short to tell a tone
		return 0
	}
	crossings := 0
	var sum float64
	for i, s := range p {
		v := float64(s)
		sum += v * v
		if i > 0 && (s >= 0) != (p[i-1] >= 0) {
			crossings++
		}
	}
	ms := sum / float64(n)
	if ms == 0 {
		return 0
	}
	est := float64(crossings) * float64(rate) / float64(2*n)
	if est < beepMinHz-beepDriftHz || est > beepMaxHz+beepDriftHz {
		return 0
	}
	best, bestPower := 0.0, 0.0
	for df := -beepDriftHz; df <= beepDriftHz; df += 10 {
		if pw := goertzel(p, est+df, rate); pw > bestPower {
			best, bestPower = est+df, pw
		}
	}
	// A sine of amplitude a has mean square a²/2 and Goertzel power a².
	if bestPower/2/ms < beepMinRatio || best < beepMinHz || best > beepMaxHz {
		return 0
	}
	return best
}

// goertzel returns the power of the freq component of p: a² for a sine of amplitude a.
func goertzel(p media.PCM16, freq float64, rate int) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	cw, sw := math.Cos(w), math.Sin(w)
	coeff := 2 * cw
	var s1, s2 float64
	for _, x := range p {
		s1, s2 = float64(x)+coeff*s1-s2, s1
	}
	re, im := s1-s2*cw, s2*sw
	return (re*re + im*im) * 4 / float64(len(p)*len(p))
}

// toneTracker follows runs of tonal frames at one frequency. Positions are in samples since
// the answer.
type toneTracker struct {
	rate   int
	minLen int64
	block  int

	prev     media.PCM16 // the frame before the run, where the beep began
	prevPos  int64
	freq     float64 // of the run
	start    int64   // where the run's tone began
	end      int64   // end of the run's last tonal frame
	runMS    float64 // mean square of the run's first tonal frame
	running  bool
	heardEnd int64 // where the last beep ended; set when one ends
}

func newToneTracker(rate int) toneTracker {
	return toneTracker{
		rate:   rate,
		minLen: int64(rate * beepMinLengthMs / 1000),
		block:  max(1, int(beepBlockMs*float64(rate)/1000)),
	}
}

// confirmed reports whether the run in progress is long enough to be a beep.
func (t *toneTracker) confirmed() bool { return t.running && t.end-t.start >= t.minLen }

// update takes the next frame, starting at pos, with its tonal frequency (0: not tonal).
// It reports true when a beep ended in this frame, at t.heardEnd.
func (t *toneTracker) update(p media.PCM16, pos int64, freq float64) bool {
	ended := false
	if t.running && (freq == 0 || math.Abs(freq-t.freq) > beepDriftHz) {
		if t.end-t.start >= t.minLen { // the tone ran on into this frame a little
			t.heardEnd = t.end + int64(t.leadingTone(p))
			ended = true
		}
		t.running = false
	}
	if freq > 0 {
		if !t.running {
			t.running, t.freq = true, freq
			t.runMS = meanSquare(p)
			// The beep likely began inside the frame before, which was not tonal as a whole.
			t.start = pos
			if t.prevPos+int64(len(t.prev)) == pos {
				t.start = pos - int64(t.trailingTone(t.prev))
			}
		}
		t.end = pos + int64(len(p))
	}
	t.prev = append(t.prev[:0], p...)
	t.prevPos = pos
	return ended
}

// loud tells whether a block holds the run's tone: at least a quarter of its power (-6 dB).
func (t *toneTracker) loud(b media.PCM16) bool { return meanSquare(b) >= t.runMS/4 }

// leadingTone returns how many samples at the start of p still carry the tone.
func (t *toneTracker) leadingTone(p media.PCM16) int {
	n := 0
	for n < len(p) {
		b := p[n:min(len(p), n+t.block)]
		if !t.loud(b) {
			break
		}
		n += len(b)
	}
	return n
}

// trailingTone returns how many samples at the end of p already carry the tone.
func (t *toneTracker) trailingTone(p media.PCM16) int {
	n := 0
	for n < len(p) {
		b := p[max(0, len(p)-n-t.block) : len(p)-n]
		if !t.loud(b) {
			break
		}
		n += len(b)
	}
	return n
}

func meanSquare(p media.PCM16) float64 {
	if len(p) == 0 {
		return 0
	}
	var sum float64
	for _, s := range p {
		v := float64(s)
		sum += v * v
	}
	return sum / float64(len(p))
}
