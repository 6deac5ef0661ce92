package ivr

import (
	"context"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/media"
)

// consultRingTimeout bounds how long a colleague rings during a consultation.
const consultRingTimeout = 30 * time.Second

// bridge connects the caller and the agent until the call ends or the agent asks to transfer
// the caller or to consult a colleague; it returns that request, or nil when a leg ended.
func (c *call) bridge(ctx context.Context, agent AgentLeg, ctl AgentControls) *AgentRequest {
	if ctl == nil {
		c.connect(ctx, agent)
		return nil
	}
	bctx, cancel := context.WithCancel(ctx)
	got := make(chan AgentRequest, 1)
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-bctx.Done():
				return
			case r := <-ctl.Requests():
				if r.Kind == RequestRecord {
					c.recording.agentRecord(r.On)
					continue
				}
				if r.Kind == RequestTransfer || r.Kind == RequestConsult {
					got <- r
					cancel()
					return
				}
				c.log.Debug("agent request ignored outside a consultation", "request", r.Kind.String())
			}
		}
	}()
	c.connect(bctx, agent)
	cancel()
	<-watched // no request is read after the bridge let go
	select {
	case r := <-got:
		return &r
	default:
		return nil
	}
}

// consult puts the caller on hold and rings the colleague; once they answer, agent and colleague
// talk until the agent completes (the colleague's leg is returned: the caller goes to them) or
// cancels (nil: the caller goes back to the agent). The agent hanging up after the colleague
// answered completes the transfer too, as on a desk phone.
func (c *call) consult(ctx context.Context, agent AgentLeg, ctl AgentControls, colleague string) AgentLeg {
	e := c.engine
	callID := c.vars["call_id"]
	if err := e.ACD.Reserve(colleague, callID); err != nil {
		c.log.Info("consult: colleague not available", "colleague", colleague, "error", err.Error())
		ctl.ConsultProgress(ConsultFailed, colleague)
		return nil
	}
	c.live.set(func(l *LiveCall) { l.State, l.Consulting = StateConsult, colleague })
	defer c.live.set(func(l *LiveCall) { l.State, l.Consulting = StateAgent, "" })
	holdCtx, stopHold := context.WithCancel(ctx)
	held := make(chan struct{})
	go func() {
		defer close(held)
		playHold(holdCtx, c.leg.AudioOut(), e.holdAudio("", c.leg.AudioOut().SampleRate()))
	}()
	defer func() {
		stopHold()
		<-held
		c.leg.FlushAudioOut()
	}()

	c.log.Info("consult: ringing colleague", "colleague", colleague)
	ctl.ConsultProgress(ConsultRinging, colleague)
	b := c.ringColleague(ctx, agent, ctl, colleague)
	if b == nil {
		return nil
	}
	e.ACD.Answered(callID, colleague)
	ctl.ConsultProgress(ConsultConnected, colleague)
	c.log.Info("consult: connected", "colleague", colleague)
	cctx, stopTalk := context.WithCancel(ctx)
	talked := make(chan struct{})
	go func() {
		defer close(talked)
		_ = media.Bridge(cctx, agent, b)
	}()
	release := func() {
		stopTalk()
		<-talked
	}
	drop := func() AgentLeg {
		release()
		_ = b.Hangup(context.Background(), "consult_cancelled")
		b.Close()
		e.ACD.CallEnded(colleague, 0)
		ctl.ConsultProgress(ConsultCancelled, colleague)
		return nil
	}
	for {
		select {
		case r := <-ctl.Requests():
			switch r.Kind {
			case RequestCompleteConsult:
				release()
				ctl.ConsultProgress(ConsultCompleted, colleague)
				return b
			case RequestCancelConsult:
				return drop()
			case RequestRecord:
				c.recording.agentRecord(r.On)
			}
		case <-agent.Context().Done():
			release()
			return b
		case <-b.Context().Done():
			release()
			b.Close()
			e.ACD.CallEnded(colleague, 0)
			ctl.ConsultProgress(ConsultCancelled, colleague)
			return nil
		case <-ctx.Done():
			return drop()
		}
	}
}

// ringColleague rings the colleague of a consultation until they answer (their leg), or it
// fails, the agent cancels or hangs up, or the caller leaves (nil, the agent told).
func (c *call) ringColleague(ctx context.Context, agent AgentLeg, ctl AgentControls, colleague string) AgentLeg {
	e := c.engine
	callID := c.vars["call_id"]
	ringCtx, cancelRing := context.WithTimeout(ctx, consultRingTimeout)
	defer cancelRing()
	type dialed struct {
		leg AgentLeg
		err error
	}
	dr := make(chan dialed, 1)
	info := c.offerInfo(c.rec.Queue, time.Now())
	go func() {
		l, err := e.Agents.DialAgent(ringCtx, colleague, info)
		dr <- dialed{l, err}
	}()
	abandon := func() AgentLeg {
		cancelRing()
		if r := <-dr; r.leg != nil {
			_ = r.leg.Hangup(context.Background(), "consult_cancelled")
			r.leg.Close()
		}
		e.ACD.NotAnswered(callID, colleague, "")
		ctl.ConsultProgress(ConsultCancelled, colleague)
		return nil
	}
	for {
		select {
		case r := <-dr:
			if r.err != nil {
				c.log.Info("consult: colleague did not answer", "colleague", colleague, "error", r.err.Error())
				e.ACD.NotAnswered(callID, colleague, acd.ReasonNoAnswer)
				ctl.ConsultProgress(ConsultFailed, colleague)
				return nil
			}
			return r.leg
		case r := <-ctl.Requests():
			switch r.Kind {
			case RequestCancelConsult:
				return abandon()
			case RequestRecord:
				c.recording.agentRecord(r.On)
			}
		case <-agent.Context().Done():
			return abandon()
		case <-ctx.Done():
			return abandon()
		}
	}
}
