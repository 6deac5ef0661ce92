// Package pacingsim is a discrete-event simulation of an outbound campaign
// for testing and benchmarking campaign/pacing: a call population with its
// answer rate, ring times, people and machines, agents with log-normal
// handle times, all on a fake clock with a seeded random source. It knows
// the truth (who answered, who waited past the grace) and counts abandons
// itself, so a pacer's own counters are checked, not trusted.
package pacingsim

import (
	"container/heap"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/hotline-cc/hotline/campaign/pacing"
)

// Scenario is one campaign's population and floor.
type Scenario struct {
	Name         string
	Mode         pacing.Mode
	Agents       int
	AnswerRate   float64       // share of dials a person answers
	MachineRate  float64       // share of dials a machine answers
	BusyRate     float64       // share of dials that are busy
	HandleMedian time.Duration // talk + wrap-up, log-normal around this
	HandleSigma  float64       // of the log-normal; 0 takes 0.5
	Duration     time.Duration // simulated time
	Start        time.Time     // fake clock start (a start before midnight crosses a day)
	Seed         uint64
	Tick         time.Duration // how often the dialer asks even without events; 0 takes 1 s
}

// Bounds of the population, the same in every scenario.
const (
	RingMin     = 4 * time.Second  // to a person's or machine's answer (AMD decided)
	RingMax     = 20 * time.Second //
	NoAnswerAt  = 30 * time.Second // the dialer gives up
	BusyMin     = 1 * time.Second
	BusyMax     = 4 * time.Second
	HandleMin   = 1 * time.Minute
	HandleMax   = 6 * time.Minute
	GraceWindow = 2 * time.Second // the abandon rule
)

// Result is what one run measured.
type Result struct {
	Scenario Scenario
	// Truth, as the simulator saw it.
	Dials, Live, Machine, Failed, Connected, Abandoned int
	PerDay                                             map[string]*Day
	Utilisation                                        float64 // busy agent time / agent time
	// The pacer's view.
	Pacer                    pacing.Counts // its totals
	PacerDays                map[string]pacing.Counts
	MinRatio, MaxRatio, Mean float64 // the ratio sampled at every tick
	Limited, Gain            float64 // share of ticks the abandon budget was spent; mean gain
	Decisions                int     // Want calls
	Negative                 int     // Want answers below zero (must be 0)
}

// Day is one simulated day's truth.
type Day struct{ Live, Abandoned int }

// AbandonRate is abandoned / live over the whole run.
func (r *Result) AbandonRate() float64 { return rate(r.Abandoned, r.Live) }

// AbandonRate is the day's abandoned / live.
func (d *Day) AbandonRate() float64 { return rate(d.Abandoned, d.Live) }

func rate(a, l int) float64 {
	if l == 0 {
		return 0
	}
	return float64(a) / float64(l)
}

func (r *Result) String() string {
	return fmt.Sprintf("%s: dials %d live %d machine %d failed %d connected %d abandoned %d (%.2f %%) utilisation %.1f %% ratio %.2f–%.2f (mean %.2f) gain %.2f limited %.0f %%",
		r.Scenario.Name, r.Dials, r.Live, r.Machine, r.Failed, r.Connected, r.Abandoned, 100*r.AbandonRate(), 100*r.Utilisation,
		r.MinRatio, r.MaxRatio, r.Mean, r.Gain, 100*r.Limited)
}

type kind uint8

const (
	evHuman kind = iota + 1
	evMachine
	evBusy
	evNoAnswer
	evGrace
	evAgentDone
	evTick
)

type event struct {
	at   time.Time
	seq  int
	kind kind
	id   string
	d    time.Duration // an agent's handle time
}

type queue []event

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(event)) }
func (q *queue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}

type sim struct {
	sc      Scenario
	rng     *rand.Rand
	now     time.Time
	q       queue
	seq     int
	pacer   *pacing.Pacer
	free    int
	waiting []string // answered people, oldest first
	waitSet map[string]bool
	busySec float64
	res     *Result
	nextID  int
}

