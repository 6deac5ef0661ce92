// Package legtest is the one fake call leg for tests of what runs on a leg (the IVR, the bot,
// the agent desk, the bridge): a media.Leg with the caller's and the agent's signalling ends too
// (answer, reject, ringing, early media, hangup by a party, who hung up), whose party's audio is
// injected on a 20 ms clock and whose outbound audio is kept with the time each frame was written.
//
// A test that needs real time (the bot's barge-in, endpointing) uses the default period; one that
// only walks through states (queues, hold loops) sets a short Period so it runs fast.
package legtest

import (
	"context"
	"errors"
	"log/slog"
	"math/rand"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// Frame is one frame the leg received (written to AudioOut) or its party sent, or a flush.
type Frame struct {
	At time.Time
	// Seq orders everything that happens on the leg (party frames, frames written, flushes), so
	// tests can check what came before what without reading clocks. A party frame's Seq is taken
	// before the frame is handed on.
	Seq  uint64
	Loud bool // above -40 dBFS: speech or tone, not silence or line noise
	// During, for a flush, is the Seq of the party frame being handed on when it happened (0:
	// none), so a test can tell a flush made inside that frame's WriteFrame from one made later.
	During uint64
}

// Options configure a Leg.
type Options struct {
	Rate int // sample rate of the leg's audio both ways; default 8000
	// Period is the frame clock: how long AudioOut takes per frame and how often the party sends
	// one. Default 20 ms (real time).
	Period time.Duration
	Codec  string       // what Codec reports; default "PCMU"
	Log    *slog.Logger // what Logger returns; default discards
	// NoEarly makes Progress fail: a call that came without an SDP offer has no early media.
	NoEarly bool
	// Silent makes the party send digital silence instead of faint line noise.
	Silent bool
	// Party is who HangUp says hung up: "caller" (default) or "agent".
	Party string
}

// ErrNoEarly is what Progress returns with Options.NoEarly.
var ErrNoEarly = errors.New("legtest: no early media for this call")

// Leg is a fake leg. Create it with New; Close it at the end of the test.
type Leg struct {
	id   string
	opts Options
	ctx  context.Context
	end  context.CancelFunc
	dtmf chan rune
	done chan struct{}

	mu     sync.Mutex // guards the fields below
	in     media.FrameWriter
	queued media.PCM16 // the party's audio not yet sent
	leave  bool        // hang up once the queued audio is sent
	rec    recording
	sig    signalling
}

// recording is what went through the leg's audio.
type recording struct {
	seq      uint64 // the last Frame.Seq given
	writing  uint64 // Seq of the party frame being handed on
	inFrames []Frame
	out      []Frame
	outAudio media.PCM16
	flushes  []Frame
	swaps    []string // String() of every writer given to SwapAudioIn
}

// signalling is what the leg was told and how it ended.
type signalling struct {
	told       []string // "180", "183", "200", "reject 486": what the party's phone was told, in order
	answered   bool
	hangupBy   string
	cause      string
	byUs       bool
	closed     bool
	digitsSent []rune
}

var _ media.Leg = (*Leg)(nil)

// New starts a leg whose party sends faint line noise (or silence) until told to Say something.
func New(id string, opts Options) *Leg {
	if opts.Rate == 0 {
		opts.Rate = 8000
	}
	if opts.Period == 0 {
		opts.Period = media.FrameDurationMs * time.Millisecond
	}
	if opts.Codec == "" {
		opts.Codec = "PCMU"
	}
	if opts.Party == "" {
		opts.Party = "caller"
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Leg{id: id, opts: opts, ctx: ctx, end: cancel, dtmf: make(chan rune, 16), done: make(chan struct{})}
	go l.pump()
	return l
}

// ---- media.Leg ----

func (l *Leg) ID() string               { return l.id }
func (l *Leg) Context() context.Context { return l.ctx }
func (l *Leg) DTMF() <-chan rune        { return l.dtmf }

// AudioOut keeps what is written and paces the writer at one frame per Period, like a real leg.
func (l *Leg) AudioOut() media.FrameWriter { return (*outWriter)(l) }

// FlushAudioOut records the flush.
func (l *Leg) FlushAudioOut() {
	l.mu.Lock()
	l.rec.seq++
	l.rec.flushes = append(l.rec.flushes, Frame{At: time.Now(), Seq: l.rec.seq, During: l.rec.writing})
	l.mu.Unlock()
}

// SwapAudioIn sets where the party's audio goes.
func (l *Leg) SwapAudioIn(w media.FrameWriter) media.FrameWriter {
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.in
	l.in = w
	name := "<nil>"
	if w != nil {
		name = w.String()
	}
	l.rec.swaps = append(l.rec.swaps, name)
	return prev
}

// Hangup ends the leg from our side.
func (l *Leg) Hangup(_ context.Context, cause string) error {
	l.finish("server", cause, true)
	return nil
}

// ---- the caller's and the agent's ends ----

// Logger is the leg's log.
func (l *Leg) Logger() *slog.Logger { return l.opts.Log }

// Ringing tells the party's phone we ring someone (SIP 180).
func (l *Leg) Ringing() error { l.tell("180"); return nil }

// Progress starts early media (SIP 183), unless Options.NoEarly.
func (l *Leg) Progress() error {
	if l.opts.NoEarly {
		return ErrNoEarly
	}
	l.tell("183")
	return nil
}

// Answer answers the call (SIP 200); idempotent.
func (l *Leg) Answer() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.sig.answered {
		l.sig.answered = true
		l.sig.told = append(l.sig.told, "200")
	}
	return nil
}

// Reject refuses the unanswered call.
func (l *Leg) Reject(code int, reason string) {
	l.tell("reject " + strconv.Itoa(code))
	l.finish("server", reason, true)
}

// HangupBy ends the call on behalf of a party.
func (l *Leg) HangupBy(_ context.Context, by, cause string) error {
	l.finish(by, cause, true)
	return nil
}

// HangupInfo tells who ended the call and why.
func (l *Leg) HangupInfo() (by, cause string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sig.hangupBy, l.sig.cause
}

// HungUpByUs reports whether our side ended the leg.
func (l *Leg) HungUpByUs() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sig.byUs
}

