package ivr

import (
	"context"
	"strings"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/media"
)

// Consulter is an agent leg whose agent can consult a colleague before
// handing the caller over (a warm transfer from the desktop).
type Consulter interface {
	// Consults delivers the agent's requests: "start:<agent id>", "complete" or "cancel".
	Consults() <-chan string
	// ConsultState tells the agent how the consultation goes: ringing,
	// connected, failed, cancelled or completed.
	ConsultState(state, colleague string)
}

// consultRingTimeout bounds how long a colleague rings during a consultation.
const consultRingTimeout = 30 * time.Second

// bridge connects the caller and the agent until the call ends or the agent
// asks to consult a colleague; it returns that colleague's id, or "".
func (c *call) bridge(ctx context.Context, agent AgentLeg, con Consulter) string {
	if con == nil {
		_ = media.Bridge(ctx, c.leg, agent)
		return ""
	}
	bctx, cancel := context.WithCancel(ctx)
	defer cancel()
	colleague := make(chan string, 1)
	go func() {
		for {
			select {
			case <-bctx.Done():
				return
			case r := <-con.Consults():
				if id, ok := strings.CutPrefix(r, "start:"); ok && id != "" {
					colleague <- id
					cancel()
					return
				}
			}
		}
	}()
	_ = media.Bridge(bctx, c.leg, agent)
	select {
	case id := <-colleague:
		return id
	default:
		return ""
	}
}

// consult puts the caller on hold and rings the colleague; once they
// answer, agent and colleague talk until the agent completes (the
// colleague's leg is returned: the caller goes to them) or cancels (nil: the
// caller goes back to the agent). The agent hanging up after the colleague
// answered completes the transfer too.
func (c *call) consult(ctx context.Context, agent AgentLeg, con Consulter, colleague string) AgentLeg {
	e := c.engine
	callID := c.vars["call_id"]
	if err := e.ACD.Reserve(colleague, callID); err != nil {
		c.log.Info("consult: colleague not available", "colleague", colleague, "error", err.Error())
		con.ConsultState("failed", colleague)
		return nil
	}
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
	con.ConsultState("ringing", colleague)
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
	abandon := func(state string) AgentLeg {
		cancelRing()
		if r := <-dr; r.leg != nil {
			_ = r.leg.Hangup(context.Background(), "consult_cancelled")
			r.leg.Close()
		}
		e.ACD.NotAnswered(callID, colleague, "")
		con.ConsultState(state, colleague)
		return nil
	}
	var b AgentLeg
	for b == nil {
		select {
		case r := <-dr:
			if r.err != nil {
				c.log.Info("consult: colleague did not answer", "colleague", colleague, "error", r.err.Error())
				e.ACD.NotAnswered(callID, colleague, acd.ReasonNoAnswer)
				con.ConsultState("failed", colleague)
				return nil
			}
			b = r.leg
		case r := <-con.Consults():
			if r == "cancel" {
				return abandon("cancelled")
			}
		case <-agent.Context().Done():
			return abandon("cancelled")
		case <-ctx.Done():
			return abandon("cancelled")
		}
	}
	e.ACD.Answered(callID, colleague)
	con.ConsultState("connected", colleague)
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
		con.ConsultState("cancelled", colleague)
		return nil
	}
	for {
		select {
		case r := <-con.Consults():
			switch r {
			case "complete":
				release()
				con.ConsultState("completed", colleague)
				return b
			case "cancel":
				return drop()
			}
		case <-agent.Context().Done():
			// The agent hung up: hand over, as with a desk phone's transfer.
			release()
			return b
		case <-b.Context().Done():
			release()
			b.Close()
			e.ACD.CallEnded(colleague, 0)
			con.ConsultState("cancelled", colleague)
			return nil
		case <-ctx.Done():
			return drop()
		}
	}
}
