package media_test

import (
	"math/rand"
	"testing"
	"time"

	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/media/audiotest"
)

const vadRate = 8000

func noiseAt(ms int, amp float64, seed int64) media.PCM16 {
	r := rand.New(rand.NewSource(seed))
	n := vadRate * ms / 1000
	out := make(media.PCM16, n)
	for i := range out {
		out[i] = int16((r.Float64()*2 - 1) * amp * 32767)
	}
	return out
}

// feed writes signal in 20 ms frames and returns the events in order.
func feed(t *testing.T, cfg media.VADConfig, parts ...media.PCM16) []media.EndpointEvent {
	t.Helper()
	var evs []media.EndpointEvent
	ep := media.NewEndpointer(vadRate, cfg, func(ev media.EndpointEvent) { evs = append(evs, ev) })
	var all media.PCM16
	for _, p := range parts {
		all = append(all, p...)
	}
	n := media.SamplesPerFrame(vadRate)
	for off := 0; off+n <= len(all); off += n {
		if err := ep.WriteFrame(all[off : off+n]); err != nil {
			t.Fatal(err)
		}
	}
	return evs
}

func near(got, want, tol time.Duration) bool {
	d := got - want
	return d >= -tol && d <= tol
}

func TestEndpointerCutPoints(t *testing.T) {
	const frame = 20 * time.Millisecond
	cfg := media.VADConfig{}
	def := struct{ minSpeech, minBarge, eot, hang time.Duration }{100 * time.Millisecond, 300 * time.Millisecond, 500 * time.Millisecond, 80 * time.Millisecond}
	bg := func(ms int, seed int64) media.PCM16 { return noiseAt(ms, 0.003, seed) } // about -60 dBFS line noise
	speech := audiotest.Mix(audiotest.Tone(300, vadRate, 1200, 0.3), noiseAt(1200, 0.003, 9))
	evs := feed(t, cfg, bg(600, 1), speech, bg(1000, 2))

	if len(evs) != 3 {
		t.Fatalf("events = %v, want speech-start, barge-in, end-of-turn", kinds(evs))
	}
	s, b, e := evs[0], evs[1], evs[2]
	if s.Kind != media.SpeechStart || b.Kind != media.BargeIn || e.Kind != media.EndOfTurn {
		t.Fatalf("events = %v", kinds(evs))
	}
	if !near(s.Start, 600*time.Millisecond, frame) {
		t.Errorf("speech start at %v, want 600ms ±1 frame", s.Start)
	}
	if !near(s.At, 600*time.Millisecond+def.minSpeech, frame) {
		t.Errorf("speech-start reported at %v, want %v ±1 frame", s.At, 600*time.Millisecond+def.minSpeech)
	}
	if !near(b.At, 600*time.Millisecond+def.minBarge, frame) {
		t.Errorf("barge-in reported at %v, want %v ±1 frame", b.At, 600*time.Millisecond+def.minBarge)
	}
	wantEnd := 1800*time.Millisecond + def.hang
	if !near(e.End, wantEnd, frame) {
		t.Errorf("utterance ends at %v, want %v ±1 frame", e.End, wantEnd)
	}
	if !near(e.At, 1800*time.Millisecond+def.eot, frame) {
		t.Errorf("end of turn decided at %v, want %v ±1 frame", e.At, 1800*time.Millisecond+def.eot)
	}
	// The utterance holds the tone, with at most pre-roll before and hangover after.
	d := time.Duration(len(e.Samples)) * time.Second / vadRate
	if d < 1200*time.Millisecond || d > 1200*time.Millisecond+def.hang+100*time.Millisecond+frame {
		t.Errorf("utterance is %v long", d)
	}
	if ok, _ := audiotest.DetectTone(e.Samples, 300, vadRate); !ok {
		t.Error("utterance does not hold the spoken tone")
	}
}

func TestEndpointerCoughDoesNotBargeIn(t *testing.T) {
	bg := func(ms int, seed int64) media.PCM16 { return noiseAt(ms, 0.003, seed) }
	cough := func(ms int) media.PCM16 { return audiotest.Tone(500, vadRate, ms, 0.5) }
	// A click (40 ms, below MinSpeech) and two coughs (200 ms, below MinBargeIn) apart.
	evs := feed(t, media.VADConfig{}, bg(400, 1), cough(40), bg(700, 2), cough(200), bg(700, 3), cough(240), bg(700, 4))
	for _, ev := range evs {
		if ev.Kind == media.BargeIn {
			t.Fatalf("short noise caused barge-in: %v", kinds(evs))
		}
	}
	// The coughs count as (short) utterances, the click does not.
	if got := count(evs, media.SpeechStart); got != 2 {
		t.Errorf("speech starts = %d, want 2 (the coughs): %v", got, kinds(evs))
	}
}

func TestEndpointerWordGapsStayOneUtterance(t *testing.T) {
	bg := func(ms int, seed int64) media.PCM16 { return noiseAt(ms, 0.003, seed) }
	word := func() media.PCM16 { return audiotest.Tone(250, vadRate, 300, 0.3) }
	evs := feed(t, media.VADConfig{}, bg(400, 1), word(), bg(200, 2), word(), bg(300, 3), word(), bg(800, 4))
	if got := count(evs, media.EndOfTurn); got != 1 {
		t.Fatalf("end of turn %d times, want 1 across 200–300 ms gaps: %v", got, kinds(evs))
	}
}

func TestEndpointerIgnoresStationaryNoise(t *testing.T) {
	// Loud hiss (about -25 dBFS) with no speech: adapted to, never a turn.
	evs := feed(t, media.VADConfig{}, noiseAt(3000, 0.1, 5))
	if len(evs) != 0 {
		t.Fatalf("hiss produced %v", kinds(evs))
	}
	// Speech over that hiss is still found.
	speech := audiotest.Mix(audiotest.Tone(300, vadRate, 800, 0.5), noiseAt(800, 0.1, 6))
	evs = feed(t, media.VADConfig{}, noiseAt(1000, 0.1, 7), speech, noiseAt(1000, 0.1, 8))
	if count(evs, media.EndOfTurn) != 1 {
		t.Fatalf("speech over hiss: %v", kinds(evs))
	}
}

func TestEndpointerMaxUtterance(t *testing.T) {
	evs := feed(t, media.VADConfig{MaxUtterance: time.Second}, noiseAt(200, 0.003, 1), audiotest.Tone(300, vadRate, 2500, 0.3))
	if count(evs, media.EndOfTurn) < 1 {
		t.Fatalf("a 2.5 s monologue with MaxUtterance 1 s was not cut: %v", kinds(evs))
	}
}

func kinds(evs []media.EndpointEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind.String()+"@"+e.At.String())
	}
	return out
}

func count(evs []media.EndpointEvent, k media.EndpointKind) int {
	n := 0
	for _, e := range evs {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func BenchmarkEndpointer(b *testing.B) {
	sig := audiotest.Mix(audiotest.Tone(300, 16000, 1000, 0.3), audiotest.Tone(1000, 16000, 1000, 0.01))
	ep := media.NewEndpointer(16000, media.VADConfig{}, func(media.EndpointEvent) {})
	n := media.SamplesPerFrame(16000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		off := (i * n) % (len(sig) - n)
		ep.WriteFrame(sig[off : off+n])
	}
}
