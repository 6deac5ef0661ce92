package amd_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hotline-cc/hotline/amd"
	"github.com/hotline-cc/hotline/media"
)

const rate = 8000

func samples(d time.Duration, rate int) int { return int(d * time.Duration(rate) / time.Second) }

// silence is faint line noise (about -70 dBFS), not digital zero.
func silence(d time.Duration, rate int, rng *rand.Rand) media.PCM16 {
	out := make(media.PCM16, samples(d, rate))
	for i := range out {
		out[i] = int16(rng.IntN(21) - 10)
	}
	return out
}

// voice is a voiced sound like a vowel: a 140 Hz fundamental and its harmonics up to 3 kHz at
// falling amplitudes, at about -20 dBFS. Its power spreads over many frequencies, as a voice's does.
func voice(d time.Duration, rate int) media.PCM16 {
	out := make(media.PCM16, samples(d, rate))
	for i := range out {
		t := float64(i) / float64(rate)
		v := 0.0
		for k := 1; k*140 < 3000; k++ {
			v += math.Sin(2*math.Pi*140*float64(k)*t+float64(k)) / float64(k)
		}
		out[i] = int16(2500 * v)
	}
	return out
}

func tone(hz float64, d time.Duration, rate int, amp float64) media.PCM16 {
	out := make(media.PCM16, samples(d, rate))
	for i := range out {
		out[i] = int16(amp * 32767 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	return out
}

func cat(parts ...media.PCM16) media.PCM16 {
	var out media.PCM16
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// run feeds audio in 20 ms frames, then faint noise, until the detector is done, and fails
// the test if it never is.
func run(t *testing.T, cfg amd.Config, audio media.PCM16) amd.Result {
	t.Helper()
	r := cfg.Defaults().SampleRate
	d := amd.New(cfg)
	step := media.SamplesPerFrame(r)
	rng := rand.New(rand.NewPCG(1, 2))
	limit := samples(max(cfg.Defaults().TotalTime, cfg.BeepTimeout), r) + step
	for off := 0; off <= limit; off += step {
		var frame media.PCM16
		if off+step <= len(audio) {
			frame = audio[off : off+step]
		} else {
			frame = silence(20*time.Millisecond, r, rng)
			copy(frame, audio[min(off, len(audio)):])
		}
		if res, done := d.Frame(frame); done {
			return res
		}
	}
	t.Fatalf("not done after %d samples", limit)
	return amd.Result{}
}

func expect(t *testing.T, res amd.Result, v amd.Verdict, cause string, from, to time.Duration) {
	t.Helper()
	t.Log(res)
	if res.Verdict != v || res.Cause != cause {
		t.Errorf("got %v (%s), want %v (%s)", res.Verdict, res.Cause, v, cause)
	}
	if res.Decided < from || res.Decided > to {
		t.Errorf("decided at %v, want %v..%v", res.Decided, from, to)
	}
}

func TestSilenceIsMachine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	expect(t, run(t, amd.Config{}, silence(6*time.Second, rate, rng)), amd.Machine, amd.CauseInitialSilence, 2500*time.Millisecond, 2520*time.Millisecond)
	expect(t, run(t, amd.Config{}, make(media.PCM16, 6*rate)), amd.Machine, amd.CauseInitialSilence, 2500*time.Millisecond, 2520*time.Millisecond)
}

func TestShortGreetingThenSilenceIsHuman(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	audio := cat(silence(400*time.Millisecond, rate, rng), voice(500*time.Millisecond, rate), silence(4*time.Second, rate, rng))
	// Speech ends at 0.9 s; 0.8 s of silence later the callee is waiting for us.
	expect(t, run(t, amd.Config{}, audio), amd.Human, amd.CauseAfterGreeting, 1680*time.Millisecond, 1760*time.Millisecond)
}

func TestLongSpeechIsMachine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	audio := cat(silence(300*time.Millisecond, rate, rng), voice(4*time.Second, rate))
	// 1.5 s of voice in the greeting.
	expect(t, run(t, amd.Config{}, audio), amd.Machine, amd.CauseLongGreeting, 1780*time.Millisecond, 1840*time.Millisecond)
}

func TestManyWordsAreMachine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	audio := silence(300*time.Millisecond, rate, rng)
	for range 6 {
		audio = cat(audio, voice(160*time.Millisecond, rate), silence(200*time.Millisecond, rate, rng))
	}
	// The fourth word is one too many: it starts at 0.3 + 3×0.36 s and counts 100 ms later.
	expect(t, run(t, amd.Config{}, audio), amd.Machine, amd.CauseMaxWords, 1460*time.Millisecond, 1500*time.Millisecond)
	// With room for six words, their 960 ms of voice and the silence after them (from 2.26 s) make a person.
	expect(t, run(t, amd.Config{MaxWords: 6}, audio), amd.Human, amd.CauseAfterGreeting, 3040*time.Millisecond, 3100*time.Millisecond)
	// Gaps shorter than BetweenWordsSilence do not separate words: one word, then the greeting is too long.
	audio = silence(300*time.Millisecond, rate, rng)
	for range 12 {
		audio = cat(audio, voice(160*time.Millisecond, rate), silence(100*time.Millisecond, rate, rng))
	}
	expect(t, run(t, amd.Config{}, audio), amd.Machine, amd.CauseLongGreeting, 2600*time.Millisecond, 2800*time.Millisecond)
}

