package media

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Mixer connects any number of legs in one conversation: every 20 ms each
// party is sent the sum of what the others said in that frame (mix minus
// self), clipped to 16 bits. Who hears whom is set per party (PartyOptions)
// and can change while the call runs, which is how a supervisor listens,
// whispers to the agent and barges in without re-joining.
//
// The mixer works at one sample rate; parties at other rates are resampled
// on the way in (on the leg's receive path) and on the way out (in the
// tick). Each party's inbound audio waits in a small inbox (mixerInbox),
// each sample used once; a party that sent nothing for a tick is silent in
// it. Outbound audio is written without blocking: the paced AudioOut of an
// RTP or WebRTC leg drops its oldest queued frame when the mixer runs
// ahead, and any other writer gets a short queue and a goroutine of its
// own, so a slow leg never holds up the others.
//
// One goroutine ticks on the pacer's clock (pacer_clock_*.go: an absolute
// schedule of the monotonic clock) while at least one party is in; it ends
// when the last party leaves or Close is called, and the next Join starts it
// again.
type Mixer struct {
	rate  int
	frame int // samples per 20 ms at rate

	mu      sync.Mutex // guards the fields below; held for a whole tick
	members []*member
	running bool // the tick goroutine runs
	closed  bool
	total   []int32 // scratch: the sum of the parties everyone may hear
	acc     []int32 // scratch: one party's mix before clipping

	wg sync.WaitGroup // the tick goroutine
}

// member is a party as the mixer's tick sees it; m.mu guards it.
type member struct {
	party *Party
	opts  PartyOptions
	out   *partyOut // mixed frames at the mixer's rate → the leg
	cur   PCM16     // this tick's frame from the party, at the mixer's rate
	has   bool      // cur holds audio the party sent for this tick
	mix   PCM16     // what the party hears this tick
}

// ErrJoined is returned by Join for a leg that is already in the mixer.
var ErrJoined = errors.New("media: leg already in the mixer")

// NewMixer returns a mixer at rate (8000 for G.711 parties only, 16000 when
// any party is wideband). It does nothing until the first party joins. A rate
// that is not positive is a wiring bug and panics.
func NewMixer(rate int) *Mixer {
	if rate <= 0 {
		panic(fmt.Sprintf("media: NewMixer(%d): the rate must be positive", rate))
	}
	f := SamplesPerFrame(rate)
	return &Mixer{rate: rate, frame: f, total: make([]int32, f), acc: make([]int32, f)}
}

// SampleRate is the rate the mixer sums at.
func (m *Mixer) SampleRate() int { return m.rate }

// Join adds leg to the mixer with opts (the zero PartyOptions: the party
// hears everyone and everyone hears it). The leg's inbound audio goes to the
// mixer from now on (SwapAudioIn; Leave gives the previous writer back), and
// an RTP leg stops relaying to or from a bridged peer, so its audio is
// decoded and mixed. Stop a Bridge on the leg before it joins: the bridge
// would take the leg's audio back when it ends.
func (m *Mixer) Join(leg Leg, opts PartyOptions) (*Party, error) {
	if leg.Context().Err() != nil {
		return nil, fmt.Errorf("mixer: join %s: %w", leg.ID(), ErrClosed)
	}
	out := leg.AudioOut()
	p := &Party{m: m, leg: leg, done: make(chan struct{})}
	p.in = newPartyIn(leg.ID(), out.SampleRate(), newMixerInbox(m.rate))
	b := &member{party: p, opts: opts, cur: make(PCM16, m.frame), mix: make(PCM16, m.frame)}

	m.mu.Lock()
	closed := m.closed
	joined := slices.ContainsFunc(m.members, func(x *member) bool { return x.party.leg == leg })
	m.mu.Unlock()
	switch {
	case closed:
		return nil, fmt.Errorf("mixer: join %s: %w", leg.ID(), ErrClosed)
	case joined:
		return nil, fmt.Errorf("mixer: join %s: %w", leg.ID(), ErrJoined)
	}

	// The leg's audio comes to the mixer before the party is in the tick,
	// so that the tick, which may make it leave, finds it complete.
	if r, ok := leg.(RTPLeg); ok {
		r.RTP().stopRelays()
	}
	p.prevIn = leg.SwapAudioIn(p.in)
	b.out = newPartyOut(out, m.rate)

	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		p.restoreIn()
		b.out.close()
		return nil, fmt.Errorf("mixer: join %s: %w", leg.ID(), ErrClosed)
	}
	m.members = append(m.members, b)
	if !m.running {
		m.running = true
		m.wg.Add(1)
		go m.run()
	}
	m.mu.Unlock()
	return p, nil
}

