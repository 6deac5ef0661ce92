package pacing

import (
	"math"
	"time"
)

// Time constants of the smoothed estimates: the answer rate follows the
// list over minutes; the recent abandon rate remembers longer, because
// abandons are rare events and a short window would read as zero or as a
// spike.
const (
	answerMemory  = 10 * time.Minute
	abandonMemory = 40 * time.Minute
	handleWeight  = 0.05 // weight of one new handle-time sample
	ringWeight    = 0.05 // weight of one new dial-to-answer time
	gainUp        = 0.01 // gain per interval when abandons are at zero
	gainDown      = 0.1  // gain lost per interval per unit of overshoot
	maxGain       = 1.0  // at 1 the ratio is 1 / answer rate
	budgetFloor   = 1.0  // abandons the day must still afford to dial ahead
)

type phase uint8

const (
	ringing phase = iota + 1
	waiting       // answered by a person, no agent yet
)

type call struct {
	phase   phase
	dialled time.Time
}

// estimates are the smoothed measurements the predictive ratio is made of.
type estimates struct {
	human, resolved float64 // decayed counts: human answers, finished dials
	abandoned, live float64 // decayed counts for the recent abandon rate
	handle          float64 // mean handle time (talk + wrap-up), seconds; 0 = unknown
	ring            float64 // mean dial-to-live-answer time, seconds; 0 = unknown
	gain            float64 // 0 … maxGain: how far the ratio goes towards 1 / answer rate
	ratio           float64 // the adapted ratio, ≥ 1
}

// Pacer decides how many dials a campaign places now. It is not safe for
// concurrent use: the dialer's one goroutine owns it.
type Pacer struct {
	cfg         Config
	now         func() time.Time
	calls       map[string]call
	ringing     int
	waiting     int
	agents      int // logged in
	free        int // ready, no call
	est         estimates
	win         Counts // this interval's events, folded into est by adapt
	today       string
	day         Counts // today
	past        Counts // the 29 days before today
	days        map[string]Counts
	total       Counts // since the campaign began
	lastAdapt   time.Time
	lastAdvance time.Time
	midnight    time.Time // when today ends
}

// New makes a pacer that reads time from now.
func New(cfg Config, now func() time.Time) *Pacer {
	p := &Pacer{cfg: cfg.withDefaults(), now: now, calls: map[string]call{}, days: map[string]Counts{}}
	p.est.ratio = 1
	t := now()
	p.lastAdapt, p.lastAdvance = t, t
	p.today, p.midnight = p.dayOf(t)
	return p
}

// Config is the configuration in force, defaults filled.
func (p *Pacer) Config() Config { return p.cfg }

// Dialled records a dial placed with this id.
func (p *Pacer) Dialled(id string) {
	p.advance()
	if _, ok := p.calls[id]; ok {
		return
	}
	p.calls[id] = call{phase: ringing, dialled: p.now()}
	p.ringing++
	p.count(func(c *Counts) { c.Dials++ })
}

// Answered records an answer: by a person (who now needs an agent within
// the grace) or by a machine. Only a dial in flight counts, so a repeated
// event cannot inflate the live answers the cap divides by.
func (p *Pacer) Answered(id string, human bool) {
	p.advance()
	c, ok := p.calls[id]
	if !ok || c.phase != ringing {
		return
	}
	p.ringing--
	if !human {
		delete(p.calls, id)
		p.count(func(c *Counts) { c.Machine++ })
		return
	}
	now := p.now()
	if ring := now.Sub(c.dialled).Seconds(); ring >= 0 { // a clock stepped back gives no sample
		p.est.ring = ewma(p.est.ring, ring, ringWeight)
	}
	c.phase = waiting
	p.calls[id] = c
	p.waiting++
	p.count(func(c *Counts) { c.Live++ })
}

// Connected records that an agent took an answered call.
func (p *Pacer) Connected(id string) {
	p.advance()
	c, ok := p.calls[id]
	if !ok || c.phase != waiting {
		return
	}
	delete(p.calls, id)
	p.waiting--
	p.count(func(c *Counts) { c.Connected++ })
}

// Abandoned records a person answered and not connected within the grace.
// It counts even for an id the pacer does not know (a call from before a
// restart): an abandon is never lost, at worst counted twice.
func (p *Pacer) Abandoned(id string) {
	p.advance()
	if c, ok := p.calls[id]; ok {
		delete(p.calls, id)
		if c.phase == ringing {
			p.ringing--
		} else {
			p.waiting--
		}
	}
	p.count(func(c *Counts) { c.Abandoned++ })
}

