package media

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Audience is a set of a mixer's parties: whom a party hears, or who hears
// it. The zero value is Everyone.
type Audience struct {
	nobody bool
	only   []*Party // nil: everyone
}

var (
	// Everyone is every other party in the mixer, present or yet to join.
	Everyone = Audience{}
	// Nobody is no party at all.
	Nobody = Audience{nobody: true}
)

// Only is the parties given; with none it is Nobody.
func Only(parties ...*Party) Audience {
	if len(parties) == 0 {
		return Nobody
	}
	return Audience{only: slices.Clone(parties)}
}

func (a Audience) everyone() bool { return !a.nobody && a.only == nil }

func (a Audience) includes(p *Party) bool {
	return !a.nobody && (a.only == nil || slices.Contains(a.only, p))
}

func (a Audience) String() string {
	switch {
	case a.nobody:
		return "nobody"
	case a.only == nil:
		return "everyone"
	}
	s := "only("
	for i, p := range a.only {
		if i > 0 {
			s += ","
		}
		s += p.leg.ID()
	}
	return s + ")"
}

// PartyOptions say whom a party hears and who hears it: party A hears party
// B when A's Hears includes B and B's Heard includes A. The zero value is a
// full member of a conference.
type PartyOptions struct {
	// Hears is whom the party hears (default Everyone).
	Hears Audience
	// Heard is who hears the party: Everyone (default), Nobody for a silent
	// listener, Only(agent) for a whisper.
	Heard Audience
}

// Listen is a supervisor's silent monitor: hears everyone, heard by nobody.
func Listen() PartyOptions { return PartyOptions{Heard: Nobody} }

// Whisper is a supervisor coaching: hears everyone, heard only by to (the
// agent), not by the caller.
func Whisper(to ...*Party) PartyOptions { return PartyOptions{Heard: Only(to...)} }

// Barge is a full three-way: hears everyone, heard by everyone.
func Barge() PartyOptions { return PartyOptions{} }

func (o PartyOptions) String() string {
	return "hears " + o.Hears.String() + ", heard by " + o.Heard.String()
}

// Party is a leg in a mixer.
type Party struct {
	m      *Mixer
	leg    Leg
	in     *partyIn    // the leg's audio in while it is in the mixer
	prevIn FrameWriter // what the leg's audio went to before; given back on Leave
	done   chan struct{}
	once   sync.Once
}

// Leg is the party's leg.
func (p *Party) Leg() Leg { return p.leg }

// Done is closed when the party has left: by Leave, because its leg ended,
// or because the mixer was closed.
func (p *Party) Done() <-chan struct{} { return p.done }

// SetMode changes whom the party hears and who hears it, from the next
// tick on: a supervisor goes from Listen to Whisper to Barge without
// re-joining. It returns ErrClosed once the party has left.
func (p *Party) SetMode(opts PartyOptions) error {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.members {
		if b.party == p {
			b.opts = opts
			return nil
		}
	}
	return fmt.Errorf("mixer: %s: %w", p.leg.ID(), ErrClosed)
}

// Mode returns the party's options as they are now.
func (p *Party) Mode() PartyOptions {
	m := p.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.members {
		if b.party == p {
			return b.opts
		}
	}
	return PartyOptions{}
}

// Leave takes the party out of the mixer: the others stop hearing it, the
// mixer writes nothing more to its leg, and the leg's inbound audio goes back
// to where it went before Join (unless something else has taken it since).
// Calling it again is harmless.
func (p *Party) Leave() {
	p.once.Do(func() {
		m := p.m
		var gone *member
		m.mu.Lock()
		m.members = slices.DeleteFunc(m.members, func(b *member) bool {
			if b.party == p {
				gone = b
				return true
			}
			return false
		})
		m.mu.Unlock()
		p.restoreIn()
		if gone != nil {
			gone.out.close()
		}
		close(p.done)
	})
}

// restoreIn gives the leg's audio in back to its writer from before Join,
// unless it has been given to someone else since.
func (p *Party) restoreIn() {
	cur := p.leg.SwapAudioIn(p.prevIn)
	if !p.in.is(cur) {
		p.leg.SwapAudioIn(cur)
	}
}

// partyIn is what a party's leg writes its inbound audio to, at the leg's
// rate: it converts to the mixer's rate and fills the party's inbox.
type partyIn struct {
	name string
	rate int
	mu   sync.Mutex  // serialises writers (a resampler serves one at a time)
	w    FrameWriter // the resampler to the mixer's rate, or the inbox itself
	box  *mixerInbox
}

func newPartyIn(name string, rate int, box *mixerInbox) *partyIn {
	return &partyIn{name: name, rate: rate, w: NewResampler(box, rate), box: box}
}

func (p *partyIn) WriteFrame(f PCM16) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.w.WriteFrame(f)
}

func (p *partyIn) SampleRate() int { return p.rate }
func (p *partyIn) String() string  { return "mixer-in(" + p.name + ") → " + p.w.String() }

// is reports whether w is this writer, as a leg's SwapAudioIn returns it
// (possibly behind the resampler a SwitchWriter adds).
func (p *partyIn) is(w FrameWriter) bool {
	if r, ok := w.(*resampler); ok {
		w = r.out
	}
	pw, ok := w.(*partyIn)
	return ok && pw == p
}

