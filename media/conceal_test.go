package media_test

import (
	"testing"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

type frameLog struct {
	rate   int
	frames []media.PCM16
}

func (l *frameLog) WriteFrame(p media.PCM16) error {
	l.frames = append(l.frames, append(media.PCM16(nil), p...))
	return nil
}
func (l *frameLog) SampleRate() int { return l.rate }
func (l *frameLog) String() string  { return "log" }

// The fallback concealment repeats a voiced signal at its level, fades it to
// silence by 60 ms, and hands back to the real signal without a jump.
func TestPLCRepeatsAndFades(t *testing.T) {
	for _, rate := range []int{8000, 16000} {
		log := &frameLog{rate: rate}
		p := media.NewPLC(log, rate)
		n := media.SamplesPerFrame(rate)
		tone := audiotest.Tone(200, rate, 200, 0.5) // 200 Hz: a whole number of periods per frame
		for i := 0; i < 3; i++ {
			_ = p.WriteFrame(tone[i*n : (i+1)*n])
		}
		for i := 0; i < 4; i++ {
			_ = p.Conceal(nil)
		}
		_ = p.WriteFrame(tone[7*n : 8*n])
		if len(log.frames) != 8 {
			t.Fatalf("%d Hz: %d frames", rate, len(log.frames))
		}
		ref := audiotest.RMSdBFS(tone[:n])
		var lvl [4]float64
		for i := range lvl {
			lvl[i] = audiotest.RMSdBFS(log.frames[3+i])
		}
		if lvl[0] < ref-1 {
			t.Errorf("%d Hz: first concealed frame %.1f dBFS, tone %.1f", rate, lvl[0], ref)
		}
		if r := audiotest.ToneRatio(log.frames[3], 200, rate); r < 0.95 {
			t.Errorf("%d Hz: first concealed frame holds %.2f of the tone", rate, r)
		}
		if !(lvl[1] < lvl[0]-2 && lvl[2] < lvl[1]-2) {
			t.Errorf("%d Hz: no fade: %.1f %.1f %.1f dBFS", rate, lvl[0], lvl[1], lvl[2])
		}
		for _, x := range log.frames[6] {
			if x != 0 {
				t.Fatalf("%d Hz: concealment still audible after 60 ms", rate)
			}
		}
		// Back to the real tone: the cross-fade starts at silence here.
		if back := log.frames[7]; back[0] != 0 || audiotest.RMSdBFS(back) < ref-1 {
			t.Errorf("%d Hz: return frame starts at %d, %.1f dBFS", rate, back[0], audiotest.RMSdBFS(back))
		}
	}
}

// Concealing before any audio arrived gives silence.
func TestPLCWithoutHistory(t *testing.T) {
	log := &frameLog{rate: 8000}
	p := media.NewPLC(log, 8000)
	_ = p.Conceal(nil)
	if len(log.frames) != 1 || len(log.frames[0]) != 160 || audiotest.RMSdBFS(log.frames[0]) > -200 {
		t.Fatalf("frames %d, %v", len(log.frames), log.frames)
	}
}

// Per packet a frame passes through the concealer, and one packet in 50 is
// lost. Nothing may allocate.
func BenchmarkPLC(b *testing.B) {
	p := media.NewPLC(media.Discard(8000), 8000)
	tone := audiotest.Tone(700, 8000, 20, 0.5)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i++; i%50 == 0 {
			_ = p.Conceal(nil)
		}
		_ = p.WriteFrame(tone)
	}
}

func TestPLCDoesNotAllocate(t *testing.T) {
	p := media.NewPLC(media.Discard(16000), 16000)
	tone := audiotest.Tone(700, 16000, 20, 0.5)
	if a := testing.AllocsPerRun(100, func() {
		_ = p.WriteFrame(tone)
		_ = p.Conceal(nil)
		_ = p.Conceal(nil)
	}); a != 0 {
		t.Fatalf("%.1f allocations per loss", a)
	}
}
