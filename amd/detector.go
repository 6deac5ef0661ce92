package amd

import (
	"fmt"
	"math"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// calibrationFrames are the first frames, from which the detector learns the line's noise.
const calibrationFrames = 5

// voiceHysteresisDB lowers the voice threshold while voice goes on.
const voiceHysteresisDB = 4

// Detector decides from the frames of one answered call. It is not safe for concurrent use:
// the leg's inbound path feeds it, one frame at a time.
type Detector struct {
	cfg  Config
	rate int
	// The configuration in samples.
	initialSilence, greeting, afterGreeting, total, minWord, betweenWords, beepTimeout int64

	pos       int64 // samples seen since the answer
	floor     float64
	calib     []frameLevel // the first frames, held back until the floor is known
	lastVoice bool         // the frame before was voice

	voice     int64 // voice in the greeting so far
	wordVoice int64 // voice since the last gap between words
	silence   int64 // silence since the last voice
	words     int
	inWord    bool
	inGreet   bool

	hp      highPass // the voice decision hears the telephone band
	tone    toneTracker
	res     Result
	decided bool
	done    bool
}

// New returns a Detector for cfg; zero fields take the defaults. It panics on a configuration
// Validate rejects (check configurations from files with Validate first).
func New(cfg Config) *Detector {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	cfg = cfg.Defaults()
	d := &Detector{cfg: cfg, rate: cfg.SampleRate, floor: -70, tone: newToneTracker(cfg.SampleRate), hp: newHighPass(cfg.SampleRate)}
	d.initialSilence = d.samples(cfg.InitialSilence)
	d.greeting = d.samples(cfg.Greeting)
	d.afterGreeting = d.samples(cfg.AfterGreetingSilence)
	d.total = d.samples(cfg.TotalTime)
	d.minWord = d.samples(cfg.MinWordLength)
	d.betweenWords = d.samples(cfg.BetweenWordsSilence)
	d.beepTimeout = d.samples(cfg.BeepTimeout)
	return d
}

// Config returns the configuration in use, defaults filled in.
func (d *Detector) Config() Config { return d.cfg }

func (d *Detector) samples(v time.Duration) int64 {
	return int64(v) * int64(d.rate) / int64(time.Second)
}

func (d *Detector) dur(samples int64) time.Duration {
	return time.Duration(samples) * time.Second / time.Duration(d.rate)
}

// Frame takes the next frame of the callee's audio (normally 20 ms at the configured rate;
// any length works) and returns the result so far and whether the detection is over. Once it
// is, later frames change nothing.
func (d *Detector) Frame(p media.PCM16) (Result, bool) {
	if d.done || len(p) == 0 {
		return d.res, d.done
	}
	start := d.pos
	d.pos += int64(len(p))
	raw, zcr := media.FrameLevel(p)
	db := d.hp.level(p)
	freq := 0.0
	if raw >= d.cfg.MinLevelDBFS {
		freq = frameTone(p, d.rate)
	}
	if d.tone.update(p, start, freq) && !d.res.Beep && (!d.decided || d.res.Verdict == Machine) {
		d.res.Beep, d.res.BeepEnd = true, d.dur(d.tone.heardEnd)
	}
	if !d.decided && d.tone.confirmed() {
		d.decide(Machine, CauseBeep)
	}
	d.level(frameLevel{db: db, zcr: zcr, tonal: freq > 0, n: int64(len(p))})
	if !d.decided && d.pos >= d.total {
		d.decide(NotSure, CauseTooLong)
	}
	if d.decided && !d.tone.confirmed() &&
		(d.res.Verdict != Machine || d.res.Beep || d.beepTimeout == 0 || d.pos >= d.beepTimeout) {
		d.done = true
	}
	// A tone still sounding at the end of the listening time is not waited for.
	if d.pos >= max(d.total, d.beepTimeout) {
		d.done = true
	}
	return d.res, d.done
}

// cadence applies the rules on words, greeting and silences to one frame.
func (d *Detector) cadence(voice bool, n int64) {
	if !voice {
		d.silence += n
		if d.silence >= d.betweenWords {
			d.inWord, d.wordVoice = false, 0
		}
		switch {
		case !d.inGreet && d.pos >= d.initialSilence:
			d.decide(Machine, CauseInitialSilence)
		case d.inGreet && d.silence >= d.afterGreeting:
			d.decide(Human, CauseAfterGreeting)
		}
		return
	}
	d.silence = 0
	d.voice += n
	d.wordVoice += n
	if !d.inWord && d.wordVoice >= d.minWord {
		d.inWord = true
		d.words++
	}
	if d.voice >= d.minWord {
		d.inGreet = true
	}
	switch {
	case d.words > d.cfg.MaxWords:
		d.decide(Machine, CauseMaxWords)
	case d.voice >= d.greeting:
		d.decide(Machine, CauseLongGreeting)
	}
}

func (d *Detector) decide(v Verdict, cause string) {
	d.decided = true
	d.res.Verdict, d.res.Cause, d.res.Decided = v, cause, d.dur(d.pos)
	d.res.Words, d.res.Voice = d.words, d.dur(d.voice)
}

// cut ends a detection that was not over: its verdict if it had one, else NOTSURE for cause.
func (d *Detector) cut(cause string) Result {
	if !d.decided {
		d.decide(NotSure, cause)
	}
	d.done = true
	return d.res
}

// frameLevel is what the voice decision needs of a frame.
type frameLevel struct {
	db, zcr float64
	tonal   bool
	n       int64
}

// level classes a frame as voice or silence and applies the cadence rules to it. The first
// calibrationFrames frames are held back until the noise floor is known from the quietest of
// them, then classed against it: a line whose noise is loud must not pass for a callee who
// speaks at once, and a callee who does must not become the noise floor.
func (d *Detector) level(f frameLevel) {
	if len(d.calib) < calibrationFrames {
		d.calib = append(d.calib, f)
		if len(d.calib) < calibrationFrames {
			return
		}
		d.floor = 0
		for _, c := range d.calib {
			d.floor = math.Min(d.floor, c.db)
		}
		d.floor = math.Max(d.floor, floorMin)
		for _, c := range d.calib {
			d.classify(c)
		}
		return
	}
	d.classify(f)
}

func (d *Detector) classify(f frameLevel) {
	voice := d.isVoice(f.db, f.zcr) || f.tonal
	if !d.decided {
		d.cadence(voice, f.n)
	}
}

// floorMin is the lowest noise floor: digital silence must not make a faint hiss voice.
const floorMin = -90

// isVoice classes one frame and adapts the noise floor, like media's endpointer: the floor
// falls fast to quieter frames and rises slowly with louder ones, and a steady sound that
// goes on long enough becomes the floor.
func (d *Detector) isVoice(db, zcr float64) bool {
	zcr *= float64(d.rate) / 8000 // crossings per 8 kHz sample, whatever the rate
	thr := math.Max(d.floor+d.cfg.ThresholdDB, d.cfg.MinLevelDBFS)
	if d.lastVoice {
		thr -= voiceHysteresisDB // a word's quieter sounds do not split it
	}
	voice := db > thr
	// Hiss crosses zero about every other sample, a voice far less often.
	if voice && zcr > 0.4 && db < thr+20 {
		voice = false
	}
	switch {
	case db < d.floor:
		d.floor = math.Max(d.floor+0.5*(db-d.floor), floorMin)
	case !voice:
		d.floor += 0.1 * (db - d.floor)
	default:
		d.floor += 0.002 * (db - d.floor)
	}
	d.lastVoice = voice
	return voice
}

func (d *Detector) String() string {
	return fmt.Sprintf("amd(%d Hz)", d.rate)
}
