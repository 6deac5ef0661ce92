package media

import (
	"fmt"
	"math"
	"time"
)

// Voice activity detection and endpointing for the bot and speech menus.
//
// Each 20 ms frame is classed as speech when its energy stands far enough
// above an adaptive noise floor and it does not look like broadband noise
// (high zero-crossing rate at modest energy). Short gaps inside speech are
// bridged by a hangover so word boundaries do not split an utterance.
//
// The Endpointer turns the frame decisions into the three moments a
// conversation needs: the caller started speaking (after MinSpeech of speech),
// the caller has spoken long enough to interrupt the bot (MinBargeIn), and
// the caller's turn is over (EndOfTurnSilence of silence). Coughs and clicks
// shorter than MinBargeIn never produce a barge-in.

// VADConfig tunes detection and endpointing. Zero fields take the defaults.
type VADConfig struct {
	MinSpeech        time.Duration // speech needed before SpeechStart; default 100 ms
	MinBargeIn       time.Duration // speech needed before BargeIn; default 300 ms
	EndOfTurnSilence time.Duration // silence that ends a turn; default 500 ms
	Hangover         time.Duration // silence bridged inside speech; default 80 ms
	PreRoll          time.Duration // audio kept before the detected start (soft onsets); default 100 ms
	MaxUtterance     time.Duration // an utterance is cut after this long; default 30 s
	ThresholdDB      float64       // speech must be this far above the noise floor; default 12 dB
	MinLevelDBFS     float64       // and at least this loud; default -50 dBFS
}

func (c VADConfig) withDefaults() VADConfig {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.MinSpeech, 100*time.Millisecond)
	def(&c.MinBargeIn, 300*time.Millisecond)
	def(&c.EndOfTurnSilence, 500*time.Millisecond)
	def(&c.Hangover, 80*time.Millisecond)
	def(&c.PreRoll, 100*time.Millisecond)
	def(&c.MaxUtterance, 30*time.Second)
	if c.ThresholdDB <= 0 {
		c.ThresholdDB = 12
	}
	if c.MinLevelDBFS == 0 {
		c.MinLevelDBFS = -50
	}
	return c
}

// EndpointKind names an endpointing event.
type EndpointKind int

const (
	SpeechStart EndpointKind = iota + 1 // MinSpeech of speech: the caller is talking
	BargeIn                             // MinBargeIn of speech: long enough to interrupt the bot
	EndOfTurn                           // EndOfTurnSilence after speech: the utterance is complete
)

func (k EndpointKind) String() string {
	switch k {
	case SpeechStart:
		return "speech-start"
	case BargeIn:
		return "barge-in"
	case EndOfTurn:
		return "end-of-turn"
	}
	return fmt.Sprintf("endpoint(%d)", int(k))
}

// EndpointEvent reports one moment of a caller's utterance. Times are offsets
// into the audio stream the Endpointer has seen (sample-accurate, not wall time).
type EndpointEvent struct {
	Kind  EndpointKind
	Start time.Duration // where speech began
	End   time.Duration // EndOfTurn: where speech ended, hangover included
	At    time.Duration // the end of the frame that triggered the event
	// Samples is the utterance (pre-roll to End) on EndOfTurn; it is the
	// receiver's to keep.
	Samples PCM16
}

// Endpointer is a FrameWriter that detects utterances in the audio written
// to it and reports them to a callback, called synchronously from
// WriteFrame (keep it short: hand off to a channel). Not safe for concurrent
// writers; one goroutine (the leg's inbound path) writes.
type Endpointer struct {
	cfg  VADConfig
	rate int
	fn   func(EndpointEvent)

	pos       int64 // samples seen
	frames    int   // noise frames learnt during calibration
	floor     float64
	calSum    float64
	preroll   PCM16 // ring of the most recent audio while idle
	buf       PCM16 // utterance audio while active
	active    bool  // a candidate or confirmed utterance is open
	started   bool  // SpeechStart emitted
	barged    bool  // BargeIn emitted
	startPos  int64 // first speech sample
	lastVoice int64 // end of the last speech frame
}

// calibrationFrames are the first frames, used only to learn the noise floor.
const calibrationFrames = 5

// NewEndpointer returns an Endpointer for audio at rate that reports to fn.
func NewEndpointer(rate int, cfg VADConfig, fn func(EndpointEvent)) *Endpointer {
	if rate <= 0 {
		panic(fmt.Sprintf("media: NewEndpointer: rate %d must be positive", rate))
	}
	return &Endpointer{cfg: cfg.withDefaults(), rate: rate, fn: fn, floor: -70}
}

func (e *Endpointer) SampleRate() int { return e.rate }
func (e *Endpointer) String() string  { return "vad" }

// Config returns the configuration in use, defaults filled in.
func (e *Endpointer) Config() VADConfig { return e.cfg }

// Speaking reports whether an utterance has passed MinSpeech and not ended.
func (e *Endpointer) Speaking() bool { return e.started }

