package pacing

import (
	"fmt"
	"time"
)

// Counts are a day's (or a window's) dialling figures.
type Counts struct {
	Dials     int64 `json:"dials"`
	Live      int64 `json:"live"`      // answered by a person
	Machine   int64 `json:"machine"`   // answered by a machine
	Failed    int64 `json:"failed"`    // busy, no answer, rejected…
	Connected int64 `json:"connected"` // live answers an agent took
	Abandoned int64 `json:"abandoned"` // live answers no agent took within the grace
	// AgentSeconds is logged-in agent time, IdleSeconds the part of it
	// the agents were free.
	AgentSeconds float64 `json:"agent_seconds"`
	IdleSeconds  float64 `json:"idle_seconds"`
}

func (c *Counts) add(o Counts) {
	c.Dials += o.Dials
	c.Live += o.Live
	c.Machine += o.Machine
	c.Failed += o.Failed
	c.Connected += o.Connected
	c.Abandoned += o.Abandoned
	c.AgentSeconds += o.AgentSeconds
	c.IdleSeconds += o.IdleSeconds
}

// AbandonRate is abandoned / live-answered calls (0 with no live answer).
func (c Counts) AbandonRate() float64 {
	if c.Live == 0 {
		return 0
	}
	return float64(c.Abandoned) / float64(c.Live)
}

// Window is the span a rate is measured over.
type Window int

const (
	// Today is the current day in Config.Location.
	Today Window = iota + 1
	// Rolling30 is today and the 29 days before it.
	Rolling30
)

func (w Window) String() string {
	switch w {
	case Today:
		return "day"
	case Rolling30:
		return "30d"
	}
	return fmt.Sprintf("window(%d)", int(w))
}

// AgentStats tells how the agents' time was spent over a window.
type AgentStats struct {
	AgentTime time.Duration // logged-in agent time
	IdleTime  time.Duration // of it, free with no call
	// Utilisation is the busy share of agent time (talk and wrap-up).
	Utilisation float64
	// IdlePerCall is the mean idle time an agent had per connected call.
	IdlePerCall time.Duration
}

func (c Counts) agentStats() AgentStats {
	s := AgentStats{AgentTime: seconds(c.AgentSeconds), IdleTime: seconds(c.IdleSeconds)}
	if c.AgentSeconds > 0 {
		s.Utilisation = 1 - c.IdleSeconds/c.AgentSeconds
	}
	if c.Connected > 0 {
		s.IdlePerCall = seconds(c.IdleSeconds / float64(c.Connected))
	}
	return s
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

const dayLayout = "2006-01-02"