// mixerInboxFrames is how much of a party's audio waits for the tick: enough
// for a packet that arrives just after the tick it was meant for, and for
// 30 ms packets on a 20 ms tick, with no standing delay beyond that.
const mixerInboxFrames = 3

// mixerInbox holds a party's audio, at the mixer's rate, until the tick
// takes it a frame at a time. The leg's receive path writes, the tick takes;
// when the writer runs ahead (a burst after jitter, clock drift), the oldest
// samples are dropped rather than kept as delay.
type mixerInbox struct {
	rate int
	mu   sync.Mutex // guards buf and idle
	buf  PCM16      // samples not yet mixed, oldest first
	idle int        // takes since audio last arrived
}

func newMixerInbox(rate int) *mixerInbox {
	return &mixerInbox{rate: rate, buf: make(PCM16, 0, mixerInboxFrames*SamplesPerFrame(rate))}
}

func (b *mixerInbox) WriteFrame(p PCM16) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c := cap(b.buf); len(p) > c {
		p = p[len(p)-c:]
	}
	if over := len(b.buf) + len(p) - cap(b.buf); over > 0 {
		b.buf = b.buf[:copy(b.buf, b.buf[over:])]
	}
	b.buf = append(b.buf, p...)
	b.idle = 0
	return nil
}

// mixerInboxStale is how many ticks part of a frame waits for the rest:
// with 30 ms packets, two ticks may pass between packets, and the rest of a
// packet is mixed with the start of the next. After that the party has
// stopped sending and what is left is dropped, so nothing stale is mixed
// later.
const mixerInboxStale = 3

// take moves the oldest frame into dst and reports whether there was one;
// without a whole frame the party is silent this tick.
func (b *mixerInbox) take(dst PCM16) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.idle++
	if len(b.buf) < len(dst) {
		if b.idle >= mixerInboxStale {
			b.buf = b.buf[:0]
		}
		return false
	}
	copy(dst, b.buf)
	b.buf = b.buf[:copy(b.buf, b.buf[len(dst):])]
	return true
}

func (b *mixerInbox) SampleRate() int { return b.rate }
func (b *mixerInbox) String() string  { return "mixer" }

// partyOut takes the party's mix at the mixer's rate to its leg without
// blocking the tick. The tick alone uses it (under the mixer's lock).
type partyOut struct {
	w      FrameWriter   // the resampler to the leg's rate, or the sink itself
	queue  *queuedWriter // for a leg writer that cannot take a frame without blocking
	closed bool          // the leg's writer said it has gone away
}

func newPartyOut(out FrameWriter, rate int) *partyOut {
	o := &partyOut{}
	var sink FrameWriter
	if t, ok := out.(TryFrameWriter); ok {
		sink = tryWriter{t}
	} else {
		o.queue = newQueuedWriter(out, 2)
		sink = o.queue
	}
	o.w = NewResampler(sink, rate)
	return o
}

func (o *partyOut) write(f PCM16) {
	if err := o.w.WriteFrame(f); err == ErrClosed {
		o.closed = true
	}
}

func (o *partyOut) failed() bool { return o.closed }

// close stops the queue's goroutine; once it returns nothing more reaches
// the leg.
func (o *partyOut) close() {
	if o.queue != nil {
		o.queue.close()
	}
}

// queuedWriter gives a blocking writer a queue of depth frames and a
// goroutine to drain it, so that writing never blocks: when the queue is
// full the oldest frame is dropped. The frame buffers circulate between the
// writer, the queue and the goroutine, so writing allocates nothing.
type queuedWriter struct {
	out      FrameWriter
	q, free  chan PCM16
	stop     chan struct{}
	done     chan struct{}
	outGone  atomic.Bool // out returned ErrClosed
	stopOnce sync.Once
}

func newQueuedWriter(out FrameWriter, depth int) *queuedWriter {
	w := &queuedWriter{out: out, q: make(chan PCM16, depth), free: make(chan PCM16, depth),
		stop: make(chan struct{}), done: make(chan struct{})}
	for range depth {
		w.free <- make(PCM16, 0, SamplesPerFrame(out.SampleRate()))
	}
	go w.run()
	return w
}

func (w *queuedWriter) run() {
	defer close(w.done)
	for {
		select {
		case <-w.stop:
			return
		case f := <-w.q:
			err := w.out.WriteFrame(f)
			w.free <- f
			if err == ErrClosed {
				w.outGone.Store(true)
			}
		}
	}
}

func (w *queuedWriter) WriteFrame(p PCM16) error {
	if w.outGone.Load() {
		return ErrClosed
	}
	var f PCM16
	select {
	case f = <-w.free:
	default:
		select {
		case f = <-w.q: // stale: drop it
		case f = <-w.free: // the goroutine just freed one
		}
	}
	w.q <- append(f[:0], p...) // never blocks: a buffer in hand means there is room
	return nil
}

func (w *queuedWriter) close() {
	w.stopOnce.Do(func() { close(w.stop) })
	<-w.done
}

func (w *queuedWriter) SampleRate() int { return w.out.SampleRate() }
func (w *queuedWriter) String() string  { return "queued → " + w.out.String() }
