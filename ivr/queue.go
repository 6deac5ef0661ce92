package ivr

import (
	"context"

	"sync"
	"time"

	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
)

// retryPause is how long a caller waits before the same agents are rung
// again after every free agent failed to answer.
const retryPause = time.Second

// Queue waits for an agent: it rings the longest-idle free member, moves on
// when one does not answer in the ring timeout, and bridges the caller with
// the first agent who answers. The caller hears ringback (if not answered
// yet) or hold audio while waiting.
func (c *call) Queue(ctx context.Context, req dialplan.QueueRequest) (dialplan.QueueResult, error) {
	e := c.engine
	q := req.Queue
	start := time.Now()
	c.rec.Queue = q.Name
	res := func(o dialplan.QueueOutcome) (dialplan.QueueResult, error) {
		r := dialplan.QueueResult{Outcome: o, Wait: time.Since(start)}
		c.rec.WaitMs = r.Wait.Milliseconds()
		switch o {
		case dialplan.QueueNoAgent:
			c.rec.Disposition = "no_agent"
		case dialplan.QueueTimeout:
			c.rec.Disposition = "timeout"
		case dialplan.QueueCallerHangup:
			c.rec.Disposition = "abandoned"
			c.rec.HangupBy, c.rec.HangupCause = "caller", "abandoned"
			return r, dialplan.ErrHangup
		}
		return r, nil
	}
	if !e.ACD.AnyOnline(q.Members) {
		c.log.Info("queue: no agent logged in", "queue", q.Name)
		return res(dialplan.QueueNoAgent)
	}
	maxWait := req.MaxWait
	if maxWait == 0 {
		maxWait = q.MaxWait
	}
	waitCtx, cancelWait := context.WithTimeout(ctx, maxWait)
	defer cancelWait()

	// While waiting: hold audio for an answered caller, ringback otherwise.
	var hold sync.WaitGroup
	holdCtx, stopHold := context.WithCancel(waitCtx)
	stopHolding := func() {
		stopHold()
		hold.Wait()
		c.leg.FlushAudioOut()
	}
	if c.answerd {
		hold.Add(1)
		go func() {
			defer hold.Done()
			playHold(holdCtx, c.leg.AudioOut(), e.holdAudio(q.HoldMusic, c.leg.AudioOut().SampleRate()))
		}()
	} else {
		_ = c.leg.Ringing()
	}
	defer stopHolding()

	c.log.Info("queue: waiting", "queue", q.Name, "max_wait", maxWait.String())
	info := CallInfo{ID: c.vars["call_id"], From: c.vars["caller"], To: c.vars["called"]}
	exclude := map[string]bool{}
	for {
		changed := e.ACD.Changed()
		id, ok := e.ACD.Claim(q.Members, exclude, info.ID)
		if !ok {
			if !e.ACD.AnyOnline(q.Members) {
				c.log.Info("queue: every agent logged out", "queue", q.Name)
				return res(dialplan.QueueNoAgent)
			}
			pause := time.After(time.Hour)
			if len(exclude) > 0 {
				// Everyone free has been tried: start over after a short pause.
				clear(exclude)
				pause = time.After(retryPause)
				changed = nil
			}
			select {
			case <-changed:
			case <-pause:
			case <-waitCtx.Done():
				if ctx.Err() != nil {
					return res(dialplan.QueueCallerHangup)
				}
				c.log.Info("queue: max wait reached", "queue", q.Name)
				return res(dialplan.QueueTimeout)
			}
			continue
		}

		ringCtx, cancelRing := context.WithTimeout(waitCtx, q.RingTimeout)
		agent, err := e.Agents.DialAgent(ringCtx, id, info)
		cancelRing()
		if err != nil {
			e.ACD.Unclaim(id)
			exclude[id] = true
			c.log.Info("queue: agent did not answer", "agent", id, "reason", err.Error())
			if ctx.Err() != nil {
				return res(dialplan.QueueCallerHangup)
			}
			if waitCtx.Err() != nil {
				return res(dialplan.QueueTimeout)
			}
			continue
		}
		e.ACD.Answered(id)
		r := dialplan.QueueResult{Outcome: dialplan.QueueAnswered, Agent: id, Wait: time.Since(start)}
		c.rec.Agent, c.rec.AgentAnswer, c.rec.WaitMs = id, time.Now(), r.Wait.Milliseconds()
		c.rec.Disposition = "answered"
		stopHolding()
		err = c.talk(ctx, agent)
		e.ACD.CallEnded(id)
		return r, err
	}
}

// talk bridges the caller with an answered agent until either hangs up.
func (c *call) talk(ctx context.Context, agent AgentLeg) error {
	defer agent.Close()
	if err := c.answer(); err != nil {
		_ = agent.Hangup(context.Background(), "caller_gone")
		return err
	}
	c.log.Info("bridged", "agent_leg", agent.ID())
	_ = media.Bridge(ctx, c.leg, agent)
	switch {
	case ctx.Err() != nil:
		// The caller hung up: release the agent.
		c.rec.HangupBy = "caller"
		c.rec.HangupCause = "bye"
		_ = agent.Hangup(context.Background(), "normal")
		return dialplan.ErrHangup
	case agent.Context().Err() != nil && !agent.HungUpByUs():
		c.rec.HangupBy, c.rec.HangupCause = "agent", "bye"
		_ = c.leg.HangupBy(context.Background(), "agent", "bye")
		return dialplan.ErrHangup
	}
	return nil
}

// holdAudio returns the queue's hold audio at rate.
func (e *Engine) holdAudio(file string, rate int) media.PCM16 {
	if file != "" {
		if s, err := e.prompt(context.Background(), dialplan.Prompt{File: file}, rate); err == nil {
			return s
		} else {
			e.Log.Warn("hold music unavailable; using the tone pattern", "file", file, "error", err)
		}
	}
	return holdPattern(rate)
}
