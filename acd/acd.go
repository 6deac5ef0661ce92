// Package acd owns agents, queues and routing decisions: who is logged in,
// who is free, which callers wait in which queue in what order, and which
// agent (or agents, for ring-all) a waiting caller should ring next. It is
// pure logic behind a clock: no sockets, no SIP, no WebRTC. The SIP, web and
// IVR layers tell it what happened (registered, ringing, answered, hung up)
// and ask it for decisions.
//
// Router is the interface the IVR uses; ACD is the in-memory implementation
// for one machine. A shared implementation (etcd leases for presence,
// transactions for claims) would be another type behind the same interface.
package acd

import (
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/record"
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

// ParseState is the inverse of State.String.
func ParseState(s string) (State, bool) {
	for st := Offline; st <= Break; st++ {
		if st.String() == s {
			return st, true
		}
	}
	return Offline, false
}

// Break reasons the ACD itself sets.
const (
	ReasonNoAnswer = "no_answer" // rang without answering (RONA)
	ReasonRejected = "rejected"  // refused an offered call
	ReasonNotReady = "not_ready" // just logged in on the desktop
)

// Devices an agent can be logged in with.
const (
	DeviceSIP = "sip"
	DeviceWeb = "web"
)

// Clock is the time source (a fake in tests). AfterFunc drives timed
// wrap-up, so a fake clock makes wrap-up testable without sleeping.
type Clock interface {
	Now() time.Time
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc.
type Timer interface{ Stop() bool }

// SystemClock is the wall clock.
type SystemClock struct{}

func (SystemClock) Now() time.Time                            { return time.Now() }
func (SystemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// AgentStatus is a snapshot of one agent.
type AgentStatus struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	State       string         `json:"state"`
	Reason      string         `json:"reason,omitempty"` // break reason
	Since       time.Time      `json:"since"`
	IdleSince   time.Time      `json:"idle_since"`
	Calls       int            `json:"calls"`
	CurrentCall string         `json:"current_call,omitempty"`
	Devices     []string       `json:"devices,omitempty"` // logged-in devices: sip, web
	Skills      map[string]int `json:"skills,omitempty"`
	// Chats are the chats the agent has open; ChatCapacity how many they may have at once.
	Chats        []string `json:"chats,omitempty"`
	ChatCapacity int      `json:"chat_capacity"`
}

// StateChange is one timestamped agent state transition, for occupancy and
// average-handle-time reports: the record the store keeps.
type StateChange = record.AgentState

type agent struct {
	id, name     string
	state        State
	reason       string
	since        time.Time
	idleSince    time.Time
	calls        int
	call         string
	skills       map[string]int
	devices      map[string]bool
	manualWrapUp bool
	queue        string // queue of the current or last call
	wrapTimer    Timer
	chats        map[string]bool // chats open (answered)
	chatOffers   map[string]bool // chats offered, not yet answered
	chatCap      int             // with chatCapSet: the agent's own chat capacity
	chatCapSet   bool
}

// Errors callers check.
var (
	ErrNotClaimable = errors.New("acd: agent is not available")
	ErrUnknownAgent = errors.New("acd: unknown agent")
	ErrQueueFull    = errors.New("acd: queue is full")
	ErrBadState     = errors.New("acd: agents cannot set that state")
)

// ACD tracks agents and waiting callers on one machine.
type ACD struct {
	clock Clock

	mu       sync.Mutex
	agents   map[string]*agent
	queues   map[string]*queue
	waiting  map[string]*Ticket // call id → ticket
	seq      uint64
	changed  chan struct{}
	onChange func(StateChange)
	// answeredQueue carries the queue name from a ticket to its agent within Answered.
	answeredQueue string
	chatCap       int // chat capacity of agents without their own
}

// DefaultChatCapacity is how many chats an agent may have open at once unless configured.
const DefaultChatCapacity = 3

var _ Router = (*ACD)(nil)

// New returns an ACD with no agents.
func New(clock Clock) *ACD {
	if clock == nil {
		clock = SystemClock{}
	}
	return &ACD{clock: clock, agents: map[string]*agent{}, queues: map[string]*queue{},
		waiting: map[string]*Ticket{}, changed: make(chan struct{}), chatCap: DefaultChatCapacity}
}

// OnStateChange registers f to receive every agent state change (to store
// it). f runs with the ACD locked: it must not call back into the ACD.
func (a *ACD) OnStateChange(f func(StateChange)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onChange = f
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
	a.agents[id] = &agent{id: id, name: name, state: Offline, since: now, idleSince: now, devices: map[string]bool{},
		chats: map[string]bool{}, chatOffers: map[string]bool{}}
}

// SetSkills sets an agent's skills (skill → level 1-10).
func (a *ACD) SetSkills(id string, skills map[string]int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ag, ok := a.agents[id]; ok {
		ag.skills = skills
		a.notifyLocked()
	}
}

// SetManualWrapUp makes an agent stay in wrap-up until they set themselves
// available (true), instead of returning automatically after the queue's time.
func (a *ACD) SetManualWrapUp(id string, manual bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if ag, ok := a.agents[id]; ok {
		ag.manualWrapUp = manual
	}
}

// Changed returns a channel closed at the next change of any agent or queue.
func (a *ACD) Changed() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.changed
}

func (a *ACD) notifyLocked() {
	close(a.changed)
	a.changed = make(chan struct{})
}

func (a *ACD) setLocked(ag *agent, s State, reason string) {
	if ag.state == s && ag.reason == reason {
		return
	}
	if ag.wrapTimer != nil && s != WrapUp {
		ag.wrapTimer.Stop()
		ag.wrapTimer = nil
	}
	from := ag.state
	ag.state, ag.reason = s, reason
	ag.since = a.clock.Now()
	// An agent rung but not connected keeps their place in the idle order.
	if s == Available && from != Available && from != Ringing {
		ag.idleSince = ag.since
	}
	call := ag.call
	if s != Ringing && s != OnCall && s != WrapUp {
		ag.call = ""
	}
	if a.onChange != nil {
		a.onChange(StateChange{Agent: ag.id, From: from.String(), To: s.String(), Reason: reason, Call: call, At: ag.since})
	}
	a.notifyLocked()
}

// SetOnline records that an agent's SIP phone registered (true) or went away.
func (a *ACD) SetOnline(id string, online bool) { a.SetDevice(id, DeviceSIP, online) }

// SetDevice records that an agent logged in or out on a device. A SIP phone
// that registers makes an offline agent available (a phone on the desk is
// ready to take calls); a desktop login starts on break(not_ready) until the
// agent chooses available. Logging out of the last device makes the agent
// offline unless a call is in progress.
func (a *ACD) SetDevice(id, device string, online bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ag, ok := a.agents[id]
	if !ok {
		return
	}
	was := len(ag.devices) > 0
	if online {
		ag.devices[device] = true
	} else {
		delete(ag.devices, device)
	}
	now := len(ag.devices) > 0
	switch {
	case online && ag.state == Offline && device == DeviceWeb:
		a.setLocked(ag, Break, ReasonNotReady)
	case online && ag.state == Offline:
		a.setLocked(ag, Available, "")
	case !now && was && (ag.state == Available || ag.state == Break || ag.state == WrapUp):
		a.setLocked(ag, Offline, "")
	default:
		a.notifyLocked()
	}
}

// SetState is an agent's own choice: available, break (with a reason) or
// offline. Calls in progress are not interrupted: ringing and on_call cannot
// be left this way.
func (a *ACD) SetState(id string, s State, reason string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	ag, ok := a.agents[id]
	if !ok {
		return ErrUnknownAgent
	}
	if s != Available && s != Break && s != Offline {
		return ErrBadState
	}
	if ag.state == Ringing || ag.state == OnCall {
		return ErrBadState
	}
	if s != Break {
		reason = ""
	} else if reason == "" {
		reason = "break"
	}
	a.setLocked(ag, s, reason)
	return nil
}

// AnyOnline reports whether any of members is logged in (whatever their state).
func (a *ACD) AnyOnline(members []string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.anyOnlineLocked(members)
}

// Staffed implements Router.
func (a *ACD) Staffed(spec QueueSpec) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, ag := range a.candidatesLocked(spec) {
		if ag.state != Offline {
			return true
		}
	}
	return false
}

