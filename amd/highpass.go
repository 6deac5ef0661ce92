package amd

import (
	"math"

	"github.com/hotline-cc/hotline/media"
)

// highPassHz is where the voice decision's filter starts to pass sound. Below it are mains
// hum, handling noise and the rumble of a room, whose slow swings in level would split words
// and fake them; a voice's fundamental is above it.
const highPassHz = 100

// highPass is a second-order Butterworth high-pass filter (RBJ biquad) that keeps its state
// across frames.
type highPass struct {
	b0, b1, b2, a1, a2 float64
	x1, x2, y1, y2     float64
}

func newHighPass(rate int) highPass {
	w := 2 * math.Pi * highPassHz / float64(rate)
	alpha := math.Sin(w) / math.Sqrt2 // sin(w)/(2Q) with Q = 1/√2
	cw := math.Cos(w)
	a0 := 1 + alpha
	return highPass{
		b0: (1 + cw) / 2 / a0, b1: -(1 + cw) / a0, b2: (1 + cw) / 2 / a0,
		a1: -2 * cw / a0, a2: (1 - alpha) / a0,
	}
}

// level returns the filtered frame's energy in dBFS.
func (h *highPass) level(p media.PCM16) float64 {
	var sum float64
	for _, s := range p {
		x := float64(s)
		y := h.b0*x + h.b1*h.x1 + h.b2*h.x2 - h.a1*h.y1 - h.a2*h.y2
		h.x2, h.x1, h.y2, h.y1 = h.x1, x, h.y1, y
		sum += y * y
	}
	ms := sum / float64(len(p)) / (32768.0 * 32768.0)
	if ms < 1e-12 {
		return -120
	}
	return 10 * math.Log10(ms)
}
