package desk

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/ivr"
)

// agentDesk is one agent's desk: their desktop session, if open, and their calls.
type agentDesk struct {
	id   string
	desk *Desk

	mu      sync.Mutex // guards session, calls and chats
	session *Session
	calls   map[string]*agentCall
	chats   map[string]*agentChat // chat.go
}

// Phase is where an agent's call is.
type Phase int

const (
	Ringing    Phase = iota + 1 // offered, not answered yet
	Talking                     // answered
	WrappingUp                  // ended; the agent's wrap-up is due
)

func (p Phase) String() string {
	switch p {
	case Ringing:
		return "ringing"
	case Talking:
		return "talking"
	case WrappingUp:
		return "wrapping_up"
	}
	return "unknown"
}

// agentCall is the agent's part of one call. Its fields are guarded by the agentDesk's lock.
type agentCall struct {
	id      string
	info    ivr.CallInfo
	device  Device // where it rings, then where it was answered
	phase   Phase
	since   time.Time
	answers chan answerReply // the desktop's answer or reject while it rings there
	leg     *callLeg         // while talking
}

// answerReply is the desktop's answer to a ringing call.
type answerReply struct {
	sdp    string
	reject bool
	err    error // the desktop went away
}

// maxWrapUps bounds the ended calls an agent keeps for wrap-up.
const maxWrapUps = 20

func (a *agentDesk) current() *Session {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.session
}

// emit tells the agent's desktop, if it is open.
func (a *agentDesk) emit(e Event) {
	a.mu.Lock()
	s := a.session
	a.mu.Unlock()
	if s != nil {
		s.emit(e)
	}
}

// attach makes s the agent's session and returns the one it replaces. The new session is told
// of the agent's calls.
func (a *agentDesk) attach(s *Session) *Session {
	a.mu.Lock()
	old := a.session
	a.session = s
	calls := a.sortedLocked()
	a.mu.Unlock()
	for _, c := range calls {
		switch c.phase {
		case Ringing:
			s.emit(Offered{Call: c.id, Info: c.info, Device: c.device})
		case Talking:
			s.emit(Offered{Call: c.id, Info: c.info, Device: c.device})
			s.emit(Connected{Call: c.id, Device: c.device})
			if c.leg != nil {
				if e, ok := c.leg.lastRecording(); ok {
					s.emit(e)
				}
			}
		case WrappingUp:
			s.emit(Offered{Call: c.id, Info: c.info, Device: c.device})
			s.emit(Ended{Call: c.id, Cause: "wrap_up"})
		}
	}
	a.chatsAttached(s)
	return old
}

// detach forgets s if it is still the agent's session; calls ringing only on the desktop stop.
func (a *agentDesk) detach(s *Session) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.session != s {
		return false
	}
	a.session = nil
	a.chatsDetachedLocked()
	for _, c := range a.calls {
		if c.phase == Ringing && c.device == DeviceBrowser {
			select {
			case c.answers <- answerReply{err: errDesktopGone}:
			default:
			}
		}
	}
	return true
}

func (a *agentDesk) sortedLocked() []agentCall {
	out := make([]agentCall, 0, len(a.calls))
	for _, c := range a.calls {
		out = append(out, *c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].since.Before(out[j].since) })
	return out
}

// call returns the agent's call id in phase, or an error saying why the agent cannot act on it.
func (a *agentDesk) call(id string, phases ...Phase) (*agentCall, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c := a.calls[id]
	if c == nil {
		return nil, fmt.Errorf("call %s is not yours or has ended", id)
	}
	for _, p := range phases {
		if c.phase == p {
			return c, nil
		}
	}
	return nil, fmt.Errorf("call %s is %s", id, c.phase)
}

// ring offers the call on dev and returns the leg of the device that answers.
func (a *agentDesk) ring(ctx context.Context, info ivr.CallInfo, dev Device) (ivr.AgentLeg, error) {
	d := a.desk
	log := d.cfg.Log.With("call_id", info.ID, "agent", a.id)
	c := &agentCall{id: info.ID, info: info, device: dev, phase: Ringing, since: time.Now(), answers: make(chan answerReply, 1)}
	a.mu.Lock()
	a.calls[c.id] = c
	a.mu.Unlock()
	a.emit(Offered{Call: c.id, Info: info, Device: dev})
	log.Info("agent ringing", "device", string(dev))

	leg, answeredOn, err := a.dial(ctx, c, dev)
	if err != nil {
		a.mu.Lock()
		delete(a.calls, c.id)
		a.mu.Unlock()
		a.emit(Withdrawn{Call: c.id, Reason: withdrawnBecause(ctx, err)})
		return nil, err
	}
	cl := newCallLeg(leg, a, c.id, answeredOn, d.cfg.HoldAudio)
	a.mu.Lock()
	c.phase, c.device, c.leg, c.since = Talking, answeredOn, cl, time.Now()
	a.mu.Unlock()
	a.emit(Connected{Call: c.id, Device: answeredOn})
	log.Info("agent answered", "device", string(answeredOn))
	go a.watch(c, cl)
	return cl.face(), nil
}