// Failed records a dial that ended with no person to connect.
func (p *Pacer) Failed(id string, o Outcome) {
	p.advance()
	c, ok := p.calls[id]
	if !ok {
		return
	}
	delete(p.calls, id)
	if c.phase == waiting { // the person hung up before an agent came
		p.waiting--
		return
	}
	p.ringing--
	if o == MachineAnswer {
		p.count(func(c *Counts) { c.Machine++ })
		return
	}
	p.count(func(c *Counts) { c.Failed++ })
}

// AgentFree sets how many agents are ready with no call.
func (p *Pacer) AgentFree(n int) {
	p.advance()
	p.free = max(n, 0)
	p.agents = max(p.agents, p.free)
}

// AgentsLoggedIn sets how many agents work the campaign (free or busy).
func (p *Pacer) AgentsLoggedIn(n int) {
	p.advance()
	p.agents = max(n, 0)
	p.free = min(p.free, p.agents)
}

// HandleTime records a finished call's talk and wrap-up time.
func (p *Pacer) HandleTime(d time.Duration) {
	p.advance()
	if d <= 0 {
		return
	}
	p.est.handle = ewma(p.est.handle, d.Seconds(), handleWeight)
}

// Want is how many new dials to place now.
func (p *Pacer) Want() int {
	p.advance()
	covered := p.ringing + p.waiting
	ratio := p.Ratio()
	if ratio <= 1 {
		return max(p.free-covered, 0)
	}
	supply := float64(p.free-p.waiting) + p.soonFree()
	return max(int(ratio*supply)-p.ringing, 0)
}

// Ratio is the dial ratio in force: dials in flight per agent free or
// soon free. It is exactly 1 in progressive mode, before the answer rate
// is known, and while the abandon budget is spent.
func (p *Pacer) Ratio() float64 {
	if p.cfg.Mode != Predictive || p.budget() < budgetFloor {
		return 1
	}
	return p.est.ratio
}

// Limited tells whether the abandon budget of the day or the 30 days is
// spent, so a predictive pacer dials progressively until live answers
// earn it back.
func (p *Pacer) Limited() bool { return p.cfg.Mode == Predictive && p.budget() < budgetFloor }

// Gain is how far the ratio goes towards 1 / answer rate (0 … 1), the
// controller's output.
func (p *Pacer) Gain() float64 { return p.est.gain }

// AbandonRate is abandoned / live-answered calls over a window.
func (p *Pacer) AbandonRate(w Window) float64 { return p.Counts(w).AbandonRate() }

// Counts are the figures of a window.
func (p *Pacer) Counts(w Window) Counts {
	p.advance()
	if w == Rolling30 {
		c := p.past
		c.add(p.day)
		return c
	}
	return p.day
}

// Total are the figures since the campaign began.
func (p *Pacer) Total() Counts {
	p.advance()
	return p.total
}

// Days are the per-day figures kept (the last 30 days), by date.
func (p *Pacer) Days() map[string]Counts {
	p.advance()
	out := make(map[string]Counts, len(p.days)+1)
	for k, v := range p.days {
		out[k] = v
	}
	out[p.today] = p.day
	return out
}

// Agents tells how the agents' time was spent over a window.
func (p *Pacer) Agents(w Window) AgentStats { return p.Counts(w).agentStats() }

// InFlight is the dials ringing and the answered calls waiting for an agent.
func (p *Pacer) InFlight() (ringing, waiting int) { return p.ringing, p.waiting }

// soonFree estimates how many busy agents finish within the horizon a new
// dial needs to be answered (mean ring time plus the grace), taking handle
// times as memoryless: busy × (1 − e^(−horizon/handle)). Scaled by the gain,
// so the look-ahead grows and shrinks with the ratio's confidence.
func (p *Pacer) soonFree() float64 {
	busy := p.agents - p.free
	if busy <= 0 || p.est.handle <= 0 {
		return 0
	}
	horizon := p.est.ring + p.cfg.Grace.Seconds()
	return float64(busy) * (1 - math.Exp(-horizon/p.est.handle)) * p.est.gain
}

