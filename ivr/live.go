package ivr

import (
	"sort"
	"sync"
	"time"
)

// LiveCall is a call in progress as supervisors see it: where it is and with whom. The call's
// own goroutine publishes it; readers get copies.
type LiveCall struct {
	ID         string    `json:"call_id"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	Route      string    `json:"route"`
	State      CallState `json:"state"`
	Node       string    `json:"node,omitempty"`       // the dialplan node running
	Queue      string    `json:"queue,omitempty"`      // the queue the caller waits or waited in
	Agent      string    `json:"agent,omitempty"`      // the agent the caller talks with
	Consulting string    `json:"consulting,omitempty"` // the colleague the agent consults
	Number     string    `json:"number,omitempty"`     // the external number dialled or talked to
	Start      time.Time `json:"start"`
	Since      time.Time `json:"since"` // in this state since
}

// CallState is where a call in progress is.
type CallState string

const (
	StateIVR      CallState = "ivr"      // running dialplan nodes: prompts, menus, http…
	StateBot      CallState = "bot"      // talking with the voice bot
	StateQueue    CallState = "queue"    // waiting for an agent
	StateRinging  CallState = "ringing"  // an agent's phone or desktop rings
	StateAgent    CallState = "agent"    // talking with an agent
	StateConsult  CallState = "consult"  // on hold while the agent consults a colleague
	StateExternal CallState = "external" // transferred to an external number (dialling or talking)
)

// liveCalls is the engine's list of calls in progress.
type liveCalls struct {
	mu      sync.Mutex
	calls   map[string]*LiveCall
	changed chan struct{} // closed at the next change
}

// liveCall is one call's entry; the zero value (a call outside an engine, in tests) publishes nothing.
type liveCall struct {
	list *liveCalls
	id   string
}

func (r *liveCalls) add(c LiveCall) liveCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[string]*LiveCall{}
	}
	r.calls[c.ID] = &c
	r.notifyLocked()
	return liveCall{list: r, id: c.ID}
}

func (r *liveCalls) notifyLocked() {
	if r.changed != nil {
		close(r.changed)
		r.changed = nil
	}
}

// set changes the call's published state; a change of State restarts Since unless f sets it.
func (l liveCall) set(f func(*LiveCall)) {
	if l.list == nil {
		return
	}
	l.list.mu.Lock()
	defer l.list.mu.Unlock()
	c := l.list.calls[l.id]
	if c == nil {
		return
	}
	state, since := c.State, c.Since
	f(c)
	if c.State != state && c.Since.Equal(since) {
		c.Since = time.Now()
	}
	l.list.notifyLocked()
}

func (l liveCall) remove() {
	if l.list == nil {
		return
	}
	l.list.mu.Lock()
	defer l.list.mu.Unlock()
	delete(l.list.calls, l.id)
	l.list.notifyLocked()
}

// Calls lists the calls in progress, oldest first.
func (e *Engine) Calls() []LiveCall {
	r := &e.live
	r.mu.Lock()
	out := make([]LiveCall, 0, len(r.calls))
	for _, c := range r.calls {
		out = append(out, *c)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Start.Equal(out[j].Start) {
			return out[i].Start.Before(out[j].Start)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// CallsChanged is closed at the next change of the calls in progress.
func (e *Engine) CallsChanged() <-chan struct{} {
	r := &e.live
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.changed == nil {
		r.changed = make(chan struct{})
	}
	return r.changed
}
