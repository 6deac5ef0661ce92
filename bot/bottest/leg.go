// Package bottest provides an in-memory media.Leg for bot tests: the
// caller's audio is injected on a real-time 20 ms clock and the bot's audio
// is collected with the time each frame was written.
package bottest

import (
	"context"
	"math/rand"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/media"
)

// Frame is one frame the bot wrote, or one frame the caller sent.
type Frame struct {
	At time.Time
	// Seq orders everything that happens on the leg — caller frames, bot
	// frames, flushes — so tests can check what came before what without
	// reading clocks. A caller frame's Seq is taken before the frame is
	// handed to the bot.
	Seq  uint64
	Loud bool // above -40 dBFS: speech or tone, not silence or line noise
	// During, for a flush, is the Seq of the caller frame the bot was
	// taking in when it flushed (0: none), so a test can tell a flush
	// made inside that frame's WriteFrame from one made later.
	During uint64
}

// Leg is a fake call leg. The zero value is not usable; call NewLeg.
type Leg struct {
	id     string
	rate   int
	ctx    context.Context
	cancel context.CancelFunc
	dtmf   chan rune

	mu       sync.Mutex
	in       media.FrameWriter
	pending  media.PCM16 // caller audio not yet sent
	inFrames []Frame
	out      []Frame
	flushes  []Frame
	seq      uint64
	writing  uint64 // Seq of the caller frame being handed to the bot
	outAudio media.PCM16
	ticker   *time.Ticker
	done     chan struct{}
}

var _ media.Leg = (*Leg)(nil)

// NewLeg starts a leg at rate whose caller sends faint line noise until
// told to Say something. Close it (or Hangup) at the end of the test.
func NewLeg(id string, rate int) *Leg {
	ctx, cancel := context.WithCancel(context.Background())
	l := &Leg{id: id, rate: rate, ctx: ctx, cancel: cancel, dtmf: make(chan rune, 8),
		ticker: time.NewTicker(media.FrameDurationMs * time.Millisecond), done: make(chan struct{})}
	go l.pump()
	return l
}

func (l *Leg) ID() string               { return l.id }
func (l *Leg) Context() context.Context { return l.ctx }
func (l *Leg) DTMF() <-chan rune        { return l.dtmf }

// AudioOut paces the bot at real time, like a SIP leg.
func (l *Leg) AudioOut() media.FrameWriter { return (*outWriter)(l) }

// FlushAudioOut records the flush.
func (l *Leg) FlushAudioOut() {
	l.mu.Lock()
	l.seq++
	l.flushes = append(l.flushes, Frame{At: time.Now(), Seq: l.seq, During: l.writing})
	l.mu.Unlock()
}

func (l *Leg) SwapAudioIn(w media.FrameWriter) media.FrameWriter {
	l.mu.Lock()
	defer l.mu.Unlock()
	prev := l.in
	l.in = w
	return prev
}

func (l *Leg) Hangup(ctx context.Context, cause string) error { l.cancel(); return nil }

// Close hangs up and stops the caller's clock.
func (l *Leg) Close() {
	l.cancel()
	<-l.done
}

// Say queues caller audio (at the leg's rate) after what is already queued.
func (l *Leg) Say(samples media.PCM16) {
	l.mu.Lock()
	l.pending = append(l.pending, samples...)
	l.mu.Unlock()
}

// Press sends a DTMF key.
func (l *Leg) Press(d rune) { l.dtmf <- d }

// Quiet reports whether the caller's queued audio has all been sent.
func (l *Leg) Quiet() bool { l.mu.Lock(); defer l.mu.Unlock(); return len(l.pending) == 0 }

// Out returns the bot's frames so far.
func (l *Leg) Out() []Frame { l.mu.Lock(); defer l.mu.Unlock(); return append([]Frame(nil), l.out...) }

// OutAudio returns the bot's audio so far.
func (l *Leg) OutAudio() media.PCM16 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append(media.PCM16(nil), l.outAudio...)
}

// In returns the caller's frames so far.
func (l *Leg) In() []Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Frame(nil), l.inFrames...)
}

// Flushes returns when FlushAudioOut was called.
func (l *Leg) Flushes() []time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]time.Time, len(l.flushes))
	for i, f := range l.flushes {
		out[i] = f.At
	}
	return out
}

// FlushEvents returns the flushes with their place in the leg's order.
func (l *Leg) FlushEvents() []Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Frame(nil), l.flushes...)
}

func loud(p media.PCM16) bool {
	db, _ := media.FrameLevel(p)
	return db > -40
}

// pump sends one caller frame every 20 ms until the leg ends.
func (l *Leg) pump() {
	defer close(l.done)
	defer l.ticker.Stop()
	n := media.SamplesPerFrame(l.rate)
	rng := rand.New(rand.NewSource(1))
	frame := make(media.PCM16, n)
	for {
		select {
		case <-l.ctx.Done():
			return
		case <-l.ticker.C:
		}
		l.mu.Lock()
		if len(l.pending) > 0 {
			k := copy(frame, l.pending)
			clear(frame[k:])
			l.pending = l.pending[k:]
		} else {
			for i := range frame {
				frame[i] = int16(rng.Intn(41) - 20) // about -65 dBFS
			}
		}
		w := l.in
		l.seq++
		l.inFrames = append(l.inFrames, Frame{At: time.Now(), Seq: l.seq, Loud: loud(frame)})
		l.writing = l.seq
		l.mu.Unlock()
		if w != nil {
			w.WriteFrame(frame)
		}
		l.mu.Lock()
		l.writing = 0
		l.mu.Unlock()
	}
}

// outWriter is the leg's AudioOut: it blocks until the frame's 20 ms slot.
type outWriter Leg

func (o *outWriter) SampleRate() int { return o.rate }
func (o *outWriter) String() string  { return "fake-leg-out" }

func (o *outWriter) WriteFrame(p media.PCM16) error {
	l := (*Leg)(o)
	if l.ctx.Err() != nil {
		return media.ErrClosed
	}
	l.mu.Lock()
	l.seq++
	l.out = append(l.out, Frame{At: time.Now(), Seq: l.seq, Loud: loud(p)})
	l.outAudio = append(l.outAudio, p...)
	l.mu.Unlock()
	// Real time: the next frame may go 20 ms after this one.
	t := time.NewTimer(media.FrameDurationMs * time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
	case <-l.ctx.Done():
	}
	return nil
}
