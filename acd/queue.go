package acd

import (
	"sort"
	"time"
)

// QueueSpec is what routing needs to know about a queue (the dialplan's
// queue definition, which may change on reload).
type QueueSpec struct {
	Name      string
	Members   []string       // agent ids; empty with the skills strategy means every agent
	Strategy  string         // longest_idle (default), round_robin, ring_all, fewest_calls, skills
	Skills    map[string]int // skills strategy: skill → minimum level
	MaxLength int            // 0: unlimited
}

// Ticket is a caller waiting in a queue.
type Ticket struct {
	CallID   string
	Queue    string
	Priority int
	Enqueued time.Time

	seq     uint64
	spec    QueueSpec
	ringing map[string]bool
	chat    bool // a chat: counted against agents' chat capacity, not their call state
}

// QueueStats is a live view of one queue, for the supervisor.
type QueueStats struct {
	Name         string        `json:"name"`
	Waiting      int           `json:"waiting"`
	Ringing      int           `json:"ringing"`
	LongestWait  time.Duration `json:"longest_wait_ns"`
	Answered     int           `json:"answered"`
	Lost         int           `json:"lost"`          // abandoned or timed out
	ServiceLevel float64       `json:"service_level"` // share answered within ServiceLevelTarget, 0-1
	AvgHandle    time.Duration `json:"avg_handle_ns"`
	Callers      []WaitingCall `json:"callers"`
}

// WaitingCall is one caller in QueueStats.
type WaitingCall struct {
	CallID   string    `json:"call_id"`
	Priority int       `json:"priority"`
	Since    time.Time `json:"since"`
	Ringing  bool      `json:"ringing"`
}

// ServiceLevelTarget is the answer time the service level counts against.
const ServiceLevelTarget = 20 * time.Second

// defaultHandle is the handle time assumed before a queue has any history.
const defaultHandle = 2 * time.Minute

type queue struct {
	name    string
	tickets []*Ticket // priority desc, then arrival
	rr      int       // round robin: index of the member rung last
	// Service figures since start.
	answered, inTarget, lost int
	avgHandle                time.Duration
}

func (a *ACD) queueLocked(name string) *queue {
	q := a.queues[name]
	if q == nil {
		q = &queue{name: name, rr: -1}
		a.queues[name] = q
	}
	return q
}

// Enqueue implements Router.
func (a *ACD) Enqueue(spec QueueSpec, callID string, priority int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.enqueueLocked(spec, callID, priority, false)
}

func (a *ACD) enqueueLocked(spec QueueSpec, callID string, priority int, chat bool) error {
	if old := a.waiting[callID]; old != nil {
		a.removeLocked(old) // queued again (a transfer): the new place replaces the old
	}
	q := a.queueLocked(spec.Name)
	if spec.MaxLength > 0 && len(q.tickets) >= spec.MaxLength {
		return ErrQueueFull
	}
	a.seq++
	t := &Ticket{CallID: callID, Queue: spec.Name, Priority: priority, Enqueued: a.clock.Now(), seq: a.seq,
		spec: spec, ringing: map[string]bool{}, chat: chat}
	i := sort.Search(len(q.tickets), func(i int) bool { return q.tickets[i].Priority < priority })
	q.tickets = append(q.tickets, nil)
	copy(q.tickets[i+1:], q.tickets[i:])
	q.tickets[i] = t
	a.waiting[callID] = t
	a.notifyLocked()
	return nil
}

// Offer implements Router.
func (a *ACD) Offer(callID string) ([]string, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.waiting[callID]
	if t == nil || len(t.ringing) > 0 {
		return nil, false
	}
	q := a.queues[t.Queue]
	// Only the first caller not already ringing someone may be offered:
	// priority, then arrival order. Calls and chats queue side by side:
	// neither waits behind the other, since different agents' capacity serves them.
	for _, o := range q.tickets {
		if o == t {
			break
		}
		if len(o.ringing) == 0 && o.chat == t.chat {
			return nil, false
		}
	}
	if t.chat {
		return a.offerChatLocked(t)
	}
	picked := a.pickLocked(q, t.spec)
	if len(picked) == 0 {
		return nil, false
	}
	ids := make([]string, len(picked))
	for i, ag := range picked {
		ids[i] = ag.id
		ag.call = callID
		t.ringing[ag.id] = true
		a.setLocked(ag, Ringing, "")
	}
	return ids, true
}

// Reserve implements Router: it claims one available agent for callID
// outside any queue (an agent consulting a colleague before a transfer).
func (a *ACD) Reserve(agentID, callID string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	ag, ok := a.agents[agentID]
	if !ok {
		return ErrUnknownAgent
	}
	if !ag.voiceFree() {
		return ErrNotClaimable
	}
	ag.call = callID
	a.setLocked(ag, Ringing, "")
	return nil
}

// Answered implements Router.
func (a *ACD) Answered(callID, agentID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.answeredQueue = ""
	if t := a.waiting[callID]; t != nil {
		a.answeredQueue = t.Queue
		q := a.queues[t.Queue]
		q.answered++
		if a.clock.Now().Sub(t.Enqueued) <= ServiceLevelTarget {
			q.inTarget++
		}
		delete(t.ringing, agentID)
		a.removeLocked(t)
	}
	if ag, ok := a.agents[agentID]; ok && ag.chatOffers[callID] {
		delete(ag.chatOffers, callID)
		ag.chats[callID] = true
		a.notifyLocked()
		return
	}
	if ag, ok := a.agents[agentID]; ok {
		ag.calls++
		ag.call = callID
		if t := a.answeredQueue; t != "" {
			ag.queue = t
		}
		a.setLocked(ag, OnCall, "")
	}
}

