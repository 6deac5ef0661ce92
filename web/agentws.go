package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/record"
	"github.com/hotline-cc/hotline/rtc"
)

// ScreenPop is what the desktop shows the moment a call rings.
type ScreenPop struct {
	CallID   string          `json:"call_id"`
	From     string          `json:"from"`
	To       string          `json:"to"`
	Route    string          `json:"route,omitempty"`
	Queue    string          `json:"queue,omitempty"`
	Path     []string        `json:"path,omitempty"`
	WaitMs   int64           `json:"wait_ms"`
	Language string          `json:"language,omitempty"`
	Handoff  *record.Handoff `json:"handoff,omitempty"`
}

// wsMsg is every message on the agent WebSocket, both ways (see README.md).
type wsMsg struct {
	Type         string           `json:"type"`
	CallID       string           `json:"call_id,omitempty"`
	SDP          string           `json:"sdp,omitempty"`
	State        string           `json:"state,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	On           bool             `json:"on,omitempty"`
	Digit        string           `json:"digit,omitempty"`
	Disposition  string           `json:"disposition,omitempty"`
	Notes        string           `json:"notes,omitempty"`
	Message      string           `json:"message,omitempty"`
	Cause        string           `json:"cause,omitempty"`
	Call         *ScreenPop       `json:"call,omitempty"`
	Agent        *acd.AgentStatus `json:"agent,omitempty"`
	Dispositions []string         `json:"dispositions,omitempty"`
	Queue        string           `json:"queue,omitempty"`    // transfer target
	ToAgent      string           `json:"to_agent,omitempty"` // transfer target
}

// agentConn is one agent's WebSocket and the calls it may act on.
type agentConn struct {
	d      *Desktop
	agent  string
	ws     *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	out    chan wsMsg

	mu      sync.Mutex
	pending map[string]chan wsMsg // ringing calls: answer/reject arrive here
	active  map[string]*rtc.Leg   // connected calls
	ended   map[string]bool       // calls awaiting wrap-up
}

func (c *agentConn) send(m wsMsg) {
	select {
	case c.out <- m:
	case <-c.ctx.Done():
	default:
		// A desktop that stopped reading: drop it rather than stall calls.
		c.d.Log.Warn("desktop not reading; closing", "agent", c.agent)
		c.close()
	}
}

func (c *agentConn) close() { c.cancel() }

func (d *Desktop) acceptWS(w http.ResponseWriter, r *http.Request) (*websocket.Conn, error) {
	return websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: d.Origins})
}

// agentWS is the agent's event and signalling channel.
func (d *Desktop) agentWS(w http.ResponseWriter, r *http.Request) {
	d.init()
	s := d.session(r)
	if s == nil {
		writeError(w, http.StatusUnauthorized, "not logged in")
		return
	}
	ws, err := d.acceptWS(w, r) // checks Origin against the page's host
	if err != nil {
		d.Log.Warn("desktop websocket refused", "agent", s.agent, "error", err)
		return
	}
	ws.SetReadLimit(256 << 10) // an SDP offer fits easily
	ctx, cancel := context.WithCancel(context.Background())
	c := &agentConn{d: d, agent: s.agent, ws: ws, ctx: ctx, cancel: cancel, out: make(chan wsMsg, 64),
		pending: map[string]chan wsMsg{}, active: map[string]*rtc.Leg{}, ended: map[string]bool{}}
	d.mu.Lock()
	old := d.conns[s.agent]
	d.conns[s.agent] = c
	d.mu.Unlock()
	if old != nil {
		old.close() // one desktop per agent: the newest wins
	}
	d.ACD.SetManualWrapUp(s.agent, d.ManualWrapUp)
	d.ACD.SetDevice(s.agent, acd.DeviceWeb, true)
	d.Log.Info("desktop connected", "agent", s.agent)
	defer func() {
		cancel()
		d.mu.Lock()
		if d.conns[s.agent] == c {
			delete(d.conns, s.agent)
			d.mu.Unlock()
			d.ACD.SetDevice(s.agent, acd.DeviceWeb, false)
		} else {
			d.mu.Unlock()
		}
		_ = ws.Close(websocket.StatusNormalClosure, "")
		d.Log.Info("desktop disconnected", "agent", s.agent)
	}()

	go c.writeLoop()
	go c.watchStatus()
	c.send(wsMsg{Type: "hello", Dispositions: d.Dispositions})
	for {
		var m wsMsg
		_, data, err := ws.Read(ctx)
		if err != nil {
			return
		}
		if err := json.Unmarshal(data, &m); err != nil {
			c.send(wsMsg{Type: "error", Message: "bad message: " + err.Error()})
			continue
		}
		if err := c.handle(m); err != nil {
			c.send(wsMsg{Type: "error", CallID: m.CallID, Message: err.Error()})
		}
	}
}

func (c *agentConn) writeLoop() {
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case m := <-c.out:
			b, _ := json.Marshal(m)
			wctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
			err := c.ws.Write(wctx, websocket.MessageText, b)
			cancel()
			if err != nil {
				c.close()
				return
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(c.ctx, 10*time.Second)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				c.close()
				return
			}
		}
	}
}

// watchStatus pushes the agent's own status whenever it changes.
func (c *agentConn) watchStatus() {
	var last acd.AgentStatus
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		ch := c.d.ACD.Changed()
		st, ok := c.d.ACD.Agent(c.agent)
		if ok && (st.State != last.State || st.Reason != last.Reason || !st.Since.Equal(last.Since)) {
			last = st
			c.send(wsMsg{Type: "status", Agent: &st})
		}
		select {
		case <-c.ctx.Done():
			return
		case <-ch:
		case <-tick.C:
		}
	}
}

// handle acts on one desktop message; agents act only on their own calls.
func (c *agentConn) handle(m wsMsg) error {
	switch m.Type {
	case "state":
		st, ok := acd.ParseState(m.State)
		if !ok {
			return fmt.Errorf("unknown state %q", m.State)
		}
		return c.d.ACD.SetState(c.agent, st, m.Reason)
	case "answer", "reject":
		c.mu.Lock()
		ch := c.pending[m.CallID]
		c.mu.Unlock()
		if ch == nil {
			return fmt.Errorf("call %s is not ringing for you", m.CallID)
		}
		select {
		case ch <- m:
		default:
		}
		return nil
	case "hangup", "hold", "dtmf", "transfer", "consult", "consult_complete", "consult_cancel":
		c.mu.Lock()
		leg := c.active[m.CallID]
		c.mu.Unlock()
		if leg == nil {
			return fmt.Errorf("call %s is not yours or has ended", m.CallID)
		}
		switch m.Type {
		case "hangup":
			leg.AgentHangup()
		case "hold":
			if m.On {
				leg.SetHold(c.d.HoldAudio)
			} else {
				leg.SetHold(nil)
			}
			c.send(wsMsg{Type: "held", CallID: m.CallID, On: m.On})
		case "transfer":
			if err := c.checkTransfer(m); err != nil {
				return err
			}
			c.d.Log.Info("desktop transfer", "call_id", m.CallID, "agent", c.agent, "queue", m.Queue, "to_agent", m.ToAgent)
			leg.Transfer(m.Queue, m.ToAgent)
		case "consult":
			if m.ToAgent == "" || m.ToAgent == c.agent {
				return errors.New("consult needs another agent")
			}
			if _, ok := c.d.ACD.Agent(m.ToAgent); !ok {
				return fmt.Errorf("no agent %q", m.ToAgent)
			}
			if !leg.Consult("start:" + m.ToAgent) {
				return errors.New("a consultation request is pending")
			}
		case "consult_complete":
			leg.Consult("complete")
		case "consult_cancel":
			leg.Consult("cancel")
		case "dtmf":
			if len(m.Digit) != 1 || !strings.ContainsAny(m.Digit, "0123456789*#ABCD") {
				return fmt.Errorf("bad digit %q", m.Digit)
			}
			leg.InjectDTMF(rune(m.Digit[0]))
		}
		return nil
	case "wrapup":
		return c.wrapUp(m)
	}
	return fmt.Errorf("unknown message type %q", m.Type)
}

// checkTransfer accepts exactly one known target: a queue or another agent.
func (c *agentConn) checkTransfer(m wsMsg) error {
	switch {
	case (m.Queue == "") == (m.ToAgent == ""):
		return errors.New("transfer needs a queue or an agent")
	case m.ToAgent == c.agent:
		return errors.New("cannot transfer a call to yourself")
	case m.ToAgent != "":
		if _, ok := c.d.ACD.Agent(m.ToAgent); !ok {
			return fmt.Errorf("no agent %q", m.ToAgent)
		}
		return nil
	}
	if c.d.Queues != nil {
		for _, q := range c.d.Queues() {
			if q == m.Queue {
				return nil
			}
		}
	}
	return fmt.Errorf("no queue %q", m.Queue)
}

// wrapUp saves the agent's disposition and notes of a call they handled.
func (c *agentConn) wrapUp(m wsMsg) error {
	c.mu.Lock()
	ok := c.ended[m.CallID]
	c.mu.Unlock()
	if !ok {
		return fmt.Errorf("call %s is not yours to wrap up", m.CallID)
	}
	valid := len(c.d.Dispositions) == 0
	for _, d := range c.d.Dispositions {
		valid = valid || d == m.Disposition
	}
	if !valid {
		return fmt.Errorf("disposition %q is not in the list", m.Disposition)
	}
	if len(m.Notes) > 4000 {
		m.Notes = m.Notes[:4000]
	}
	err := c.d.WrapUps.PutWrapUp(m.CallID, record.WrapUp{Agent: c.agent, Disposition: m.Disposition, Notes: m.Notes})
	if err != nil {
		c.d.Log.Error("wrap-up not saved", "call_id", m.CallID, "agent", c.agent, "error", err)
		return fmt.Errorf("wrap-up not saved: %w", err)
	}
	c.mu.Lock()
	delete(c.ended, m.CallID)
	c.mu.Unlock()
	c.d.Log.Info("wrap-up saved", "call_id", m.CallID, "agent", c.agent, "disposition", m.Disposition)
	if st, ok := c.d.ACD.Agent(c.agent); ok && st.State == acd.WrapUp.String() {
		_ = c.d.ACD.SetState(c.agent, acd.Available, "")
	}
	c.send(wsMsg{Type: "wrapup_saved", CallID: m.CallID})
	return nil
}

// Ring offers a call to an agent's desktop and waits for the agent to
// answer (the browser sends its SDP offer; the returned leg is connected),
// reject (ErrRejected) or for ctx to end (the desktop is told to stop ringing).
func (d *Desktop) Ring(ctx context.Context, agentID string, pop ScreenPop) (*rtc.Leg, error) {
	d.init()
	d.mu.Lock()
	c := d.conns[agentID]
	d.mu.Unlock()
	if c == nil {
		return nil, ErrNotOnDesktop
	}
	log := d.Log.With("call_id", pop.CallID, "agent", agentID)
	ch := make(chan wsMsg, 1)
	c.mu.Lock()
	c.pending[pop.CallID] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, pop.CallID)
		c.mu.Unlock()
	}()
	c.send(wsMsg{Type: "offer", CallID: pop.CallID, Call: &pop})
	log.Info("desktop ringing")
	cancelRing := func(reason string) {
		c.send(wsMsg{Type: "cancel", CallID: pop.CallID, Reason: reason})
	}
	var m wsMsg
	select {
	case m = <-ch:
	case <-ctx.Done():
		cancelRing("timeout")
		return nil, ctx.Err()
	case <-c.ctx.Done():
		return nil, errors.New("desktop disconnected")
	}
	if m.Type == "reject" {
		log.Info("desktop rejected the call")
		return nil, ErrRejected
	}
	if d.RTC == nil {
		cancelRing("no_webrtc")
		return nil, errors.New("webrtc is not configured")
	}
	leg, answer, err := d.RTC.Accept(ctx, pop.CallID+"/"+agentID, m.SDP, log)
	if err != nil {
		cancelRing("media_failed")
		return nil, err
	}
	c.send(wsMsg{Type: "sdp", CallID: pop.CallID, SDP: answer})
	if err := leg.WaitConnected(ctx); err != nil {
		leg.Close()
		cancelRing("media_failed")
		return nil, fmt.Errorf("webrtc: %w", err)
	}
	c.mu.Lock()
	c.active[pop.CallID] = leg
	c.mu.Unlock()
	leg.OnEnd(func(cause string) {
		c.mu.Lock()
		delete(c.active, pop.CallID)
		c.ended[pop.CallID] = true
		c.mu.Unlock()
		c.send(wsMsg{Type: "ended", CallID: pop.CallID, Cause: cause})
	})
	leg.OnConsult(func(state, colleague string) {
		c.send(wsMsg{Type: "consult", CallID: pop.CallID, State: state, ToAgent: colleague})
	})
	c.send(wsMsg{Type: "connected", CallID: pop.CallID})
	log.Info("desktop answered")
	return leg, nil
}

// floor is the supervisor's live view.
type floor struct {
	Type   string            `json:"type"`
	At     time.Time         `json:"at"`
	Agents []acd.AgentStatus `json:"agents"`
	Queues []acd.QueueStats  `json:"queues"`
	Calls  []floorCall       `json:"calls"`
}

type floorCall struct {
	CallID string    `json:"call_id"`
	Agent  string    `json:"agent,omitempty"`
	Queue  string    `json:"queue,omitempty"`
	State  string    `json:"state"` // waiting, ringing, talking
	Since  time.Time `json:"since"`
}

func (d *Desktop) floor() floor {
	f := floor{Type: "floor", At: time.Now(), Agents: d.ACD.Agents(), Queues: d.ACD.Queues(), Calls: []floorCall{}}
	seen := map[string]bool{}
	for _, a := range f.Agents {
		if a.CurrentCall != "" && (a.State == acd.OnCall.String() || a.State == acd.WrapUp.String()) && !seen[a.CurrentCall] {
			seen[a.CurrentCall] = true
			if a.State == acd.OnCall.String() {
				f.Calls = append(f.Calls, floorCall{CallID: a.CurrentCall, Agent: a.ID, State: "talking", Since: a.Since})
			}
		}
	}
	for _, q := range f.Queues {
		for _, w := range q.Callers {
			st := "waiting"
			if w.Ringing {
				st = "ringing"
			}
			f.Calls = append(f.Calls, floorCall{CallID: w.CallID, Queue: q.Name, State: st, Since: w.Since})
		}
	}
	sort.Slice(f.Calls, func(i, j int) bool { return f.Calls[i].Since.Before(f.Calls[j].Since) })
	return f
}

// supervisorWS pushes the floor on every change (at most 4 a second) and
// every second, so times in state keep moving.
func (d *Desktop) supervisorWS(w http.ResponseWriter, r *http.Request) {
	d.init()
	s := d.session(r)
	if s == nil {
		writeError(w, http.StatusUnauthorized, "not logged in")
		return
	}
	if s.role != record.RoleSupervisor {
		writeError(w, http.StatusForbidden, "the supervisor page needs the supervisor role")
		return
	}
	ws, err := d.acceptWS(w, r)
	if err != nil {
		return
	}
	defer ws.Close(websocket.StatusNormalClosure, "")
	ctx := ws.CloseRead(context.Background())
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		ch := d.ACD.Changed()
		b, _ := json.Marshal(d.floor())
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := ws.Write(wctx, websocket.MessageText, b)
		cancel()
		if err != nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-ch:
			time.Sleep(250 * time.Millisecond)
		case <-tick.C:
		}
	}
}
