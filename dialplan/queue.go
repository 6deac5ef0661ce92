package dialplan

import (
	"context"
	"fmt"
	"time"
)

// QueueNode puts the caller in an agent queue and follows the edge for how the caller left it.
//
//	nodes:
//	  - id: agent
//	    type: queue
//	    queue: support            # a queue defined under queues:
//	    max_wait: 60s             # optional; overrides the queue's max_wait
//	    priority: 0               # optional; 0-100, higher is served first
//	    announce: true            # optional; position announcements every queue announce_every (default true)
//	    next: goodbye             # optional; after the bridged call ends normally
//	    noagent: sorry            # optional; when no agent is registered or available at all
//	    timeout: sorry            # optional; when max_wait is reached
//	    full: sorry               # optional; when the queue already holds max_length callers
//
// A missing edge ends the call; a caller who hangs up in the queue ends the flow.
type QueueNode struct {
	nodeBase
	Queue    *Queue
	MaxWait  time.Duration // 0 means the queue's MaxWait
	Priority int
	Announce bool
	Next     Edge
	NoAgent  Edge
	Timeout  Edge
	Full     Edge
}

var _ Node = (*QueueNode)(nil)

// EdgeFull is the edge a queue node takes when the queue is full.
const EdgeFull = "full"

func newQueue(id string, f *fields) Node {
	n := &QueueNode{nodeBase: nodeBase{id}}
	if name := f.str("queue", true); name != "" {
		n.Queue = f.p.lookupQueue(f, "queue", name)
	}
	n.MaxWait = f.duration("max_wait", 0)
	n.Priority = f.integer("priority", 0, 0, 100)
	n.Announce = f.boolean("announce", true)
	n.Next = f.edge("next", EdgeNext)
	n.NoAgent = f.edge("noagent", EdgeNoAgent)
	n.Timeout = f.edge("timeout", EdgeTimeout)
	n.Full = f.edge("full", EdgeFull)
	return n
}

func (*QueueNode) Type() string { return "queue" }

func (n *QueueNode) Edges() []Edge { return appendEdges(nil, n.Next, n.NoAgent, n.Timeout, n.Full) }

// Run waits in the queue until the call leaves it.
func (n *QueueNode) Run(ctx context.Context, c Call) (string, error) {
	req := QueueRequest{Queue: n.Queue, MaxWait: n.MaxWait, Priority: n.Priority, Announce: n.Announce}
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
	case QueueFull:
		return EdgeFull, nil
	}
	return "", fmt.Errorf("queue %q: unexpected outcome %v", n.Queue.Name, res.Outcome)
}