// NotAnswered implements Router.
func (a *ACD) NotAnswered(callID, agentID, reason string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t := a.waiting[callID]; t != nil {
		delete(t.ringing, agentID)
	}
	ag, ok := a.agents[agentID]
	if ok && ag.chatOffers[callID] {
		delete(ag.chatOffers, callID)
		if reason != "" && (ag.state == Available) {
			a.setLocked(ag, Break, reason)
		} else {
			a.notifyLocked()
		}
		return
	}
	if !ok || ag.state != Ringing || ag.call != callID {
		return
	}
	if reason == "" {
		a.setLocked(ag, Available, "")
		return
	}
	a.setLocked(ag, Break, reason)
}

// Leave implements Router.
func (a *ACD) Leave(callID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.waiting[callID]
	if t == nil {
		return
	}
	a.queues[t.Queue].lost++
	for id := range t.ringing {
		if ag := a.agents[id]; ag != nil && ag.chatOffers[callID] {
			delete(ag.chatOffers, callID)
		} else if ag != nil && ag.state == Ringing && ag.call == callID {
			a.setLocked(ag, Available, "")
		}
	}
	a.removeLocked(t)
}

func (a *ACD) removeLocked(t *Ticket) {
	delete(a.waiting, t.CallID)
	q := a.queues[t.Queue]
	for i, o := range q.tickets {
		if o == t {
			q.tickets = append(q.tickets[:i], q.tickets[i+1:]...)
			break
		}
	}
	// Agents still marked ringing for it are released by NotAnswered.
	a.notifyLocked()
}

// CallEnded implements Router.
func (a *ACD) CallEnded(agentID string, wrapUp time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ag, ok := a.agents[agentID]
	if !ok || (ag.state != OnCall && ag.state != Ringing) {
		return
	}
	talk := a.clock.Now().Sub(ag.since)
	if q := a.queueOfCallLocked(ag); q != nil {
		if q.avgHandle == 0 {
			q.avgHandle = talk + wrapUp
		} else {
			// Exponential average: recent calls count most.
			q.avgHandle = (q.avgHandle*7 + talk + wrapUp) / 8
		}
	}
	if wrapUp <= 0 && !ag.manualWrapUp {
		a.setLocked(ag, Available, "")
		return
	}
	a.setLocked(ag, WrapUp, "")
	if wrapUp > 0 && !ag.manualWrapUp {
		call := ag.call
		ag.wrapTimer = a.clock.AfterFunc(wrapUp, func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			if ag.state == WrapUp && ag.call == call {
				a.setLocked(ag, Available, "")
			}
		})
	}
}

// queueOfCallLocked finds the queue an agent's current call came from, via
// the queue name remembered at answer time.
func (a *ACD) queueOfCallLocked(ag *agent) *queue {
	if ag.queue == "" {
		return nil
	}
	return a.queues[ag.queue]
}

// Position implements Router.
func (a *ACD) Position(callID string) (int, int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.waiting[callID]
	if t == nil {
		return 0, 0
	}
	q := a.queues[t.Queue]
	for i, o := range q.tickets {
		if o == t {
			return i + 1, len(q.tickets)
		}
	}
	return 0, len(q.tickets)
}

// EstimatedWait implements Router: the callers ahead times the queue's
// average handle time, shared among the members who are logged in.
func (a *ACD) EstimatedWait(callID string) time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.waiting[callID]
	if t == nil {
		return 0
	}
	q := a.queues[t.Queue]
	pos := 0
	for i, o := range q.tickets {
		if o == t {
			pos = i + 1
		}
	}
	staffed := 0
	for _, ag := range a.candidatesLocked(t.spec) {
		if ag.state != Offline && ag.state != Break {
			staffed++
		}
	}
	if staffed == 0 {
		staffed = 1
	}
	h := q.avgHandle
	if h == 0 {
		h = defaultHandle
	}
	return time.Duration(pos) * h / time.Duration(staffed)
}

// Queues returns live stats of every queue that has seen a caller, by name.
func (a *ACD) Queues() []QueueStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clock.Now()
	out := make([]QueueStats, 0, len(a.queues))
	for _, q := range a.queues {
		s := QueueStats{Name: q.name, Waiting: len(q.tickets), Answered: q.answered, Lost: q.lost, AvgHandle: q.avgHandle,
			Callers: []WaitingCall{}}
		if n := q.answered + q.lost; n > 0 {
			s.ServiceLevel = float64(q.inTarget) / float64(n)
		}
		for _, t := range q.tickets {
			if w := now.Sub(t.Enqueued); w > s.LongestWait {
				s.LongestWait = w
			}
			if len(t.ringing) > 0 {
				s.Ringing++
			}
			s.Callers = append(s.Callers, WaitingCall{CallID: t.CallID, Priority: t.Priority, Since: t.Enqueued, Ringing: len(t.ringing) > 0})
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