// Close makes every party leave and stops the mixer; Join fails afterwards.
// It returns when the tick goroutine has ended.
func (m *Mixer) Close() {
	m.mu.Lock()
	m.closed = true
	parties := make([]*Party, 0, len(m.members))
	for _, b := range m.members {
		parties = append(parties, b.party)
	}
	m.mu.Unlock()
	for _, p := range parties {
		p.Leave()
	}
	m.wg.Wait()
}

// Parties returns the parties in the mixer now, in the order they joined.
func (m *Mixer) Parties() []*Party {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Party, len(m.members))
	for i, b := range m.members {
		out[i] = b.party
	}
	return out
}

// mixerCatchUp is how many ticks the mixer makes up after a stall: as many
// frames as an inbox holds; older ones are gone.
const mixerCatchUp = mixerInboxFrames

// run ticks every 20 ms until no party is left or the mixer is closed.
func (m *Mixer) run() {
	defer m.wg.Done()
	clock := newPacerClock(FrameDurationMs * time.Millisecond)
	var done int64 // ticks served so far
	var ended []*Party
	for {
		due := clock.sleepUntil(done + 1)
		if due-done > mixerCatchUp {
			done = due - mixerCatchUp
		}
		m.mu.Lock()
		if m.closed || len(m.members) == 0 {
			m.running = false
			m.mu.Unlock()
			return
		}
		for ; done < due; done++ {
			m.tickLocked()
		}
		ended = ended[:0]
		for _, b := range m.members {
			if b.out.failed() || b.party.leg.Context().Err() != nil {
				ended = append(ended, b.party)
			}
		}
		m.mu.Unlock()
		// A party whose leg has ended leaves by itself (outside the lock:
		// Leave takes it).
		for _, p := range ended {
			p.Leave()
		}
	}
}

// tickLocked mixes one frame for every party.
func (m *Mixer) tickLocked() {
	clear(m.total)
	for _, b := range m.members {
		b.has = b.party.in.box.take(b.cur)
		if b.has && b.opts.Heard.everyone() {
			addFrame(m.total, b.cur)
		}
	}
	for _, b := range m.members {
		m.mixFor(b)
		b.out.write(b.mix)
	}
}

// mixFor sums into l.mix what l hears this tick: every other party that l
// hears and that lets l hear it. The common case (l hears everyone) starts
// from the total of the parties everyone hears, takes l's own voice out and
// adds those heard by a few only (a whisper to l), so a tick costs one pass
// over the parties per listener instead of one per pair.
func (m *Mixer) mixFor(l *member) {
	acc := m.acc
	if l.opts.Hears.everyone() {
		copy(acc, m.total)
		if l.has && l.opts.Heard.everyone() {
			subFrame(acc, l.cur)
		}
		for _, s := range m.members {
			if s != l && s.has && !s.opts.Heard.everyone() && s.opts.Heard.includes(l.party) {
				addFrame(acc, s.cur)
			}
		}
	} else {
		clear(acc)
		for _, s := range m.members {
			if s != l && s.has && l.opts.Hears.includes(s.party) && s.opts.Heard.includes(l.party) {
				addFrame(acc, s.cur)
			}
		}
	}
	clipFrame(l.mix, acc)
}

func addFrame(acc []int32, f PCM16) {
	f = f[:len(acc)]
	for i, v := range f {
		acc[i] += int32(v)
	}
}

func subFrame(acc []int32, f PCM16) {
	f = f[:len(acc)]
	for i, v := range f {
		acc[i] -= int32(v)
	}
}

// clipFrame saturates the sum to 16 bits: two loud talkers clip, they do
// not wrap around into a loud crack.
func clipFrame(dst PCM16, acc []int32) {
	dst = dst[:len(acc)]
	for i, v := range acc {
		dst[i] = int16(min(max(v, -32768), 32767))
	}
}
