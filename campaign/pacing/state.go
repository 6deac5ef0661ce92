package pacing

import (
	"fmt"
	"math"
	"time"
)

// StateVersion is the version of State this package writes.
const StateVersion = 1

// State is what a pacer must keep across a restart: the per-day counters
// the cap is judged on and the learnt estimates. It marshals to JSON for
// the campaign's bbolt bucket. Calls in flight are not in it: after a
// crash they are gone, and an abandon the dialer reports for one still
// counts.
type State struct {
	Version int               `json:"version"`
	SavedAt time.Time         `json:"saved_at"`
	Today   string            `json:"today"`
	Days    map[string]Counts `json:"days"` // date in Config.Location → figures, the last 30 days
	Total   Counts            `json:"total"`
	// The estimates: decayed counts, mean times in seconds, the gain and ratio.
	Human     float64 `json:"human"`
	Resolved  float64 `json:"resolved"`
	Abandoned float64 `json:"recent_abandoned"`
	Live      float64 `json:"recent_live"`
	Handle    float64 `json:"handle_seconds"`
	Ring      float64 `json:"ring_seconds"`
	Gain      float64 `json:"gain"`
	Ratio     float64 `json:"ratio"`
}

// State is a snapshot to store.
func (p *Pacer) State() State {
	p.advance()
	e := p.est
	return State{
		Version: StateVersion, SavedAt: p.now().UTC(), Today: p.today, Days: p.Days(), Total: p.total,
		Human: e.human, Resolved: e.resolved, Abandoned: e.abandoned, Live: e.live,
		Handle: e.handle, Ring: e.ring, Gain: e.gain, Ratio: e.ratio,
	}
}

// Restore takes back a stored snapshot; call it before the first event,
// since today's stored figures replace today's. The counters come back whole;
// days past the 30-day window are dropped; a day that is no longer today
// becomes history. Values out of range are refused, so a corrupt record
// cannot loosen the cap.
func (p *Pacer) Restore(s State) error {
	if s.Version != StateVersion {
		return fmt.Errorf("pacing: restore: state version %d, want %d", s.Version, StateVersion)
	}
	for d, c := range s.Days {
		if _, err := time.Parse(dayLayout, d); err != nil {
			return fmt.Errorf("pacing: restore: day %q: %w", d, err)
		}
		if c.Dials < 0 || c.Live < 0 || c.Abandoned < 0 || c.Connected < 0 || c.Machine < 0 || c.Failed < 0 {
			return fmt.Errorf("pacing: restore: day %s has a negative count", d)
		}
	}
	for _, v := range []float64{s.Human, s.Resolved, s.Abandoned, s.Live, s.Handle, s.Ring, s.Gain, s.Ratio} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("pacing: restore: negative or NaN estimate %v", v)
		}
	}
	p.advance()
	p.days = map[string]Counts{}
	for d, c := range s.Days {
		p.days[d] = c
	}
	p.day = p.days[p.today]
	delete(p.days, p.today)
	p.pruneDays(p.now())
	p.total = s.Total
	p.est = estimates{
		human: s.Human, resolved: s.Resolved, abandoned: s.Abandoned, live: s.Live,
		handle: s.Handle, ring: s.Ring, gain: min(s.Gain, maxGain), ratio: min(max(s.Ratio, 1), p.cfg.MaxRatio),
	}
	if p.cfg.Mode != Predictive {
		p.est.ratio = 1
	}
	return nil
}