func TestUndecidedIsNotSure(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	// Bursts too short to be words, too close together for the greeting to end.
	var audio media.PCM16
	for range 20 {
		audio = cat(audio, voice(60*time.Millisecond, rate), silence(300*time.Millisecond, rate, rng))
	}
	expect(t, run(t, amd.Config{}, audio), amd.NotSure, amd.CauseTooLong, 5*time.Second, 5*time.Second)
}

func TestBeepEndAfterGreeting(t *testing.T) {
	for _, r := range []int{8000, 16000} {
		for _, hz := range []float64{425, 1000, 1950} {
			rng := rand.New(rand.NewPCG(1, uint64(hz)))
			// The beep starts and ends inside frames, not on their edges.
			lead := cat(silence(300*time.Millisecond, r, rng), voice(2*time.Second, r), silence(437*time.Millisecond, r, rng))
			beep := tone(hz, 480*time.Millisecond, r, 0.3)
			audio := cat(lead, beep, silence(3*time.Second, r, rng))
			wantEnd := time.Duration(len(lead)+len(beep)) * time.Second / time.Duration(r)
			res := run(t, amd.Config{SampleRate: r, BeepTimeout: 10 * time.Second}, audio)
			t.Logf("%d Hz at %d Hz: %v (true end %v)", int(hz), r, res, wantEnd)
			if res.Verdict != amd.Machine || res.Cause != amd.CauseLongGreeting {
				t.Errorf("got %v (%s), want MACHINE (long greeting)", res.Verdict, res.Cause)
			}
			if !res.Beep || (res.BeepEnd-wantEnd).Abs() > 40*time.Millisecond {
				t.Errorf("%d Hz at %d Hz: beep %v ending %v, want the end at %v ± 40 ms", int(hz), r, res.Beep, res.BeepEnd, wantEnd)
			}
		}
	}
}

func TestBeepAloneIsMachine(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	audio := cat(silence(510*time.Millisecond, rate, rng), tone(800, 300*time.Millisecond, rate, 0.2), silence(3*time.Second, rate, rng))
	res := run(t, amd.Config{}, audio)
	expect(t, res, amd.Machine, amd.CauseBeep, 650*time.Millisecond, 700*time.Millisecond)
	if !res.Beep || (res.BeepEnd-810*time.Millisecond).Abs() > 40*time.Millisecond {
		t.Errorf("beep %v ending %v, want the end at 810 ms ± 40 ms", res.Beep, res.BeepEnd)
	}
}

func TestNoBeepWithoutTone(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	cases := map[string]media.PCM16{
		"voice":          cat(silence(300*time.Millisecond, rate, rng), voice(3*time.Second, rate), silence(3*time.Second, rate, rng)),
		"short tone":     cat(silence(300*time.Millisecond, rate, rng), voice(2*time.Second, rate), silence(300*time.Millisecond, rate, rng), tone(1000, 100*time.Millisecond, rate, 0.3), silence(3*time.Second, rate, rng)),
		"low tone":       cat(silence(300*time.Millisecond, rate, rng), voice(2*time.Second, rate), tone(300, 600*time.Millisecond, rate, 0.3), silence(3*time.Second, rate, rng)),
		"two tones":      cat(silence(300*time.Millisecond, rate, rng), voice(2*time.Second, rate), mix(tone(700, 600*time.Millisecond, rate, 0.2), tone(1300, 600*time.Millisecond, rate, 0.2)), silence(3*time.Second, rate, rng)),
		"white noise":    cat(silence(300*time.Millisecond, rate, rng), voice(2*time.Second, rate), noise(600*time.Millisecond, rate, rng, 3000), silence(3*time.Second, rate, rng)),
		"tone too quiet": cat(silence(300*time.Millisecond, rate, rng), voice(2*time.Second, rate), tone(1000, 600*time.Millisecond, rate, 0.003), silence(3*time.Second, rate, rng)),
	}
	for name, audio := range cases {
		if res := run(t, amd.Config{BeepTimeout: 8 * time.Second}, audio); res.Beep {
			t.Errorf("%s: beep reported: %v", name, res)
		}
	}
}

