package admission

import (
	"sync"
	"sync/atomic"
	"time"
)

// Health is a recent measurement of the media path.
type Health struct {
	// SendJitter is the p99 of how far the intervals between consecutive paced RTP packets strayed
	// from 20 ms over the last window (0.25 ms resolution), over Intervals intervals.
	SendJitter time.Duration
	Intervals  uint64
	// SchedLatency is the p99 of how long runnable goroutines waited for a thread over the window.
	SchedLatency time.Duration
}

// Probe measures the media path. Sample is called at most every GuardConfig.Every, from one
// goroutine at a time, and reports what happened since the previous call.
type Probe interface {
	Sample() Health
}

// GuardConfig says when the overload guard refuses new calls.
type GuardConfig struct {
	// MaxSendJitter: refuse new calls while the recent p99 of the RTP send-interval deviation
	// exceeds it (0: not checked). The product's target is 20 ± 1 ms at the p99.
	MaxSendJitter time.Duration
	// MinIntervals is how many send intervals a window needs before its p99 is trusted (a few
	// calls' worth; below it the figure is noise).
	MinIntervals uint64
	// MaxSchedLatency: refuse new calls while the recent p99 Go scheduler latency exceeds it (0: not
	// checked).
	MaxSchedLatency time.Duration
	// Every is the measuring window.
	Every time.Duration
	// Hold keeps refusing for at least this long after the guard trips, so it does not flap.
	Hold time.Duration
	// Sustain is how many windows in a row must be bad before the guard trips (default 2): one
	// late window is a hiccup of the machine (a GC cycle, another process), which refusing calls
	// would not cure; load that makes calls late keeps them late.
	Sustain int
}

func (g GuardConfig) enabled() bool { return g.MaxSendJitter > 0 || g.MaxSchedLatency > 0 }

// guard samples the probe lazily: the first Check after a window has passed takes the sample (the
// others do not wait for it), so the hot path is one atomic load and there is no goroutine to stop.
type guard struct {
	cfg   GuardConfig
	probe Probe

	sampling   sync.Mutex // held while sampling
	next       atomic.Int64
	until      atomic.Int64 // unix ns: refusing until then (at least)
	overloaded atomic.Bool
	last       atomic.Pointer[Health]
	badRun     int // bad windows in a row; under sampling
	trips      atomic.Uint64
	onTrip     func(h Health, overloaded bool)
}

func newGuard(cfg GuardConfig, p Probe) *guard {
	if cfg.Every <= 0 {
		cfg.Every = 500 * time.Millisecond
	}
	if cfg.Hold <= 0 {
		cfg.Hold = 2 * time.Second
	}
	if cfg.Sustain <= 0 {
		cfg.Sustain = 2
	}
	if cfg.MinIntervals == 0 {
		cfg.MinIntervals = 250
	}
	g := &guard{cfg: cfg, probe: p}
	g.last.Store(&Health{})
	return g
}

// check reports whether new calls are to be refused now.
func (g *guard) check(now int64) bool {
	if g.probe == nil || !g.cfg.enabled() {
		return false
	}
	if now >= g.next.Load() && g.sampling.TryLock() {
		if now >= g.next.Load() {
			g.next.Store(now + int64(g.cfg.Every))
			g.judge(g.probe.Sample(), now)
		}
		g.sampling.Unlock()
	}
	return g.overloaded.Load()
}

func (g *guard) judge(h Health, now int64) {
	g.last.Store(&h)
	bad := g.cfg.MaxSendJitter > 0 && h.Intervals >= g.cfg.MinIntervals && h.SendJitter > g.cfg.MaxSendJitter ||
		g.cfg.MaxSchedLatency > 0 && h.SchedLatency > g.cfg.MaxSchedLatency
	if bad {
		g.badRun++
	} else {
		g.badRun = 0
	}
	was := g.overloaded.Load()
	switch {
	case bad && (was || g.badRun >= g.cfg.Sustain):
		g.until.Store(now + int64(g.cfg.Hold))
		if !was {
			g.trips.Add(1)
			g.overloaded.Store(true)
			if g.onTrip != nil {
				g.onTrip(h, true)
			}
		}
	case was && now >= g.until.Load():
		g.overloaded.Store(false)
		if g.onTrip != nil {
			g.onTrip(h, false)
		}
	}
}
