package dialplan

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// QueueNode puts the caller in an agent queue and follows the edge for how the caller left it.
//
//	nodes:
//	  - id: agent
//	    type: queue
//	    queue: support            # a queue defined under queues:
//	    max_wait: 60s             # optional; overrides the queue's max_wait
//	    priority: 0               # optional; higher is served first
//	    next: goodbye             # optional; after the bridged call ends normally
//	    noagent: sorry            # optional; when no agent is registered or available at all
//	    timeout: sorry            # optional; when max_wait is reached
//
// A missing edge ends the call; a caller who hangs up in the queue ends the flow.
type QueueNode struct {
	nodeBase
	Queue    *Queue
	MaxWait  time.Duration // 0 means the queue's MaxWait
	Priority int
	Next     Edge
	NoAgent  Edge
	Timeout  Edge
}

var _ Node = (*QueueNode)(nil)

func newQueue(id string, f *fields) Node {
	n := &QueueNode{nodeBase: nodeBase{id}}
	if name := f.str("queue", true); name != "" {
		n.Queue = f.p.plan.Queues[name]
		if n.Queue == nil {
			hint := didYouMean(name, slices.Sorted(maps.Keys(f.p.plan.Queues)))
			if hint == "" {
				hint = "define it under queues:"
			}
			f.errorf(f.pos("queue"), hint, "queue %q: no such queue", name)
		}
	}
	n.MaxWait = f.duration("max_wait", 0)
	n.Priority = f.integer("priority", 0, 0, 100)
	n.Next = f.edge("next", EdgeNext)
	n.NoAgent = f.edge("noagent", EdgeNoAgent)
	n.Timeout = f.edge("timeout", EdgeTimeout)
	return n
}

func (*QueueNode) Type() string { return "queue" }

func (n *QueueNode) Edges() []Edge { return appendEdges(nil, n.Next, n.NoAgent, n.Timeout) }

// Run waits in the queue until the call leaves it.
func (n *QueueNode) Run(ctx context.Context, c Call) (string, error) {
	req := QueueRequest{Queue: n.Queue, MaxWait: n.MaxWait, Priority: n.Priority}
	if req.MaxWait == 0 {
		req.MaxWait = n.Queue.MaxWait
	}
	res, err := c.Queue(ctx, req)
	if err != nil {
		return "", err
	}
	c.Logger().Info("left queue", "node", n.id, "queue", n.Queue.Name, "outcome", res.Outcome,
		"agent", res.Agent, "wait", res.Wait)
	switch res.Outcome {
	case QueueAnswered:
		return EdgeNext, nil
	case QueueNoAgent:
		return EdgeNoAgent, nil
	case QueueTimeout:
		return EdgeTimeout, nil
	case QueueCallerHangup:
		return EdgeHangup, nil
	}
	return "", fmt.Errorf("queue %q: unexpected outcome %v", n.Queue.Name, res.Outcome)
}
