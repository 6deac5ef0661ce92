package ivr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hotline-cc/hotline/acd"
	"github.com/hotline-cc/hotline/dialplan"
	"github.com/hotline-cc/hotline/media"
	"github.com/hotline-cc/hotline/record"
)

// maxTransfers bounds how often one call can be transferred.
const maxTransfers = 10

// Queue waits for an agent: the ACD decides who rings (one agent, or every
// free member for ring-all); an agent who does not answer within the ring
// timeout, or rejects, goes on break and the caller stays at the head of the
// queue. The caller is bridged with the first agent who answers. While
// waiting, the caller hears hold audio with position announcements (when
// answered) or ringback (their phone's, or ours when the caller already has
// early media).
func (c *call) Queue(ctx context.Context, req dialplan.QueueRequest) (dialplan.QueueResult, error) {
	e := c.engine
	q := req.Queue
	start := time.Now()
	c.rec.Queue = q.Name
	c.checkpoint("queue "+q.Name, nil)
	spec := QueueSpec(q)
	res := func(o dialplan.QueueOutcome) (dialplan.QueueResult, error) {
		r := dialplan.QueueResult{Outcome: o, Wait: time.Since(start)}
		c.rec.WaitMs = r.Wait.Milliseconds()
		switch o {
		case dialplan.QueueNoAgent:
			c.rec.Disposition = record.DispositionNoAgent
		case dialplan.QueueTimeout:
			c.rec.Disposition = record.DispositionTimeout
		case dialplan.QueueFull:
			c.rec.Disposition = "queue_full"
		case dialplan.QueueCallerHangup:
			c.rec.Disposition = record.DispositionAbandoned
			c.rec.HangupBy, c.rec.HangupCause = record.HangupByCaller, "abandoned"
			return r, dialplan.ErrHangup
		}
		return r, nil
	}
	if !e.ACD.Staffed(spec) {
		c.log.Info("queue: no agent logged in", "queue", q.Name)
		return res(dialplan.QueueNoAgent)
	}
	callID := c.vars["call_id"]
	if p := e.VIP.priority(c.customer, req.Priority); p != req.Priority {
		c.log.Info("queue: VIP caller", "tag", e.VIP.Tag, "priority", p)
		req.Priority = p
	}
	if err := e.ACD.Enqueue(spec, callID, req.Priority); err != nil {
		if errors.Is(err, acd.ErrQueueFull) {
			c.log.Info("queue: full", "queue", q.Name, "max_length", q.MaxLength)
			return res(dialplan.QueueFull)
		}
		return dialplan.QueueResult{}, fmt.Errorf("queue %s: %w", q.Name, err)
	}
	left := false
	defer func() {
		if !left {
			e.ACD.Leave(callID)
		}
	}()
	maxWait := req.MaxWait
	if maxWait == 0 {
		maxWait = q.MaxWait
	}
	if maxWait == 0 {
		maxWait = dialplan.DefaultMaxWait
	}
	waitCtx, cancelWait := context.WithTimeout(ctx, maxWait)
	defer cancelWait()
	c.recordInQueue(q)

	// Announcements need an answered call; without them, an unanswered
	// caller hears ringback, which costs nothing and sounds natural.
	if q.AnnounceEvery > 0 {
		if err := c.answer(); err != nil {
			return res(dialplan.QueueCallerHangup)
		}
	}
	var hold sync.WaitGroup
	holdCtx, stopHold := context.WithCancel(waitCtx)
	stopHolding := func() {
		stopHold()
		hold.Wait()
		c.leg.FlushAudioOut()
	}
	switch {
	case c.answered:
		hold.Add(1)
		go func() {
			defer hold.Done()
			c.holdLoop(holdCtx, q, callID)
		}()
	case c.early:
		// The caller's phone plays the early media of a transfer that failed, not ringback of its own
		// (a 180 after a 183 with SDP does not bring that back): it hears ours.
		hold.Add(1)
		go func() {
			defer hold.Done()
			out := c.leg.AudioOut()
			playHold(holdCtx, out, ringbackPattern(out.SampleRate()))
		}()
	default:
		_ = c.leg.Ringing()
	}
	defer stopHolding()

	c.live.set(func(l *LiveCall) { l.State, l.Queue = StateQueue, q.Name })
	c.log.Info("queue: waiting", "queue", q.Name, "strategy", q.Strategy, "priority", req.Priority, "max_wait", maxWait.String())
	for {
		changed := e.ACD.Changed()
		ids, ok := e.ACD.Offer(callID)
		if !ok {
			if !e.ACD.Staffed(spec) {
				c.log.Info("queue: every agent logged out", "queue", q.Name)
				return res(dialplan.QueueNoAgent)
			}
			select {
			case <-changed:
			case <-waitCtx.Done():
				if ctx.Err() != nil {
					return res(dialplan.QueueCallerHangup)
				}
				c.log.Info("queue: max wait reached", "queue", q.Name)
				return res(dialplan.QueueTimeout)
			}
			continue
		}
		info := c.offerInfo(q.Name, start)
		c.live.set(func(l *LiveCall) { l.State, l.Agent = StateRinging, strings.Join(ids, ",") })
		id, agent := c.ring(waitCtx, ids, q.RingTimeout, info)
		if agent == nil {
			c.live.set(func(l *LiveCall) { l.State, l.Agent = StateQueue, "" })
			if ctx.Err() != nil {
				return res(dialplan.QueueCallerHangup)
			}
			if waitCtx.Err() != nil {
				return res(dialplan.QueueTimeout)
			}
			continue
		}
		left = true
		e.ACD.Answered(callID, id)
		r := dialplan.QueueResult{Outcome: dialplan.QueueAnswered, Agent: id, Wait: time.Since(start)}
		c.rec.Agent, c.rec.AgentAnswer, c.rec.WaitMs = id, time.Now(), r.Wait.Milliseconds()
		c.rec.Disposition = record.DispositionAnswered
		c.checkpoint("agent "+id, nil)
		stopHolding()
		xfer, err := c.talk(ctx, agent, id, q.WrapUp)
		if xfer != nil {
			return c.transferFrom(ctx, *xfer, r)
		}
		return r, err
	}
}

