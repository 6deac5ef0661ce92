package analysis

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/tts"
)

// speak synthesises text with espeak-ng at 8 kHz, or skips the test when it is not installed.
func speak(t *testing.T, text string) media.PCM16 {
	t.Helper()
	e, err := tts.NewEspeak(tts.EspeakOptions{})
	if errors.Is(err, tts.ErrEngineMissing) {
		t.Skip("espeak-ng not installed")
	}
	if err != nil {
		t.Fatal(err)
	}
	a, err := e.Synthesize(context.Background(), text, "en-US")
	if err != nil {
		t.Fatal(err)
	}
	return media.Resample(a.Samples, a.Rate, testRate)
}

// audible is where pcm is louder than -45 dBFS, in 10 ms frames: the ground truth the VAD
// must find, up to its smoothing.
func audible(pcm media.PCM16) (first, last time.Duration) {
	n := testRate / 100
	first = -1
	for i := 0; i+n <= len(pcm); i += n {
		if db, _ := media.FrameLevel(pcm[i : i+n]); db > -45 {
			at := time.Duration(i/n) * frameDur
			if first < 0 {
				first = at
			}
			last = at + frameDur
		}
	}
	return first, last
}

// Real speech: the gaps between words are bridged (one sentence, one segment), and the segment
// covers the audible speech within 100 ms.
func TestSegmentsSpeech(t *testing.T) {
	sentence := speak(t, "I would like to change the delivery address of my order")
	pcm := append(make(media.PCM16, testRate), sentence...) // a second of line silence first
	pcm = append(pcm, make(media.PCM16, testRate)...)
	first, last := audible(pcm)
	segs := Segments(pcm, testRate)
	if len(segs) != 1 {
		t.Fatalf("segments %v, want one for one sentence (audible %v–%v)", segs, first, last)
	}
	if d := segs[0].Start - first; d < -100*time.Millisecond || d > 100*time.Millisecond {
		t.Errorf("start %v, audible from %v", segs[0].Start, first)
	}
	if d := segs[0].End - last; d < -100*time.Millisecond || d > 100*time.Millisecond {
		t.Errorf("end %v, audible to %v", segs[0].End, last)
	}
}
