package pacing

import (
	"fmt"
	"time"
)

// Mode is how the pacer turns free agents into dials.
type Mode int

const (
	// Progressive places one dial per free agent not already covered by a
	// call in flight: the ratio is exactly 1.0 and no agent is predicted.
	Progressive Mode = iota + 1
	// Predictive dials ahead of the agents by an adaptive ratio, bounded
	// by the abandon cap.
	Predictive
)

func (m Mode) String() string {
	switch m {
	case Progressive:
		return "progressive"
	case Predictive:
		return "predictive"
	}
	return fmt.Sprintf("mode(%d)", int(m))
}

// Defaults for a zero Config field.
const (
	DefaultMaxAbandon = 0.03
	DefaultMargin     = 0.25
	DefaultInterval   = 15 * time.Second
	DefaultMaxRatio   = 5.0
	DefaultGrace      = 2 * time.Second
	DefaultMinSamples = 30
)

// Config is a campaign's pacing. Zero fields take the defaults above.
type Config struct {
	Mode Mode
	// MaxAbandon is the cap on abandoned / live-answered calls, per day
	// and over 30 rolling days (0.03: the 3 % of the FCC and Ofcom rules).
	MaxAbandon float64
	// Margin is the share of the cap the controller keeps in reserve: it
	// aims at MaxAbandon × (1 − Margin) so that noise stays under the cap.
	Margin float64
	// Interval is how often the predictive ratio adapts.
	Interval time.Duration
	// MaxRatio bounds the dial ratio whatever the answer rate says.
	MaxRatio float64
	// Grace is how long an answered person may wait for an agent before
	// the call counts as abandoned (2 s in the rules).
	Grace time.Duration
	// MinSamples is how many finished dials the answer rate needs before
	// the ratio may leave 1.0.
	MinSamples int
	// Location sets where a day begins for the per-day cap (UTC if nil).
	Location *time.Location
}

// Validate names the first field that is out of range.
func (c Config) Validate() error {
	switch {
	case c.Mode != Progressive && c.Mode != Predictive:
		return fmt.Errorf("pacing: mode %v: want progressive or predictive", c.Mode)
	case c.MaxAbandon < 0 || c.MaxAbandon > DefaultMaxAbandon:
		return fmt.Errorf("pacing: max abandon %.4f: want 0 < x ≤ %.2f (0 takes the default)", c.MaxAbandon, DefaultMaxAbandon)
	case c.Margin < 0 || c.Margin >= 1:
		return fmt.Errorf("pacing: margin %.2f: want 0 ≤ x < 1", c.Margin)
	case c.Interval < 0:
		return fmt.Errorf("pacing: interval %v: want > 0", c.Interval)
	case c.MaxRatio != 0 && c.MaxRatio < 1:
		return fmt.Errorf("pacing: max ratio %.2f: want ≥ 1", c.MaxRatio)
	case c.Grace < 0:
		return fmt.Errorf("pacing: grace %v: want ≥ 0", c.Grace)
	case c.MinSamples < 0:
		return fmt.Errorf("pacing: min samples %d: want ≥ 0", c.MinSamples)
	}
	return nil
}

// withDefaults fills zero fields and pulls out-of-range ones back to safe
// values, so that New never runs with a looser cap than the rules allow.
func (c Config) withDefaults() Config {
	if c.Mode != Predictive {
		c.Mode = Progressive
	}
	if c.MaxAbandon <= 0 || c.MaxAbandon > DefaultMaxAbandon {
		c.MaxAbandon = DefaultMaxAbandon
	}
	if c.Margin <= 0 || c.Margin >= 1 {
		c.Margin = DefaultMargin
	}
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.MaxRatio < 1 {
		c.MaxRatio = DefaultMaxRatio
	}
	if c.Grace <= 0 {
		c.Grace = DefaultGrace
	}
	if c.MinSamples <= 0 {
		c.MinSamples = DefaultMinSamples
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	return c
}