// transferFrom queues the caller again for the target the agent chose.
func (c *call) transferFrom(ctx context.Context, xfer AgentRequest, prev dialplan.QueueResult) (dialplan.QueueResult, error) {
	queue, agentID := xfer.Queue, xfer.Agent
	c.transfers++
	if c.transfers > maxTransfers {
		c.log.Warn("transfer refused: too many transfers", "transfers", c.transfers)
		return prev, nil
	}
	req := dialplan.TransferRequest{Agent: agentID}
	if queue != "" {
		if c.plan != nil {
			req.Queue = c.plan.Queues[queue]
		}
		if req.Queue == nil {
			c.log.Warn("transfer to an unknown queue", "queue", queue)
			return prev, nil
		}
	}
	c.log.Info("transferred by agent", "from_agent", prev.Agent, "queue", queue, "agent", agentID)
	res, err := c.Transfer(ctx, req)
	return dialplan.QueueResult{Outcome: res.Outcome, Agent: res.Agent, Wait: prev.Wait}, err
}

// offerInfo is what the agent sees when the call rings: the screen pop.
func (c *call) offerInfo(queue string, start time.Time) CallInfo {
	info := CallInfo{ID: c.vars["call_id"], From: c.vars["caller"], To: c.vars["called"], FromURI: c.rec.FromURI,
		ToURI: c.rec.ToURI, SourceAddr: c.rec.SourceAddr, Codec: c.rec.Codec, Route: c.rec.Route, Queue: queue,
		Waited: time.Since(start), Language: c.lang, Handoff: c.rec.Handoff, Customer: c.customer}
	if q := c.queueOf(queue); q != nil {
		info.SRTP = q.SRTP
	}
	for _, p := range c.rec.Path {
		info.Path = append(info.Path, p.Node+"("+p.Type+")")
	}
	// The path records nodes as they finish: add the queue the caller is in now.
	info.Path = append(info.Path, queue+"(queue)")
	return info
}

// ring rings the offered agents at once; the first to answer wins and the
// others are cancelled. An agent who lets it ring out or rejects goes on
// break; agents cancelled because the caller left or another answered are
// free again.
func (c *call) ring(ctx context.Context, ids []string, timeout time.Duration, info CallInfo) (string, AgentLeg) {
	e := c.engine
	if timeout <= 0 {
		timeout = dialplan.DefaultRingTimeout
	}
	ringCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		id  string
		leg AgentLeg
		err error
	}
	results := make(chan result, len(ids))
	for _, id := range ids {
		go func() {
			leg, err := e.Agents.DialAgent(ringCtx, id, info)
			results <- result{id, leg, err}
		}()
	}
	var winner result
	for range ids {
		r := <-results
		switch {
		case r.err == nil && winner.leg == nil:
			winner = r
			cancel() // CANCEL the others
		case r.err == nil:
			// Answered a moment too late: release the extra agent.
			_ = r.leg.Hangup(context.Background(), "answered_elsewhere")
			r.leg.Close()
			e.ACD.NotAnswered(info.ID, r.id, "")
		default:
			reason := ""
			switch {
			case winner.leg != nil || ctx.Err() != nil:
				// Cancelled: another agent answered, the caller left or max wait hit.
			case errors.Is(r.err, ErrAgentRejected):
				reason = acd.ReasonRejected
			default:
				reason = acd.ReasonNoAnswer
			}
			if reason != "" {
				c.log.Info("queue: agent did not answer", "agent", r.id, "break", reason, "error", r.err.Error())
			}
			e.ACD.NotAnswered(info.ID, r.id, reason)
		}
	}
	return winner.id, winner.leg
}