// withdrawnBecause says why a call stopped ringing, as the desktop is told: it rang out or was
// taken elsewhere ("timeout"), the agent refused it ("rejected"), the desktop went away
// ("desktop_gone"), the phone did not take it ("not_answered"), or the softphone's media could not
// start ("media_failed").
func withdrawnBecause(ctx context.Context, err error) string {
	var media *mediaError
	switch {
	case ctx.Err() != nil:
		return "timeout"
	case errors.Is(err, ivr.ErrAgentRejected):
		return "rejected"
	case errors.Is(err, errDesktopGone):
		return "desktop_gone"
	case errors.As(err, &media):
		return "media_failed"
	}
	return "not_answered"
}

// mediaError is a softphone whose media could not start.
type mediaError struct{ err error }

func (e *mediaError) Error() string { return "desktop: " + e.err.Error() }
func (e *mediaError) Unwrap() error { return e.err }

// dial rings dev until one answers: on both, the first to answer wins and the other stops.
func (a *agentDesk) dial(ctx context.Context, c *agentCall, dev Device) (ivr.AgentLeg, Device, error) {
	switch dev {
	case DeviceBrowser:
		leg, err := a.answerOnDesktop(ctx, c)
		if err != nil {
			return nil, dev, err
		}
		return leg, dev, nil
	case DevicePhone:
		leg, err := a.desk.cfg.Phones.DialPhone(ctx, a.id, c.info)
		return leg, dev, err
	}
	ringCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type answered struct {
		leg ivr.AgentLeg
		dev Device
		err error
	}
	results := make(chan answered, 2)
	go func() {
		l, err := a.answerOnDesktop(ringCtx, c)
		if err != nil {
			results <- answered{nil, DeviceBrowser, err}
			return
		}
		results <- answered{l, DeviceBrowser, nil}
	}()
	go func() {
		l, err := a.desk.cfg.Phones.DialPhone(ringCtx, a.id, c.info)
		results <- answered{l, DevicePhone, err}
	}()
	var win answered
	var errs []error
	for range 2 {
		r := <-results
		switch {
		case r.err == nil && win.leg == nil:
			win = r
			cancel() // the other device stops ringing
		case r.err == nil:
			_ = r.leg.Hangup(context.Background(), "answered_elsewhere")
			r.leg.Close()
		case errors.Is(r.err, ivr.ErrAgentRejected) && win.leg == nil:
			cancel() // a refusal on either refuses the call
			errs = append(errs, r.err)
		default:
			errs = append(errs, r.err)
		}
	}
	if win.leg == nil {
		return nil, dev, errors.Join(errs...)
	}
	return win.leg, win.dev, nil
}

// answerOnDesktop waits for the agent to answer on the desktop, then brings the softphone's
// media up.
func (a *agentDesk) answerOnDesktop(ctx context.Context, c *agentCall) (BrowserLeg, error) {
	d := a.desk
	var r answerReply
	select {
	case r = <-c.answers:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	switch {
	case r.err != nil:
		return nil, fmt.Errorf("desktop: %w", r.err)
	case r.reject:
		return nil, fmt.Errorf("desktop: %w", ivr.ErrAgentRejected)
	}
	log := d.cfg.Log.With("call_id", c.id, "agent", a.id)
	leg, sdp, err := d.cfg.Browsers.Answer(ctx, c.id+"/"+a.id, r.sdp, log)
	if err != nil {
		return nil, &mediaError{err}
	}
	a.emit(Answered{Call: c.id, SDP: sdp})
	if err := leg.WaitConnected(ctx); err != nil {
		_ = leg.Hangup(context.Background(), "media_failed")
		leg.Close()
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, &mediaError{fmt.Errorf("webrtc: %w", err)}
	}
	return leg, nil
}

// watch waits for the agent's part of the call to end; the call then awaits wrap-up.
func (a *agentDesk) watch(c *agentCall, cl *callLeg) {
	<-cl.Context().Done()
	cause := cl.endCause()
	a.mu.Lock()
	c.phase, c.leg, c.since = WrappingUp, nil, time.Now()
	a.trimLocked()
	a.mu.Unlock()
	a.emit(Ended{Call: c.id, Cause: cause})
}

// trimLocked forgets the oldest calls awaiting wrap-up beyond maxWrapUps.
func (a *agentDesk) trimLocked() {
	var ended []*agentCall
	for _, c := range a.calls {
		if c.phase == WrappingUp {
			ended = append(ended, c)
		}
	}
	if len(ended) <= maxWrapUps {
		return
	}
	sort.Slice(ended, func(i, j int) bool { return ended[i].since.Before(ended[j].since) })
	for _, c := range ended[:len(ended)-maxWrapUps] {
		delete(a.calls, c.id)
	}
}