func (l *Leg) OutputRate() int { return l.opts.Rate }
func (l *Leg) Codec() string   { return l.opts.Codec }

// DigitLeg is a Leg that can send key presses to its party, as a SIP leg does with RFC 4733
// (media.DigitSender); it keeps what it sent.
type DigitLeg struct{ *Leg }

// NewDigitLeg starts a DigitLeg.
func NewDigitLeg(id string, opts Options) *DigitLeg { return &DigitLeg{New(id, opts)} }

// SendDigit keeps a key sent to the party.
func (l *DigitLeg) SendDigit(d rune) error {
	l.mu.Lock()
	l.sig.digitsSent = append(l.sig.digitsSent, d)
	l.mu.Unlock()
	return nil
}

// Close ends the leg (if it runs) and stops its clock.
func (l *Leg) Close() {
	l.mu.Lock()
	l.sig.closed = true
	l.mu.Unlock()
	l.end()
	<-l.done
}

// ---- what the test does as the party ----

// Say queues the party's audio (at the leg's rate) after what is already queued. Queued audio is
// sent while a writer is swapped in; until then it waits (and line noise or silence goes nowhere).
func (l *Leg) Say(samples media.PCM16) {
	l.mu.Lock()
	l.queued = append(l.queued, samples...)
	l.mu.Unlock()
}

// Press sends a key press.
func (l *Leg) Press(d rune) { l.dtmf <- d }

// HangUpWhenQuiet ends the leg from the party's side right after its last queued frame is sent:
// a caller who leaves a message and hangs up.
func (l *Leg) HangUpWhenQuiet() {
	l.mu.Lock()
	l.leave = true
	l.mu.Unlock()
}

// HangUp ends the leg from the party's side (a caller's or an agent's BYE).
func (l *Leg) HangUp() {
	l.finish(l.opts.Party, "bye", false)
}

// ---- what the test checks ----

// Quiet reports whether the party's queued audio has all been sent.
func (l *Leg) Quiet() bool { l.mu.Lock(); defer l.mu.Unlock(); return len(l.queued) == 0 }

// Out returns the frames written to AudioOut so far.
func (l *Leg) Out() []Frame { l.mu.Lock(); defer l.mu.Unlock(); return slices.Clone(l.rec.out) }