func mix(a, b media.PCM16) media.PCM16 {
	out := make(media.PCM16, max(len(a), len(b)))
	for i := range out {
		v := 0
		if i < len(a) {
			v += int(a[i])
		}
		if i < len(b) {
			v += int(b[i])
		}
		out[i] = int16(max(-32768, min(32767, v)))
	}
	return out
}

func noise(d time.Duration, rate int, rng *rand.Rand, amp float64) media.PCM16 {
	out := make(media.PCM16, samples(d, rate))
	for i := range out {
		out[i] = int16(max(-32768, min(32767, rng.NormFloat64()*amp)))
	}
	return out
}

func TestNoiseFloorAdapts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	// A loud steady hiss (-38 dBFS, 15 dB under the voice) on the line from the answer: it is not a greeting.
	hiss := noise(6*time.Second, rate, rng, 400)
	expect(t, run(t, amd.Config{}, hiss), amd.Machine, amd.CauseInitialSilence, 2500*time.Millisecond, 2520*time.Millisecond)
	// And a person speaking over it is heard.
	audio := mix(hiss, cat(make(media.PCM16, samples(500*time.Millisecond, rate)), voice(500*time.Millisecond, rate)))
	expect(t, run(t, amd.Config{}, audio), amd.Human, amd.CauseAfterGreeting, 1780*time.Millisecond, 1900*time.Millisecond)
}

func TestConfigDefaultsAndValidate(t *testing.T) {
	c := amd.Config{}.Defaults()
	if c.InitialSilence != 2500*time.Millisecond || c.Greeting != 1500*time.Millisecond || c.AfterGreetingSilence != 800*time.Millisecond ||
		c.TotalTime != 5*time.Second || c.MinWordLength != 100*time.Millisecond || c.BetweenWordsSilence != 150*time.Millisecond ||
		c.MaxWords != 3 || c.SampleRate != 8000 {
		t.Errorf("defaults: %+v", c)
	}
	for _, bad := range []amd.Config{{SampleRate: 44100}, {Greeting: -time.Second}, {MaxWords: -1}, {BeepTimeout: -1}, {MinLevelDBFS: 3}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		} else {
			t.Log(err)
		}
	}
	var y amd.Config
	if err := yaml.Unmarshal([]byte("initial_silence: 2s\ngreeting: 1200ms\nmax_words: 4\nbeep_timeout: 30s\nsample_rate: 16000\n"), &y); err != nil {
		t.Fatal(err)
	}
	if y.InitialSilence != 2*time.Second || y.Greeting != 1200*time.Millisecond || y.MaxWords != 4 || y.BeepTimeout != 30*time.Second || y.SampleRate != 16000 {
		t.Errorf("from YAML: %+v", y)
	}
	if err := y.Validate(); err != nil {
		t.Error(err)
	}
}

func TestDoneStaysDone(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	d := amd.New(amd.Config{})
	var first amd.Result
	for i := 0; ; i++ {
		res, done := d.Frame(silence(20*time.Millisecond, rate, rng))
		if done {
			first = res
			break
		}
		if i > 1000 {
			t.Fatal("never done")
		}
	}
	if res, done := d.Frame(voice(20*time.Millisecond, rate)); !done || res != first {
		t.Errorf("after done: %v %v, want %v true", res, done, first)
	}
}

func BenchmarkDetectorFrame(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	audio := cat(silence(300*time.Millisecond, rate, rng), voice(2*time.Second, rate), tone(1000, 500*time.Millisecond, rate, 0.3), silence(2*time.Second, rate, rng))
	step := media.SamplesPerFrame(rate)
	frames := len(audio) / step
	b.ReportAllocs()
	d := amd.New(amd.Config{BeepTimeout: time.Hour, TotalTime: time.Hour})
	for i := 0; b.Loop(); i++ {
		off := (i % frames) * step
		d.Frame(audio[off : off+step])
	}
}
