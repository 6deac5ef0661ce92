package analysis

import (
	"math"
	"slices"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// Offline voice activity: the whole channel is at hand, so unlike media's
// Endpointer (which must decide frame by frame, live) the noise floor is
// learnt from the channel itself and decisions are smoothed in both
// directions.

const (
	// frameDur is the analysis grid: fine enough for the 100 ms accuracy
	// the stats promise, coarse enough to be cheap.
	frameDur = 10 * time.Millisecond
	// hangover bridges the gaps between syllables and words, so a pause
	// for breath is not counted as a silence or a new turn.
	hangover = 250 * time.Millisecond
	// minSpeech drops clicks, coughs and line pops shorter than this.
	minSpeech = 200 * time.Millisecond
	// thresholdDB: speech stands this far above the channel's noise floor,
	// and at least minLevelDBFS loud.
	thresholdDB  = 12.0
	minLevelDBFS = -50.0
	// maxFloorDBFS caps the learnt floor: a channel that is speech nearly
	// all the way through must not learn its speech as noise.
	maxFloorDBFS = -45.0
	// floorPercentile of the frame levels is taken as the noise floor.
	floorPercentile = 0.10
)

// Segment is one stretch of speech on a channel, as offsets from the start
// of the recording.
type Segment struct {
	Start, End time.Duration
}

// Duration is how long the segment lasts.
func (s Segment) Duration() time.Duration { return s.End - s.Start }

// Segments finds the speech on one channel at rate: stretches of at least
// ~200 ms, with gaps shorter than ~250 ms (between syllables and words)
// bridged. Segments are in order and do not overlap.
func Segments(pcm media.PCM16, rate int) []Segment {
	return framesToSegments(activeFrames(pcm, rate))
}

// activeFrames classes each 10 ms frame of pcm as speech or not, smoothed
// (gaps bridged, short bursts dropped).
func activeFrames(pcm media.PCM16, rate int) []bool {
	if rate <= 0 || len(pcm) == 0 {
		return nil
	}
	n := rate * int(frameDur) / int(time.Second)
	if n <= 0 {
		n = 1
	}
	frames := (len(pcm) + n - 1) / n
	db := make([]float64, frames)
	zcr := make([]float64, frames)
	for i := range frames {
		end := min((i+1)*n, len(pcm))
		db[i], zcr[i] = media.FrameLevel(pcm[i*n : end])
	}
	floor := noiseFloor(db)
	thr := math.Max(floor+thresholdDB, minLevelDBFS)
	active := make([]bool, frames)
	for i := range frames {
		speech := db[i] > thr
		// Broadband noise (hiss) crosses zero about every other sample,
		// voiced speech far less; only loud noisy frames count (fricatives
		// inside speech are bridged by the hangover anyway).
		if speech && zcr[i] > 0.4 && db[i] < thr+20 {
			speech = false
		}
		active[i] = speech
	}
	smooth(active)
	return active
}

func noiseFloor(db []float64) float64 {
	sorted := slices.Clone(db)
	slices.Sort(sorted)
	f := sorted[int(float64(len(sorted)-1)*floorPercentile)]
	return math.Min(f, maxFloorDBFS)
}

// smooth bridges gaps of at most hangover between speech frames, then drops
// speech runs shorter than minSpeech.
func smooth(active []bool) {
	gap := int(hangover / frameDur)
	short := int(minSpeech / frameDur)
	last := -1 // index of the last speech frame
	for i, a := range active {
		if !a {
			continue
		}
		if last >= 0 && i-last-1 <= gap {
			for j := last + 1; j < i; j++ {
				active[j] = true
			}
		}
		last = i
	}
	for i := 0; i < len(active); {
		if !active[i] {
			i++
			continue
		}
		j := i
		for j < len(active) && active[j] {
			j++
		}
		if j-i < short {
			for k := i; k < j; k++ {
				active[k] = false
			}
		}
		i = j
	}
}

func framesToSegments(active []bool) []Segment {
	var segs []Segment
	for i := 0; i < len(active); {
		if !active[i] {
			i++
			continue
		}
		j := i
		for j < len(active) && active[j] {
			j++
		}
		segs = append(segs, Segment{Start: time.Duration(i) * frameDur, End: time.Duration(j) * frameDur})
		i = j
	}
	return segs
}