// OutAudio returns the audio written to AudioOut so far.
func (l *Leg) OutAudio() media.PCM16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.rec.outAudio)
}

// In returns the frames the party sent so far.
func (l *Leg) In() []Frame { l.mu.Lock(); defer l.mu.Unlock(); return slices.Clone(l.rec.inFrames) }

// Flushes returns when FlushAudioOut was called.
func (l *Leg) Flushes() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]time.Time, len(l.rec.flushes))
	for i, f := range l.rec.flushes {
		out[i] = f.At
	}
	return out
}

// FlushEvents returns the flushes with their place in the leg's order.
func (l *Leg) FlushEvents() []Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.rec.flushes)
}

// Swaps returns the writers given to SwapAudioIn, by name, in order.
func (l *Leg) Swaps() []string { l.mu.Lock(); defer l.mu.Unlock(); return slices.Clone(l.rec.swaps) }

// Told returns what the party's phone was told, in order ("180", "183", "200", "reject 486").
func (l *Leg) Told() []string { l.mu.Lock(); defer l.mu.Unlock(); return slices.Clone(l.sig.told) }

// Answered reports whether Answer was called.
func (l *Leg) Answered() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.sig.answered }

// Closed reports whether Close was called.
func (l *Leg) Closed() bool { l.mu.Lock(); defer l.mu.Unlock(); return l.sig.closed }

// DigitsSent returns the keys sent to the party with a DigitLeg's SendDigit.
func (l *Leg) DigitsSent() []rune {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.sig.digitsSent)
}

// ---- inside ----

func (l *Leg) tell(what string) {
	l.mu.Lock()
	l.sig.told = append(l.sig.told, what)
	l.mu.Unlock()
}

// finish ends the leg once; the first ending's party and cause stay.
func (l *Leg) finish(by, cause string, byUs bool) {
	l.mu.Lock()
	if l.ctx.Err() == nil {
		l.sig.hangupBy, l.sig.cause, l.sig.byUs = by, cause, byUs
	}
	l.mu.Unlock()
	l.end()
}

func loud(p media.PCM16) bool {
	db, _ := media.FrameLevel(p)
	return db > -40
}

// pump sends one frame of the party's audio every Period until the leg ends.
func (l *Leg) pump() {
	defer close(l.done)
	t := time.NewTicker(l.opts.Period)
	defer t.Stop()
	frame := make(media.PCM16, media.SamplesPerFrame(l.opts.Rate))
	rng := rand.New(rand.NewSource(1))
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-t.C:
		}
		l.mu.Lock()
		if len(l.queued) > 0 && l.in != nil {
			k := copy(frame, l.queued)
			clear(frame[k:])
			l.queued = l.queued[k:]
		} else {
			for i := range frame {
				frame[i] = 0
				if !l.opts.Silent {
					frame[i] = int16(rng.Intn(41) - 20) // about -65 dBFS
				}
			}
		}
		w := l.in
		l.rec.seq++
		l.rec.inFrames = append(l.rec.inFrames, Frame{At: time.Now(), Seq: l.rec.seq, Loud: loud(frame)})
		l.rec.writing = l.rec.seq
		leave := l.leave && len(l.queued) == 0 && w != nil
		l.mu.Unlock()
		if w != nil {
			_ = w.WriteFrame(frame)
		}
		l.mu.Lock()
		l.rec.writing = 0
		l.mu.Unlock()
		if leave {
			l.finish(l.opts.Party, "bye", false)
		}
	}
}

// outWriter is the leg's AudioOut: it keeps each frame and blocks until the frame's slot.
type outWriter Leg

func (o *outWriter) SampleRate() int { return o.opts.Rate }
func (o *outWriter) String() string  { return "legtest-out" }

func (o *outWriter) WriteFrame(p media.PCM16) error {
	l := (*Leg)(o)
	if l.ctx.Err() != nil {
		return media.ErrClosed
	}
	l.mu.Lock()
	l.rec.seq++
	l.rec.out = append(l.rec.out, Frame{At: time.Now(), Seq: l.rec.seq, Loud: loud(p)})
	l.rec.outAudio = append(l.rec.outAudio, p...)
	l.mu.Unlock()
	t := time.NewTimer(l.opts.Period)
	defer t.Stop()
	select {
	case <-t.C:
	case <-l.ctx.Done():
	}
	return nil
}