// talk bridges the caller with an answered agent until either hangs up, then puts the agent in
// wrap-up. From their desktop the agent may meanwhile hand the caller on (the request is
// returned: the caller queues for its target) or consult a colleague with the caller on hold and
// hand the caller over to them.
func (c *call) talk(ctx context.Context, agent AgentLeg, agentID string, wrapUp time.Duration) (*AgentRequest, error) {
	defer agent.Close()
	handedOver := false
	defer func() {
		if !handedOver {
			c.engine.ACD.CallEnded(agentID, wrapUp)
		}
	}()
	if err := c.answer(); err != nil {
		_ = agent.Hangup(context.Background(), "caller_gone")
		return nil, err
	}
	c.log.Info("bridged", "agent_leg", agent.ID())
	c.recording.watch(agentRecordWatcher(agent))
	defer c.recording.watch(nil)
	c.live.set(func(l *LiveCall) { l.State, l.Agent, l.Since = StateAgent, agentID, time.Now() })
	go c.forwardAgentDTMF(agent)
	ctl, _ := agent.(AgentControls)
	for {
		req := c.bridge(ctx, agent, ctl)
		if req == nil {
			break
		}
		if req.Kind == RequestTransfer {
			c.log.Info("agent transfers the caller", "agent", agentID, "queue", req.Queue, "to_agent", req.Agent)
			_ = agent.Hangup(context.Background(), "transfer")
			return req, nil
		}
		if next := c.consult(ctx, agent, ctl, req.Agent); next != nil {
			// Completed: the caller goes on with the colleague.
			c.log.Info("warm transfer completed", "from_agent", agentID, "to_agent", req.Agent)
			_ = agent.Hangup(context.Background(), "transferred")
			c.engine.ACD.CallEnded(agentID, wrapUp)
			handedOver = true
			c.rec.Agent = req.Agent
			c.checkpoint("transfer to "+req.Agent, nil)
			return c.talk(ctx, next, req.Agent, wrapUp)
		}
		if ctx.Err() != nil || agent.Context().Err() != nil {
			break
		}
	}
	switch {
	case ctx.Err() != nil:
		// The caller hung up: release the agent.
		c.rec.HangupBy = record.HangupByCaller
		c.rec.HangupCause = "bye"
		_ = agent.Hangup(context.Background(), "normal")
		return nil, dialplan.ErrHangup
	case agent.Context().Err() != nil && !agent.HungUpByUs():
		c.rec.HangupBy, c.rec.HangupCause = record.HangupByAgent, "bye"
		_ = c.leg.HangupBy(context.Background(), "agent", "bye")
		return nil, dialplan.ErrHangup
	}
	return nil, nil
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

// forwardAgentDTMF sends the keys an agent presses to the caller (RFC 4733 on a SIP caller's leg),
// for callers reaching another system's menu: a desktop agent's keypad, and a SIP phone's keys
// while the bridge transcodes. While the bridge relays two SIP legs' packets, the phone's RFC 4733
// events reach the caller with its media, and sending them again would press every key twice.
func (c *call) forwardAgentDTMF(agent AgentLeg) {
	caller, ok := c.leg.(media.DigitSender)
	if !ok {
		return
	}
	for {
		select {
		case <-agent.Context().Done():
			return
		case <-c.leg.Context().Done():
			return
		case d := <-agent.DTMF():
			if media.Relays(c.leg, agent) {
				continue // the key went with the media
			}
			if err := caller.SendDigit(d); err != nil {
				c.log.Debug("agent dtmf not sent", "digit", string(d), "error", err)
			}
		}
	}
}

// QueueSpec is what routing needs of a dialplan queue (the chat channel uses it too).
func QueueSpec(q *dialplan.Queue) acd.QueueSpec {
	return acd.QueueSpec{Name: q.Name, Members: q.Members, Strategy: q.Strategy, Skills: q.Skills, MaxLength: q.MaxLength}
}
