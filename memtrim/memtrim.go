package memtrim

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Defaults for a Config's zero fields.
const (
	DefaultInterval = 5 * time.Second
	DefaultQuiet    = 30 * time.Second
	DefaultBelow    = 0.5
	DefaultMinPeak  = 20
	DefaultMinGap   = time.Minute
	DefaultRounds   = 3
)

// Config says when a Trimmer returns memory.
type Config struct {
	// Active is the number of calls in progress now.
	Active func() int
	// Quiet is how long Active must stay at or below Below × its peak before memory is returned.
	Quiet time.Duration
	// Below is the fraction of the peak the load must fall to (0.5: half).
	Below float64
	// MinPeak is the smallest peak worth acting on: a few calls leave nothing to give back.
	MinPeak int
	// MinGap is the shortest time between two returns, bounding the cost of the forced collections.
	MinGap time.Duration
	// Rounds is how many times memory is returned after one peak, MinGap apart, while the load
	// stays low: work that follows the calls (post-call analysis catching up) frees memory too.
	Rounds int
	// Interval is how often Active is sampled.
	Interval time.Duration
	Log      *slog.Logger
	// free returns memory to the OS; a seam for tests (default debug.FreeOSMemory).
	free func()
}

// Trimmer returns memory to the OS after call peaks. Run it in one goroutine.
type Trimmer struct {
	cfg     Config
	peak    int       // highest Active since the last return
	lowFrom time.Time // since when Active has been low; zero while it is not
	rounds  int       // returns since the peak
	last    time.Time // the last return
	trims   atomic.Uint64
}

// New makes a Trimmer; zero fields of cfg take the defaults above.
func New(cfg Config) *Trimmer {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Quiet <= 0 {
		cfg.Quiet = DefaultQuiet
	}
	if cfg.Below <= 0 || cfg.Below >= 1 {
		cfg.Below = DefaultBelow
	}
	if cfg.MinPeak <= 0 {
		cfg.MinPeak = DefaultMinPeak
	}
	if cfg.MinGap <= 0 {
		cfg.MinGap = DefaultMinGap
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = DefaultRounds
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.free == nil {
		cfg.free = debug.FreeOSMemory
	}
	return &Trimmer{cfg: cfg}
}

// Trims is how many times memory has been returned.
func (t *Trimmer) Trims() uint64 { return t.trims.Load() }

// Run samples the load every Interval until ctx ends.
func (t *Trimmer) Run(ctx context.Context) {
	tick := time.NewTicker(t.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			t.Observe(now, t.cfg.Active())
		}
	}
}

// Observe takes one sample of the load at now and returns memory when the
// load has been low for long enough; it reports whether it did.
func (t *Trimmer) Observe(now time.Time, active int) bool {
	if active > t.peak {
		t.peak = active
	}
	if t.peak < t.cfg.MinPeak || float64(active) > t.cfg.Below*float64(t.peak) {
		t.lowFrom, t.rounds = time.Time{}, 0
		return false
	}
	if t.lowFrom.IsZero() {
		t.lowFrom = now
	}
	if now.Sub(t.lowFrom) < t.cfg.Quiet || (!t.last.IsZero() && now.Sub(t.last) < t.cfg.MinGap) {
		return false
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 := time.Now()
	t.cfg.free()
	took := time.Since(t0)
	runtime.ReadMemStats(&after)
	t.cfg.Log.Info("memory returned to the system after a call peak", "peak_calls", t.peak, "active_calls", active, "round", t.rounds+1,
		"heap_live_mb", mb(after.HeapAlloc), "heap_inuse_mb", mb(after.HeapInuse),
		"released_mb", mb(after.HeapReleased-min(before.HeapReleased, after.HeapReleased)), "took", took.Round(time.Millisecond).String())
	t.trims.Add(1)
	t.last = now
	if t.rounds++; t.rounds >= t.cfg.Rounds { // done with this peak; the next one starts from here
		t.peak, t.lowFrom, t.rounds = active, time.Time{}, 0
	}
	return true
}

func mb(b uint64) float64 { return float64(b*10/(1<<20)) / 10 }
