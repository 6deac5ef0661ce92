package desk

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/ivr"
	"github.com/hotline-cc/hotline/record"
)

// Session is one agent's open desktop: commands in (Do), events out (Events).
type Session struct {
	agent  *agentDesk
	events chan Event
	ctx    context.Context
	cancel context.CancelFunc
}

// eventBuffer is how many events a desktop may fall behind before it is closed: one that stops
// reading must not stall calls.
const eventBuffer = 64

// statusRefresh is how often an agent's status is checked even without a change notice.
const statusRefresh = 5 * time.Second

// Connect opens agentID's desktop session. A session the agent had open is closed: the newest
// wins. The session is told its wrap-up codes and the agent's calls, then every change.
func (d *Desk) Connect(agentID string) *Session {
	a := d.agent(agentID)
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{agent: a, events: make(chan Event, eventBuffer), ctx: ctx, cancel: cancel}
	s.emit(Hello{Dispositions: d.cfg.Dispositions})
	if old := a.attach(s); old != nil {
		old.cancel()
	}
	d.cfg.ACD.SetManualWrapUp(agentID, d.cfg.ManualWrapUp)
	d.cfg.ACD.SetDevice(agentID, acd.DeviceWeb, true)
	d.cfg.Log.Info("desktop connected", "agent", agentID)
	go s.watchStatus()
	return s
}

// Agent is the session's agent id.
func (s *Session) Agent() string { return s.agent.id }

// Events delivers what the desktop is told, until the session is done.
func (s *Session) Events() <-chan Event { return s.events }

// Done is closed when the session ends: closed, replaced by a newer one, or fallen behind.
func (s *Session) Done() <-chan struct{} { return s.ctx.Done() }

// Close ends the session. The agent's web device goes offline unless a newer session took over.
func (s *Session) Close() {
	s.cancel()
	if s.agent.detach(s) {
		d := s.agent.desk
		d.cfg.ACD.SetDevice(s.agent.id, acd.DeviceWeb, false)
		d.cfg.Log.Info("desktop disconnected", "agent", s.agent.id)
	}
}

func (s *Session) emit(e Event) {
	if s.ctx.Err() != nil {
		return
	}
	select {
	case s.events <- e:
	default:
		s.agent.desk.cfg.Log.Warn("desktop not reading; closing it", "agent", s.agent.id)
		s.cancel()
	}
}

// watchStatus tells the desktop the agent's status whenever it changes.
func (s *Session) watchStatus() {
	acdState := s.agent.desk.cfg.ACD
	var last acd.AgentStatus
	tick := time.NewTicker(statusRefresh)
	defer tick.Stop()
	for {
		changed := acdState.Changed()
		st, ok := acdState.Agent(s.agent.id)
		if ok && (st.State != last.State || st.Reason != last.Reason || !st.Since.Equal(last.Since)) {
			last = st
			s.emit(Status{Agent: st})
		}
		select {
		case <-s.ctx.Done():
			return
		case <-changed:
		case <-tick.C:
		}
	}
}

// Do carries out a command of the session's agent, who may act only on their own calls.
func (s *Session) Do(cmd Command) error {
	a := s.agent
	d := a.desk
	switch c := cmd.(type) {
	case SetState:
		st, ok := acd.ParseState(c.State)
		if !ok {
			return fmt.Errorf("unknown state %q", c.State)
		}
		return d.cfg.ACD.SetState(a.id, st, c.Reason)
	case Answer:
		return s.reply(c.Call, answerReply{sdp: c.SDP})
	case Reject:
		return s.reply(c.Call, answerReply{reject: true})
	case Hangup:
		leg, err := s.talking(c.Call)
		if err != nil {
			return err
		}
		leg.hangupByAgent()
		return nil
	case Hold:
		leg, err := s.talking(c.Call)
		if err != nil {
			return err
		}
		if leg.hold == nil {
			return errors.New("hold this call on your phone")
		}
		leg.hold.held.Store(c.On)
		a.emit(HoldChanged{Call: c.Call, On: c.On})
		return nil
	case Record:
		leg, err := s.talking(c.Call)
		if err != nil {
			return err
		}
		d.cfg.Log.Info("desktop recording", "call_id", c.Call, "agent", a.id, "on", c.On)
		return s.request(leg, ivr.AgentRequest{Kind: ivr.RequestRecord, On: c.On})
	case SendDigit:
		leg, err := s.talking(c.Call)
		if err != nil {
			return err
		}
		if !strings.ContainsRune("0123456789*#ABCD", c.Digit) || c.Digit == 0 {
			return fmt.Errorf("bad digit %q", c.Digit)
		}
		b, ok := leg.AgentLeg.(BrowserLeg)
		if !ok {
			return errors.New("use your phone's keypad")
		}
		b.InjectDTMF(c.Digit)
		return nil
	case Transfer:
		leg, err := s.talking(c.Call)
		if err != nil {
			return err
		}
		if err := s.checkTransfer(c); err != nil {
			return err
		}
		d.cfg.Log.Info("desktop transfer", "call_id", c.Call, "agent", a.id, "queue", c.Queue, "to_agent", c.Agent)
		return s.request(leg, ivr.AgentRequest{Kind: ivr.RequestTransfer, Queue: c.Queue, Agent: c.Agent})
	case Consult:
		leg, err := s.talking(c.Call)
		if err != nil {
			return err
		}
		if c.Agent == "" || c.Agent == a.id {
			return errors.New("consult needs another agent")
		}
		if _, ok := d.cfg.ACD.Agent(c.Agent); !ok {
			return fmt.Errorf("no agent %q", c.Agent)
		}
		return s.request(leg, ivr.AgentRequest{Kind: ivr.RequestConsult, Agent: c.Agent})
	case CompleteConsult:
		leg, err := s.talking(c.Call)
		if err != nil {
			return err
		}
		return s.request(leg, ivr.AgentRequest{Kind: ivr.RequestCompleteConsult})
	case CancelConsult:
		leg, err := s.talking(c.Call)
		if err != nil {
			return err
		}
		return s.request(leg, ivr.AgentRequest{Kind: ivr.RequestCancelConsult})
	case WrapUp:
		return s.wrapUp(c)
	case AcceptChat, RejectChat, SendChat, ChatTyping, EndChat:
		return s.doChat(cmd)
	}
	return fmt.Errorf("unknown command %T", cmd)
}

