package ivr

import (
	"math"

	"github.com/hotline-cc/hotline/media"
)

// Ringback cadence: 440 + 480 Hz, 2 s on, 4 s off (the North American ring, the one most callers know
// from softphones and films).
const (
	ringbackOn  = 2
	ringbackOff = 4
)

// ringbackPattern is one ring cycle at rate: what a caller hears while an external number rings.
func ringbackPattern(rate int) media.PCM16 {
	out := make(media.PCM16, rate*(ringbackOn+ringbackOff))
	on := rate * ringbackOn
	fade := rate / 100 // 10 ms ramps avoid clicks at the edges
	for i := 0; i < on; i++ {
		env := 1.0
		if i < fade {
			env = float64(i) / float64(fade)
		} else if on-i < fade {
			env = float64(on-i) / float64(fade)
		}
		t := float64(i) / float64(rate)
		out[i] = int16(env * 3000 * (math.Sin(2*math.Pi*440*t) + math.Sin(2*math.Pi*480*t)))
	}
	return out
}
