package ivr

import (
	"context"
	"errors"

	"github.com/hotline-cc/hotline/dialplan"
)

// Transfer hands the caller to a queue (the queue logic), to one agent (a queue with that agent as its
// only member, so ringing, hold audio and the bridge are the queue's), or to an external number through
// a trunk (call_external.go).
func (c *call) Transfer(ctx context.Context, req dialplan.TransferRequest) (dialplan.TransferResult, error) {
	var q *dialplan.Queue
	switch {
	case req.Queue != nil:
		q = req.Queue
	case req.Agent != "":
		q = &dialplan.Queue{Name: "agent:" + req.Agent, Members: []string{req.Agent},
			Strategy: dialplan.StrategyLongestIdle, RingTimeout: dialplan.DefaultRingTimeout, MaxWait: dialplan.DefaultMaxWait}
	case req.Number != "":
		return c.transferOut(ctx, req)
	default:
		return dialplan.TransferResult{}, errors.New("transfer: no target")
	}
	maxWait := req.MaxWait
	if maxWait == 0 {
		maxWait = q.MaxWait
	}
	res, err := c.Queue(ctx, dialplan.QueueRequest{Queue: q, MaxWait: maxWait})
	return dialplan.TransferResult{Outcome: res.Outcome, Agent: res.Agent}, err
}