func (a *ACD) anyOnlineLocked(members []string) bool {
	for _, m := range members {
		if ag, ok := a.agents[m]; ok && ag.state != Offline {
			return true
		}
	}
	return false
}

// Agent returns one agent's snapshot.
func (a *ACD) Agent(id string) (AgentStatus, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ag, ok := a.agents[id]
	if !ok {
		return AgentStatus{}, false
	}
	return a.statusLocked(ag), true
}

func (a *ACD) statusLocked(ag *agent) AgentStatus {
	st := AgentStatus{ID: ag.id, Name: ag.name, State: ag.state.String(), Reason: ag.reason, Since: ag.since,
		IdleSince: ag.idleSince, Calls: ag.calls, CurrentCall: ag.call, Skills: ag.skills,
		ChatCapacity: a.chatCapLocked(ag)}
	for d := range ag.devices {
		st.Devices = append(st.Devices, d)
	}
	sort.Strings(st.Devices)
	for c := range ag.chats {
		st.Chats = append(st.Chats, c)
	}
	sort.Strings(st.Chats)
	return st
}

// Agents returns a snapshot of every agent, sorted by id.
func (a *ACD) Agents() []AgentStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]AgentStatus, 0, len(a.agents))
	for _, ag := range a.agents {
		out = append(out, a.statusLocked(ag))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}