// Run simulates the scenario with a pacer made from cfg (its Mode is the
// scenario's).
func Run(sc Scenario, cfg pacing.Config) *Result {
	if sc.HandleSigma == 0 {
		sc.HandleSigma = 0.5
	}
	if sc.Tick == 0 {
		sc.Tick = time.Second
	}
	if sc.Start.IsZero() {
		sc.Start = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	}
	cfg.Mode = sc.Mode
	s := &sim{sc: sc, rng: rand.New(rand.NewPCG(sc.Seed, sc.Seed^0x9e3779b97f4a7c15)), now: sc.Start,
		free: sc.Agents, waitSet: map[string]bool{}, res: &Result{Scenario: sc, PerDay: map[string]*Day{}, MinRatio: math.Inf(1)}}
	s.pacer = pacing.New(cfg, func() time.Time { return s.now })
	s.pacer.AgentsLoggedIn(sc.Agents)
	s.pacer.AgentFree(sc.Agents)
	end := sc.Start.Add(sc.Duration)
	s.push(event{at: s.now, kind: evTick})
	ticks, ratioSum := 0, 0.0
	for s.q.Len() > 0 {
		e := heap.Pop(&s.q).(event)
		if e.at.After(end) {
			break
		}
		s.now = e.at
		if e.kind == evTick {
			r := s.pacer.Ratio()
			s.res.MinRatio, s.res.MaxRatio = min(s.res.MinRatio, r), max(s.res.MaxRatio, r)
			ratioSum += r
			if s.pacer.Limited() {
				s.res.Limited++
			}
			s.res.Gain += s.pacer.Gain()
			ticks++
			s.push(event{at: s.now.Add(sc.Tick), kind: evTick})
		} else {
			s.handle(e)
		}
		s.dial()
	}
	s.res.Utilisation = s.busySec / (float64(sc.Agents) * sc.Duration.Seconds())
	if ticks > 0 {
		s.res.Mean = ratioSum / float64(ticks)
		s.res.Limited /= float64(ticks)
		s.res.Gain /= float64(ticks)
	}
	s.res.Pacer = s.pacer.Total()
	s.res.PacerDays = s.pacer.Days()
	return s.res
}

func (s *sim) push(e event) {
	s.seq++
	e.seq = s.seq
	heap.Push(&s.q, e)
}

func (s *sim) day() *Day {
	k := s.now.UTC().Format("2006-01-02")
	d := s.res.PerDay[k]
	if d == nil {
		d = &Day{}
		s.res.PerDay[k] = d
	}
	return d
}

// dial asks the pacer and places what it wants.
func (s *sim) dial() {
	n := s.pacer.Want()
	s.res.Decisions++
	if n < 0 {
		s.res.Negative++
		return
	}
	for range n {
		s.nextID++
		id := strconv.Itoa(s.nextID)
		s.res.Dials++
		s.pacer.Dialled(id)
		u := s.rng.Float64()
		ring := RingMin + time.Duration(s.rng.Int64N(int64(RingMax-RingMin)))
		switch {
		case u < s.sc.AnswerRate:
			s.push(event{at: s.now.Add(ring), kind: evHuman, id: id})
		case u < s.sc.AnswerRate+s.sc.MachineRate:
			s.push(event{at: s.now.Add(ring), kind: evMachine, id: id})
		case u < s.sc.AnswerRate+s.sc.MachineRate+s.sc.BusyRate:
			s.push(event{at: s.now.Add(BusyMin + time.Duration(s.rng.Int64N(int64(BusyMax-BusyMin)))), kind: evBusy, id: id})
		default:
			s.push(event{at: s.now.Add(NoAnswerAt), kind: evNoAnswer, id: id})
		}
	}
}

func (s *sim) handle(e event) {
	switch e.kind {
	case evHuman:
		s.res.Live++
		s.day().Live++
		s.pacer.Answered(e.id, true)
		if s.free > 0 {
			s.connect(e.id)
			return
		}
		s.waiting = append(s.waiting, e.id)
		s.waitSet[e.id] = true
		s.push(event{at: s.now.Add(GraceWindow), kind: evGrace, id: e.id})
	case evMachine:
		s.res.Machine++
		s.pacer.Answered(e.id, false)
	case evBusy:
		s.res.Failed++
		s.pacer.Failed(e.id, pacing.Busy)
	case evNoAnswer:
		s.res.Failed++
		s.pacer.Failed(e.id, pacing.NoAnswer)
	case evGrace:
		if !s.waitSet[e.id] {
			return
		}
		delete(s.waitSet, e.id)
		for i, id := range s.waiting {
			if id == e.id {
				s.waiting = append(s.waiting[:i], s.waiting[i+1:]...)
				break
			}
		}
		s.res.Abandoned++
		s.day().Abandoned++
		s.pacer.Abandoned(e.id)
	case evAgentDone:
		s.pacer.HandleTime(e.d)
		s.free++
		s.pacer.AgentFree(s.free)
		if len(s.waiting) > 0 {
			id := s.waiting[0]
			s.waiting = s.waiting[1:]
			delete(s.waitSet, id)
			s.connect(id)
		}
	}
}

// connect gives an answered person a free agent for a log-normal handle time.
func (s *sim) connect(id string) {
	s.free--
	s.res.Connected++
	s.pacer.Connected(id)
	s.pacer.AgentFree(s.free)
	d := s.handleTime()
	// Count busy time only inside the run, so utilisation is ≤ 1.
	end := s.sc.Start.Add(s.sc.Duration)
	s.busySec += min(d, end.Sub(s.now)).Seconds()
	s.push(event{at: s.now.Add(d), kind: evAgentDone, d: d})
}

func (s *sim) handleTime() time.Duration {
	d := time.Duration(float64(s.sc.HandleMedian) * math.Exp(s.sc.HandleSigma*s.rng.NormFloat64()))
	return min(max(d, HandleMin), HandleMax)
}