// budget is how many more abandons the tighter of the day and the 30 days
// affords at the controller's target rate.
func (p *Pacer) budget() float64 {
	target := p.target()
	day := target*float64(p.day.Live) - float64(p.day.Abandoned)
	month := target*float64(p.past.Live+p.day.Live) - float64(p.past.Abandoned+p.day.Abandoned)
	return min(day, month)
}

func (p *Pacer) target() float64 { return p.cfg.MaxAbandon * (1 - p.cfg.Margin) }

// advance brings the agent-time integrals, the day and the adaptation up
// to now. Agent time is split at midnight, so each day gets its own. A
// clock that steps back is ignored until it passes again.
func (p *Pacer) advance() {
	now := p.now()
	for now.After(p.lastAdvance) {
		until := now
		if !p.midnight.After(now) {
			until = p.midnight
		}
		dt := until.Sub(p.lastAdvance).Seconds()
		p.day.AgentSeconds += float64(p.agents) * dt
		p.day.IdleSeconds += float64(p.free) * dt
		p.total.AgentSeconds += float64(p.agents) * dt
		p.total.IdleSeconds += float64(p.free) * dt
		p.lastAdvance = until
		if !until.Before(p.midnight) {
			p.rollover(until)
		}
	}
	if now.Sub(p.lastAdapt) >= p.cfg.Interval {
		p.adapt(now)
	}
}

func (p *Pacer) count(f func(*Counts)) {
	f(&p.day)
	f(&p.total)
	f(&p.win)
}

// rollover starts a new day and keeps the 29 before it.
func (p *Pacer) rollover(now time.Time) {
	if p.day != (Counts{}) {
		p.days[p.today] = p.day
	}
	p.day = Counts{}
	p.today, p.midnight = p.dayOf(now)
	p.pruneDays(now)
}

// dayOf names t's day and says when it ends.
func (p *Pacer) dayOf(t time.Time) (string, time.Time) {
	y, m, d := t.In(p.cfg.Location).Date()
	return t.In(p.cfg.Location).Format(dayLayout), time.Date(y, m, d+1, 0, 0, 0, 0, p.cfg.Location)
}

func (p *Pacer) pruneDays(now time.Time) {
	oldest := now.In(p.cfg.Location).AddDate(0, 0, -29).Format(dayLayout)
	p.past = Counts{}
	for d, c := range p.days {
		switch {
		case d < oldest:
			delete(p.days, d)
		case d < p.today:
			p.past.add(c)
		}
	}
}

// adapt folds the interval's events into the estimates and moves the
// ratio: proportional control of the gain on the recent abandon rate
// against the target (the cap less the margin).
func (p *Pacer) adapt(now time.Time) {
	elapsed := now.Sub(p.lastAdapt)
	p.lastAdapt = now
	e := &p.est
	da := math.Exp(-elapsed.Seconds() / answerMemory.Seconds())
	e.human = e.human*da + float64(p.win.Live)
	e.resolved = e.resolved*da + float64(p.win.Live+p.win.Machine+p.win.Failed)
	db := math.Exp(-elapsed.Seconds() / abandonMemory.Seconds())
	e.abandoned = e.abandoned*db + float64(p.win.Abandoned)
	e.live = e.live*db + float64(p.win.Live)
	p.win = Counts{}
	if p.cfg.Mode != Predictive || e.resolved < float64(p.cfg.MinSamples) || e.human < 1 {
		e.ratio = 1
		return
	}
	target := p.target()
	// One abandon of prior keeps a quiet start from reading as zero risk.
	recent := (e.abandoned + 0.5) / (e.live + 0.5/target)
	errRel := min(max((target-recent)/target, -3), 1)
	if errRel >= 0 {
		e.gain += gainUp * errRel
	} else {
		e.gain += gainDown * errRel
	}
	if p.budget() < budgetFloor {
		e.gain = min(e.gain, 0.5*maxGain)
	}
	e.gain = min(max(e.gain, 0), maxGain)
	// The answer rate is floored at 1 / MaxRatio so its inverse stays finite.
	answer := max(e.human/e.resolved, 1/p.cfg.MaxRatio)
	e.ratio = min(max(1+e.gain*(1/answer-1), 1), p.cfg.MaxRatio)
}

func ewma(old, sample, w float64) float64 {
	if old <= 0 {
		return sample
	}
	return old + w*(sample-old)
}