// reply gives the desktop's answer or reject to a call ringing there.
func (s *Session) reply(call string, r answerReply) error {
	c, err := s.agent.call(call, Ringing)
	if err != nil {
		return fmt.Errorf("call %s is not ringing for you", call)
	}
	if c.device == DevicePhone {
		return errors.New("this call rings on your phone: answer it there")
	}
	select {
	case c.answers <- r:
		return nil
	default:
		return fmt.Errorf("call %s is being answered already", call)
	}
}

// talking returns the leg of the agent's call in progress.
func (s *Session) talking(call string) (*callLeg, error) {
	s.agent.mu.Lock()
	defer s.agent.mu.Unlock()
	c := s.agent.calls[call]
	if c == nil || c.phase != Talking || c.leg == nil {
		return nil, fmt.Errorf("call %s is not yours or has ended", call)
	}
	return c.leg, nil
}

func (s *Session) request(leg *callLeg, r ivr.AgentRequest) error {
	if !leg.request(r) {
		return errors.New("a request for this call is pending")
	}
	return nil
}

// checkTransfer accepts exactly one known target: a queue or another agent.
func (s *Session) checkTransfer(t Transfer) error {
	d := s.agent.desk
	switch {
	case (t.Queue == "") == (t.Agent == ""):
		return errors.New("transfer needs a queue or an agent")
	case t.Agent == s.agent.id:
		return errors.New("cannot transfer a call to yourself")
	case t.Agent != "":
		if _, ok := d.cfg.ACD.Agent(t.Agent); !ok {
			return fmt.Errorf("no agent %q", t.Agent)
		}
		return nil
	}
	if slices.Contains(d.cfg.Queues(), t.Queue) {
		return nil
	}
	return fmt.Errorf("no queue %q", t.Queue)
}

// maxNotes bounds a wrap-up's notes, in bytes.
const maxNotes = 4000

// wrapUp stores the agent's wrap-up of an ended call and ends their wrap-up time.
func (s *Session) wrapUp(w WrapUp) error {
	a := s.agent
	d := a.desk
	isChat := a.chatWrapUp(w.Call, false)
	if _, err := a.call(w.Call, WrappingUp); err != nil && !isChat {
		return fmt.Errorf("call %s is not yours to wrap up", w.Call)
	}
	if len(d.cfg.Dispositions) > 0 && !slices.Contains(d.cfg.Dispositions, w.Disposition) {
		return fmt.Errorf("disposition %q is not in the list", w.Disposition)
	}
	notes := w.Notes
	if len(notes) > maxNotes {
		notes = strings.ToValidUTF8(notes[:maxNotes], "")
	}
	if err := d.cfg.WrapUps.PutWrapUp(w.Call, record.WrapUp{Agent: a.id, Disposition: w.Disposition, Notes: notes}); err != nil {
		d.cfg.Log.Error("wrap-up not saved", "call_id", w.Call, "agent", a.id, "error", err)
		return fmt.Errorf("wrap-up not saved: %w", err)
	}
	a.mu.Lock()
	delete(a.calls, w.Call)
	a.mu.Unlock()
	if isChat {
		a.chatWrapUp(w.Call, true)
	}
	d.cfg.Log.Info("wrap-up saved", "call_id", w.Call, "agent", a.id, "disposition", w.Disposition)
	if st, ok := d.cfg.ACD.Agent(a.id); ok && st.State == acd.WrapUp.String() {
		_ = d.cfg.ACD.SetState(a.id, acd.Available, "")
	}
	a.emit(WrapUpSaved{Call: w.Call})
	return nil
}

// Disconnect closes the agent's desktop session, if one is open (the agent logged out).
func (d *Desk) Disconnect(agentID string) {
	if s := d.agent(agentID).current(); s != nil {
		s.Close()
	}
}
