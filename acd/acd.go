// Package acd owns agents and routing decisions: who is logged in, who is
// free, and which agent a waiting caller should ring next. It is pure logic
// behind a clock: no sockets, no SIP. The SIP and IVR layers tell it what
// happened (registered, ringing, answered, hung up) and ask it for decisions.
//
// The foundation strategy is longest-idle: among the queue's members who are
// available, ring the one whose last call ended longest ago.
package acd

import (
	"errors"
	"sort"
	"sync"
	"time"
)

// State is an agent's state.
type State int

const (
	Offline State = iota
	Available
	Ringing
	OnCall
	WrapUp
	Break
)

func (s State) String() string {
	switch s {
	case Offline:
		return "offline"
	case Available:
		return "available"
	case Ringing:
		return "ringing"
	case OnCall:
		return "on_call"
	case WrapUp:
		return "wrap_up"
	case Break:
		return "break"
	}
	return "unknown"
}

// Clock is the time source (a fake in tests).
type Clock interface{ Now() time.Time }

// SystemClock is the wall clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time { return time.Now() }

// AgentStatus is a snapshot of one agent.
type AgentStatus struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	State       string    `json:"state"`
	Since       time.Time `json:"since"`
	IdleSince   time.Time `json:"idle_since"`
	Calls       int       `json:"calls"`
	CurrentCall string    `json:"current_call,omitempty"`
}

type agent struct {
	id, name  string
	state     State
	since     time.Time
	idleSince time.Time
	calls     int
	call      string
}

// ErrNotClaimable means the agent is not available to ring.
var ErrNotClaimable = errors.New("acd: agent is not available")

// ACD tracks agents and picks agents for callers.
type ACD struct {
	clock Clock

	mu      sync.Mutex
	agents  map[string]*agent
	changed chan struct{}
}

// New returns an ACD with no agents.
func New(clock Clock) *ACD {
	if clock == nil {
		clock = SystemClock{}
	}
	return &ACD{clock: clock, agents: map[string]*agent{}, changed: make(chan struct{})}
}

// SetAgent adds an agent (offline) or renames an existing one.
func (a *ACD) SetAgent(id, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ag, ok := a.agents[id]; ok {
		ag.name = name
		return
	}
	now := a.clock.Now()
	a.agents[id] = &agent{id: id, name: name, state: Offline, since: now, idleSince: now}
}

// Changed returns a channel closed at the next state change of any agent.
func (a *ACD) Changed() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.changed
}

func (a *ACD) notifyLocked() {
	close(a.changed)
	a.changed = make(chan struct{})
}

func (a *ACD) setLocked(ag *agent, s State) {
	if ag.state == s {
		return
	}
	ag.state = s
	ag.since = a.clock.Now()
	a.notifyLocked()
}

// SetOnline records that an agent's phone registered (true) or went away.
// An agent who comes online is available; one on a call stays on it.
func (a *ACD) SetOnline(id string, online bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ag, ok := a.agents[id]
	if !ok {
		return
	}
	switch {
	case online && ag.state == Offline:
		ag.idleSince = a.clock.Now()
		a.setLocked(ag, Available)
	case !online && (ag.state == Available || ag.state == Break || ag.state == WrapUp):
		a.setLocked(ag, Offline)
	}
}

// AnyOnline reports whether any of members is logged in (whatever their state).
func (a *ACD) AnyOnline(members []string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range members {
		if ag, ok := a.agents[m]; ok && ag.state != Offline {
			return true
		}
	}
	return false
}

// Claim picks the longest-idle available member not in exclude, marks it
// ringing for callID and returns its id. ok is false when nobody is free.
// Claiming is atomic, so two callers never ring the same agent.
func (a *ACD) Claim(members []string, exclude map[string]bool, callID string) (id string, ok bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var best *agent
	for _, m := range members {
		ag, found := a.agents[m]
		if !found || ag.state != Available || exclude[m] {
			continue
		}
		if best == nil || ag.idleSince.Before(best.idleSince) || (ag.idleSince.Equal(best.idleSince) && ag.id < best.id) {
			best = ag
		}
	}
	if best == nil {
		return "", false
	}
	best.call = callID
	a.setLocked(best, Ringing)
	return best.id, true
}

// Answered records that a ringing agent took the call.
func (a *ACD) Answered(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ag, ok := a.agents[id]; ok {
		ag.calls++
		a.setLocked(ag, OnCall)
	}
}

// Unclaim returns a ringing agent who did not answer to available.
func (a *ACD) Unclaim(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ag, ok := a.agents[id]; ok && ag.state == Ringing {
		ag.call = ""
		a.setLocked(ag, Available)
	}
}

// CallEnded returns an agent to available after a call; idle time restarts now.
func (a *ACD) CallEnded(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ag, ok := a.agents[id]; ok && (ag.state == OnCall || ag.state == Ringing) {
		ag.call = ""
		ag.idleSince = a.clock.Now()
		a.setLocked(ag, Available)
	}
}

// Agents returns a snapshot of every agent, sorted by id.
func (a *ACD) Agents() []AgentStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]AgentStatus, 0, len(a.agents))
	for _, ag := range a.agents {
		out = append(out, AgentStatus{ID: ag.id, Name: ag.name, State: ag.state.String(), Since: ag.since, IdleSince: ag.idleSince, Calls: ag.calls, CurrentCall: ag.call})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