// Reset drops any open utterance (the pipeline moved on); the noise floor is kept.
func (e *Endpointer) Reset() {
	e.active, e.started, e.barged = false, false, false
	e.buf = e.buf[:0]
}

func (e *Endpointer) dur(samples int64) time.Duration {
	return time.Duration(samples) * time.Second / time.Duration(e.rate)
}

func (e *Endpointer) samples(d time.Duration) int64 {
	return int64(d) * int64(e.rate) / int64(time.Second)
}

// FrameLevel returns a frame's energy in dBFS and its zero-crossing rate
// (crossings per sample).
func FrameLevel(p PCM16) (dbfs, zcr float64) {
	if len(p) == 0 {
		return -120, 0
	}
	var sum float64
	crossings := 0
	for i, s := range p {
		v := float64(s)
		sum += v * v
		if i > 0 && (s >= 0) != (p[i-1] >= 0) {
			crossings++
		}
	}
	ms := sum / float64(len(p)) / (32768.0 * 32768.0)
	if ms < 1e-12 {
		return -120, float64(crossings) / float64(len(p))
	}
	return 10 * math.Log10(ms), float64(crossings) / float64(len(p))
}

// isSpeech classes one frame and adapts the noise floor.
func (e *Endpointer) isSpeech(p PCM16) bool {
	db, zcr := FrameLevel(p)
	if e.frames < calibrationFrames {
		// Learn the line's noise from the first frames, unless they are
		// plainly voiced (loud, few zero crossings): a caller who speaks
		// at once must not become the noise floor.
		if db > e.cfg.MinLevelDBFS && zcr < 0.25 {
			return true
		}
		e.frames++
		e.calSum += db
		e.floor = e.calSum / float64(e.frames)
		return false
	}
	thr := math.Max(e.floor+e.cfg.ThresholdDB, e.cfg.MinLevelDBFS)
	speech := db > thr
	// Broadband noise (hiss, wind) crosses zero about every other sample;
	// voiced speech far less. Only loud frames with a high rate count.
	if speech && zcr > 0.4 && db < thr+20 {
		speech = false
	}
	switch {
	case db < e.floor:
		e.floor = db // quiet moments pull the floor down at once
	case !speech:
		e.floor += 0.1 * (db - e.floor)
	default:
		// A constant loud sound slowly becomes the new floor.
		e.floor += 0.002 * (db - e.floor)
	}
	return speech
}

// WriteFrame feeds one frame. It never fails.
func (e *Endpointer) WriteFrame(p PCM16) error {
	speech := e.isSpeech(p)
	frameStart := e.pos
	e.pos += int64(len(p))

	if !e.active {
		if !speech {
			e.keepPreRoll(p)
			return nil
		}
		e.active = true
		e.startPos = frameStart
		e.lastVoice = e.pos
		e.buf = append(e.buf[:0], e.preroll...)
		e.preroll = e.preroll[:0]
	}
	e.buf = append(e.buf, p...)

	if speech {
		e.lastVoice = e.pos
	}
	spoken := e.lastVoice - e.startPos
	silent := e.pos - e.lastVoice

	if !e.started {
		if silent > e.samples(e.cfg.Hangover) {
			// Too short to be speech: a click or a cough.
			e.keepPreRoll(e.buf)
			e.active = false
			e.buf = e.buf[:0]
			return nil
		}
		if spoken >= e.samples(e.cfg.MinSpeech) {
			e.started = true
			e.emit(EndpointEvent{Kind: SpeechStart, Start: e.dur(e.startPos), At: e.dur(e.pos)})
		}
	}
	if e.started && !e.barged && silent <= e.samples(e.cfg.Hangover) && spoken >= e.samples(e.cfg.MinBargeIn) {
		e.barged = true
		e.emit(EndpointEvent{Kind: BargeIn, Start: e.dur(e.startPos), At: e.dur(e.pos)})
	}
	if e.started && (silent >= e.samples(e.cfg.EndOfTurnSilence) || e.pos-e.startPos >= e.samples(e.cfg.MaxUtterance)) {
		end := min(e.lastVoice+e.samples(e.cfg.Hangover), e.pos)
		// buf begins PreRoll (or less) before startPos.
		bufStart := e.pos - int64(len(e.buf))
		utt := make(PCM16, end-bufStart)
		copy(utt, e.buf)
		ev := EndpointEvent{Kind: EndOfTurn, Start: e.dur(e.startPos), End: e.dur(end), At: e.dur(e.pos), Samples: utt}
		e.Reset()
		e.emit(ev)
	}
	return nil
}

func (e *Endpointer) keepPreRoll(p PCM16) {
	max := int(e.samples(e.cfg.PreRoll))
	e.preroll = append(e.preroll, p...)
	if over := len(e.preroll) - max; over > 0 {
		e.preroll = append(e.preroll[:0], e.preroll[over:]...)
	}
}

func (e *Endpointer) emit(ev EndpointEvent) {
	if e.fn != nil {
		e.fn(ev)
	}
}
